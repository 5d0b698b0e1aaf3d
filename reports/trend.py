"""The trend across nightlies: a small JSON history of scorecards, one entry per merge, and a plot per framework.

``merge --history FILE`` reads the previous history (the ``trend.json`` of the last successful nightly's report
artifact), appends this merge's scorecard and writes ``trend.json`` beside the report, which shows each adapter's
agree share over the entries (:func:`plot`). The history keeps the newest :data:`MAX_ENTRIES` entries::

    {"schema": "lrconform-trend/1",
     "entries": [{"created_utc": "2026-12-01T03:40:00+00:00", "commit": "<suite commit or null>",
                  "rows": {"<scorecard key>": {"version": "2.13.0", "counts": {"agree": 620, "diverge": 2}}}}]}

A missing history starts a new one; a malformed one stops the merge with a line naming the file, the entry and the
field (a nightly silently dropping its history would lose the trend).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from model.outcomes import OUTCOMES

from .scorecard import Row, agree_percent, failures, rows

__all__ = ["MAX_ENTRIES", "SCHEMA", "Point", "entry", "extend", "plot", "read_history", "series"]

SCHEMA = "lrconform-trend/1"
#: Entries kept: three months of nightlies, about 1 kB each for the full matrix's 15 adapters.
MAX_ENTRIES = 90
#: A trend plot's size in pixels (its ``viewBox``).
WIDTH, HEIGHT = 320, 64
_LEFT, _RIGHT, _TOP, _BOTTOM = 4, 316, 6, 58


def entry(merged: Mapping[str, Any], scorecard: Sequence[Row] | None = None) -> dict[str, Any]:
    """This merge's entry: when, from which suite commit, and each scorecard row's version and counts."""
    scorecard = rows(merged["runs"], merged["results"]) if scorecard is None else scorecard
    commits = [(run.get("suite") or {}).get("commit") for run in merged["runs"]]
    return {
        "created_utc": merged["created_utc"],
        "commit": next((c for c in commits if c), None),
        "rows": {row.key: {"version": row.version, "counts": dict(row.counts)} for row in scorecard},
    }


def _check(history: Any, source: str) -> list[dict[str, Any]]:
    if not isinstance(history, dict) or history.get("schema") != SCHEMA:
        found = history.get("schema") if isinstance(history, dict) else type(history).__name__
        raise ValueError(f"{source}: field 'schema': expected {SCHEMA!r}, got {found!r}")
    entries = history.get("entries")
    if not isinstance(entries, list):
        raise ValueError(f"{source}: field 'entries': expected a list, got {type(entries).__name__}")
    for index, item in enumerate(entries, 1):
        where = f"{source}: entry #{index}"
        if not isinstance(item, dict) or not isinstance(item.get("created_utc"), str):
            raise ValueError(f"{where}: field 'created_utc': expected a time as text")
        if not isinstance(item.get("rows"), dict):
            raise ValueError(f"{where}: field 'rows': expected an object of scorecard rows")
        for key, row in item["rows"].items():
            counts = row.get("counts") if isinstance(row, dict) else None
            if not isinstance(counts, dict) or not all(
                o in OUTCOMES and isinstance(n, int) and n >= 0 for o, n in counts.items()
            ):
                raise ValueError(f"{where}: row {key!r}: field 'counts': expected outcome names and counts")
    return entries


def read_history(path: Path | None) -> list[dict[str, Any]]:
    """The entries of a history file (none when ``path`` is ``None`` or names no file)."""
    if path is None or not Path(path).exists():
        return []
    try:
        history = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable trend history: {exc}") from None
    return _check(history, str(path))


def extend(entries: Sequence[Mapping[str, Any]], new: Mapping[str, Any], keep: int = MAX_ENTRIES) -> dict[str, Any]:
    """The history with ``new`` appended, the oldest entries dropped beyond ``keep``."""
    return {"schema": SCHEMA, "entries": [*entries, new][-keep:]}


class Point(NamedTuple):
    """One entry of one scorecard row."""

    created_utc: str
    agree_percent: int | None
    failures: int


def series(history: Mapping[str, Any]) -> dict[str, list[Point]]:
    """Per scorecard key, its points in entry order (an entry without the key has no point for it)."""
    found: dict[str, list[Point]] = {}
    for item in history["entries"]:
        for key, row in item["rows"].items():
            point = Point(item["created_utc"], agree_percent(row["counts"]), failures(row["counts"]))
            found.setdefault(key, []).append(point)
    return found


def plot(points: Sequence[Point]) -> str:
    """The SVG body of one row's trend: its agree share (0 to 100 %, top is 100) per entry, a red dot on each
    entry with a failing record, a green one otherwise; the page wraps it in ``<svg viewBox>``."""
    step = (_RIGHT - _LEFT) / max(len(points) - 1, 1)
    xy = [
        (_LEFT + i * step, _BOTTOM - (_BOTTOM - _TOP) * percent / 100, fails)
        for i, (_, percent, fails) in enumerate(points)
        if percent is not None
    ]
    grid = "".join(
        f'<line x1="{_LEFT}" x2="{_RIGHT}" y1="{y}" y2="{y}" stroke="#d0d7de" stroke-width="0.5"/>'
        for y in (_TOP, _BOTTOM)
    )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in xy)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{"#cf222e" if fails else "#1a7f37"}"/>' for x, y, fails in xy
    )
    return f'{grid}<polyline points="{line}" fill="none" stroke="#59636e" stroke-width="1.5"/>{dots}'
