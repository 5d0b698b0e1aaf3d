"""The harness judges a framework correctly: every outcome, on a fake framework with known bugs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from adapters._base import run_program
from cases.expectations import Expectation, ExpectationSet
from cases.harness import Harness, build_targets
from cases.isolation import InProcess
from model.case import Case, Tolerance
from model.records import decode_floats, expand_steps
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


def test_probes_share_one_run() -> None:
    before = FakeAdapter.runs
    check(case())
    assert FakeAdapter.runs == before + 1


def test_one_step_late_framework_diverges_and_is_classified() -> None:
    record = check(case(bug="late"))[0]
    assert record["outcome"] == "diverge" and record["shift"] == -1
    assert record["first_divergent_step"] == 3 and "one step late" in record["reason"]


def test_wrong_formula_diverges_at_its_first_step() -> None:
    record = check(case(bug="double"))[0]
    assert record["outcome"] == "diverge" and record["shift"] is None
    assert (record["first_divergent_step"], record["divergent_steps"]) == (3, 7)
    assert record["max_rel_err"] == pytest.approx(1.0)


def test_framework_raising_part_way_is_a_divergence_with_the_error() -> None:
    record = check(case(raise_at=5))[0]
    assert record["outcome"] == "diverge" and record["error"] == "ValueError: cannot step to 5"
    assert record["reason"].startswith("the run raised ValueError: cannot step to 5 (after step 4)")
    actual = decode_floats(record["actual"])
    assert actual[:5].tolist() == [0.1, 0.1, 0.1, 0.05, 0.05] and np.isnan(actual[5:]).all()


def test_documented_divergence_is_accepted_with_its_reason() -> None:
    record = check(case(bug="late"), entry("step[k3]-fake*", first_divergent_step=3))[0]
    assert record["outcome"] == "documented_divergence"
    assert record["reason"].startswith("documented reason (https://example.org/issue/1)")
    assert record["expectation"]["link"] == "https://example.org/issue/1"


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


def test_adapter_failures_are_errors_not_skips() -> None:
    (planned,) = check(case(crash="plan"))
    assert planned["outcome"] == "error" and planned["reason"] == "fake mapping failed: RuntimeError: mapping bug"
    ran = check(case(crash="run"))[0]
    assert ran["outcome"] == "error" and ran["reason"] == "fake adapter failed: RuntimeError: the framework crashed"


def test_record_reproduces_by_running_its_program() -> None:
    record = check(case(stop=8))[0]
    lists, error, _ = run_program(record["repro"], "<repro>", ("schedule",))
    assert error is None
    assert lists["schedule"] == decode_floats(record["actual"]).tolist()


def test_results_round_trip_through_json(tmp_path: Path) -> None:
    records = check(case(bug="double"))
    path = tmp_path / "out" / "results.json"
    write_results(path, records=records, run={"name": "fake"}, adapters={"fake": {"version": "1"}})
    envelope = read_results(path)
    assert envelope["schema"] == "lrconform-results/4" and envelope["results"] == json.loads(json.dumps(records))
    stored = json.loads(path.read_text())  # the reference once per case, not in each probe's record
    assert list(stored["references"]) == [records[0]["case"]] and len(records) > 1
    assert stored["references"][records[0]["case"]] == records[0]["reference"]
    assert not any("reference" in r for r in stored["results"])
    assert envelope["environment"]["python"] and "numpy" in envelope["environment"]["packages"]
    assert expand_steps(envelope["results"][0]["steps"]).tolist() == list(range(10))
