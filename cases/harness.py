"""Run one conformance target and judge it: the logic behind every generated test.

A *target* is one (case, adapter, probe). Its *record* is the JSON result: what was called,
the reference and actual trajectories, the comparison, and the outcome (see
``reports.results.OUTCOMES``). No pytest here: the plugin turns records into test outcomes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from model.adapter import NotExpressible, Plan, Trajectory, distribution_version
from model.case import Case, Tolerance
from model.hints import HintError
from model.platform import machine_facts
from model.records import encode_data, encode_floats, encode_steps

from .behaviour import Behaviour, classify
from .compare import Comparison, compare
from .contract import ContractError
from .expectations import Expectation, ExpectationSet
from .isolation import AdapterFailure, Runner
from .platform_scope import fact

__all__ = ["Harness", "Target", "build_targets", "runner_key"]


@dataclass(frozen=True)
class Target:
    """One generated test: a case, an adapter and one of the adapter's probes."""

    case: Case
    adapter: str
    probe: str
    plan: Plan | None
    problem: str  # why there is no plan (not expressible, mapping failure, crash, timeout), else ""
    problem_outcome: str  # "not_expressible", "error", "crashed" or "timeout"
    expectation: Expectation | None
    kernel: str = ""  # a kernel variant's name (model.platform.KERNEL_VARIANTS), "" for the default

    @property
    def runner(self) -> str:
        """The key of the runner that runs this target: ``adapter`` or ``adapter@kernel``."""
        return runner_key(self.adapter, self.kernel)

    @property
    def column(self) -> str:
        probe = "" if self.probe == "schedule" else f".{self.probe}"
        return f"{self.adapter}{probe}" + (f"@{self.kernel}" if self.kernel else "")

    @property
    def id(self) -> str:
        return f"{self.case.id}-{self.column}"


def runner_key(adapter: str, kernel: str = "") -> str:
    """How runners are keyed: the adapter's name, with ``@kernel`` for a kernel variant."""
    return f"{adapter}@{kernel}" if kernel else adapter


def build_targets(case: Case, runner: Runner, expectations: ExpectationSet) -> list[Target]:
    """The targets of one case for one runner: one per probe, or one explaining why there are none.

    A hint that does not fit the case is the catalogue's error (:class:`~cases.catalogue.CaseFileError`), not a target.
    A kernel variant resumes too: the restored run computes its rates on that variant's kernels.
    """

    def target(probe: str, plan: Plan | None, problem: str = "", outcome: str = "") -> Target:
        made = Target(case, runner.name, probe, plan, problem, outcome, None, runner.kernel)
        default = replace(made, kernel="")  # an entry for the default kernels documents every kernel variant too
        return replace(made, expectation=expectations.lookup(made.id) or expectations.lookup(default.id))

    try:
        plan = runner.plan(case)
    except HintError as exc:
        raise case.error(exc.field, exc.problem) from None
    except NotExpressible as exc:
        return [target("schedule", None, str(exc), "not_expressible")]
    except AdapterFailure as exc:
        return [target("schedule", None, exc.reason, exc.outcome)]
    return [target(probe, plan) for probe in plan.probe_names]


