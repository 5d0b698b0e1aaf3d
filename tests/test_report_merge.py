"""Merging result files: runs keyed by name, unreadable files fail the merge, envs without results are left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.records import expand_stored, unpack_floats
from reports import cli, merge, render, summary
from tests.report_synthetic import by_family, catalogue, synthetic_run

FAMILIES = ("cosine", "exponential", "polynomial")


def _keyed(result_set: merge.ResultSet) -> dict[tuple[str, str], dict]:
    return {(run.name, record["id"]): record for run, record in result_set.records()}


@pytest.fixture(scope="module")
def cases():
    return [c for c in catalogue() if c.family in FAMILIES]


@pytest.fixture
def out(tmp_path: Path, cases) -> Path:
    """reports/out as two framework envs leave it: the same adapter ``keras`` under env ``tfa`` and env ``keras``."""
    synthetic_run(
        tmp_path / "tfa" / "results.json", "tfa", by_family({}), adapter="keras", version="2.15.0", cases=cases
    )
    synthetic_run(
        tmp_path / "keras" / "results.json",
        "keras",
        by_family({"cosine": "late"}),
        adapter="keras",
        version="3.9.0",
        cases=cases,
    )
    return tmp_path


def test_the_same_adapter_in_two_runs_keeps_both(out: Path, cases) -> None:
    result_set = merge.load([out])
    assert [r.name for r in result_set.runs] == ["keras", "tfa"]  # folders in sorted order
    keyed = _keyed(result_set)
    per_run = 2 * len(cases)  # two probes per case
    assert len(keyed) == 2 * per_run
    case = next(c for c in cases if c.family == "cosine")
    assert keyed[("tfa", f"{case.id}-keras")]["outcome"] == "agree"
    assert keyed[("keras", f"{case.id}-keras")]["outcome"] == "diverge"
    assert keyed[("keras", f"{case.id}-keras")]["framework_version"] == "3.9.0"


def test_two_files_with_one_run_name_fail_naming_both(out: Path, cases) -> None:
    synthetic_run(out / "again" / "results.json", "tfa", by_family({}), adapter="keras", cases=cases[:1])
    with pytest.raises(
        ValueError, match=r"again/results.json.*tfa/results.json|tfa/results.json.*again/results.json"
    ) as info:
        merge.load([out])
    assert "--lrconform-run-name" in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable result file"),
        (json.dumps({"schema": "something-else/1"}), "not an lrconform result file"),
        (json.dumps([1, 2]), "not an lrconform result file"),
    ],
)
def test_an_unreadable_file_fails_the_merge(out: Path, content: str, message: str) -> None:
    broken = out / "mindspore" / "results.json"
    broken.parent.mkdir()
    broken.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        merge.load([out])
    assert str(broken) in str(info.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.pop("outcome"), r"record #1 \('.*'\): field 'outcome': missing"),
        (lambda r: r.update(outcome="passed"), r"field 'outcome': must be one of agree, .*, got 'passed'"),
    ],
)
def test_a_malformed_record_fails_the_merge(out: Path, edit, message: str) -> None:
    path = out / "tfa" / "results.json"
    envelope = json.loads(path.read_text())
    edit(envelope["results"][0])
    path.write_text(json.dumps(envelope))
    with pytest.raises(ValueError, match=message):
        merge.load([out])


def test_a_repeated_test_id_fails_the_merge(out: Path) -> None:
    path = out / "tfa" / "results.json"
    envelope = json.loads(path.read_text())
    envelope["results"].append(envelope["results"][0])
    path.write_text(json.dumps(envelope))
    with pytest.raises(ValueError, match="appears twice"):
        merge.load([out])


def test_an_env_without_results_is_left_out(out: Path) -> None:
    (out / "optax").mkdir()
    (out / "optax" / "junit.xml").write_text("<testsuites/>")  # the env ran but crashed before writing results
    assert [r.name for r in merge.load([out]).runs] == ["keras", "tfa"]


def test_a_missing_input_fails(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such result file or folder"):
        merge.load([tmp_path / "nowhere"])


def test_the_merged_file_reads_back_as_the_same_runs(out: Path, tmp_path: Path) -> None:
    first = merge.load([out])
    merged = tmp_path / "merged.json"
    merge.write_json(merge.merged_envelope(first), merged)
    again = merge.load([merged])
    assert [(r.name, r.info["run"]) for r in again.runs] == [(r.name, r.info["run"]) for r in first.runs]
    assert {k: {**v, "run": k[0]} for k, v in _keyed(first).items()} == _keyed(again)
    assert all(record["run"] == run.name for run, record in again.records())


def test_the_merged_file_stores_each_reference_once(out: Path, cases, tmp_path: Path) -> None:
    merged = tmp_path / "merged.json"
    merge.write_json(merge.merged_envelope(merge.load([out])), merged)
    stored = json.loads(merged.read_text())
    assert sorted(stored["references"]) == sorted(c.id for c in cases)
    assert not any("reference" in record for record in stored["results"])  # 2 runs x 2 probes share one copy
    record = next(r for r in merge.load([merged]).runs[0].records if r["case"] == cases[0].id)
    assert record["reference"] == unpack_floats(stored["arrays"][stored["references"][cases[0].id]["array"]])


def test_a_reference_that_differs_from_its_cases_stays_in_its_record(out: Path, cases, tmp_path: Path) -> None:
    """Runs of two suite versions may compute a case's reference differently: neither is lost."""
    path = out / "tfa" / "results.json"
    envelope = json.loads(path.read_text())
    expand_stored(envelope, str(path))
    changed = [v * 2 for v in envelope["references"][cases[0].id]]
    for record in envelope["results"]:
        if record["case"] == cases[0].id:
            record["reference"] = changed
    path.write_text(json.dumps(envelope))
    merged = tmp_path / "merged.json"
    merge.write_json(merge.merged_envelope(merge.load([out])), merged)
    again = _keyed(merge.load([merged]))
    probe = f"{cases[0].id}-keras"
    assert again[("tfa", probe)]["reference"] == changed
    assert again[("keras", probe)]["reference"] == [v / 2 for v in changed]


