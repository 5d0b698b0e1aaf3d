"""Synthetic result files for the report's tests: real catalogue cases judged by the real harness.

A :class:`SyntheticAdapter` pretends to be a framework: its trajectory for a case is the NumPy
reference transformed by a named behaviour (:data:`BEHAVIOURS`), chosen per case (for an invalid-parameter
case, which has no reference, :func:`_invalid_run`). The harness
compares it with the reference exactly as it does for a real framework, and
``reports.results.write_results`` writes the file, so the records have every field, and every
number in them comes from the reference and the harness, not from the code under test.

``python -m tests.report_synthetic OUT --copies 4 --runs 6`` writes a large result set (each
case repeated ``copies`` times under new ids, for ``runs`` pretend frameworks), to measure the
report at the size of the full matrix.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from cases.catalogue import load_catalogue, load_tolerances
from cases.expectations import Expectation, ExpectationSet
from cases.harness import Harness, build_targets
from cases.isolation import InProcess
from model.adapter import NotExpressible, Plan, Probe, Trajectory
from model.case import Case
from reports.results import write_results

ROOT = Path(__file__).resolve().parent.parent
SCALE = 1 + 1e-3  # the "scaled" behaviour's factor: a relative error of exactly 1e-3, up to rounding
NUDGE = 1 + 1e-13  # the "nudged" behaviour's factor: within the float64 tolerance (rtol 1e-12)
FAILURE = "RuntimeError: synthetic failure half-way"


def _late(case: Case) -> np.ndarray:
    return case.reference(np.maximum(case.steps - 1, 0))


def _raise(case: Case) -> np.ndarray:
    values = case.reference().copy()
    values[values.size // 2 :] = np.nan
    return values


#: behaviour -> the trajectory it produces for a case (``not_expressible`` plans nothing).
BEHAVIOURS: dict[str, Callable[[Case], np.ndarray]] = {
    "agree": lambda case: case.reference(),
    "late": _late,
    "scaled": lambda case: case.reference() * SCALE,
    "scaled_twice": lambda case: case.reference() * SCALE**2,
    "nudged": lambda case: case.reference() * NUDGE,
    "raise": _raise,
}


def _invalid_run(behaviour: str, case: Case) -> Trajectory:
    """An invalid-parameter case (no reference): ``rejects`` raises at construction, ``raise`` half-way,
    ``non_finite`` returns NaN from the second step; any other behaviour is ``silent``, returning 0.1."""
    values, size = np.full(case.steps.size, 0.1), case.steps.size
    if behaviour == "rejects":
        return Trajectory(np.full(size, np.nan), "float64", "ValueError: synthetic rejection", (), "construction", 0)
    if behaviour == "raise":
        values[size // 2 :] = np.nan
        return Trajectory(values, "float64", FAILURE, (), "", size // 2)
    if behaviour == "non_finite":
        values[1:] = np.nan
    return Trajectory(values, "float64")


def catalogue(copies: int = 1) -> list[Case]:
    """The real catalogue; with ``copies`` > 1, each case again under ids ending ``-copy<k>``."""
    cases = load_catalogue(ROOT / "cases" / "catalogue", root=ROOT)
    return cases + [dataclasses.replace(c, id=f"{c.id}-copy{k}") for k in range(1, copies) for c in cases]


class SyntheticAdapter:
    """A pretend framework; ``behaviour(case)`` names what it does with each case."""

    distribution = "numpy"
    module = "numpy"
    import_source = ""

    def __init__(self, name: str, behaviour: Callable[[Case], str], probes: tuple[str, ...] = ("schedule", "applied")):
        self.name, self.behaviour, self.probes = name, behaviour, probes

    def plan(self, case: Case) -> Plan:
        behaviour = self.behaviour(case)
        if behaviour == "not_expressible":
            raise NotExpressible(f"{self.name} has no scheduler for {case.formula}")
        repro = f"# {self.name}: the reference of {case.id}, {behaviour}\nimport numpy\n"
        kwargs = {"params": dict(case.params), "behaviour": behaviour}
        return Plan(
            api=f"synthetic.{self.name}.{case.formula}",
            kwargs=kwargs,
            setup={},
            repro=repro,
            probes=tuple(Probe(name) for name in self.probes),
        )

    def run(self, case: Case, plan: Plan) -> Mapping[str, Trajectory]:
        behaviour = plan.kwargs["behaviour"]
        if case.invalid:
            return {p: _invalid_run(behaviour, case) for p in plan.probe_names}
        error = FAILURE if behaviour == "raise" else None
        return {p: Trajectory(BEHAVIOURS[behaviour](case), "float64", error) for p in plan.probe_names}


def synthetic_run(
    path: Path,
    name: str,
    behaviour: Callable[[Case], str],
    *,
    cases: Iterable[Case] | None = None,
    adapter: str | None = None,
    version: str = "1.0.0",
    expectations: Iterable[Expectation] = (),
    probes: tuple[str, ...] = ("schedule", "applied"),
) -> dict[str, Any]:
    """Judge every case for a pretend framework ``adapter`` (default: ``name``) and write run ``name`` to ``path``."""
    fake = InProcess(SyntheticAdapter(adapter or name, behaviour, probes))
    harness = Harness({fake.name: fake}, load_tolerances(ROOT / "cases" / "tolerances.toml"))
    documented = ExpectationSet(expectations)
    for case in catalogue() if cases is None else cases:
        for target in build_targets(case, fake, documented):
            harness.check(target)["framework_version"] = version
    adapters = {fake.name: {"version": version, "problem": None}}
    return write_results(
        path, records=harness.records, run={"name": name, "frameworks": [fake.name], "argv": []}, adapters=adapters
    )


def by_family(behaviours: Mapping[str, str], default: str = "agree") -> Callable[[Case], str]:
    """A behaviour per family (``default`` for the others)."""
    return lambda case: behaviours.get(case.family, default)


def main() -> None:
    parser = argparse.ArgumentParser(description="write a large synthetic result set")
    parser.add_argument("out", type=Path)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    cases = catalogue(args.copies)
    mixes = [{}, {"cosine": "late"}, {"exponential": "scaled"}, {"polynomial": "not_expressible"}, {"cyclic": "raise"}]
    for index in range(args.runs):
        name = f"synthetic{index}"
        envelope = synthetic_run(
            args.out / name / "results.json", name, by_family(mixes[index % len(mixes)]), cases=cases
        )
        print(f"{name}: {len(envelope['results'])} results")


if __name__ == "__main__":
    main()
