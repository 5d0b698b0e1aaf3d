"""Kills during writes: every file the suite writes, and every output folder, is the old one or the new one, whole.

Each test runs the real writer in a subprocess, stops it at a chosen file operation
(``tests.kill_points``), SIGKILLs it there, and reads what is left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reports import atomic, cli, merge
from tests.kill_points import ROOT, kill_at
from tests.report_synthetic import by_family, catalogue, synthetic_run
from tests.test_plugin import conformance_args

CASE = next(c for c in catalogue() if c.id == "cosine[T10-eta0-periodic]")
MERGED = ("results.json", "junit.xml", "report.html", "summary.md", "trend.json")  # and a badge per adapter


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Two tiny runs, each in its own folder: ``one`` (agrees) and ``two`` (one step late)."""
    root = tmp_path_factory.mktemp("runs")
    synthetic_run(root / "one" / "one" / "results.json", "one", by_family({}), cases=[CASE])
    synthetic_run(root / "two" / "two" / "results.json", "two", by_family({"cosine": "late"}), cases=[CASE])
    return root


def merged_set(folder: Path) -> str:
    """Which run the merged folder holds, after checking that its three files agree on it."""
    (name,) = [r["name"] for r in json.loads((folder / "results.json").read_text())["runs"]]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*MERGED, f"badge-{name}.json"])
    assert f"| {name} | 1.0.0 |" in (folder / "summary.md").read_text()
    assert f'<testsuite name="{name}"' in (folder / "junit.xml").read_text()
    assert f"<th>run {name}</th>" in (folder / "report.html").read_text()
    return name


def test_write_atomic_replaces_whole_files_with_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.json"
    atomic.write_atomic(target, "first")
    atomic.write_atomic(target, b"second")
    assert target.read_text() == "second" and os.listdir(target.parent) == ["file.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """The conformance run laid out by ``tests.test_plugin.conformance_args``, to its end."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *conformance_args(folder), *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_a_kill_while_the_plugin_writes_results_json_keeps_the_old_file(tmp_path: Path) -> None:
    """The session's last write: the old results.json stays whole, and the journal still holds the run."""
    out = tmp_path / "out"
    assert run_pytest(tmp_path).returncode == 1  # the fake framework's documented bugs fail two tests
    old = (out / "results.json").read_bytes()
    kill_at("replace", "results.json", 1, "pytest", conformance_args(tmp_path), tmp_path, cwd=tmp_path)
    assert (out / "results.json").read_bytes() == old
    journal = (out / "results.journal.jsonl").read_text().splitlines()
    assert len(journal) == 1 + len(json.loads(old)["results"])  # the header and every record


def test_a_kill_before_pytest_html_and_junit_are_moved_into_place_keeps_the_old_files(tmp_path: Path) -> None:
    pytest.importorskip("pytest_html", reason="pytest-html is installed in the tests env")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("report.html", "junit.xml"):
        (out / name).write_text(f"the previous run's {name}")
    args = [*conformance_args(tmp_path), "--html", str(out / "report.html"), "--self-contained-html"]
    kill_at("replace", ".partial", 1, "pytest", args, tmp_path, cwd=tmp_path)  # before the first is moved
    for name, end in (("report.html", "</html>"), ("junit.xml", "</testsuites>")):
        assert (out / name).read_text() == f"the previous run's {name}"
        assert (out / f"{name}.partial").read_text().rstrip().endswith(end)  # written in full, not yet moved


def test_a_session_that_fails_while_writing_keeps_the_old_files(tmp_path: Path) -> None:
    """junitxml has written its partial file when a later pytest_sessionfinish raises: nothing is moved, nothing left."""
    (tmp_path / "conftest.py").write_text("def pytest_sessionfinish():\n    raise RuntimeError('disk full')\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "junit.xml").write_text("the previous run's file")
    done = run_pytest(tmp_path)
    assert "RuntimeError: disk full" in done.stderr
    assert (tmp_path / "out" / "junit.xml").read_text() == "the previous run's file"
    assert not (tmp_path / "out" / "junit.xml.partial").exists()


@pytest.mark.parametrize(
    ("function", "count", "survivor"),
    [
        ("replace", 1, "one"),  # writing the new set's first file
        ("rename", 3, "two"),  # the old set aside, the new one not yet in place: no folder at all
    ],
    ids=["building", "swapping"],  # every other moment: test_every_interrupted_folder_swap_recovers_to_one_whole_set
)
def test_a_kill_during_merge_leaves_the_old_or_the_new_folder(
    runs: Path, tmp_path: Path, function: str, count: int, survivor: str
) -> None:
    out = tmp_path / "merged"
    assert cli.main(["merge", str(runs / "one"), "--out", str(out)]) == 0
    args = ["merge", str(runs / "two"), "--out", str(out)]
    kill_at(function, "merged", count, "reports", args, tmp_path)
    if out.exists():  # whatever is in place is one whole set
        assert merged_set(out) in ("one", "two")
    assert cli.main(["recover", str(tmp_path)]) == 0  # the next merge would do the same first
    assert merged_set(out) == survivor
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".merged")) == []


