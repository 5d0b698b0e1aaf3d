"""Invalid-parameter cases: loading checks the reference rejects them, planning fills them in unchecked, runs are
classed (rejects, raises_late, non_finite, silent), entries pin a class strictly, the report's table and the diff."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import reference
from adapters import REGISTRY, load_adapter
from adapters._base import Call, Mapped, ProgramAdapter, construction_span, picked, run_program
from cases.behaviour import classify
from cases.catalogue import load_catalogue
from cases.expectations import Expectation
from cases.harness import Target, _judge_invalid
from model.adapter import NotExpressible, Plan, Probe, Trajectory
from model.errors import CaseFileError
from reports import diff, merge
from reports.invalid import build_invalid
from reports.render import change_plot, render_diff, render_report
from reports.validate import check_record
from tests.report_synthetic import catalogue, synthetic_run

ROOT = Path(__file__).resolve().parent.parent
CASES = load_catalogue(ROOT / "cases" / "catalogue", root=ROOT)
INVALID = [c for c in CASES if c.invalid]
STEPS = np.arange(6)


def _load(tmp_path: Path, row: str) -> list:
    folder = tmp_path / "catalogue"
    folder.mkdir(exist_ok=True)
    (folder / "invalid.toml").write_text(f'[[case]]\nid = "bad"\nformula = "cosine"\nsteps = {{ stop = 5 }}\n{row}\n')
    return load_catalogue(folder, root=tmp_path)


def test_the_catalogue_has_forty_invalid_cases_each_rejected_for_its_parameter() -> None:
    assert len(INVALID) >= 40
    for case in INVALID:
        with pytest.raises(ValueError, match=case.invalid):
            reference.build({"formula": case.formula, **case.params})
        assert case.family == f"invalid {case.formula}"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('invalid = "decay_steps"\nparams = { init_lr = 0.1, decay_steps = 10 }',
         "catalogue/invalid.toml: case #1 ('bad'): field 'invalid': the reference accepts these parameters, "
         "'decay_steps' included"),
        ('invalid = "init_lr"\nparams = { init_lr = 0.1, decay_steps = 0 }',
         "field 'invalid': the reference rejects another parameter than 'init_lr': cosine: decay_steps must be > 0"),
        ('invalid = ""\nparams = { init_lr = 0.1, decay_steps = 0 }', "field 'invalid': must name the parameter"),
        ('invalid = "decay_steps"\nresume = [2]\nparams = { init_lr = 0.1, decay_steps = 0 }',
         "field 'resume': an invalid-parameter case has no reference trajectory"),
    ],
)  # fmt: skip
def test_an_invalid_row_the_reference_does_not_reject_for_its_parameter_is_a_catalogue_error(
    tmp_path: Path, row: str, message: str
) -> None:
    with pytest.raises(CaseFileError, match=None) as caught:
        _load(tmp_path, row)
    assert message in str(caught.value)


def test_an_invalid_row_loads_with_its_own_family(tmp_path: Path) -> None:
    (case,) = _load(tmp_path, 'invalid = "decay_steps"\nparams = { init_lr = 0.1, decay_steps = 0 }')
    assert (case.invalid, case.family) == ("decay_steps", "invalid cosine")


def test_fill_completes_without_validating_and_complete_still_validates() -> None:
    spec = {"formula": "cyclic", "base_lr": 0.1, "max_lr": 1.0, "step_size_up": -4}
    assert reference.fill(spec)["step_size_down"] == -4
    assert reference.fill(spec)["scale_mode"] == "cycle"
    with pytest.raises(ValueError, match="step_size_up must be > 0"):
        reference.complete(spec)
    with pytest.raises(ValueError, match="unknown parameter"):
        reference.fill({**spec, "typo": 1})
    assert reference.fill({**spec, "mode": "zigzag"})["scale_mode"] is None, "implied by a mode out of the domain"


_PROGRAM = """\
class Schedule:
    def __init__(self, k):
        self.k = 1 / k if {check} else k
    def __call__(self, t):
        if t >= {late}:
            raise OverflowError("late")
        return {value}
