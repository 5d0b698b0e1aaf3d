"""A hanging, crashing or lying adapter costs the case it happened in, never the run.

Each test drives the supervised worker (``cases.isolation.Isolated``) of the misbehaving adapter in
``tests/misbehaving_framework.py`` with short time limits, then checks that the same runner still
runs a well-behaved case (the worker is restarted after a death).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cases.expectations import ExpectationSet
from cases.harness import Harness, build_targets
from cases.isolation import AdapterFailure, InProcess, Isolated, TimeLimits
from model.case import Case, Tolerance
from tests.misbehaving_framework import ABORTING_MODULE, GARBAGE, CrashingImportAdapter, MisbehavingAdapter

ROOT = Path(__file__).resolve().parent.parent
TOLERANCES = {"float64": Tolerance(1e-12, 1e-14, "float64 test tolerance")}
LIMITS = TimeLimits(start=60, plan=3, fixed=3)


def case(misbehave: str = "", stop: int = 10) -> Case:
    return Case(
        id=f"step[{misbehave or 'good'}]",
        formula="step_decay",
        params={"init_lr": 0.1, "step_size": 3, "gamma": 0.5},
        steps=np.arange(stop),
        source="test",
        hints={"wild": {"misbehave": misbehave}} if misbehave else {},
    )


@pytest.fixture(scope="module")
def harness():
    """One supervised worker for every test of this module, as in a real run."""
    runner = Isolated(MisbehavingAdapter(), LIMITS)
    made = Harness({runner.name: runner}, TOLERANCES)
    yield made
    made.close()


def judge(harness: Harness, the_case: Case) -> list[dict]:
    return [harness.check(t) for t in build_targets(the_case, harness.runners["wild"], ExpectationSet([]))]


def assert_still_works(harness: Harness) -> None:
    good = judge(harness, case(stop=7))
    assert [r["outcome"] for r in good] == ["agree", "agree"]


DEATHS = [
    ("abort", "crashed", r"the wild worker was killed by SIGABRT \(signal 6\) while running case step\[abort\]; "
     r"last lines of its stderr:\n(.*\n)*Fatal Python error: Aborted"),
    ("segfault", "crashed", r"killed by SIGSEGV \(signal 11\) while running case step\[segfault\]; "
     r"last lines of its stderr:\n(.*\n)*Fatal Python error: Segmentation fault"),
    ("sigkill", "crashed", r"the wild worker was killed by SIGKILL \(signal 9\) while running case step\[sigkill\]"),
    ("exit0", "crashed", r"the wild worker exited with status 0 without answering while running case step\[exit0\]"),
    ("exit3", "crashed", r"the wild worker exited with status 3 without answering"),
    ("sys_exit", "crashed", r"the wild worker exited with status 0 without answering"),
    ("hang", "timeout", r"the wild worker did not finish running case step\[hang\] within its limit of 3 s and was "
     r"killed \(override with --lrconform-time-limit\)"),
    ("spin", "timeout", r"did not finish running case step\[spin\] within its limit of 3 s"),
    ("raise", "error", r"^wild adapter failed: RuntimeError: the framework raised$"),
]  # fmt: skip


@pytest.mark.parametrize(("misbehave", "outcome", "reason"), DEATHS, ids=[d[0] for d in DEATHS])
def test_a_dying_or_hanging_run_costs_one_case(harness: Harness, misbehave: str, outcome: str, reason: str) -> None:
    records = judge(harness, case(misbehave))
    assert [r["id"] for r in records] == [f"step[{misbehave}]-wild", f"step[{misbehave}]-wild.twice"]
    for record in records:  # the probes share the one run, and its fate
        assert record["outcome"] == outcome
        assert re.search(reason, record["reason"]), record["reason"]
    assert_still_works(harness)


GARBAGE_REASONS = {
    "none": "run returned NoneType, expected a mapping of probe name to Trajectory",
    "string": "run returned str, expected a mapping",
    "list": "run returned list, expected a mapping",
    "array": "run returned ndarray, expected a mapping",
    "missing_probe": "run returned probes ['schedule'], the plan has ['schedule', 'twice']",
    "extra_probe": "run returned probes ['other', 'schedule', 'twice'], the plan has ['schedule', 'twice']",
    "not_trajectory": "probe 'schedule': got ndarray, expected a Trajectory",
    "short": "probe 'schedule': values have shape (9,), expected (10,): one per compared step",
    "long": "probe 'schedule': values have shape (11,), expected (10,)",
    "empty": "probe 'schedule': values have shape (0,), expected (10,)",
    "2d": "probe 'schedule': values have shape (1, 10), expected (10,)",
    "int": "probe 'schedule': values have dtype int64, expected float32 or float64",
    "float16": "probe 'schedule': values have dtype float16, expected float32 or float64",
    "strings": "probe 'schedule': values have dtype <U",
    "list_values": "probe 'schedule': values are list, expected a NumPy array",
    "unknown_dtype": "the adapter reports dtype 'bfloat17', which has no tolerance (known: ['float64'])",
    "dtype_none": "probe 'schedule': dtype is None, expected the name of the dtype computed in",
    "error_not_text": "probe 'schedule': error is ValueError, expected text or None",
    "warnings_not_text": "probe 'schedule': warnings must be a tuple of strings, got (1, 2)",
}


def test_every_garbage_answer_has_a_reason() -> None:
    assert set(GARBAGE_REASONS) == set(GARBAGE) - {"stdout_noise"}


@pytest.mark.parametrize("misbehave", sorted(GARBAGE_REASONS))
def test_a_run_that_returns_garbage_is_an_error_record(harness: Harness, misbehave: str) -> None:
    records = judge(harness, case(misbehave))
    assert len(records) == 2 and records[0]["outcome"] == "error"
    assert GARBAGE_REASONS[misbehave] in records[0]["reason"]
    if misbehave not in ("unknown_dtype",):  # the contract is checked on the whole answer, before any probe
        assert records[1]["outcome"] == "error"


def test_prints_on_stdout_do_not_corrupt_the_answers(harness: Harness) -> None:
    assert [r["outcome"] for r in judge(harness, case("stdout_noise"))] == ["agree", "agree"]


PLAN_FAILURES = [
    ("plan_hang", "timeout", "did not finish planning case step[plan_hang] within its limit of 3 s"),
    ("plan_abort", "crashed", "was killed by SIGABRT (signal 6) while planning case step[plan_abort]"),
    ("plan_exit0", "crashed", "exited with status 0 without answering while planning case step[plan_exit0]"),
    ("plan_raise", "error", "wild mapping failed: RuntimeError: the framework raised"),
    ("plan_none", "error", "wild mapping returned NoneType, expected a Plan"),
    ("plan_unpicklable", "error", "wild: the plan answer cannot be sent back: cannot pickle '_thread.lock' object"),
]


@pytest.mark.parametrize(("misbehave", "outcome", "reason"), PLAN_FAILURES, ids=[p[0] for p in PLAN_FAILURES])
def test_a_failing_plan_costs_one_case(harness: Harness, misbehave: str, outcome: str, reason: str) -> None:
    (record,) = judge(harness, case(misbehave))
    assert record["outcome"] == outcome and reason in record["reason"]
    assert record["id"] == f"step[{misbehave}]-wild" and record["api"] is None
    assert_still_works(harness)


def test_a_framework_that_aborts_on_import_fails_its_cases_only(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / f"{CrashingImportAdapter.module}.py").write_text(ABORTING_MODULE)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    crashing = Isolated(CrashingImportAdapter(), LIMITS)
    wild = Isolated(MisbehavingAdapter(), LIMITS)
    harness = Harness({"crashing": crashing, "wild": wild}, TOLERANCES)
    try:
        info = harness.adapter_info()
        assert info["crashing"]["outcome"] == "crashed" and info["wild"]["outcome"] is None
        assert "killed by SIGABRT (signal 6) while starting and importing its framework" in info["crashing"]["problem"]
        assert "aborting_module: loading a broken native library" in info["crashing"]["problem"]
        for name, runner in harness.runners.items():
            records = [harness.check(t) for t in build_targets(case(), runner, ExpectationSet([]))]
            assert {r["outcome"] for r in records} == ({"crashed"} if name == "crashing" else {"agree"})
    finally:
        harness.close()


def test_without_isolation_the_answers_are_the_same() -> None:
    runner = InProcess(MisbehavingAdapter())
    with pytest.raises(AdapterFailure, match="run returned NoneType"):
        runner.run(case("none"), runner.plan(case("none")))
    plan = runner.plan(case())
    assert runner.run(case(), plan)["schedule"].values.tolist() == case().reference().tolist()


@pytest.mark.parametrize("isolated", [True, False], ids=["worker", "in-process"])
def test_signatures_are_read_where_the_adapter_runs(harness: Harness, isolated: bool) -> None:
    runner = harness.runners["wild"] if isolated else InProcess(MisbehavingAdapter())
    scheduler = "tests.fake_framework.Scheduler"
    assert runner.keywords((scheduler, "json.dumps")) == {
        scheduler: ["init_lr", "step_size", "gamma", "bug", "raise_at"],
        "json.dumps": ["obj", "skipkeys", "ensure_ascii", "check_circular", "allow_nan", "cls", "indent",
                       "separators", "default", "sort_keys"],
    }  # fmt: skip
    with pytest.raises(AdapterFailure, match=r"^wild: no signature of tests.fake_framework.Gone: AttributeError: "):
        runner.keywords(("tests.fake_framework.Gone",))


CATALOGUE = """
[[case]]
id = "step[good]"
formula = "step_decay"
steps = { stop = 10 }
params = { init_lr = 0.1, step_size = 3, gamma = 0.5 }
""" + "".join(
    f"""
