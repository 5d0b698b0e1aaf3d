"""The pytest plugin end to end: generated tests, outcomes, strict expectations, reports, bad input.

Each test runs pytest in a subprocess on a temporary catalogue and expectation folder with the
fake framework of ``tests/fake_framework.py`` registered through ``--lrconform-adapter``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from reports.results import read_results

ROOT = Path(__file__).resolve().parent.parent

CASES = """
[[case]]
id = "step[k3]"
formula = "step_decay"
steps = { stop = 10 }
params = { init_lr = 0.1, step_size = 3, gamma = 0.5 }

[[case]]
id = "step[k3-late]"
formula = "step_decay"
steps = { stop = 10 }
params = { init_lr = 0.1, step_size = 3, gamma = 0.5 }
hints = { fake = { bug = "late" } }

[[case]]
id = "step[k3-double]"
formula = "step_decay"
steps = { stop = 10 }
params = { init_lr = 0.1, step_size = 3, gamma = 0.5 }
hints = { fake = { bug = "double" } }

[[case]]
id = "cos[T5]"
formula = "cosine"
steps = { stop = 8 }
params = { init_lr = 0.1, decay_steps = 5 }
"""

LATE_DOCUMENTED = """
[[divergence]]
id = "step[k3-late]-fake*"
reason = "the fake scheduler reads its step before advancing"
link = "https://example.org/fake/1"
first_divergent_step = 3
"""


def expect_lines(output: pytest.LineMatcher, *fragments: str) -> None:
    """Each fragment appears, in order, inside some line (literally: ids contain brackets)."""
    output.re_match_lines([".*" + ".*".join(re.escape(part) for part in f.split("*")) + ".*" for f in fragments])


def conformance_args(
    folder: Path, cases: str = CASES, expectations: str = LATE_DOCUMENTED, frameworks: str = "fake,missing"
) -> list[str]:
    """Lay out a conformance run in ``folder`` (test files, catalogue, expectations, tolerances)
    and return the pytest arguments that run it there, writing ``folder/out/{results.json,junit.xml}``."""
    for name in ("test_conformance.py", "test_expectations.py"):
        shutil.copy(ROOT / "cases" / name, folder / name)
    shutil.copy(ROOT / "cases" / "tolerances.toml", folder / "tolerances.toml")
    (folder / "catalogue").mkdir(exist_ok=True)
    (folder / "catalogue" / "cases.toml").write_text(cases)
    (folder / "expectations").mkdir(exist_ok=True)
    (folder / "expectations" / "fake.toml").write_text(expectations)
    out = folder / "out"
    return [
        "-p", "cases.plugin", "-p", "no:cacheprovider", "-rA",
        "--lrconform-adapter", "fake=tests.fake_framework:FakeAdapter",
        "--lrconform-adapter", "missing=tests.fake_framework:MissingAdapter",
        *(["--adapters", frameworks] if frameworks else []),
        "--lrconform-catalogue", str(folder / "catalogue"),
        "--lrconform-expectations", str(folder / "expectations"),
        "--lrconform-tolerances", str(folder / "tolerances.toml"),
        "--lrconform-json", str(out / "results.json"),
        "--junitxml", str(out / "junit.xml"),
    ]  # fmt: skip


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """Run the conformance tests on a catalogue; returns (result, records by id)."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("LRCONFORM_ADAPTERS", raising=False)

    def go(cases: str = CASES, expectations: str = LATE_DOCUMENTED, *args: str, frameworks: str = "fake,missing"):
        result = pytester.runpytest_subprocess(*conformance_args(pytester.path, cases, expectations, frameworks), *args)
        path = pytester.path / "out" / "results.json"
        records = {r["id"]: r for r in read_results(path)["results"]} if path.exists() else {}
        return result, records

    return go