values = []
schedule = Schedule(k={k})
for t in range(6):
    values.append(schedule(t))
"""


def _run(k: float = 2.0, check: bool = False, late: int = 99, value: str = "self.k * t") -> Trajectory:
    source = _PROGRAM.format(k=k, check=check, late=late, value=value)
    ran = run_program(source, "<test>", ("values",), f"Schedule(k={k})")
    return picked(Probe("values"), ran, STEPS)


def test_each_behaviour_class_with_its_step() -> None:
    rejected = classify(STEPS, _run(k=0.0, check=True))
    assert (rejected.name, rejected.step, rejected.detail) == (
        "rejects", None, "rejected at construction: ZeroDivisionError: float division by zero")  # fmt: skip
    first = classify(STEPS, _run(late=0))
    assert (first.name, first.step, first.detail) == ("raises_late", 0, "accepted; the first call raised "
                                                      "OverflowError: late")  # fmt: skip
    late = classify(STEPS, _run(late=3))
    assert (late.name, late.step) == ("raises_late", 3)
    assert late.detail == "accepted; raised OverflowError: late at step 3"
    nan = classify(STEPS, _run(value="float('nan') if t >= 2 else 1.0"))
    assert (nan.name, nan.step, nan.detail) == ("non_finite", 2, "returned nan from step 2")
    silent = classify(STEPS, _run(k=-0.5))
    assert (silent.name, silent.step) == ("silent", None)
    assert silent.detail == "accepted; finite rates at every step: -0, -0.5, -1, -1.5, ..."


def test_the_construction_is_found_by_its_first_line_however_the_program_indents_the_rest() -> None:
    source = "import x\nopt = x.SGD()\ndef make():\n    return x.Make(\n        a=1,\n    )\ns = make()\n"
    assert construction_span(source, "x.Make(\n    a=1,\n)") == (4, 6)
    assert construction_span(source, "y.Other()") is None


@pytest.mark.parametrize(
    ("program", "constructed"),
    [
        ("import math\nrate = math.sqrt(-1)\ns = Make(rate)\nvalues = [s]", True),  # the setup before it
        ("def make():\n    return Make(1 / 0)\nvalues = [make()]", True),  # inside a function called later
        ("s = Make(f=lambda t: 1 / t)\nvalues = [s.f(0)]", False),  # a lambda written in the call, called later
        ("s = Make(1)\nvalues = [1 / 0]", False),  # a later statement
    ],
)
def test_an_error_is_the_constructions_when_a_frame_of_the_program_stood_in_it(program: str, constructed: bool) -> None:
    source = "class Make:\n    def __init__(self, *a, f=None):\n        self.f = f\n" + program
    construction = next(line for line in program.splitlines() if "Make(" in line).split("Make(", 1)[1]
    ran = run_program(source, "<test>", ("values",), "Make(" + construction)
    assert ran.error is not None and ran.in_construction is constructed


class _Dividing(ProgramAdapter):
    """An adapter whose only binding divides by the case's decay steps."""

    name, distribution, module, what, namespace = "dividing", "numpy", "numpy", "divider", "d"
    bindings: ClassVar = {"cosine": (("Cos", lambda p, ctx: Mapped(Call("Cos", {"rate": 1 / p["decay_steps"]}))),)}

    def render(self, call: Call, indent: str = "") -> str:
        return f"Cos({call.arguments()})"

    def program(self, case, mapped, ctx):  # type: ignore[no-untyped-def]
        return f"values = [{self.render(mapped.call)}]", {}, (Probe("schedule"),), ""


