"""The CI outputs of ``merge``: the scorecard, the step summary (within GitHub's 1 MiB at 20,000 results), the
badges, and the written files; ``$GITHUB_STEP_SUMMARY`` gets the summary appended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cases.expectations import Expectation
from reports import badges, cli, merge, scorecard, step_summary
from reports.markdown import STEP_SUMMARY_LIMIT
from tests.report_synthetic import FAILURE, by_family, catalogue, synthetic_run

FAMILIES = ("cosine", "cyclic", "polynomial", "step_decay", "exponential")
CASES = [c for c in catalogue() if c.family in FAMILIES]
COUNT = {f: sum(c.family == f for c in CASES) for f in FAMILIES}
PROBES = 2
A_RESULTS = PROBES * (len(CASES) - COUNT["polynomial"]) + COUNT["polynomial"]  # an inexpressible case: one record
B_RESULTS = PROBES * len(CASES)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """Run ``a`` (adapter ``a``): cosine late, cyclic raising, polynomial not expressible, step decay documented;
    run ``b-env`` (adapter ``b``): everything agrees."""
    out = tmp_path_factory.mktemp("out")
    documented = Expectation(tuple(f"{c.id}-a*" for c in CASES if c.family == "step_decay"), "scaled", "x", "tests")
    behaviour = by_family(
        {"cosine": "late", "cyclic": "raise", "polynomial": "not_expressible", "step_decay": "scaled"}
    )
    synthetic_run(out / "a" / "results.json", "a", behaviour, cases=CASES, expectations=[documented])
    synthetic_run(out / "b" / "results.json", "b-env", by_family({}), cases=CASES, adapter="b", version="2.0")
    return out


@pytest.fixture(scope="module")
def merged(out: Path) -> dict:
    return merge.merged_envelope(merge.load([out]))


def test_the_scorecard_counts_each_adapter_of_each_run(merged: dict) -> None:
    a, b = scorecard.rows(merged["runs"], merged["results"])
    documented, diverging = PROBES * COUNT["step_decay"], PROBES * (COUNT["cosine"] + COUNT["cyclic"])
    assert (a.name, a.key, a.version) == ("a", "a", "1.0.0")
    assert a.counts == {
        "agree": PROBES * COUNT["exponential"],
        "documented_divergence": documented,
        "diverge": diverging,
        "not_expressible": COUNT["polynomial"],
    }
    compared = PROBES * (COUNT["exponential"] + COUNT["step_decay"] + COUNT["cosine"] + COUNT["cyclic"])
    assert a.agree_percent == 100 * PROBES * COUNT["exponential"] // compared and a.failures == diverging
    assert a.worst == "diverge" and a.worst_id == f"{CASES[0].id}-a" and a.worst_case == CASES[0].id
    assert a.worst_reason.startswith("diverges at step 1 (first of ")
    assert (b.name, b.key, b.version, b.counts, b.worst_id) == (
        "b (run b-env)",
        "b-env.b",
        "2.0",
        {"agree": B_RESULTS},
        None,
    )
    assert b.agree_percent == 100


def test_one_disagreement_in_a_thousand_is_never_100_percent() -> None:
    assert scorecard.agree_percent({"agree": 999, "diverge": 1, "skipped": 5}) == 99
    assert scorecard.agree_percent({"not_expressible": 3}) is None


def test_badges_say_the_agree_share_and_colour_what_fails(merged: dict) -> None:
    a, b = scorecard.rows(merged["runs"], merged["results"])
    assert badges.badge(a) == {"schemaVersion": 1, "label": "a 1.0.0", "message": f"agree {a.agree_percent}%",
                               "color": "red"}  # fmt: skip
    assert badges.badge(b) == {"schemaVersion": 1, "label": "b (run b-env) 2.0", "message": "agree 100%",
                               "color": "brightgreen"}  # fmt: skip
    documented = scorecard.Row("r", "x/y", None, {"agree": 3, "documented_divergence": 1}, None, None, "")
    assert badges.badge(documented)["color"] == "yellow" and badges.badge(documented)["message"] == "agree 75%"
    assert badges.badge_file(documented) == "badge-r.x_y.json"
    unseen = scorecard.Row("r", "r", None, {"skipped": 2}, None, None, "")
    assert badges.badge(unseen) == {"schemaVersion": 1, "label": "r", "message": "not compared", "color": "lightgrey"}


def test_the_summary_lists_the_scorecard_then_new_divergences_first(merged: dict) -> None:
    error = {**merged["results"][0], "id": "boom-a", "outcome": "error", "reason": "ValueError: x\ntraceback"}
    merged = {**merged, "results": [error, *merged["results"]]}  # an error listed first in the records
    text = step_summary.summary_markdown(merged, report_url="https://example.org/runs/7")
    lines = text.splitlines()
    diverging = PROBES * (COUNT["cosine"] + COUNT["cyclic"])
    assert (
        lines[0]
        == f"### lrconform: {A_RESULTS + B_RESULTS + 1} results from 2 run(s): {diverging + 1} failing ({diverging} new divergence(s))"
    )
    assert "The HTML report (with every case's plot and reproducer): https://example.org/runs/7" in lines
    table = lines.index("| adapter | version | agree | documented divergence | diverge | not expressible | error "
                        "| agree % | worst finding |")  # fmt: skip
    agree, documented = PROBES * COUNT["exponential"], PROBES * COUNT["step_decay"]
    assert lines[table + 2].startswith(f"| a | 1.0.0 | {agree} | {documented} | {diverging} | {COUNT['polynomial']} | ")
    percent = 100 * agree // (agree + documented + diverging + 1)  # 28: the inexpressible ones not compared
    assert lines[table + 2].endswith(f"| 1 | {percent}% | error: `boom-a`: ValueError: x |")  # the worst: the error
    assert lines[table + 3] == f"| b (run b-env) | 2.0 | {B_RESULTS} | 0 | 0 | 0 | 0 | 100% | every record agrees |"
    failing = [line for line in lines if line.startswith("- **")]
    assert len(failing) == diverging + 1
    assert all(line.startswith("- **diverge** ") for line in failing[:-1]) and failing[-1].startswith("- **error**")
    raised = next(line for line in failing if "cyclic" in line)
    assert raised.endswith(f"(run a): the run raised {FAILURE} (after step 49)")


def _large(merged: dict, size: int) -> dict:
    """``size`` records: run a's records again and again under new ids, each with a reason of 300 characters."""
    base = [r for r in merged["results"] if r["run"] == "a"]
    results = [
        {**base[i % len(base)], "id": f"{base[i % len(base)]['id']}-copy{i}", "reason": f"{i:06d} " + "x" * 293}
        for i in range(size)
    ]
    return {**merged, "runs": merged["runs"][:1], "results": results}