def test_outcomes_and_result_file(run) -> None:
    result, records = run()
    # fake: step (2 pass), late (2 xfail), double (2 fail), cos (not expressible);
    # missing: the same 7 targets, skipped (not installed) or not expressible; 2 expectation checks pass.
    result.assert_outcomes(passed=4, failed=2, xfailed=2, skipped=8)
    assert {i: r["outcome"] for i, r in records.items()} == {
        "step[k3]-fake": "agree",
        "step[k3]-fake.twice": "agree",
        "step[k3-late]-fake": "documented_divergence",
        "step[k3-late]-fake.twice": "documented_divergence",
        "step[k3-double]-fake": "diverge",
        "step[k3-double]-fake.twice": "diverge",
        "cos[T5]-fake": "not_expressible",
        **{i: "skipped" for i in ("step[k3]-missing", "step[k3]-missing.twice", "step[k3-late]-missing",
                                   "step[k3-late]-missing.twice", "step[k3-double]-missing",
                                   "step[k3-double]-missing.twice")},
        "cos[T5]-missing": "not_expressible",
    }  # fmt: skip
    expect_lines(
        result.stdout,
        "*step[k3-double]-fake: diverge: diverges at step 3 (first of 7 bad steps out of 10)*",
        "*reproduce with:*",
        "*lrconform: 2 agree, 2 diverge, 2 documented_divergence, 2 not_expressible, 6 skipped*",
    )
    expect_lines(result.stdout, "*lrconform adapter missing: pytest *")  # the header: its distribution
    expect_lines(result.stdout, "*lrconform adapter missing: lrconform_no_such_framework not importable*")
    assert records["step[k3-double]-fake"]["first_divergent_step"] == 3


def test_junit_properties(run, pytester: pytest.Pytester) -> None:
    run()
    xml = (pytester.path / "out" / "junit.xml").read_text()
    assert '<property name="outcome" value="diverge"' in xml
    assert '<property name="first_divergent_step" value="3"' in xml


def test_stale_expectation_fails_the_run_naming_the_entry(run) -> None:
    stale = (
        LATE_DOCUMENTED + '\n[[divergence]]\nid = "step[k9]-fake"\nreason = "gone"\nlink = "https://example.org/2"\n'
    )
    result, _ = run(CASES, stale, "-k", "expectation")
    result.assert_outcomes(passed=1, failed=1)
    expect_lines(result.stdout, "*entry id='step[k9]-fake' in * matches no generated test id: remove it*")


def test_documented_divergence_that_now_agrees_fails(run) -> None:
    fixed = '[[divergence]]\nid = "step[k3]-fake"\nreason = "was late"\nlink = "https://example.org/3"\n'
    result, records = run(CASES, fixed, "-k", "step[k3]-fake")
    assert records["step[k3]-fake"]["outcome"] == "fixed_divergence"
    expect_lines(result.stdout, "*step[k3]-fake: fixed_divergence: documented as diverging*remove the entry*")


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_ambiguous_expectations_are_a_usage_error(run, workers: tuple[str, ...]) -> None:
    twice = LATE_DOCUMENTED + LATE_DOCUMENTED.replace("fake*", "fake")
    result, _ = run(CASES, twice, *workers)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expect_lines(result.stderr, "*test 'step[k3-late]-fake' is matched by several entries*")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_malformed_case_file_stops_the_run_with_file_case_and_field(run) -> None:
    result, records = run(
        CASES.replace("step_size = 3, gamma = 0.5 }\nhints", "step_size = 0, gamma = 0.5 }\nhints", 1)
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR and records == {}
    expect_lines(
        result.stderr,
        "*catalogue/cases.toml: case #2 ('step[k3-late]'): field 'params': step_decay: step_size must be > 0, got step_size=0",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('gamma = 0.5 }\nhints = { fake = { bug = "late" } }', 'gamma = 0.5 }\nhints = { fake = { bug = "lat" } }'),
         "catalogue/cases.toml: case #2 ('step[k3-late]'): field 'hints.fake.bug': must be one of ['double', 'late'], got 'lat'"),
        (("steps = { stop = 8 }", "steps = [0, 1000000000000]"),
         "catalogue/cases.toml: case #4 ('cos[T5]'): field 'steps': steps must be >= 0 and below MAX_STEP = 2,000,000, got steps[1]=1000000000000"),
        (('id = "cos[T5]"', 'id = "cos[T5]"\nonly = ["tourch"]'),
         "catalogue/cases.toml: case #4 ('cos[T5]'): field 'only': unknown framework 'tourch'; known: fake, keras, "),
    ],
)  # fmt: skip
def test_malformed_case_file_is_a_one_line_usage_error_without_traceback(run, change, message: str) -> None:
    result, records = run(CASES.replace(*change))
    assert result.ret == pytest.ExitCode.USAGE_ERROR and records == {}
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == [f"ERROR: {errors[0][7:]}"] and message in errors[0], result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