class Harness:
    """Runs targets (each adapter run once per case, shared by its probes) and keeps the records.

    ``runners`` run each adapter's code (:mod:`cases.isolation`): a failure there costs the case
    it happened in, never the run.
    """

    def __init__(self, runners: Mapping[str, Runner], tolerances: Mapping[str, Tolerance]):
        self.runners = dict(runners)
        self.tolerances = dict(tolerances)
        self.records: list[dict[str, Any]] = []
        self.machine = machine_facts()
        #: Each runner's framework version, read once: reading it scans the installed distributions (milliseconds),
        #: and every record names it.
        self.versions = {key: distribution_version(runner.adapter.distribution) for key, runner in self.runners.items()}
        self._info: dict[str, dict[str, Any]] = {}
        self._runs: dict[tuple[str, str], Mapping[str, Trajectory] | AdapterFailure] = {}

    def info(self, adapter: str) -> dict[str, Any]:
        """Whether the adapter's framework imports (``problem``; ``outcome`` when it cannot run
        its cases: ``skipped``, ``crashed`` or ``timeout``) and its platform ``facts``."""
        if adapter not in self._info:
            try:
                found = self.runners[adapter].info()
                outcome = "skipped" if found["problem"] else None
                self._info[adapter] = {"problem": found["problem"], "outcome": outcome, "facts": found["facts"]}
            except AdapterFailure as exc:
                self._info[adapter] = {"problem": exc.reason, "outcome": exc.outcome, "facts": {}}
        return self._info[adapter]

    def declared_info(self) -> dict[str, dict[str, Any]]:
        """Per runner key: what is known without importing the framework (its version, its kernel choice)."""
        return {key: {"version": self.versions[key], "kernel": runner.env} for key, runner in self.runners.items()}

    def adapter_info(self) -> dict[str, dict[str, Any]]:
        """Per runner key: the framework's version, whether it runs here, its platform facts, its kernel choice."""
        return {key: {**declared, **self.info(key)} for key, declared in self.declared_info().items()}

    def same_kernels(self, target: Target) -> str:
        """For a kernel variant: why it would compute what the default run computes ("" when it would not)."""
        framework = getattr(self.runners[target.runner].adapter, "kernels", None)
        mine, default = (self.info(key)["facts"].get(framework) for key in (target.runner, target.adapter))
        if not target.kernel or mine is None or mine != default:  # no facts: nothing says they are the same
            return ""
        return f"on this machine the default {framework} kernels are already these ({framework}: {mine})"

    def close(self) -> None:
        """Stop every adapter's worker."""
        for runner in self.runners.values():
            runner.close()

    def tolerance(self, case: Case, dtype: str) -> Tolerance:
        if dtype in case.tolerance:
            return case.tolerance[dtype]
        if dtype not in self.tolerances:
            known = sorted({*self.tolerances, *case.tolerance})
            raise ContractError(f"the adapter reports dtype {dtype!r}, which has no tolerance (known: {known})")
        return self.tolerances[dtype]

    def _trajectories(self, target: Target) -> Mapping[str, Trajectory] | AdapterFailure:
        key = (target.runner, target.case.id)
        if key not in self._runs:
            try:
                self._runs[key] = self.runners[target.runner].run(target.case, target.plan)
            except AdapterFailure as exc:
                self._runs[key] = exc
        return self._runs[key]

    def check(self, target: Target) -> dict[str, Any]:
        """Run and judge one target; append and return its record."""
        started = time.perf_counter()
        record = self._base_record(target)
        info = self.info(target.runner) if target.plan is not None else {}
        if target.plan is None:
            record.update(outcome=target.problem_outcome, reason=target.problem)
        elif info["outcome"]:
            record.update(outcome=info["outcome"], reason=info["problem"])
        elif same := self.same_kernels(target):
            record.update(outcome="skipped", reason=same)
        else:
            runs = self._trajectories(target)
            if isinstance(runs, AdapterFailure):
                record.update(outcome=runs.outcome, reason=runs.reason)
            else:
                try:
                    self._judge(target, runs[target.probe], record, {"machine": self.machine, **info["facts"]})
                except ContractError as exc:
                    record.update(outcome="error", reason=f"{target.adapter} adapter broke its contract: {exc}")
        record["duration_s"] = round(time.perf_counter() - started, 6)
        self.records.append(record)
        return record

    def _base_record(self, target: Target) -> dict[str, Any]:
        case, plan = target.case, target.plan
        exp = target.expectation
        return {
            "id": target.id,
            "case": case.id,
            "formula": case.formula,
            "family": case.family,
            "params": encode_data(case.params),
            "source": case.source,
            "origin": case.origin,
            "about": case.about,
            "adapter": target.adapter,
            "column": target.column,
            "probe": target.probe,
            "kernel": target.kernel or None,
            "framework_version": self.versions[target.runner],
            "api": plan.api if plan else None,
            "kwargs": encode_data(plan.kwargs) if plan else None,
            "setup": encode_data(plan.setup) if plan else None,
            "repro": plan.repro if plan else None,
            "mapping_note": plan.note if plan else "",
            "steps": encode_steps(case.steps),
            **({"invalid": case.invalid} if case.invalid else {}),
            "expectation": {
                "id": exp.id,
                "reason": exp.reason,
                "link": exp.link,
                "source": exp.source,
                "platform": exp.platform.describe() if exp.platform else None,
                **({"behaviour": exp.behaviour, "claim": exp.claim} if exp.behaviour else {}),
            }
            if exp
            else None,
        }

    def _judge(self, target: Target, run: Trajectory, record: dict[str, Any], facts: Mapping[str, Any]) -> None:
        """Compare with the reference and decide the outcome; ``facts`` decide platform-scoped expectations."""
        case = target.case
        if case.invalid:
            return _judge_invalid(target, run, record)
        if target.expectation is not None and target.expectation.behaviour is not None:
            record.update(outcome="error", reason=f"{target.expectation.describe()} pins a behaviour class, but "
                          f"{case.id!r} is no invalid-parameter case: remove 'behaviour' or the entry")  # fmt: skip
            return None
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
        scope = exp.platform if exp else None
        if scope is not None:
            record["platform"] = {path: fact(facts, path) for path, _ in scope.facts}
        if exp is None or (scope and not scope.holds(facts) and (agrees or scope.elsewhere == "agree")):
            elsewhere = (
                f"\n{exp.describe()} documents a divergence only where {scope.describe()}; here {record['platform']}"
                if scope
                else ""
            )
            record.update(outcome="agree" if agrees else "diverge", reason=message + ("" if agrees else elsewhere))
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