def test_a_binding_that_fails_on_invalid_values_is_not_expressible_and_a_bug_elsewhere(tmp_path: Path) -> None:
    (case,) = _load(tmp_path, 'invalid = "decay_steps"\nparams = { init_lr = 0.1, decay_steps = 0 }')
    with pytest.raises(NotExpressible, match="Cos: the mapping cannot write the call: ZeroDivisionError"):
        _Dividing().plan(case)
    valid = next(c for c in CASES if c.formula == "cosine" and not c.invalid)
    plan = _Dividing().plan(valid)
    assert plan.construction == "Cos(rate=0.01)" and plan.construction in plan.repro
    with pytest.raises(ZeroDivisionError):
        _Dividing().map({"formula": "cosine", "decay_steps": 0}, _Dividing().context(valid))


def _plan(adapter: ProgramAdapter, case) -> Plan | None:  # type: ignore[no-untyped-def]
    """The adapter's plan of the case, ``None`` when it cannot express it."""
    try:
        return adapter.plan(case) if case.applies_to(adapter.name) else None
    except NotExpressible:
        return None


def test_every_adapter_writes_its_constructor_call_into_its_program() -> None:
    """The skeleton tells construction from later calls by the rendered call's lines: it must be in the program."""
    for spec in REGISTRY.values():
        adapter = load_adapter(spec)
        plans = {case.id: plan for case in CASES if (plan := _plan(adapter, case))}
        assert plans, adapter.name
        assert [i for i, plan in plans.items() if not construction_span(plan.repro, plan.construction)] == []


def _target(case, pinned: Expectation | None) -> Target:  # type: ignore[no-untyped-def]
    return Target(case, "fw", "schedule", None, "", "", pinned)


def _entry(**fields) -> Expectation:  # type: ignore[no-untyped-def]
    return Expectation(("*",), "documented", "https://example.org/doc", "tests", **fields)


@pytest.mark.parametrize(
    ("pinned", "outcome", "reason"),
    [
        (None, "rejects", "rejected at construction: ZeroDivisionError: float division by zero"),
        (_entry(behaviour="rejects", error="ZeroDivision"), "rejects", "documented (https://example.org/doc)\n"),
        (_entry(behaviour="silent"), "behaviour_changed", "the behaviour changed: entry id='*' in tests pins 'silent', "
         "the run is 'rejects'"),
        (_entry(behaviour="rejects", error="ValueError"), "behaviour_changed", "expects an error containing "
         "'ValueError', got 'ZeroDivisionError: float division by zero'"),
        (_entry(), "behaviour_changed", "pins no behaviour class"),
    ],
)  # fmt: skip
def test_an_entry_pins_the_behaviour_class_strictly(pinned: Expectation | None, outcome: str, reason: str) -> None:
    record: dict = {}
    _judge_invalid(_target(INVALID[0], pinned), _run(k=0.0, check=True), record)
    assert record["outcome"] == outcome
    assert record["behaviour"] == "rejects"
    assert reason in record["reason"]


def test_an_entry_pins_the_step_a_late_behaviour_shows_from() -> None:
    record: dict = {}
    _judge_invalid(_target(INVALID[0], _entry(behaviour="raises_late", first_divergent_step=4)), _run(late=3), record)
    assert record["outcome"] == "behaviour_changed"
    assert "pins step 4, it now shows at step 3" in record["reason"]


FAMILY = "invalid step_decay"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    """Run ``fw`` silent on every invalid case, then (``fw`` 2.0) rejecting step decay's, raising on cosine's."""
    out = tmp_path_factory.mktemp("invalid")
    cases = [c for c in catalogue() if c.invalid]
    synthetic_run(out / "old" / "results.json", "fw", lambda c: "agree", adapter="fw", cases=cases)
    new = {FAMILY: "rejects", "invalid cosine": "raise", "invalid constant": "non_finite"}
    synthetic_run(out / "new" / "results.json", "fw", lambda c: new.get(c.family, "agree"), adapter="fw",
                  cases=cases, version="2.0.0")  # fmt: skip
    return out / "old", out / "new"


def test_records_of_invalid_cases_pass_the_result_checks_and_a_bad_class_does_not(runs) -> None:
    records = merge.load([runs[1]]).runs[0].records
    for index, record in enumerate(records):
        check_record(record, f"record #{index}", set())
    bad = {**records[0], "behaviour": "quiet"}
    with pytest.raises(ValueError, match="field 'behaviour': must be one of rejects, raises_late, non_finite, silent"):
        check_record(bad, "record #1", set())