FLAT_WITH_A_BUG = """
[[case]]
id = "flat"
formula = "constant"
steps = [0, 1]
params = { value = 0.1 }
hints = { fake = { bug = "late" } }
"""


def test_a_hint_that_does_not_fit_its_case_is_a_usage_error_when_planned(run) -> None:
    result, records = run(CASES + FLAT_WITH_A_BUG)
    assert result.ret == pytest.ExitCode.USAGE_ERROR and records == {}
    expect_lines(
        result.stderr,
        "ERROR: *catalogue/cases.toml: case #5 ('flat'): field 'hints.fake.bug': a constant rate has no 'late' bug to show",
    )


def test_malformed_tolerances_and_expectation_files_are_usage_errors(run, pytester: pytest.Pytester) -> None:
    only_float32 = pytester.path / "only-float32.toml"  # the last --lrconform-tolerances wins
    only_float32.write_text('[float32]\nrtol = 1e-5\nreason = "only float32"\n')
    result, _ = run(CASES, LATE_DOCUMENTED, "--lrconform-tolerances", str(only_float32))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expect_lines(result.stderr, "*only-float32.toml: no tolerance for float64: adapters report values in each of*")
    result, _ = run(CASES, "divergence = 5\n")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expect_lines(result.stderr, "*expectations/fake.toml: field 'divergence': must be [[divergence]] tables, got 5")
    (pytester.path / "expectations" / "tourch.toml").write_text("")
    result, _ = run()
    expect_lines(result.stderr, "*expectations/tourch.toml: no adapter named 'tourch'; expectation files are named*")