[[case]]
id = "step[{what}]"
formula = "step_decay"
steps = {{ stop = 10 }}
params = {{ init_lr = 0.1, step_size = 3, gamma = 0.5 }}
hints = {{ wild = {{ misbehave = "{what}" }} }}
"""
    for what in ("abort", "segfault", "exit0", "hang", "none", "plan_abort", "plan_hang")
)


def test_a_pytest_run_survives_every_death_and_records_every_case(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "wild.toml").write_text(CATALOGUE)
    out = tmp_path / "results.json"
    adapters = ["wild=tests.misbehaving_framework:MisbehavingAdapter", "fake=tests.fake_framework:FakeAdapter"]
    command = [sys.executable, "-m", "pytest", "cases/test_conformance.py", "-p", "no:cacheprovider", "-q",
               "--adapters", "wild,fake", "--lrconform-catalogue", str(catalogue), "--lrconform-json", str(out),
               "--lrconform-expectations", str(tmp_path), "--lrconform-time-limit", "3",
               *[f"--lrconform-adapter={a}" for a in adapters]]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr  # failures, not a crash of the run
    records = {r["id"]: r["outcome"] for r in json.loads(out.read_text())["results"]}
    assert records == {
        "step[good]-wild": "agree", "step[good]-wild.twice": "agree",
        "step[abort]-wild": "crashed", "step[abort]-wild.twice": "crashed",
        "step[segfault]-wild": "crashed", "step[segfault]-wild.twice": "crashed",
        "step[exit0]-wild": "crashed", "step[exit0]-wild.twice": "crashed",
        "step[hang]-wild": "timeout", "step[hang]-wild.twice": "timeout",
        "step[none]-wild": "error", "step[none]-wild.twice": "error",
        "step[plan_abort]-wild": "crashed", "step[plan_hang]-wild": "timeout",
        **{f"step[{w}]-fake{p}": "agree" for w in ("good", "abort", "segfault", "exit0", "hang", "none",
                                                    "plan_abort", "plan_hang") for p in ("", ".twice")},
    }  # fmt: skip
    assert "7 crashed" in done.stdout and "3 timeout" in done.stdout
