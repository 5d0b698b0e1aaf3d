"""Upgrade validation: what changed between two result sets, and which changes are regressions."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.expectations import Expectation
from model.records import expand_steps
from reports import cli, diff, merge
from reports.results import write_results
from tests.report_synthetic import NUDGE, SCALE, by_family, catalogue, synthetic_run

FAMILIES = ("cosine", "cyclic", "exponential", "polynomial", "step_decay", "linear")
CASES = [c for c in catalogue() if c.family in FAMILIES]
COUNT = {f: sum(c.family == f for c in CASES) for f in FAMILIES}
PROBES = 2
#: the old version: cyclic raises half-way, polynomial is not expressible, step decay is documented as 1e-3 off
OLD = {"cyclic": "raise", "polynomial": "not_expressible", "step_decay": "scaled"}
#: the new version: one step late on cosine, cyclic fixed, polynomial mapped, step decay off by twice as much
NEW = {"cosine": "late", "exponential": "nudged", "step_decay": "scaled_twice"}
DOCUMENTED = Expectation(("step[*",), "step decay is scaled", "https://example.org/issue", "tests")
DROPPED = next(c for c in reversed(CASES) if c.family == "linear")  # not in the new suite


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> tuple[Path, Path]:
    """The same adapter ``fw`` as run ``fw-1`` (old) and run ``fw-2`` (new); the new suite lost a linear case."""
    out = tmp_path_factory.mktemp("sets")
    synthetic_run(
        out / "old" / "results.json", "fw-1", by_family(OLD), adapter="fw", cases=CASES, expectations=[DOCUMENTED]
    )
    kept = [c for c in CASES if c is not DROPPED]
    synthetic_run(
        out / "new" / "results.json",
        "fw-2",
        by_family(NEW),
        adapter="fw",
        cases=kept,
        expectations=[DOCUMENTED],
        version="2.0.0",
    )
    return out / "old", out / "new"


def _compare(sets, **options) -> diff.Diff:
    return diff.compare_sets(merge.load([sets[0]]), merge.load([sets[1]]), **options)


def test_every_kind_of_change_is_found(sets) -> None:
    found = _compare(sets)
    assert found.pairs == [("fw-1", "fw-2")]  # one run on each side: paired although the names differ
    by_kind = {k: {c.id for c in found.changes if c.kind == k} for k in diff.KINDS}
    cosine = {f"{c.id}-fw{p}" for c in CASES if c.family == "cosine" for p in ("", ".applied")}
    step = {f"{c.id}-fw{p}" for c in CASES if c.family == "step_decay" for p in ("", ".applied")}
    assert by_kind["regressed"] == cosine | step  # agree -> diverge; a documented divergence whose values moved
    assert by_kind["vanished"] == {f"{DROPPED.id}-fw", f"{DROPPED.id}-fw.applied"}
    assert len(by_kind["improved"]) == PROBES * COUNT["cyclic"] + COUNT["polynomial"]  # diverge -> agree, n/a -> agree
    assert len(by_kind["new"]) == COUNT["polynomial"]  # the applied probes of cases that became expressible
    assert by_kind["changed"] == set()  # nudged by 1e-13: below the default threshold
    assert found.unchanged == PROBES * (COUNT["exponential"] + COUNT["linear"] - 1)
    assert {c.id for c in found.regressions} == by_kind["regressed"] | by_kind["vanished"]


def test_what_changed_is_spelled_out(sets) -> None:
    found = {c.id: c for c in _compare(sets).changes}
    case = next(c for c in CASES if c.family == "cosine")
    assert found[f"{case.id}-fw"].what.startswith(
        "outcome agree -> diverge; first divergent step none -> 1; values moved by up to"
    )
    step = next(c for c in CASES if c.family == "step_decay")
    first = float(step.reference()[0])  # the peak: step decay starts at its largest value
    old, new = first * SCALE, first * SCALE**2
    moved = f"values moved by up to {(new - old) / first:.2g} of the peak (step 0: {old!r} -> {new!r})"
    assert found[f"{step.id}-fw"].what == moved  # still documented, still diverging from step 0


def test_a_smaller_threshold_sees_values_moved_within_tolerance(sets) -> None:
    found = _compare(sets, threshold=(NUDGE - 1) / 10)
    changed = {c.id for c in found.changes if c.kind == "changed"}
    assert changed == {f"{c.id}-fw{p}" for c in CASES if c.family == "exponential" for p in ("", ".applied")}


def test_runs_pair_by_name_first_then_as_asked(sets, tmp_path: Path) -> None:
    old, new = merge.load([sets[0]]), merge.load([sets[1]])
    assert diff.pair_runs(old, new, {"fw-1": "fw-2"}) == [("fw-1", "fw-2")]
    with pytest.raises(ValueError, match=r"--pair fw-9=fw-2: the old side has runs \['fw-1'\]"):
        diff.pair_runs(old, new, {"fw-9": "fw-2"})
    both = merge.ResultSet((*old.runs, *new.runs))
    assert diff.pair_runs(both, both) == [("fw-1", "fw-1"), ("fw-2", "fw-2")]
    assert diff.pair_runs(both, new) == [("fw-2", "fw-2"), ("fw-1", None)]  # fw-1's records all vanished


def test_identical_sets_have_no_changes(sets) -> None:
    same = diff.compare_sets(merge.load([sets[0]]), merge.load([sets[0]]))
    assert not same.changes and same.unchanged == PROBES * len(CASES) - COUNT["polynomial"]


def test_cli_exits_1_on_a_regression_and_writes_text_and_html(sets, tmp_path: Path, capsys) -> None:
    page = tmp_path / "diff.html"
    assert cli.main(["diff", str(sets[0]), str(sets[1]), "--html", str(page)]) == 1
    text = capsys.readouterr().out
    assert "runs compared: fw-1 -> fw-2" in text
    assert f"{len(_compare(sets).regressions)} regression(s)" in text
    body = page.read_text()
    assert "regression(s).</b>" in body and body.count('<svg class="plot"') > 0
    assert cli.main(["diff", str(sets[0]), str(sets[0])]) == 0
    assert "no regressions" in capsys.readouterr().out


def test_cli_exits_2_on_a_bad_pair(sets, capsys) -> None:
    assert cli.main(["diff", str(sets[0]), str(sets[1]), "--pair", "nonsense"]) == 2
    assert "--pair expects OLD_RUN=NEW_RUN" in capsys.readouterr().err


def _no_records(path: Path) -> None:
    write_results(path, records=[], run={"name": "fw-1"}, adapters={})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (Path.mkdir, "old {base}: no result files: an empty result set cannot be compared"),
        (_no_records, "old {base}: no records: an empty result set cannot be compared"),
        (
            lambda base: base.write_text(""),
            "{base}: not a readable result file: Expecting value: line 1 column 1 (char 0)",
        ),
        (
            lambda base: (base / "results.json").mkdir(parents=True),
            "{base}/results.json: not a readable result file: not a regular file",
        ),
        (
            lambda base: base.symlink_to(base.parent / "gone.json"),
            "{base}: not a readable result file: a symbolic link to nothing",
        ),
    ],
    ids=["empty-folder", "no-records", "empty-file", "folder-named-results.json", "dangling-link"],
)
def test_cli_exits_2_on_an_empty_or_unreadable_baseline(sets, tmp_path: Path, capsys, make, message: str) -> None:
    base = tmp_path / "baseline"
    make(base)
    assert cli.main(["diff", str(base), str(sets[1])]) == 2
    assert capsys.readouterr().err == f"error: {message.format(base=base)}\n"


@pytest.mark.parametrize(
    ("old_outcome", "new_outcome", "value", "outcome_note"),
    [
        ("agree", "agree", "nan", ""),  # the outcomes say nothing happened (a hand-made or buggy record)
        ("diverge", "documented_divergence", "inf", "outcome diverge -> documented divergence; "),  # "improved"
        ("documented_divergence", "documented_divergence", "-inf", ""),
    ],
)
def test_values_that_became_non_finite_are_regressions(
    sets, old_outcome: str, new_outcome: str, value: str, outcome_note: str
) -> None:
    record = next(r for r in merge.load([sets[0]]).runs[0].records if r["outcome"] == "agree" and r["actual"])
    old = {**record, "outcome": old_outcome}
    new = {**record, "outcome": new_outcome, "actual": [*record["actual"][:3], value, *record["actual"][4:]]}
    step, before = expand_steps(record["steps"])[3], float(record["actual"][3])
    assert diff.compare_records(old, new) == (
        "regressed",
        f"{outcome_note}1 value(s) became non-finite, first at step {step}: {before!r} -> {float(value)!r}",
    )