def test_the_diff_reports_behaviour_class_changes(runs) -> None:
    found = diff.compare_sets(merge.load([runs[0]]), merge.load([runs[1]]))
    steps = [c for c in found.changes if c.id.startswith("invalid-step[k0]-fw")]
    assert {(c.kind, c.what) for c in steps} == {("behaviour", "behaviour class silent -> rejects; error none -> "
                                                  "ValueError: synthetic rejection")}  # fmt: skip
    constant = next(c for c in found.changes if c.id == "invalid-constant[nan]-fw")
    assert (constant.kind, constant.what) == ("behaviour", "behaviour class silent -> non_finite; behaviour step "
                                              "none -> 1")  # fmt: skip
    assert not found.regressions
    assert "BEHAVIOUR  fw  invalid-step[k0]-fw: behaviour class silent -> rejects" in diff.text(found, "a", "b")
    silent = [c for c in found.changes if c.old and c.new and c.old.get("actual") and c.new.get("actual")]
    assert silent and all(change_plot(c) is None for c in silent)  # values, but no reference or tolerance to draw
    assert "behaviour class silent -&gt; non_finite" in render_diff(found, old="a", new="b")


def test_the_report_has_a_row_per_invalid_case_and_a_column_per_adapter(runs) -> None:
    merged = merge.merged_envelope(merge.load([runs[1]]))
    table = build_invalid(merged["results"])
    assert len(table.rows) == len(INVALID)
    assert table.columns == [("fw", "fw")]
    assert table.totals[("fw", "fw")] == {"rejects": 6, "raises_late": 5, "non_finite": 2, "silent": 43}
    row = next(r for r in table.rows if r.case == "invalid-step[k0]")
    cell = row.cells[("fw", "fw")]
    assert (row.invalid, cell.behaviour, [p for p, _ in cell.others]) == ("step_size", "rejects", [])
    page = render_report(merged)
    assert '<h2 id="invalid">Invalid parameters</h2>' in page
    assert '<td class="num">6 / 5 / 2 / 43</td>' in page


def test_a_run_is_classed_by_the_values_it_reached() -> None:
    """Adapters that pad with NaN after a failure without counting (``reached`` unset) are read from the padding; one
    that counts is taken at its word; an error after the last step names no step; a NaN before an error is the NaN's;
    a silent run of at most four values shows them all."""
    steps, late = np.arange(6), "OverflowError: late"
    padded = classify(steps, Trajectory(np.array([0.1, 0.2, *[np.nan] * 4]), "float64", error=late))
    assert (padded.name, padded.step, padded.detail) == ("raises_late", 2, f"accepted; raised {late} at step 2")
    assert classify(steps, Trajectory(np.full(6, 0.1), "float64", error=late, reached=1)).step == 1
    after = classify(steps, Trajectory(np.full(6, 0.1), "float64", error=late))
    assert (after.name, after.step, after.detail) == ("raises_late", None, f"accepted; a rate at every step, then "
                                                      f"raised {late}")  # fmt: skip
    values = np.array([1.0, np.inf, np.nan, np.nan, np.nan, np.nan])
    inf = classify(steps, Trajectory(values, "float64", error=late, reached=2))
    assert (inf.name, inf.step, inf.detail) == ("non_finite", 1, f"returned inf from step 1; then raised {late}")
    four = classify(steps[:4], Trajectory(np.array([0.1, 0.2, 0.3, 0.4]), "float64"))
    assert four.detail == "accepted; finite rates at every step: 0.1, 0.2, 0.3, 0.4"


def test_an_entry_without_a_step_accepts_a_late_behaviour_at_any_step() -> None:
    record: dict = {}
    _judge_invalid(_target(INVALID[0], _entry(behaviour="raises_late")), _run(late=3), record)
    assert (record["outcome"], record["behaviour_step"]) == ("raises_late", 3)
