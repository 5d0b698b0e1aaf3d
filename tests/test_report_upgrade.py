"""Declared upgrades (reports/upgrades.toml): the diff of two runs must show the expected changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports import cli, merge
from reports.upgrade import UPGRADES_FILE, check, load_upgrades
from tests.report_synthetic import by_family, catalogue, synthetic_run

CASES = [c for c in catalogue() if c.family in ("cosine", "exponential")]
LINK = "https://github.com/google-deepmind/optax/issues/1403"


def _declare(path: Path, expect: list[str], old: str = "fw-1.0", new: str = "fw") -> Path:
    path.write_text(
        "[[upgrade]]\n"
        f'old = "{old}"\nnew = "{new}"\nabout = "cosine became one step late"\nlink = "{LINK}"\n'
        f"expect = {expect!r}\n".replace("'", '"')
    )
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """Adapter ``fw`` under an old version (env fw-1.0) and a new one (env fw) that is one step late on cosine."""
    out = tmp_path_factory.mktemp("out")
    synthetic_run(out / "fw-1.0" / "results.json", "fw-1.0", by_family({}), adapter="fw", cases=CASES)
    synthetic_run(
        out / "fw" / "results.json", "fw", by_family({"cosine": "late"}), adapter="fw", cases=CASES, version="2.0"
    )
    return out


def test_the_expected_change_is_found(results: Path, tmp_path: Path) -> None:
    (entry,) = load_upgrades(_declare(tmp_path / "u.toml", ["cosine[T100-eta1e-3]-fw*"]))
    outcome = check(entry, merge.load([results]), threshold=1e-9)
    assert outcome.ok and outcome.not_found == () and outcome.missing_runs == ()
    assert {c.id for c in outcome.diff.changes} == {
        f"{c.id}-fw{p}" for c in CASES if c.family == "cosine" for p in ("", ".applied")
    }


def test_an_expected_change_the_diff_does_not_show_fails(results: Path, tmp_path: Path, capsys) -> None:
    declared = _declare(tmp_path / "u.toml", ["cosine[T100-eta1e-3]-fw", "exponential[g0.9]-fw"])
    (entry,) = load_upgrades(declared)
    assert check(entry, merge.load([results]), threshold=1e-9).not_found == ("exponential[g0.9]-fw",)
    assert (
        cli.main(["upgrade", "--file", str(declared), "--results", str(results), "--out", str(tmp_path / "pages")]) == 1
    )
    printed = capsys.readouterr().out
    assert "FAILED: the diff shows no change for 'exponential[g0.9]-fw'" in printed
    assert (tmp_path / "pages" / "fw-1.0..fw.html").read_text().count("regressed</span>") > 0


def test_cli_passes_and_writes_the_diff_page(results: Path, tmp_path: Path, capsys) -> None:
    declared = _declare(tmp_path / "u.toml", ["cosine*"])
    assert (
        cli.main(["upgrade", "--file", str(declared), "--results", str(results), "--out", str(tmp_path / "pages")]) == 0
    )
    assert "1 declared upgrade(s)" in capsys.readouterr().out
    assert (tmp_path / "pages" / "fw-1.0..fw.html").exists()


def test_a_pair_whose_env_did_not_run_is_skipped(results: Path, tmp_path: Path, capsys) -> None:
    declared = _declare(tmp_path / "u.toml", ["cosine*"], old="fw-0.9")
    assert (
        cli.main(["upgrade", "--file", str(declared), "--results", str(results), "--out", str(tmp_path / "pages")]) == 0
    )
    assert "skipped, no results for run(s) fw-0.9" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[upgrade]]\nold = "a"\nnew = "b"\nabout = "x"\nlink = "http://x"\nexpect = ["i"]\n',
            "field 'link': must be an https:// link",
        ),
        (
            '[[upgrade]]\nold = "a"\nnew = "b"\nabout = "x"\nlink = "https://x"\nexpect = []\n',
            "field 'expect': required",
        ),
        (
            '[[upgrade]]\nold = "a"\nabout = "x"\nlink = "https://x"\nexpect = ["i"]\n',
            "upgrade #1: field 'new': required",
        ),
        (
            '[[upgrade]]\nold = "a"\nnew = "b"\nabout = "x"\nlink = "https://x"\nexpect = ["i"]\nwhy = 1\n',
            "field 'why': unknown",
        ),
        ("[[upgrades]]\n", "unknown top-level key 'upgrades'"),
    ],
)
def test_a_malformed_declaration_names_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "u.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_upgrades(path)


def test_the_repository_declarations_load() -> None:
    for entry in load_upgrades(UPGRADES_FILE):
        assert entry.old != entry.new and entry.expect


def test_adapter_restricts_the_comparison(results: Path, tmp_path: Path) -> None:
    """Only the named adapter's records are paired: another adapter's ids neither count nor vanish."""
    declared = _declare(tmp_path / "u.toml", ["cosine[T100-eta1e-3]-fw*"])
    declared.write_text(declared.read_text() + 'adapter = "other"\n')
    (entry,) = load_upgrades(declared)
    outcome = check(entry, merge.load([results]), threshold=1e-9)
    assert (
        entry.adapter == "other" and outcome.diff.changes == [] and outcome.not_found == ("cosine[T100-eta1e-3]-fw*",)
    )
    declared.write_text(declared.read_text().replace('adapter = "other"', 'adapter = "fw"'))
    (entry,) = load_upgrades(declared)
    assert check(entry, merge.load([results]), threshold=1e-9).ok
