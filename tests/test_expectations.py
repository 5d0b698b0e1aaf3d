"""Expectation files: parsing, id patterns, version scoping, staleness and ambiguity."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cases.expectations import Expectation, ExpectationSet, check_expectation_files, load_expectations
from model.errors import CaseFileError

ROOT = Path(__file__).resolve().parent.parent

ENTRY = """
[[divergence]]
id = "one_cycle[T100-*]-fw*"
reason = '''two
lines'''
link = "https://example.org/issue/1"
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "fw.toml").write_text(text)
    return tmp_path


def entry(pattern: str, versions: str | None = None) -> Expectation:
    return Expectation((pattern,), "r", "https://example.org/1", "fw.toml", versions=versions)


def test_entry_is_parsed_and_reason_whitespace_normalised(tmp_path: Path) -> None:
    (e,) = load_expectations(write(tmp_path, ENTRY), "fw").entries
    assert (e.id, e.reason, e.link) == ("one_cycle[T100-*]-fw*", "two lines", "https://example.org/issue/1")
    assert e.source == str(tmp_path / "fw.toml") and e.describe() == f"entry id='one_cycle[T100-*]-fw*' in {e.source}"
    (e,) = load_expectations(write(tmp_path, ENTRY), "fw", root=tmp_path.parent).entries
    assert e.source == f"{tmp_path.name}/fw.toml", "shown relative to the root"


def test_a_file_without_entries_documents_nothing(tmp_path: Path) -> None:
    assert load_expectations(write(tmp_path, "# no divergence found yet\n"), "fw").entries == []


@pytest.mark.parametrize(
    ("test_id", "matches"),
    [
        ("one_cycle[T100-cos]-fw", True),
        ("one_cycle[T100-cos]-fw.applied", True),
        ("one_cycle[T10-cos]-fw", False),  # brackets are literal, not a character class
        ("xone_cycle[T100-cos]-fw", False),  # the whole id must match
        ("one_cycle[T100-cos]-other", False),
    ],
)
def test_patterns_match_whole_ids_with_star_only(test_id: str, matches: bool) -> None:
    assert entry("one_cycle[T100-*]-fw*").matches(test_id) is matches


def test_missing_file_means_no_entries(tmp_path: Path) -> None:
    assert load_expectations(tmp_path, "absent").entries == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            ENTRY.replace('link = "https://example.org/issue/1"\n', ""),
            "divergence #1 ('one_cycle[T100-*]-fw*'): field 'link': required, a non-empty string, got None",
        ),
        (ENTRY.replace("'''two\nlines'''", "3"), "field 'reason': required, a non-empty string, got 3"),
        (
            ENTRY.replace("https://example.org", "http://example.org"),
            "field 'link': must be an https:// URL to the upstream record, got 'http://example.org/issue/1'",
        ),
        (ENTRY + "first_divergent_step = -1\n", "field 'first_divergent_step': must be a step (int >= 0), got -1"),
        (ENTRY + "error = 3\n", "field 'error': must be a string, got 3"),
        (ENTRY + "versions = 'newest'\n", "field 'versions': must be a PEP 440 specifier like '>=0.2.7', got 'newest'"),
        (ENTRY + "colour = 'red'\n", "field 'colour': unknown field"),
        (
            ENTRY.replace('id = "one_cycle[T100-*]-fw*"', "id = []"),
            "field 'id': required, a test id (or pattern) or a non-empty list of them, got []",
        ),
        ("divergence = [1]\n", "divergence #1: field 'divergence': expected a table, got 1"),
        ("[[divergence]\n", "not valid TOML"),
        ("[skip]\n", "expected only [[divergence]] tables, found ['skip']"),
    ],
)
def test_malformed_entries_name_file_entry_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CaseFileError, match=re.escape(message)) as info:
        load_expectations(write(tmp_path, text), "fw")
    assert str(info.value).startswith(str(tmp_path / "fw.toml"))


@pytest.mark.parametrize(
    ("versions", "installed", "applies"),
    [
        (None, "0.2.6", True),
        (">=0.2.7", "0.2.8", True),
        (">=0.2.7", "0.2.6", False),
        ("<0.2.7", "0.2.6", True),
        (">=2.13", "2.13.0+cpu", True),  # local version labels (torch's CPU wheel) still compare
        (">=2.13", "2.14.0.dev20260101+cpu", True),  # a nightly (a pre-release) is in the range too
        (">=0.2.7", "unknown", True),  # a version PEP 440 cannot read: the entry applies, so nothing is skipped
        (">=0.2.7", None, False),  # framework not installed: only unscoped entries (its tests are skipped)
        (None, None, True),
    ],
)
def test_entries_apply_to_the_installed_version(versions: str | None, installed: str | None, applies: bool) -> None:
    assert entry("x", versions).applies_to(installed) is applies


def test_loading_keeps_only_entries_for_the_installed_version(tmp_path: Path) -> None:
    text = ENTRY + "versions = '>=0.2.7'\n" + ENTRY.replace("T100", "T3") + "versions = '<0.2.7'\n"
    old = load_expectations(write(tmp_path, text), "fw", version="0.2.6").entries
    new = load_expectations(write(tmp_path, text), "fw", version="0.2.8").entries
    assert [e.id for e in old] == ["one_cycle[T3-*]-fw*"] and [e.id for e in new] == ["one_cycle[T100-*]-fw*"]


def test_stale_entries_and_ambiguous_ids() -> None:
    listed = Expectation(("a[1]-fw", "d-fw"), "r", "https://example.org/1", "fw.toml")
    entries = ExpectationSet([entry("a[1]-fw*"), entry("b[2]-fw"), entry("a*"), listed])
    # an entry is stale as soon as one of its listed ids matches nothing
    assert [e.id for e in entries.stale(["a[1]-fw", "c-fw"])] == ["b[2]-fw", ["a[1]-fw", "d-fw"]]
    assert listed.matches("d-fw") and not listed.matches("c-fw")
    with pytest.raises(CaseFileError, match=re.escape("test 'a[1]-fw' is matched by several entries")):
        entries.lookup("a[1]-fw")
    assert entries.lookup("zzz") is None
    with pytest.raises(CaseFileError) as two:
        ExpectationSet([entry("a*"), entry("*fw")]).lookup("a-fw")
    assert (
        str(two.value)
        == "test 'a-fw' is matched by several entries: entry id='a*' in fw.toml; entry id='*fw' in fw.toml"
    )


@pytest.mark.parametrize("path", sorted((ROOT / "cases" / "expectations").glob("*.toml")), ids=lambda p: p.name)
def test_project_expectation_files_load_with_reasons_and_links(path: Path) -> None:
    entries = load_expectations(path.parent, path.stem).entries
    assert entries and all(len(e.reason) > 40 and e.link.startswith("https://") for e in entries)


def test_expectation_files_must_be_named_after_an_adapter(tmp_path: Path) -> None:
    folder = tmp_path / "expectations"
    folder.mkdir()
    (folder / "torch.toml").write_text("")
    check_expectation_files(folder, ["torch", "optax"])
    (folder / "tourch.toml").write_text("")
    with pytest.raises(CaseFileError, match=r"^expectations/tourch\.toml: no adapter named 'tourch'; .* optax, torch$"):
        check_expectation_files(folder, ["torch", "optax"], root=tmp_path)
    with pytest.raises(CaseFileError, match=r"^expectations/none: not a directory of expectation files$"):
        check_expectation_files(folder / "none", ["torch"], root=tmp_path)
