"""Compare two result sets (e.g. the suite under framework version X and version Y): what changed, per case.

Runs are paired by name (``--pair OLD=NEW`` pairs others; when one run is left on each side they
are paired with each other, the usual upgrade of one framework), then records by test id.

A record pair is

- **regressed** when its status got worse (passing < not covered < failing: ``Outcome.status``),
  when its values moved beyond the threshold while the new record does not agree with the
  reference (a divergence that changed shape: its documented numbers are now wrong), or when a
  value that was finite became NaN or infinite, whatever the outcomes say;
- **improved** when its status got better;
- **behaviour** when an invalid-parameter case's behaviour class changed (``silent -> rejects``: an upgrade that
  starts validating a parameter), and nothing got worse;
- **changed** when the outcome or the values changed otherwise (e.g. within tolerance, or
  because the case's reference itself changed);
- **new** / **vanished** when only one side has it. A vanished record is a regression (coverage
  lost: a framework env that crashed loses all its records); a new record that fails is one too.

Values are compared step by step, relative to the peak of the case's reference:
``max |new - old| / max |reference| > threshold`` (default :data:`THRESHOLD`).

Runs that are incomplete or stale (``reports.freshness``) are listed first, in the text and on
the page: a diff against an interrupted run or an old baseline says so. A baseline whose newest run is
more than a week (``--baseline-stale-after DAYS``) older than the new side's newest is a **stale
baseline**, said first.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.outcomes import OUTCOMES
from model.records import decode_floats, expand_steps, peak

from .freshness import BASELINE_STALE_AFTER, stale_baseline
from .merge import ResultSet, Run
from .platform import platform_differences

__all__ = ["KINDS", "THRESHOLD", "Change", "Diff", "compare_records", "compare_sets", "pair_runs", "text"]

KINDS = ("regressed", "vanished", "improved", "behaviour", "changed", "new")
#: Largest change at any step, relative to the reference's peak, that still counts as "same values".
THRESHOLD = 1e-9


@dataclass(frozen=True)
class Change:
    """What happened to one test id of one run pair."""

    kind: str
    run: str
    id: str
    what: str
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None

    @property
    def regression(self) -> bool:
        return self.kind in ("regressed", "vanished")

    @property
    def key(self) -> tuple[str, str]:
        return (self.run, self.id)


@dataclass
class Diff:
    """Every change between two result sets, worst first."""

    pairs: list[tuple[str | None, str | None]]
    threshold: float
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    flagged: list[tuple[str, Run]] = field(default_factory=list)  # ("old" or "new", an incomplete or stale run)
    platform: list[tuple[str, str]] = field(default_factory=list)  # (run, a platform fact that differs)
    stale_baseline: str = ""  # why the old side is too old to gate on ("" when it is not)

    @property
    def warnings(self) -> list[str]:
        """One line per incomplete or stale run of either side, and per platform fact that differs in a pair."""
        flags = [f"STALE BASELINE: {self.stale_baseline}"] if self.stale_baseline else []
        flags += [f"{side} run {run.name}: {flag}" for side, run in self.flagged for flag in run.flags]
        return flags + [f"run {run}: the platform differs ({fact}): float32 results may round differently"
                        for run, fact in self.platform]  # fmt: skip

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.regression]

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(c.kind for c in self.changes)
        return {**{k: tally[k] for k in KINDS}, "unchanged": self.unchanged}


def pair_runs(
    old: ResultSet, new: ResultSet, pairs: Mapping[str, str] | None = None
) -> list[tuple[str | None, str | None]]:
    """(old run, new run) pairs; a run with no partner is paired with ``None``."""
    old_names, new_names = [r.name for r in old.runs], [r.name for r in new.runs]
    for a, b in (pairs or {}).items():
        if a not in old_names or b not in new_names:
            raise ValueError(f"--pair {a}={b}: the old side has runs {old_names}, the new side {new_names}")
    matched = dict(pairs or {})
    matched.update(
        {name: name for name in old_names if name in new_names and name not in matched and name not in matched.values()}
    )
    left_old = [n for n in old_names if n not in matched]
    left_new = [n for n in new_names if n not in matched.values()]
    if len(left_old) == len(left_new) == 1:
        matched[left_old[0]] = left_new[0]
        left_old, left_new = [], []
    return [*matched.items(), *((n, None) for n in left_old), *((None, n) for n in left_new)]


def _values_moved(old: Mapping[str, Any], new: Mapping[str, Any], threshold: float) -> tuple[str, str]:
    """(how the framework's values moved: "" not at all, "moved" beyond the threshold, "non-finite"
    when a finite value became NaN or infinite; why the trajectories differ: "" when they do not or
    cannot be compared)"""
    if not old.get("actual") or not new.get("actual") or not old.get("reference") or not new.get("reference"):
        return "", ""  # invalid-parameter cases have no reference: their behaviour is compared instead
    if old.get("steps") != new.get("steps"):
        return "", "the case's steps changed"
    reference, before, after = (
        decode_floats(new["reference"]),
        decode_floats(old["actual"]),
        decode_floats(new["actual"]),
    )
    steps = expand_steps(new["steps"])
    broken = np.flatnonzero(np.isfinite(before) & ~np.isfinite(after))
    if broken.size:
        at = int(broken[0])
        return "non-finite", (
            f"{broken.size} value(s) became non-finite, first at step {int(steps[at])}: "
            f"{float(before[at])!r} -> {float(after[at])!r}"
        )
    scale = peak(reference) or 1.0
    if not np.allclose(
        decode_floats(old["reference"]), reference, rtol=threshold, atol=threshold * scale, equal_nan=True
    ):
        if old.get("params") != new.get("params"):
            return "", "the case's reference changed (its parameters changed)"
        return "", (
            "the case's reference changed with the same parameters (the suite's reference formula changed, or "
            "NumPy's float64 log, exp and power rounded differently under other CPU kernels or NumPy versions)"
        )
    with np.errstate(invalid="ignore"):
        moved = np.where(np.isnan(before) & np.isnan(after), 0.0, np.abs(after - before))
    moved = np.where(np.isnan(moved), np.inf, moved) / scale
    if not moved.max(initial=0.0) > threshold:
        return "", ""
    at = int(np.argmax(moved))
    where = f"step {int(steps[at])}: {float(before[at])!r} -> {float(after[at])!r}"
    return "moved", f"values moved by up to {moved[at]:.2g} of the peak ({where})"


def compare_records(
    old: Mapping[str, Any], new: Mapping[str, Any], threshold: float = THRESHOLD
) -> tuple[str, str] | None:
    """(kind, what) for one record pair, or ``None`` when nothing changed."""
    behaviour = _behaviour_changes(old, new)
    notes = list(behaviour)
    pinned = (old.get("behaviour"), new.get("behaviour"))  # a behaviour class that is the outcome is said once
    if old["outcome"] != new["outcome"] and (old["outcome"], new["outcome"]) != pinned:
        notes.append(f"outcome {OUTCOMES[old['outcome']].label} -> {OUTCOMES[new['outcome']].label}")
    steps = [old.get("first_divergent_step"), new.get("first_divergent_step")]
    if steps[0] != steps[1]:
        notes.append("first divergent step " + " -> ".join("none" if s is None else str(s) for s in steps))
    moved, why = _values_moved(old, new, threshold)
    notes += [why] if why else []
    if not notes:
        return None
    before, after = OUTCOMES[old["outcome"]].status, OUTCOMES[new["outcome"]].status
    if after > before or moved == "non-finite" or (moved and new["outcome"] != "agree"):
        kind = "regressed"
    elif behaviour and after == before:
        kind = "behaviour"
    else:
        kind = "improved" if after < before else "changed"
    return kind, "; ".join(notes)


def _behaviour_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """How an invalid-parameter case's behaviour changed: its class, the step it shows from, the error."""
    if old.get("behaviour") is None and new.get("behaviour") is None:
        return []
    notes = []
    classes = [r.get("behaviour") or "none" for r in (old, new)]
    if classes[0] != classes[1]:
        notes.append(f"behaviour class {classes[0]} -> {classes[1]}")
    steps = [r.get("behaviour_step") for r in (old, new)]
    if steps[0] != steps[1]:
        notes.append("behaviour step " + " -> ".join("none" if s is None else str(s) for s in steps))
    errors = [r.get("error") for r in (old, new)]
    if errors[0] != errors[1]:
        notes.append(f"error {errors[0] or 'none'} -> {errors[1] or 'none'}")
    return notes


