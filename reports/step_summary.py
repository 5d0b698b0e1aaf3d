"""The merged result set as Markdown for a CI job's summary page (``$GITHUB_STEP_SUMMARY``): the verdict, a link
to the HTML report, the runs' warnings, the scorecard (``reports.scorecard``), then every failing record in one
line with its reason, new divergences (the ones no expectation entry documents) first.

``merge`` writes it to ``summary.md`` beside the report, always, and appends it to the file ``$GITHUB_STEP_SUMMARY``
names when that is set. GitHub refuses a step summary over 1 MiB: the failing records that would not fit are left
out, and a last line counts them (the scorecard above still counts every record).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from model.outcomes import OUTCOMES

from .markdown import STEP_SUMMARY_LIMIT, cell, fit
from .scorecard import Row, failing, one_line, rows, shown_columns

__all__ = ["append_step_summary", "scorecard_table", "summary_markdown"]

#: The longest reason a line of the summary shows (a reason can hold a whole traceback's first line).
REASON_CHARS = 200


def _short(text: str) -> str:
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


def _finding(row: Row) -> str:
    if row.worst_id is None:
        return "every record agrees"
    return f"{OUTCOMES[row.worst].label}: `{cell(row.worst_id)}`: {cell(_short(row.worst_reason))}"


def scorecard_table(scorecard: list[Row]) -> list[str]:
    """The scorecard as a Markdown table: one row per adapter of each run."""
    shown = shown_columns(scorecard)
    head = ["adapter", "version", *(OUTCOMES[o].label for o in shown), "agree %", "worst finding"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in scorecard:
        counts = [str(row.counts.get(o, 0)) for o in shown]
        percent = "—" if row.agree_percent is None else f"{row.agree_percent}%"
        lines.append(f"| {cell(row.name)} | {cell(row.version or '—')} | {' | '.join(counts)} | {percent} | "
                     f"{_finding(row)} |")  # fmt: skip
    return lines


def _failures(results: list[Mapping[str, Any]]) -> list[str]:
    """One line per failing record: new divergences first, then the others worst first."""
    order = {o: OUTCOMES[o].severity for o in OUTCOMES} | {"diverge": -1}
    found = sorted((r for r in results if failing(r["outcome"])), key=lambda r: order[r["outcome"]])
    return [
        f"- **{OUTCOMES[r['outcome']].label}** `{cell(r['id'])}` (run {cell(r['run'])}): {cell(_short(one_line(r)))}"
        for r in found
    ]


def summary_markdown(
    merged: Mapping[str, Any], *, report_url: str | None = None, limit: int = STEP_SUMMARY_LIMIT
) -> str:
    """The summary of a merged envelope, at most ``limit`` bytes of UTF-8."""
    runs, results = merged["runs"], merged["results"]
    scorecard = rows(runs, results)
    failures = _failures(results)
    new = sum(r["outcome"] == "diverge" for r in results)
    verdict = f"{len(failures):,} failing ({new:,} new divergence(s))" if failures else "nothing failing"
    lines = [f"### lrconform: {len(results):,} results from {len(runs)} run(s): {verdict}", ""]
    if report_url:
        lines += [f"The HTML report (with every case's plot and reproducer): {report_url}", ""]
    for run in runs:
        lines += [f"- ⚠ run {cell(run['name'])} is incomplete"] if run.get("complete") is False else []
        lines += [f"- ⚠ run {cell(run['name'])} is stale: {cell('; '.join(run['stale']))}"] if run.get("stale") else []
    lines += ["", *scorecard_table(scorecard)] if lines[-1] else scorecard_table(scorecard)
    if failures:
        lines += ["", f"#### Failing records ({len(failures):,}), new divergences first", ""]
    return fit(lines, failures, limit, "_… and {n} more failing record(s) left out to stay under GitHub's 1 MiB step "
               "summary limit: every one is in the HTML report and results.json._")  # fmt: skip


def append_step_summary(text: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """Append ``text`` to the file ``$GITHUB_STEP_SUMMARY`` names (GitHub Actions shows it on the run's page);
    ``None`` when it is not set."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as summary:
        summary.write(text)
    return Path(target)
