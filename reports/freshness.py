"""Which runs of a result set are stale, and why: ``merge``, ``diff`` and ``upgrade`` show it beside each run.

A run is **stale** when

- it was created more than :data:`STALE_AFTER` before the newest run of the set (an env that was
  not rerun with the others);
- its suite commit is not the newest run's (the runs test different versions of the suite);
- its suite commit is not the commit of the checkout that reads it (the suite changed since);
- it is a result file beside which a newer, interrupted run of its name left a journal (see
  ``reports.merge``: a folder's journal wins; a file named explicitly is read but marked).

A run without a time or a commit (e.g. not run from a git checkout) is not judged on it. A run is
**incomplete** when its file says ``"complete": false`` or it is an interrupted run's journal
(``reports.journal``); :func:`incomplete_note` says how far it got.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "BASELINE_STALE_AFTER",
    "STALE_AFTER",
    "age_text",
    "incomplete_note",
    "run_time",
    "stale_baseline",
    "stale_reasons",
]

#: How much older than the newest run of a set a run may be before it is stale. A full matrix
#: runs in well under an hour, and the nightly's envs within its workflow run.
STALE_AFTER = datetime.timedelta(hours=24)
#: How much older than the newest run of a diff's new side the newest run of its baseline may be before the
#: baseline is stale: a week of nightlies that failed, or did not run, leaves the gate comparing with old news.
BASELINE_STALE_AFTER = datetime.timedelta(days=7)


def run_time(info: Mapping[str, Any]) -> datetime.datetime | None:
    """When a run's file was written (an interrupted run's: when it started), in UTC."""
    text = info.get("created_utc") or info.get("started_utc")
    if not text:
        return None
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def age_text(delta: datetime.timedelta) -> str:
    """``26 h``, ``3.5 days``."""
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 72 else f"{hours / 24:.1f} days"


def _short(commit: str) -> str:
    return commit[:12]


def stale_reasons(
    runs: Mapping[str, Mapping[str, Any]], *, checkout: str | None, stale_after: datetime.timedelta = STALE_AFTER
) -> dict[str, list[str]]:
    """Why each run (name -> its info) is stale (an empty list when it is not)."""
    times = {name: run_time(info) for name, info in runs.items()}
    dated = [(moment, name) for name, moment in times.items() if moment is not None]
    newest = max(dated)[1] if dated else None
    newest_commit = (runs[newest].get("suite") or {}).get("commit") if newest else None
    reasons: dict[str, list[str]] = {name: [] for name in runs}
    for name, info in runs.items():
        commit = (info.get("suite") or {}).get("commit")
        moment = times[name]
        if newest and moment and times[newest] - moment > stale_after:
            newest_time = f"{times[newest]:%Y-%m-%d %H:%M} UTC"
            reasons[name].append(
                f"created {age_text(times[newest] - moment)} before the newest run ({newest}, {newest_time})"
            )
        if commit and newest_commit and commit != newest_commit:
            reasons[name].append(
                f"from suite commit {_short(commit)}, the newest run ({newest}) from {_short(newest_commit)}"
            )
        if commit and checkout and commit != checkout:
            reasons[name].append(f"from suite commit {_short(commit)}, not this checkout's {_short(checkout)}")
    return reasons


def stale_baseline(
    old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]], stale_after: datetime.timedelta
) -> str:
    """Why a diff's baseline (the runs' infos of the old side) is stale against the new side ("" when it is not,
    or when either side has no time)."""
    before = [t for t in map(run_time, old) if t is not None]
    after = [t for t in map(run_time, new) if t is not None]
    if not before or not after or max(after) - max(before) <= stale_after:
        return ""
    return (
        f"the baseline's newest run was created {age_text(max(after) - max(before))} before the new side's "
        f"({max(before):%Y-%m-%d %H:%M} UTC; stale after {age_text(stale_after)}): its verdicts may be out of date"
    )


def incomplete_note(info: Mapping[str, Any], records: int) -> str:
    """How far an incomplete run got, and what it stands in for. A run without ``created_utc``
    never wrote its result file: it is an interrupted run's journal."""
    started = info.get("started_utc") or "an unknown time"
    how = (
        "interrupted: its session never ended"
        if info.get("created_utc") is None
        else "not every selected test left a record (stopped early, or recovered from a journal)"
    )
    note = f"{records} record(s) so far, started {started}; {how}"
    older = info.get("superseded")
    if older:
        state = "complete" if older.get("complete", True) else "incomplete"
        note += (
            f"; the older {state} result file {older.get('source')} (created {older.get('created_utc')}) is not shown"
        )
    return note