def test_20000_results_stay_under_githubs_1_mib_and_count_what_was_left_out(merged: dict) -> None:
    large = _large(merged, 20_000)
    failing = sum(scorecard.failing(r["outcome"]) for r in large["results"])
    text = step_summary.summary_markdown(large)
    assert len(text.encode()) <= STEP_SUMMARY_LIMIT == 1_048_576
    listed = sum(line.startswith("- **") for line in text.splitlines())
    last = text.splitlines()[-1]
    left_out = int(last.removeprefix("_… and ").split(" more failing record(s) left out")[0].replace(",", ""))
    assert listed + left_out == failing and listed > 3_000 and left_out > 4_000
    assert len(text.encode()) > STEP_SUMMARY_LIMIT - 1_000  # the space is used, not wasted
    assert "| a | 1.0.0 | " + str(sum(r["outcome"] == "agree" for r in large["results"])) + " | " in text
    assert len(step_summary.summary_markdown(_large(merged, 500)).encode()) < STEP_SUMMARY_LIMIT  # nothing cut
    assert "left out" not in step_summary.summary_markdown(_large(merged, 500))


def test_merge_writes_every_output_and_appends_the_step_summary(out: Path, tmp_path: Path, monkeypatch) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("an earlier step's summary\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    target = tmp_path / "merged"
    assert cli.main(["merge", str(out), "--out", str(target), "--report-url", "https://example.org/r"]) == 0
    names = sorted(p.name for p in target.iterdir())
    assert names == ["badge-a.json", "badge-b-env.b.json", "junit.xml", "report.html", "results.json", "summary.md",
                     "trend.json"]  # fmt: skip
    written = (target / "summary.md").read_text()
    assert "https://example.org/r" in written and written.startswith(
        f"### lrconform: {A_RESULTS + B_RESULTS} results from 2 run(s)"
    )
    assert summary.read_text() == "an earlier step's summary\n" + written
    assert json.loads((target / "badge-b-env.b.json").read_text())["message"] == "agree 100%"


def test_without_github_the_summary_is_only_a_file(out: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert step_summary.append_step_summary("x") is None
    assert cli.main(["merge", str(out), "--out", str(tmp_path / "m")]) == 0
    assert (tmp_path / "m" / "summary.md").exists()
