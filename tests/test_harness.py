"""The harness judges a framework correctly: every outcome, on a fake framework with known bugs."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from adapters._base import run_program
from cases import harness as harness_module
from cases.expectations import Expectation, ExpectationSet
from cases.harness import Harness, build_targets, runner_key
from cases.isolation import AdapterFailure, InProcess
from model.adapter import Trajectory
from model.case import Case, Tolerance
from model.errors import CaseFileError
from model.records import decode_floats, expand_steps, unpack_floats
from reports.results import read_results, write_results
from tests.fake_framework import FakeAdapter, MissingAdapter

TOLERANCES = {"float64": Tolerance(1e-12, 1e-14, "float64 test tolerance")}
STEP = {"init_lr": 0.1, "step_size": 3, "gamma": 0.5}


def case(case_id: str = "step[k3]", formula: str = "step_decay", params: dict = STEP, stop: int = 10, **hint) -> Case:
    return Case(id=case_id, formula=formula, params=params, steps=np.arange(stop), source="test", hints={"fake": hint})


def check(the_case: Case, *entries: Expectation, adapter=None) -> list[dict]:
    runner = InProcess(adapter or FakeAdapter())
    harness = Harness({runner.name: runner}, TOLERANCES)
    return [harness.check(t) for t in build_targets(the_case, runner, ExpectationSet(entries))]


def entry(pattern: str, **extra) -> Expectation:
    return Expectation(
        (pattern,), "documented reason", "https://example.org/issue/1", "expectations/fake.toml", **extra
    )


class Returning(FakeAdapter):
    """The fake adapter planning as usual (with a mapping note), its run returning ``trajectory`` for every probe."""

    def __init__(self, trajectory: Trajectory):
        self.trajectory = trajectory

    def plan(self, case: Case):
        return replace(super().plan(case), note="gamma applied every step_size updates")

    def run(self, case: Case, plan) -> dict[str, Trajectory]:
        return {probe: self.trajectory for probe in plan.probe_names}


REFERENCE = [0.1] * 3 + [0.05] * 3 + [0.025] * 3 + [0.0125]  # step_decay(0.1, 3, 0.5) at steps 0..9


def test_correct_framework_agrees_on_every_probe() -> None:
    records = check(case())
    assert [r["id"] for r in records] == ["step[k3]-fake", "step[k3]-fake.twice"]
    assert {r["outcome"] for r in records} == {"agree"}
    record = records[0]
    assert decode_floats(record["actual"]).tolist() == [0.1] * 3 + [0.05] * 3 + [0.025] * 3 + [0.0125]
    assert record["reference"] == record["actual"] and record["max_abs_err"] == 0.0
    assert record["api"] == "tests.fake_framework.Scheduler" and record["kwargs"] == STEP
    assert record["steps"] == {"start": 0, "stop": 10, "step": 1} and record["dtype"] == "float64"
    assert record["rtol"] == 1e-12 and record["atol"] == pytest.approx(1e-15)
    assert record["reason"] == "" and record["tolerance_reason"] == "float64 test tolerance"


def test_record_carries_the_case_the_plan_and_the_run() -> None:
    the_case = replace(case(), about="halves every 3 steps", origin="torch StepLR docs", family="step")
    run = Trajectory(np.array(REFERENCE), "float64", None, ("UserWarning: step() before optimizer.step()",))
    records = check(the_case, adapter=Returning(run))
    assert [r["outcome"] for r in records] == ["agree", "agree"]
    record = records[0]
    assert {k: record[k] for k in ("formula", "family", "params", "source", "origin", "about", "adapter", "probe")} == {
        "formula": "step_decay", "family": "step", "params": STEP, "source": "test", "origin": "torch StepLR docs",
        "about": "halves every 3 steps", "adapter": "fake", "probe": "schedule",
    }  # fmt: skip
    assert record["framework_version"] == version("pytest") and record["kernel"] is None
    assert record["setup"] == {} and record["mapping_note"] == "gamma applied every step_size updates"
    assert record["warnings"] == ["UserWarning: step() before optimizer.step()"] and record["error"] is None
    assert record["expectation"] is None and "platform" not in record


def test_record_of_a_target_without_a_plan_has_no_call() -> None:
    (record,) = check(case("cos", "cosine", {"init_lr": 0.1, "decay_steps": 5}))
    assert (record["api"], record["kwargs"], record["setup"], record["repro"], record["mapping_note"]) == (
        None, None, None, None, "",
    )  # fmt: skip


def test_duration_is_measured_around_the_check_in_microseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([100.0, 100.0000123456])
    monkeypatch.setattr(harness_module, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    runner = InProcess(FakeAdapter())
    harness = Harness({runner.name: runner}, TOLERANCES)
    record = harness.check(build_targets(case(), runner, ExpectationSet([]))[0])
    assert record["duration_s"] == 1.2e-05 and harness.records == [record]


def test_probes_share_one_run() -> None:
    before = FakeAdapter.runs
    check(case())
    assert FakeAdapter.runs == before + 1


def test_one_step_late_framework_diverges_and_is_classified() -> None:
    record = check(case(bug="late"))[0]
    assert record["outcome"] == "diverge" and record["shift"] == -1
    assert record["first_divergent_step"] == 3 and record["reason"].startswith("diverges at step 3")
    assert record["reason"].endswith(
        "classification: off-by-one convention, one step late: actual[t] == reference[t-1]"
    )


def test_wrong_formula_diverges_at_its_first_step() -> None:
    record = check(case(bug="double"))[0]
    assert record["outcome"] == "diverge" and record["shift"] is None
    assert (record["first_divergent_step"], record["divergent_steps"]) == (3, 7)
    assert record["max_rel_err"] == pytest.approx(1.0)


def test_framework_raising_part_way_is_a_divergence_with_the_error() -> None:
    record = check(case(raise_at=5))[0]
    assert record["outcome"] == "diverge" and record["error"] == "ValueError: cannot step to 5"
    assert record["reason"].startswith("the run raised ValueError: cannot step to 5 (after step 4)\ndiverges at step 5")
    actual = decode_floats(record["actual"])
    assert actual[:5].tolist() == [0.1, 0.1, 0.1, 0.05, 0.05] and np.isnan(actual[5:]).all()
    assert (record["max_abs_err"], record["max_rel_err"]) == ("inf", "inf"), "non-finite errors as JSON strings"
    late = check(case(raise_at=8))[0]  # 8 values before the error, 2 NaN after it
    assert late["reason"].startswith("the run raised ValueError: cannot step to 8 (after step 7)\n")


def test_framework_raising_before_its_first_value_or_after_its_last_is_a_divergence() -> None:
    nothing = Trajectory(np.full(10, np.nan), "float64", "RuntimeError: no optimizer")
    record = check(case(), adapter=Returning(nothing))[0]
    assert record["outcome"] == "diverge"
    assert record["reason"].startswith("the run raised RuntimeError: no optimizer (before the first step)\ndiverges at")
    after = Trajectory(np.array(REFERENCE), "float64", "ValueError: stepped past the end")
    record = check(case(), adapter=Returning(after))[0]
    assert (record["outcome"], record["reason"]) == (
        "diverge", "the run raised ValueError: stepped past the end (after step 9)",
    )  # fmt: skip


def test_a_dtype_without_a_tolerance_is_the_adapters_error() -> None:
    record = check(case(), adapter=Returning(Trajectory(np.array(REFERENCE), "float16")))[0]
    assert record["outcome"] == "error"
    assert record["reason"] == (
        "fake adapter broke its contract: the adapter reports dtype 'float16', which has no tolerance "
        "(known: ['float64'])"
    )


def test_documented_divergence_is_accepted_with_its_reason() -> None:
    record = check(case(bug="late"), entry("step[k3]-fake*", first_divergent_step=3))[0]
    assert record["outcome"] == "documented_divergence"
    assert record["reason"].startswith("documented reason (https://example.org/issue/1)\ndiverges at step 3")
    assert record["expectation"] == {
        "id": "step[k3]-fake*", "reason": "documented reason", "link": "https://example.org/issue/1",
        "source": "expectations/fake.toml", "platform": None,
    }  # fmt: skip


def test_documented_divergence_that_now_agrees_says_remove_the_entry() -> None:
    record = check(case(), entry("step[k3]-fake"))[0]
    assert record["outcome"] == "fixed_divergence"
    assert "entry id='step[k3]-fake' in expectations/fake.toml" in record["reason"]
    assert "now agrees with the reference: remove the entry" in record["reason"]


def test_divergence_that_changed_shape_is_not_accepted() -> None:
    moved = check(case(bug="late"), entry("step[k3]-fake", first_divergent_step=6))[0]
    assert moved["outcome"] == "diverge"
    assert "says it starts at step 6, it now starts at step 3" in moved["reason"]
    wrong_error = check(case(raise_at=5), entry("step[k3]-fake", error="ZeroDivisionError"))[0]
    assert wrong_error["outcome"] == "diverge"
    assert (
        "expects an error containing 'ZeroDivisionError', got 'ValueError: cannot step to 5'" in wrong_error["reason"]
    )
    right_error = check(case(raise_at=5), entry("step[k3]-fake", error="cannot step to 5"))[0]
    assert right_error["outcome"] == "documented_divergence"


def test_inexpressible_case_is_reported_with_the_reason() -> None:
    cosine = case("cos", "cosine", {"init_lr": 0.1, "decay_steps": 5})
    (record,) = check(cosine)
    assert record["outcome"] == "not_expressible" and record["id"] == "cos-fake"
    assert record["reason"] == "the fake framework has no scheduler for 'cosine'" and record["api"] is None


def test_missing_framework_is_skipped_with_the_import_error() -> None:
    records = check(case(), adapter=MissingAdapter())
    assert {r["outcome"] for r in records} == {"skipped"}
    assert "lrconform_no_such_framework not importable: ModuleNotFoundError" in records[0]["reason"]


def test_a_hint_that_does_not_fit_the_case_is_the_catalogues_error() -> None:
    constant = replace(case("const", "constant", {"value": 0.1}, bug="late"), number=2)
    with pytest.raises(CaseFileError) as error:
        check(constant)
    assert (
        str(error.value) == "test: case #2 ('const'): field 'hints.fake.bug': a constant rate has no 'late' bug to show"
    )


class Unavailable(InProcess):
    """A runner whose framework cannot even be asked what it is: its worker dies on import."""

    asked = 0

    def info(self) -> dict:
        self.asked += 1
        raise AdapterFailure("crashed", "the fake worker died while importing: SIGSEGV")


def test_a_framework_that_cannot_start_fails_each_of_its_cases() -> None:
    runner = Unavailable(FakeAdapter())
    harness = Harness({runner.name: runner}, TOLERANCES)
    record = harness.check(build_targets(case(), runner, ExpectationSet([]))[0])
    assert (record["outcome"], record["reason"]) == ("crashed", "the fake worker died while importing: SIGSEGV")
    assert harness.adapter_info()["fake"] == {
        "version": version("pytest"), "kernel": {}, "problem": "the fake worker died while importing: SIGSEGV",
        "outcome": "crashed", "facts": {},
    }  # fmt: skip


def test_a_target_without_a_plan_never_asks_its_framework() -> None:
    """A case the adapter cannot express is recorded from the plan alone: no framework import, no worker."""
    runner = Unavailable(FakeAdapter())
    (target,) = build_targets(case("cos", "cosine", {"init_lr": 0.1, "decay_steps": 5}), runner, ExpectationSet([]))
    assert Harness({runner.name: runner}, TOLERANCES).check(target)["outcome"] == "not_expressible"
    assert runner.asked == 0


def test_runners_are_keyed_by_adapter_and_kernel_variant() -> None:
    assert (runner_key("torch"), runner_key("torch", "avx2")) == ("torch", "torch@avx2")


def test_adapter_failures_are_errors_not_skips() -> None:
    (planned,) = check(case(crash="plan"))
    assert planned["outcome"] == "error" and planned["reason"] == "fake mapping failed: RuntimeError: mapping bug"
    assert (planned["id"], planned["probe"], planned["api"]) == ("step[k3]-fake", "schedule", None)
    ran = check(case(crash="run"))[0]
    assert ran["outcome"] == "error" and ran["reason"] == "fake adapter failed: RuntimeError: the framework crashed"


def test_record_reproduces_by_running_its_program() -> None:
    record = check(case(stop=8))[0]
    lists, error, _, _ = run_program(record["repro"], "<repro>", ("schedule",))
    assert error is None
    assert lists["schedule"] == decode_floats(record["actual"]).tolist()


def test_results_round_trip_through_json(tmp_path: Path) -> None:
    records = check(case(bug="double"))
    path = tmp_path / "out" / "results.json"
    write_results(path, records=records, run={"name": "fake"}, adapters={"fake": {"version": "1"}})
    envelope = read_results(path)
    assert envelope["schema"] == "lrconform-results/6" and envelope["results"] == json.loads(json.dumps(records))
    stored = json.loads(path.read_text())  # the reference once per case, not in each probe's record
    assert list(stored["references"]) == [records[0]["case"]] and len(records) > 1
    packed = stored["arrays"][stored["references"][records[0]["case"]]["array"]]
    assert unpack_floats(packed) == records[0]["reference"]
    assert not any("reference" in r for r in stored["results"])
    assert envelope["environment"]["python"] and "numpy" in envelope["environment"]["packages"]
    assert expand_steps(envelope["results"][0]["steps"]).tolist() == list(range(10))


def test_a_kernel_variant_resumes_like_the_default_kernels() -> None:
    """A restored run computes on the variant's kernels too, so a variant has the case's resume probes."""
    from adapters.torch_adapter import TorchAdapter

    resumed = Case(
        id="step[k3-resume]", formula="step_decay", params={"init_lr": 0.1, "step_size": 3, "gamma": 0.5},
        steps=np.arange(10), source="tests", resume=(3, 9),
    )  # fmt: skip
    default, variant = InProcess(TorchAdapter()), InProcess(TorchAdapter())
    variant.kernel = "avx2"
    targets = {runner.kernel: build_targets(resumed, runner, ExpectationSet([])) for runner in (default, variant)}
    probes = {kernel: [t.probe for t in found] for kernel, found in targets.items()}
    assert {t.case.resume for t in targets["avx2"]} == {(3, 9)}
    assert probes[""] == ["schedule", "applied", "restored_at_3", "restored_at_9", "last_epoch_at_3", "last_epoch_at_9"]
    assert probes["avx2"] == probes[""]


def test_an_invalid_case_records_what_the_run_did_and_the_entry_that_pins_it() -> None:
    """An invalid-parameter case's record: its parameter, the run's values, dtype, error and warnings, the behaviour
    class and the step it shows from, and the pinning entry's class and documentation claim."""
    invalid = replace(case("invalid-step[k0]", params={**STEP, "step_size": 0}), invalid="step_size")
    values = np.array([0.1, 0.1, np.inf, *[np.nan] * 7])
    run = Trajectory(values, "float64", error="ZeroDivisionError: k", warnings=("careful",), reached=3)
    pinned = entry("invalid-step*", behaviour="non_finite", claim="step_size must be positive", first_divergent_step=2)
    record = check(invalid, pinned, adapter=Returning(run))[0]
    assert record["invalid"] == "step_size"
    assert (record["outcome"], record["behaviour"], record["behaviour_step"]) == ("non_finite", "non_finite", 2)
    assert record["expectation"]["behaviour"] == "non_finite"
    assert record["expectation"]["claim"] == "step_size must be positive"
    assert (record["dtype"], record["error"], record["warnings"]) == ("float64", "ZeroDivisionError: k", ["careful"])
    assert record["actual"][:3] == [0.1, 0.1, "inf"]
    assert "invalid" not in check(case())[0] and "behaviour" not in check(case(), entry("nothing*"))[0]


def test_an_entry_that_pins_a_behaviour_class_on_a_valid_case_is_an_error() -> None:
    pinned = entry("step*", behaviour="rejects")
    record = check(case(), pinned)[0]
    assert (record["outcome"], record["reason"]) == ("error", f"{pinned.describe()} pins a behaviour class, but "
                                                     "'step[k3]' is no invalid-parameter case: remove 'behaviour' "
                                                     "or the entry")  # fmt: skip
