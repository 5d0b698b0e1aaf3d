"""Stale runs: older than their siblings, or from another suite commit, are marked wherever runs are shown."""

from __future__ import annotations

import datetime
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reports import cli, freshness, merge
from reports.results import suite_commit
from tests.report_synthetic import by_family, catalogue, synthetic_run

CASES = [c for c in catalogue() if c.id == "cosine[T10-eta0-periodic]"]
OTHER = "f" * 40


def _edit(path: Path, **fields) -> None:
    envelope = json.loads(path.read_text())
    for key, value in fields.items():
        envelope[key] = {**envelope[key], **value} if isinstance(value, dict) else value
    path.write_text(json.dumps(envelope))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Run ``new`` as just written; run ``old`` written 30 hours earlier by another suite commit."""
    synthetic_run(tmp_path / "new" / "results.json", "new", by_family({}), cases=CASES)
    synthetic_run(tmp_path / "old" / "results.json", "old", by_family({}), cases=CASES)
    created = json.loads((tmp_path / "new" / "results.json").read_text())["created_utc"]
    earlier = datetime.datetime.fromisoformat(created) - datetime.timedelta(hours=30)
    _edit(tmp_path / "old" / "results.json", created_utc=earlier.isoformat(), suite={"commit": OTHER})
    return tmp_path


def test_a_run_older_than_its_siblings_or_of_another_commit_is_stale(out: Path) -> None:
    runs = {run.name: run for run in merge.load([out]).runs}
    assert runs["new"].stale == ()
    head = suite_commit()
    assert runs["old"].stale[:2] == (
        f"created 30 h before the newest run (new, {freshness.run_time(runs['new'].info):%Y-%m-%d %H:%M} UTC)",
        f"from suite commit {OTHER[:12]}, the newest run (new) from {head[:12]}",
    )
    assert runs["old"].stale[2:] == (f"from suite commit {OTHER[:12]}, not this checkout's {head[:12]}",)
    relaxed = {run.name: run.stale for run in merge.load([out], stale_after=datetime.timedelta(hours=31)).runs}
    assert not any(reason.startswith("created") for reason in relaxed["old"])


def test_merge_marks_stale_runs_in_its_text_json_html_and_junit(out: Path, capsys) -> None:
    target = out / "merged"
    assert cli.main(["merge", str(out), "--out", str(target)]) == 0
    printed = capsys.readouterr().out
    assert "  run old: STALE: created 30 h before the newest run (new, " in printed
    assert "run new:" not in printed
    runs = {run["name"]: run for run in json.loads((target / "results.json").read_text())["runs"]}
    assert runs["new"]["stale"] == [] and runs["new"]["complete"] is True
    assert runs["old"]["stale"][0].startswith("created 30 h before") and runs["old"]["complete"] is True
    page = (target / "report.html").read_text()
    header = page.split('id="matrix-table"')[1].split("</thead>")[0]
    assert header.count('class="badge badge-stale"') == 1  # on run old's columns only
    assert f'title="{runs["old"]["stale"][0]}' in header
    assert f"<div>stale: {runs['old']['stale'][1]}</div>" in page.split('id="environment"')[1]
    assert "run &#39;old&#39; is STALE: created 30 h" in page  # in the warnings above the matrix
    suites = {s.get("name"): s for s in ET.fromstring((target / "junit.xml").read_bytes()).iter("testsuite")}
    properties = {p.get("name"): p.get("value") for p in suites["old"].find("properties")}
    assert properties["complete"] == "true" and properties["stale"] == "; ".join(runs["old"]["stale"])
    assert "stale" not in {p.get("name") for p in suites["new"].find("properties")}


def test_diff_marks_stale_runs_of_either_side(out: Path, tmp_path: Path, capsys) -> None:
    page = tmp_path / "diff.html"
    assert cli.main(["diff", str(out), str(out / "new"), "--html", str(page)]) == 1  # run old vanished
    printed = capsys.readouterr().out
    assert "old run old: STALE: created 30 h before the newest run (new, " in printed
    assert "new run new:" not in printed
    html = page.read_text()
    assert '<td>old <b class="badge badge-stale">STALE</b></td>' in html
    assert "<li>old run old: STALE: created 30 h" in html
