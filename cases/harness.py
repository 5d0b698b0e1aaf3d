"""Run one conformance target and judge it: the logic behind every generated test.

A *target* is one (case, adapter, probe). Its *record* is the JSON result: what was called,
the reference and actual trajectories, the comparison, and the outcome (see
``reports.results.OUTCOMES``). No pytest here: the plugin turns records into test outcomes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from adapters._base import Adapter, NotExpressible, Plan, Trajectory, distribution_version, import_problem
from reports.results import encode_floats, encode_steps

from .catalogue import Case, Tolerance
from .compare import Comparison, compare
from .expectations import Expectation, ExpectationSet
from .vocabulary import HintError

__all__ = ["Harness", "Target", "build_targets"]


@dataclass(frozen=True)
class Target:
    """One generated test: a case, an adapter and one of the adapter's probes."""

    case: Case
    adapter: str
    probe: str
    plan: Plan | None
    problem: str  # why there is no plan (not expressible / mapping failure), else ""
    problem_outcome: str  # "not_expressible" or "error"
    expectation: Expectation | None

    @property
    def column(self) -> str:
        return self.adapter if self.probe == "schedule" else f"{self.adapter}.{self.probe}"

    @property
    def id(self) -> str:
        return f"{self.case.id}-{self.column}"


def build_targets(case: Case, adapter: Adapter, expectations: ExpectationSet) -> list[Target]:
    """The targets of one case for one adapter: one per probe, or one explaining why there are none.

    A hint that does not fit the case is the catalogue's error (:class:`~cases.catalogue.CaseFileError`), not a target.
    """

    def target(probe: str, plan: Plan | None, problem: str = "", outcome: str = "") -> Target:
        test_id = f"{case.id}-{adapter.name}" + ("" if probe == "schedule" else f".{probe}")
        return Target(case, adapter.name, probe, plan, problem, outcome, expectations.lookup(test_id))

    try:
        plan = adapter.plan(case)
    except HintError as exc:
        raise case.error(exc.field, exc.problem) from None
    except NotExpressible as exc:
        return [target("schedule", None, str(exc), "not_expressible")]
    except Exception as exc:  # a mapping bug must show up as a failing test, not vanish
        return [target("schedule", None, f"{adapter.name} mapping failed: {type(exc).__name__}: {exc}", "error")]
    return [target(probe, plan) for probe in plan.probes]