@pytest.mark.parametrize("merged", [False, True], ids=["run-file", "merged-file"])
def test_files_of_schema_1_still_read(out: Path, tmp_path: Path, merged: bool) -> None:
    """Before ``references`` (schema /1) every record held its reference, and before /4 it named its adapter
    ``framework``: an old baseline still diffs."""
    expected = _keyed(merge.load([out / "tfa" / "results.json"]))
    path = out / "tfa" / "results.json"
    if merged:
        merge.write_json(merge.merged_envelope(merge.load([path])), path := tmp_path / "merged.json")
    envelope = json.loads(path.read_text())
    expand_stored(envelope, str(path))  # before /5 every trajectory and reproducer was written out
    references = envelope.pop("references")
    for record in envelope["results"]:  # before /4 a record named its adapter "framework"
        record["reference"], record["framework"] = references[record["case"]], record.pop("adapter")
    envelope["schema"] = "lrconform-merged/1" if merged else "lrconform-results/1"
    path.write_text(json.dumps(envelope))
    again = {k: {**r, "run": None} for k, r in _keyed(merge.load([path])).items()}  # a run's file has no "run"
    assert again == expected


def test_a_malformed_reference_table_fails_naming_the_file(out: Path) -> None:
    path = out / "tfa" / "results.json"
    envelope = json.loads(path.read_text())
    envelope["references"] = [1, 2]
    path.write_text(json.dumps(envelope))
    with pytest.raises(ValueError, match=r"tfa/results.json: field 'references': must be a table, got a list"):
        merge.load([out])


def test_the_cli_writes_three_files_and_skips_its_own_output_next_time(out: Path, capsys) -> None:
    target = out / "merged"
    for _ in range(2):  # the second merge must not read the first one's results.json as a third run
        assert cli.main(["merge", str(out), "--out", str(target)]) == 0
    printed = capsys.readouterr().out
    assert "from 2 runs: keras (" in printed
    envelope = json.loads((target / "results.json").read_text())
    assert envelope["schema"] == merge.MERGED_SCHEMA
    assert {r["name"] for r in envelope["runs"]} == {"keras", "tfa"}
    assert (target / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (target / "junit.xml").read_bytes().startswith(b"<?xml")


def test_the_cli_exits_2_on_an_unreadable_file(out: Path, capsys) -> None:
    (out / "tfa" / "results.json").write_text("")
    assert cli.main(["merge", str(out), "--out", str(out / "merged")]) == 2
    assert "tfa/results.json: not a readable result file" in capsys.readouterr().err


def test_the_cli_exits_2_when_there_is_nothing_to_merge(tmp_path: Path, capsys) -> None:
    assert cli.main(["merge", str(tmp_path), "--out", str(tmp_path / "merged")]) == 2
    assert "no result files" in capsys.readouterr().err


def test_the_report_heads_each_run_with_its_framework_version_and_run_name(out: Path) -> None:
    report = summary.build(merge.merged_envelope(merge.load([out])))
    assert [(group, columns[0].version) for group, columns in report.groups] == [
        (("keras", "keras"), "3.9.0"),
        (("tfa", "keras"), "2.15.0"),
    ]
    page = render.render_report(merge.merged_envelope(merge.load([out])))
    header = page.split('id="matrix-table"')[1].split("</thead>")[0]
    assert 'keras <span class="muted">3.9.0</span></th>' in header  # run keras: named like its adapter
    assert 'keras <span class="muted">2.15.0</span><br><span class="muted">run tfa</span>' in header
