"""The trend across nightlies (history carried from the previous merge, bounded, plotted), the stale baseline of a
diff, and the diff as Markdown for a pull request."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from reports import cli, diff, merge, trend
from tests.report_synthetic import by_family, catalogue, synthetic_run

CASES = [c for c in catalogue() if c.family in ("cosine", "exponential")]
COSINE = sum(c.family == "cosine" for c in CASES)
PROBES = 2


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> list[Path]:
    """Two nightlies of run ``fw``: the first agrees everywhere, the second is one step late on cosine."""
    out = tmp_path_factory.mktemp("nights")
    synthetic_run(out / "1" / "fw" / "results.json", "fw", by_family({}), cases=CASES)
    synthetic_run(out / "2" / "fw" / "results.json", "fw", by_family({"cosine": "late"}), cases=CASES)
    return [out / "1", out / "2"]


def test_each_merge_appends_its_scorecard_to_the_carried_history(nights: list[Path], tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli.main(["merge", str(nights[0]), "--out", str(first), "--history", str(tmp_path / "none.json")]) == 0
    assert cli.main(["merge", str(nights[1]), "--out", str(second), "--history", str(first / "trend.json")]) == 0
    history = json.loads((second / "trend.json").read_text())
    assert history["schema"] == "lrconform-trend/1"
    assert [entry["rows"]["fw"]["counts"] for entry in history["entries"]] == [
        {"agree": PROBES * len(CASES)},
        {"agree": PROBES * (len(CASES) - COSINE), "diverge": PROBES * COSINE},
    ]
    assert history["entries"][0] == json.loads((first / "trend.json").read_text())["entries"][0]
    page = (second / "report.html").read_text()
    assert page.count('<svg class="trend"') == 1 and "<title>2 nightlies, " in page
    plot = page.split('<svg class="trend"', 1)[1].split("</svg>", 1)[0]
    assert plot.count('fill="#1a7f37"') == 1 and plot.count('fill="#cf222e"') == 1  # green, then red


def test_the_history_keeps_the_newest_entries() -> None:
    entries = [{"created_utc": f"2026-01-{day:02d}", "rows": {}} for day in range(1, 11)]
    kept = trend.extend(entries, {"created_utc": "2026-01-11", "rows": {}}, keep=4)
    assert [e["created_utc"] for e in kept["entries"]] == ["2026-01-08", "2026-01-09", "2026-01-10", "2026-01-11"]
    assert len(trend.extend([], entries[0])["entries"]) == 1 and trend.MAX_ENTRIES == 90


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"schema": "other/1", "entries": []}, "field 'schema': expected 'lrconform-trend/1', got 'other/1'"),
        (
            {"schema": "lrconform-trend/1", "entries": [{"rows": {}}]},
            "entry #1: field 'created_utc': expected a time as text",
        ),
        (
            {"schema": "lrconform-trend/1", "entries": [{"created_utc": "t", "rows": {"fw": {"counts": {"x": 1}}}}]},
            "entry #1: row 'fw': field 'counts': expected outcome names and counts",
        ),
    ],
)
def test_a_malformed_history_stops_the_merge_in_one_line(nights, tmp_path, capsys, content, message) -> None:
    history = tmp_path / "trend.json"
    history.write_text(json.dumps(content))
    assert cli.main(["merge", str(nights[0]), "--out", str(tmp_path / "m"), "--history", str(history)]) == 2
    assert capsys.readouterr().err == f"error: {history}: {message}\n"
    assert not (tmp_path / "m").exists()


def test_the_plot_puts_100_percent_on_top_and_marks_failing_nights() -> None:
    points = [trend.Point("a", 100, 0), trend.Point("b", 50, 3), trend.Point("c", None, 0)]
    svg = trend.plot(points)
    assert '<polyline points="4.0,6.0 160.0,32.0"' in svg  # x spread over 3 nights; the third was not compared
    assert '<circle cx="4.0" cy="6.0" r="2.5" fill="#1a7f37"/>' in svg
    assert '<circle cx="160.0" cy="32.0" r="2.5" fill="#cf222e"/>' in svg and svg.count("<circle") == 2


def _aged(path: Path, days: float) -> None:
    """Make a run's result file ``days`` older."""
    envelope = json.loads(path.read_text())
    moment = datetime.datetime.fromisoformat(envelope["created_utc"]) - datetime.timedelta(days=days)
    envelope["created_utc"] = moment.isoformat()
    path.write_text(json.dumps(envelope))


def test_a_baseline_older_than_a_week_is_said_to_be_stale(nights, tmp_path, capsys) -> None:
    old = tmp_path / "old.json"
    old.write_text((nights[0] / "fw" / "results.json").read_text())
    _aged(old, 8)
    new = nights[1] / "fw" / "results.json"
    found = diff.compare_sets(merge.load([old]), merge.load([new]))
    assert found.stale_baseline.startswith("the baseline's newest run was created 8.0 days before the new side's")
    assert found.warnings[0] == f"STALE BASELINE: {found.stale_baseline}"
    assert "stale after 7.0 days" in found.stale_baseline
    week = datetime.timedelta(days=9)
    assert diff.compare_sets(merge.load([old]), merge.load([new]), baseline_stale_after=week).stale_baseline == ""
    assert cli.main(["diff", str(old), str(new), "--baseline-stale-after", "9"]) == 1
    assert "STALE BASELINE" not in capsys.readouterr().out
    assert cli.main(["diff", str(old), str(new), "--format", "markdown"]) == 1
    assert "- ⚠ STALE BASELINE: the baseline's newest run was created 8.0 days" in capsys.readouterr().out


def test_the_diff_as_markdown_lists_regressions_first(nights, tmp_path, capsys) -> None:
    """Old: cosine late and a run ``zz`` (after fw by name); new: cosine fixed, no ``zz`` (vanished: a regression)."""
    old = tmp_path / "old"
    (old / "fw").mkdir(parents=True)
    (old / "fw" / "results.json").write_text((nights[1] / "fw" / "results.json").read_text())
    extra = next(c for c in catalogue() if c.family == "step_decay")
    synthetic_run(old / "zz" / "results.json", "zz", by_family({}), cases=[extra])
    assert cli.main(["diff", str(old), str(nights[0]), "--format", "markdown"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"### lrconform: `{old}` → `{nights[0]}`: 2 regression(s)"
    rows = [line.split(" | ")[:2] for line in lines if " | `" in line]
    assert rows == [["| vanished", "zz"]] * PROBES + [["| improved", "fw"]] * (PROBES * COSINE)