@pytest.mark.parametrize(
    ("left", "survivor"),
    [
        ({"target": "old", "partial": "new"}, "old"),  # killed while building, or before marking it complete
        ({"target": "old", "new": "new"}, "new"),  # marked complete, not yet swapped
        ({"old": "old", "new": "new"}, "new"),  # between the two renames
        ({"target": "new", "old": "old"}, "new"),  # swapped, the old set not yet deleted
        ({"target": "old"}, "old"),  # nothing interrupted
    ],
    ids=["partial", "marked", "between-renames", "swapped", "clean"],
)
def test_every_interrupted_folder_swap_recovers_to_one_whole_set(
    tmp_path: Path, left: dict[str, str], survivor: str
) -> None:
    target = tmp_path / "merged"
    for where, content in left.items():
        folder = target if where == "target" else tmp_path / f".merged.{where}"
        folder.mkdir()
        (folder / "report.html").write_text(content)
    atomic.finish_swap(target)
    assert os.listdir(tmp_path) == ["merged"] and (target / "report.html").read_text() == survivor


def test_a_kill_during_upgrade_leaves_the_old_or_the_new_pages(runs: Path, tmp_path: Path) -> None:
    declared = tmp_path / "upgrades.toml"
    declared.write_text(
        '[[upgrade]]\nold = "one"\nnew = "two"\nabout = "late"\nlink = "https://example.org/1"\nexpect = ["cosine*"]\n'
    )
    results, pages = tmp_path / "results", tmp_path / "upgrade"
    for name in ("one", "two"):
        (results / name).mkdir(parents=True, exist_ok=True)
        (results / name / "results.json").write_bytes((runs / name / name / "results.json").read_bytes())
    pages.mkdir()
    (pages / "old-page.html").write_text("the previous pages")
    args = ["upgrade", "--file", str(declared), "--results", str(results), "--out", str(pages)]
    kill_at("rename", "upgrade", 3, "reports", args, tmp_path)  # the old pages aside, the new ones not in place
    assert not pages.exists()
    assert cli.main(["recover", str(tmp_path)]) == 0
    assert sorted(p.name for p in pages.iterdir()) == ["one..two.html"]


def test_a_kill_while_diff_writes_its_page_keeps_the_old_page(runs: Path, tmp_path: Path) -> None:
    page = tmp_path / "diff.html"
    page.write_text("the previous diff")
    args = ["diff", str(runs / "one"), str(runs / "two"), "--html", str(page)]
    kill_at("replace", "diff.html", 1, "reports", args, tmp_path)
    assert page.read_text() == "the previous diff"


def test_an_output_folder_with_foreign_files_is_never_replaced(runs: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert cli.main(["merge", str(runs / "one"), "--out", str(tmp_path)]) == 2
    assert f"{tmp_path}: holds notes.txt, which the suite does not write" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_hidden_work_folders_are_not_read_as_runs(runs: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "out"
    (inputs / "one").mkdir(parents=True)
    (inputs / "one" / "results.json").write_bytes((runs / "one" / "one" / "results.json").read_bytes())
    (inputs / ".merged.new").mkdir()
    (inputs / ".merged.new" / "results.json").write_text("{not even json")
    assert [r.name for r in merge.load([inputs]).runs] == ["one"]


def test_a_merge_whose_data_files_fail_keeps_the_old_folder(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """results.json and junit.xml are written by a second process while the page renders: when it fails, the
    merge fails in one line and the previous set stays whole."""
    from reports import junit

    out = tmp_path / "merged"
    assert cli.main(["merge", str(runs / "one"), "--out", str(out)]) == 0
    monkeypatch.setattr(junit, "junit_xml", lambda envelope: 1 / 0)
    assert cli.main(["merge", str(runs / "two"), "--out", str(out)]) == 2
    assert "writing results.json and junit.xml failed (its process exited with 1" in capsys.readouterr().err
    assert merged_set(out) == "one"