def test_unknown_framework_is_a_usage_error(run) -> None:
    result, _ = run(CASES, LATE_DOCUMENTED, frameworks="fake,torhc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expect_lines(result.stderr, "*unknown framework(s) ['torhc']; known: *fake*")


def test_frameworks_from_the_environment(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LRCONFORM_ADAPTERS", "missing")
    result, records = run(CASES, LATE_DOCUMENTED, frameworks="")
    assert {r["adapter"] for r in records.values()} == {"missing"}
    expect_lines(result.stdout, "*LRCONFORM_ADAPTERS=missing*")


def test_html_report_carries_the_reproducer(run, pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_html", reason="pytest-html is installed in the tests env")
    html = pytester.path / "out" / "report.html"
    run(CASES, LATE_DOCUMENTED, "--html", str(html), "--self-contained-html", "-k", "double")
    text = html.read_text()
    assert "step[k3-double]-fake" in text and "from tests.fake_framework import Scheduler" in text


def _without_durations(records: dict) -> dict:
    return {i: {k: v for k, v in r.items() if k != "duration_s"} for i, r in records.items()}


def test_under_xdist_one_result_file_with_the_records_of_a_serial_run(run, pytester: pytest.Pytester) -> None:
    """``-n 2``: the controller writes one result file, JUnit and summary; records and their order are a serial
    run's, and the adapters' state comes from the workers that imported them."""
    _, serial_records = run()
    serial_file = json.loads((pytester.path / "out" / "results.json").read_text())
    serial_junit = (pytester.path / "out" / "junit.xml").read_text()
    result, records = run(CASES, LATE_DOCUMENTED, "-n", "2")
    result.assert_outcomes(passed=4, failed=2, xfailed=2, skipped=8)
    expect_lines(result.stdout, "*2 workers*")
    assert _without_durations(records) == _without_durations(serial_records)
    stored = json.loads((pytester.path / "out" / "results.json").read_text())
    assert [r["id"] for r in stored["results"]] == [r["id"] for r in serial_file["results"]]  # collection order
    assert stored["complete"] is True and stored["adapters"] == serial_file["adapters"]
    assert stored["adapters"]["missing"]["problem"].startswith("lrconform_no_such_framework not importable")
    expect_lines(
        result.stdout, "*lrconform: 2 agree, 2 diverge, 2 documented_divergence, 2 not_expressible, 6 skipped*"
    )
    names = re.findall(r'<testcase [^>]*name="([^"]+)"', (pytester.path / "out" / "junit.xml").read_text())
    assert sorted(names) == sorted(re.findall(r'<testcase [^>]*name="([^"]+)"', serial_junit))


@pytest.mark.parametrize(
    ("nodeid", "group"),
    [
        ("cases/test_conformance.py::test_trajectory[cos[T5]-fake.twice]", "cases/test_conformance.py::test_trajectory[cos[T5"),
        ("cases/test_conformance.py::test_trajectory[cos[T5]-keras-jax@nofma]", "cases/test_conformance.py::test_trajectory[cos[T5"),
        ("cases/test_expectations.py::test_no_stale_expectations[fake]", "cases/test_expectations.py::test_no_stale_expectations[fake]"),
        ("tests/test_x.py::test_y[cases/test_conformance.py::test_trajectory[a]-b]", "tests/test_x.py::test_y[cases/test_conformance.py::test_trajectory[a]-b]"),
    ],
)  # fmt: skip
def test_xdist_groups_every_test_of_a_case(nodeid: str, group: str) -> None:
    from cases.plugin import case_group

    assert case_group(nodeid) == group


def wild_case(name: str, misbehave: str = "") -> str:
    """A step-decay case of the misbehaving adapter, misbehaving as named."""
    hint = f'hints = {{ wild = {{ misbehave = "{misbehave}" }} }}\n' if misbehave else ""
    params = "params = { init_lr = 0.1, step_size = 3, gamma = 0.5 }"
    return f'\n[[case]]\nid = "step[{name}]"\nformula = "step_decay"\nsteps = {{ stop = 10 }}\n{params}\n{hint}'


def test_under_xdist_a_crashing_or_hanging_case_costs_only_itself(run) -> None:
    """``-n 2``: a segfault and a hang in the wild adapter's worker each cost their own case (``crashed``,
    ``timeout``); the cases around them agree, and the records are a serial run's."""
    args = ("--lrconform-adapter", "wild=tests.misbehaving_framework:MisbehavingAdapter", "--lrconform-time-limit", "3")
    cases = "".join(wild_case(n, m) for n, m in [("good", ""), ("segfault", "segfault"), ("good2", ""),
                                                 ("hang", "hang"), ("good3", "")])  # fmt: skip
    _, serial = run(cases, "", *args, frameworks="wild")
    result, parallel = run(cases, "", *args, "-n", "2", frameworks="wild")
    expect_lines(result.stdout, "*2 workers*")
    assert {i: r["outcome"] for i, r in parallel.items()} == {
        **{f"step[{c}]-wild{p}": "agree" for c in ("good", "good2", "good3") for p in ("", ".twice")},
        **{f"step[segfault]-wild{p}": "crashed" for p in ("", ".twice")},
        **{f"step[hang]-wild{p}": "timeout" for p in ("", ".twice")},
    }
    assert "SIGSEGV" in parallel["step[segfault]-wild"]["reason"]
    assert "within its limit of 3 s" in parallel["step[hang]-wild"]["reason"]
    assert _stable(parallel) == _stable(serial)


def _stable(records: dict) -> dict:
    """Records without what differs between two runs of a crash: durations and the dead worker's stderr
    (faulthandler prints thread addresses)."""
    return {
        i: {**r, "reason": r.get("reason", "").split("; last lines of its stderr")[0]}
        for i, r in _without_durations(records).items()
    }