class Harness:
    """Runs targets (each adapter run once per case, shared by its probes) and keeps the records."""

    def __init__(self, adapters: Mapping[str, Adapter], tolerances: Mapping[str, Tolerance]):
        self.adapters = dict(adapters)
        self.tolerances = dict(tolerances)
        self.records: list[dict[str, Any]] = []
        self._problems: dict[str, str | None] = {}
        self._runs: dict[tuple[str, str], Mapping[str, Trajectory] | str] = {}

    def problem(self, adapter: str) -> str | None:
        """Why an adapter's framework cannot run here (``None`` when it can)."""
        if adapter not in self._problems:
            self._problems[adapter] = import_problem(self.adapters[adapter].module)
        return self._problems[adapter]

    def adapter_info(self) -> dict[str, dict[str, Any]]:
        return {
            name: {"version": distribution_version(a.distribution), "problem": self.problem(name)}
            for name, a in self.adapters.items()
        }

    def tolerance(self, case: Case, dtype: str) -> Tolerance:
        if dtype in case.tolerance:
            return case.tolerance[dtype]
        if dtype not in self.tolerances:
            raise KeyError(f"no tolerance for dtype {dtype!r}: add it to the tolerance table")
        return self.tolerances[dtype]

    def _trajectories(self, target: Target) -> Mapping[str, Trajectory] | str:
        key = (target.adapter, target.case.id)
        if key not in self._runs:
            try:
                self._runs[key] = self.adapters[target.adapter].run(target.case, target.plan)
            except Exception as exc:
                self._runs[key] = f"{type(exc).__name__}: {exc}"
        return self._runs[key]

    def check(self, target: Target) -> dict[str, Any]:
        """Run and judge one target; append and return its record."""
        started = time.perf_counter()
        record = self._base_record(target)
        if target.plan is None:
            record.update(outcome=target.problem_outcome, reason=target.problem)
        elif problem := self.problem(target.adapter):
            record.update(outcome="skipped", reason=problem)
        else:
            runs = self._trajectories(target)
            if isinstance(runs, str):
                record.update(outcome="error", reason=f"{target.adapter} adapter failed: {runs}")
            else:
                self._judge(target, runs[target.probe], record)
        record["duration_s"] = round(time.perf_counter() - started, 6)
        self.records.append(record)
        return record

    def _base_record(self, target: Target) -> dict[str, Any]:
        case, plan, adapter = target.case, target.plan, self.adapters[target.adapter]
        exp = target.expectation
        return {
            "id": target.id,
            "case": case.id,
            "formula": case.formula,
            "family": case.family,
            "params": dict(case.params),
            "source": case.source,
            "origin": case.origin,
            "about": case.about,
            "framework": target.adapter,
            "column": target.column,
            "probe": target.probe,
            "framework_version": distribution_version(adapter.distribution),
            "api": plan.api if plan else None,
            "kwargs": dict(plan.kwargs) if plan else None,
            "setup": dict(plan.setup) if plan else None,
            "repro": plan.repro if plan else None,
            "mapping_note": plan.note if plan else "",
            "steps": encode_steps(case.steps),
            "expectation": {"id": exp.id, "reason": exp.reason, "link": exp.link, "source": exp.source}
            if exp
            else None,
        }

    def _judge(self, target: Target, run: Trajectory, record: dict[str, Any]) -> None:
        case = target.case
        expected = case.reference()
        tol = self.tolerance(case, run.dtype)
        comparison = compare(case.steps, run.values, expected, tol, case.reference)
        record.update(
            reference=encode_floats(expected),
            actual=encode_floats(run.values),
            dtype=run.dtype,
            rtol=comparison.rtol,
            atol=comparison.atol,
            tolerance_reason=tol.reason,
            max_abs_err=_finite_or_str(comparison.max_abs_err),
            max_rel_err=_finite_or_str(comparison.max_rel_err),
            first_divergent_step=comparison.first_divergent_step,
            divergent_steps=comparison.divergent_steps,
            shift=comparison.shift,
            error=run.error,
            warnings=list(run.warnings),
        )
        agrees = comparison.agrees and run.error is None
        message = _message(comparison, run, case.steps)
        exp = target.expectation
        if exp is None:
            record.update(outcome="agree" if agrees else "diverge", reason=message)
        elif agrees:
            record.update(
                outcome="fixed_divergence",
                reason=f"documented as diverging ({exp.describe()}) but now agrees with the reference: "
                "remove the entry",
            )
        else:
            mismatch = _expectation_mismatch(exp, comparison, run)
            record.update(
                outcome="diverge" if mismatch else "documented_divergence",
                reason=f"{mismatch}\n{message}" if mismatch else f"{exp.reason} ({exp.link})\n{message}",
            )


def _finite_or_str(value: float) -> float | str:
    return value if np.isfinite(value) else encode_floats([value])[0]


def _message(comparison: Comparison, run: Trajectory, steps: np.ndarray) -> str:
    if run.error is None:
        return comparison.message
    reached = int(np.sum(~np.isnan(run.values)))
    where = f"after step {steps[reached - 1]}" if reached else "before the first step"
    return f"the run raised {run.error} ({where})" + (f"\n{comparison.message}" if comparison.message else "")


def _expectation_mismatch(exp: Expectation, comparison: Comparison, run: Trajectory) -> str:
    """Why a divergence does not match its documentation ("" when it does)."""
    if exp.first_divergent_step is not None and comparison.first_divergent_step != exp.first_divergent_step:
        return (
            f"the divergence changed: {exp.describe()} says it starts at step {exp.first_divergent_step}, "
            f"it now starts at step {comparison.first_divergent_step}; update or remove the entry"
        )
    if exp.error is not None and (run.error is None or exp.error not in run.error):
        return f"the divergence changed: {exp.describe()} expects an error containing {exp.error!r}, got {run.error!r}"
    return ""