def _judge_invalid(target: Target, run: Trajectory, record: dict[str, Any]) -> None:
    """An invalid-parameter case: the run's behaviour class is the outcome (a passing one), unless an expectation
    entry pins another class, another error or another step (``behaviour_changed``, failing)."""
    found = classify(target.case.steps, run)
    record.update(
        actual=encode_floats(run.values),
        dtype=run.dtype,
        error=run.error,
        warnings=list(run.warnings),
        behaviour=found.name,
        behaviour_step=found.step,
        reason=found.detail,
    )
    exp = target.expectation
    if exp is None:
        record["outcome"] = found.name
        return
    mismatch = _behaviour_mismatch(exp, found, run)
    record.update(
        outcome="behaviour_changed" if mismatch else found.name,
        reason=f"{mismatch}\n{found.detail}" if mismatch else f"{exp.reason} ({exp.link})\n{found.detail}",
    )


def _behaviour_mismatch(exp: Expectation, found: Behaviour, run: Trajectory) -> str:
    """Why a run of an invalid-parameter case is not what its entry pins ("" when it is)."""
    if exp.behaviour is None:
        return f"{exp.describe()} pins no behaviour class: an invalid-parameter case's entry needs 'behaviour'"
    if found.name != exp.behaviour:
        return f"the behaviour changed: {exp.describe()} pins {exp.behaviour!r}, the run is {found.name!r}"
    if exp.first_divergent_step is not None and found.step != exp.first_divergent_step:
        return (f"the behaviour changed: {exp.describe()} pins step {exp.first_divergent_step}, it now shows at "
                f"step {found.step}")  # fmt: skip
    if exp.error is not None and (run.error is None or exp.error not in run.error):
        return f"the behaviour changed: {exp.describe()} expects an error containing {exp.error!r}, got {run.error!r}"
    return ""


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
