"""The journal: a killed run keeps what finished, readers show it as incomplete, never the older file as current."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from reports import cli, merge
from reports.journal import Journal, journal_path, read_journal, recover
from reports.results import read_results, write_results
from tests.kill_points import kill_when_signalled
from tests.report_synthetic import by_family, catalogue, synthetic_run
from tests.test_atomic_writes import run_pytest
from tests.test_plugin import conformance_args

CASES = [c for c in catalogue() if c.id in ("cosine[T10-eta0-periodic]", "exponential[g0.9]")]
RUN = {"name": "fw", "frameworks": ["fw"], "argv": []}
#: the fake framework's tests, in the order they run (tests/test_plugin.py's catalogue)
FIRST_FOUR = ["step[k3]-fake", "step[k3]-fake.twice", "step[k3-late]-fake", "step[k3-late]-fake.twice"]


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[dict]:
    """Real records: two cases, two probes each (so each case's reference is shared)."""
    path = tmp_path_factory.mktemp("records") / "results.json"
    return synthetic_run(path, "fw", by_family({"cosine": "late"}), cases=CASES)["results"]


def test_records_are_appended_as_they_complete_and_finish_into_the_result_file(records, tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    journal = Journal.start(results, RUN, {"fw": {"version": "1"}})
    assert journal.path == tmp_path / "results.journal.jsonl"
    for record in records[:3]:
        journal.append(record)
    lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert lines[0]["schema"] == "lrconform-journal/1" and lines[0]["run"] == RUN
    assert [list(line.get("references", {})) for line in lines[1:]] == [[CASES[0].id], [], [CASES[1].id]]
    assert not any("reference" in r for line in lines[1:] for r in line["results"])  # each case's once
    so_far = read_journal(journal.path)
    assert so_far["complete"] is False and so_far["created_utc"] is None
    assert so_far["results"] == records[:3]  # with their references back
    journal.finish(records, {"fw": {"version": "1"}}, complete=True)
    assert not journal.path.exists()
    envelope = read_results(results)
    assert envelope["complete"] is True and envelope["session"] == lines[0]["session"]
    assert envelope["started_utc"] == lines[0]["started_utc"] and envelope["results"] == records


def test_a_last_line_cut_short_by_the_kill_is_left_out(records, tmp_path: Path) -> None:
    journal = Journal.start(tmp_path / "results.json", RUN, {})
    for record in records[:2]:
        journal.append(record)
    with journal.path.open("a") as file:
        file.write(json.dumps({"results": [records[2]]})[:100])  # killed mid-line
    assert [r["id"] for r in read_journal(journal.path)["results"]] == [r["id"] for r in records[:2]]


def test_a_malformed_journal_line_names_the_line(records, tmp_path: Path) -> None:
    journal = Journal.start(tmp_path / "results.json", RUN, {})
    journal.append(records[0])
    with journal.path.open("a") as file:
        file.write('{"results": "oops"}\n')
    with pytest.raises(
        ValueError, match=r"results.journal.jsonl: line 3: 'references' must be a table and 'results' a list"
    ):
        read_journal(journal.path)


def test_a_folders_journal_wins_over_the_older_result_file(records, tmp_path: Path) -> None:
    write_results(tmp_path / "fw" / "results.json", records=records, run=RUN, adapters={})
    journal = Journal.start(tmp_path / "fw" / "results.json", RUN, {})
    journal.append(records[0])
    (run,) = merge.load([tmp_path]).runs
    assert not run.complete and run.source.endswith("results.journal.jsonl") and len(run.records) == 1
    assert run.info["superseded"]["source"] == str(tmp_path / "fw" / "results.json")
    assert run.labels == ["INCOMPLETE"]
    assert run.flags[0].startswith(f"INCOMPLETE: 1 record(s) so far, started {journal.header['started_utc']}; ")
    assert f"the older complete result file {tmp_path / 'fw' / 'results.json'} (created " in run.flags[0]


def test_the_journal_of_a_session_that_wrote_its_file_is_ignored(records, tmp_path: Path) -> None:
    """Killed between writing results.json and removing the journal: the result file is the run."""
    journal = Journal.start(tmp_path / "results.json", RUN, {})
    journal.append(records[0])
    header = journal.header
    write_results(
        tmp_path / "results.json", records=records, run=RUN, adapters={},
        session=header["session"], started_utc=header["started_utc"],
    )  # fmt: skip
    (run,) = merge.load([tmp_path]).runs
    assert run.complete and run.source == str(tmp_path / "results.json") and len(run.records) == len(records)
    assert recover(journal.path).endswith(
        "its run had finished (" + str(tmp_path / "results.json") + "); removed the journal"
    )
    assert not journal.path.exists()


def test_a_result_file_named_explicitly_is_stale_beside_a_newer_journal(records, tmp_path: Path) -> None:
    write_results(tmp_path / "results.json", records=records, run=RUN, adapters={})
    journal = Journal.start(tmp_path / "results.json", RUN, {})
    (run,) = merge.load([tmp_path / "results.json"]).runs
    assert run.complete and run.stale == (
        f"a newer run of this name was interrupted: its journal {journal.path} (started {journal.header['started_utc']})",
    )


def test_an_interrupted_pytest_run_is_merged_as_incomplete_and_recovered(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert run_pytest(tmp_path).returncode == 1  # a complete run first: 2 tests fail on purpose
    old = read_results(out / "results.json")
    assert old["complete"] is True and len(old["results"]) == 14 and not journal_path(out / "results.json").exists()

    signal = tmp_path / "stopped"
    command = [sys.executable, "-m", "pytest", "-p", "tests.kill_points", *conformance_args(tmp_path)]
    env = {"LRCONFORM_STOP_AT_TEST": "step[k3-double]-fake", "LRCONFORM_STOP_SIGNAL": str(signal)}
    kill_when_signalled(command, signal, env=env, cwd=tmp_path)
    assert read_results(out / "results.json") == old  # untouched: the killed session never reached its end

    merged = tmp_path / "merged"
    assert cli.main(["merge", str(out), "--out", str(merged)]) == 0
    printed = capsys.readouterr().out
    assert "merged 4 results from 1 runs: fake+missing (4)" in printed
    assert "  run fake+missing: INCOMPLETE: 4 record(s) so far, started " in printed
    assert f"interrupted: its session never ended; the older complete result file {out / 'results.json'}" in printed
    envelope = json.loads((merged / "results.json").read_text())
    (info,) = envelope["runs"]
    assert info["complete"] is False and info["source"] == str(out / "results.journal.jsonl")
    assert [r["id"] for r in envelope["results"]] == FIRST_FOUR
    page = (merged / "report.html").read_text()
    assert '<b class="badge badge-incomplete" title="4 record(s) so far, started' in page
    assert '<property name="complete" value="false"' in (merged / "junit.xml").read_text()

    (tmp_path / "before.json").write_bytes((out / "results.json").read_bytes())
    assert cli.main(["diff", str(tmp_path / "before.json"), str(out)]) == 1  # the 10 records not run vanished
    printed = capsys.readouterr().out
    assert "new run fake+missing: INCOMPLETE: 4 record(s) so far" in printed and "10 vanished" in printed

    assert cli.main(["recover", str(out)]) == 0
    assert "4 records of the interrupted run -> " in capsys.readouterr().out
    recovered = read_results(out / "results.json")
    assert recovered["complete"] is False and [r["id"] for r in recovered["results"]] == FIRST_FOUR
    (run,) = merge.load([out]).runs
    assert run.flags[0].startswith("INCOMPLETE: 4 record(s) so far") and "stopped early, or recovered" in run.flags[0]


def test_a_run_stopped_early_is_written_incomplete(tmp_path: Path) -> None:
    assert run_pytest(tmp_path, "-x").returncode == 1
    envelope = read_results(tmp_path / "out" / "results.json")
    assert envelope["complete"] is False and [r["id"] for r in envelope["results"]][-1] == "step[k3-double]-fake"


def test_collect_only_leaves_the_result_file_alone(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "results.json").write_text("the previous results")
    assert run_pytest(tmp_path, "--collect-only").returncode == 0
    assert (tmp_path / "out" / "results.json").read_text() == "the previous results"
    assert not journal_path(tmp_path / "out" / "results.json").exists()