def _one_sided(kind: str, run: str, record: Mapping[str, Any]) -> Change:
    failing = kind == "new" and OUTCOMES[record["outcome"]].status == 2
    what = f"{'new' if kind == 'new' else 'no longer in the results'} ({OUTCOMES[record['outcome']].label})"
    old, new = (None, record) if kind == "new" else (record, None)
    return Change("regressed" if failing else kind, run, record["id"], what, old, new)


def compare_sets(
    old: ResultSet,
    new: ResultSet,
    *,
    threshold: float = THRESHOLD,
    pairs: Mapping[str, str] | None = None,
    baseline_stale_after: datetime.timedelta = BASELINE_STALE_AFTER,
) -> Diff:
    """Every change between ``old`` and ``new``; the old side is a stale baseline when its newest run is more than
    ``baseline_stale_after`` older than the new side's (``reports.freshness``)."""
    diff = Diff(pair_runs(old, new, pairs), threshold)
    diff.stale_baseline = stale_baseline([r.info for r in old.runs], [r.info for r in new.runs], baseline_stale_after)
    diff.flagged = [(side, run) for side, runs in (("old", old), ("new", new)) for run in runs.runs if run.flags]
    old_runs, new_runs = {r.name: r for r in old.runs}, {r.name: r for r in new.runs}
    for old_name, new_name in diff.pairs:
        before = {r["id"]: r for r in old_runs[old_name].records} if old_name else {}
        after = {r["id"]: r for r in new_runs[new_name].records} if new_name else {}
        run = new_name or old_name
        if old_name and new_name:
            diff.platform += [
                (run, fact) for fact in platform_differences(old_runs[old_name].info, new_runs[new_name].info)
            ]
        for test_id, record in before.items():
            if test_id not in after:
                diff.changes.append(_one_sided("vanished", run, record))
            elif found := compare_records(record, after[test_id], threshold):
                diff.changes.append(Change(found[0], run, test_id, found[1], record, after[test_id]))
            else:
                diff.unchanged += 1
        diff.changes += [_one_sided("new", run, r) for test_id, r in after.items() if test_id not in before]
    diff.changes.sort(key=lambda c: (KINDS.index(c.kind), c.run, c.id))
    return diff


def text(diff: Diff, old: str, new: str) -> str:
    """The plain-text report: what was compared, the counts, then one line per change."""
    pairs = ", ".join(f"{a or '(none)'} -> {b or '(none)'}" for a, b in diff.pairs)
    counts = ", ".join(f"{n} {k}" for k, n in diff.counts.items())
    lines = [
        f"old: {old}",
        f"new: {new}",
        f"runs compared: {pairs}",
        *diff.warnings,
        f"{counts} (threshold {diff.threshold:g} of the peak)",
    ]
    lines += [f"{c.kind.upper():<10} {c.run}  {c.id}: {c.what}" for c in diff.changes]
    verdict = f"{len(diff.regressions)} regression(s)" if diff.regressions else "no regressions"
    return "\n".join([*lines, verdict]) + "\n"
