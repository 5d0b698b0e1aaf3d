"""A diff (``reports.diff``) as Markdown, for pasting into a pull request or an issue: the verdict,
what was compared (the facts lines the caller gives: versions, platform), the counts, one table row
per change, regressions first; and the helpers the step summary (``reports.step_summary``) shares with it:
table cells, and fitting a list under a size limit with a count of what was left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from .diff import Diff

__all__ = ["STEP_SUMMARY_LIMIT", "cell", "fit", "render_markdown"]

#: GitHub's limit on a job's step summary (and the size a PR comment of ours is kept under): 1 MiB.
STEP_SUMMARY_LIMIT = 1024 * 1024


def cell(text: str) -> str:
    """Text safe inside a table cell: pipes escaped, line breaks as spaces."""
    return " ".join(text.split()).replace("|", "\\|")


def fit(head: Sequence[str], items: Sequence[str], limit: int, left_out: str) -> str:
    """``head`` and as many of ``items`` as keep the text (UTF-8, with a closing line) within ``limit`` bytes; when
    some are left out, a last line says how many (``left_out`` is its format, with ``{n}``)."""
    lines, size = list(head), sum(len(line.encode()) + 1 for line in head)
    closing = len(left_out.format(n=f"{len(items):,}").encode()) + 2  # the line saying what was left out, worst case
    for index, item in enumerate(items):
        size += len(item.encode()) + 1
        if size + closing > limit:
            return "\n".join([*lines, "", left_out.format(n=f"{len(items) - index:,}")]) + "\n"
        lines.append(item)
    return "\n".join(lines) + "\n"


def render_markdown(
    diff: Diff, *, old: str, new: str, facts: Sequence[str] = (), limit: int = STEP_SUMMARY_LIMIT
) -> str:
    """The diff as Markdown: a heading with the verdict, the facts, the counts, a table of changes (regressions
    first), within ``limit`` bytes: the changes that do not fit are counted in a last line."""
    regressions = len(diff.regressions)
    verdict = f"{regressions} regression(s)" if regressions else "no regressions"
    lines = [f"### lrconform: `{old}` → `{new}`: {verdict}", ""]
    lines += [f"- {cell(fact)}" for fact in facts]
    lines += [f"- ⚠ {cell(warning)}" for warning in diff.warnings]
    lines += ["", "| " + " | ".join(diff.counts) + " |", "|" + " --- |" * len(diff.counts)]
    lines += ["| " + " | ".join(str(n) for n in diff.counts.values()) + " |", ""]
    lines.append(
        f"Values compared at every step; a move beyond {diff.threshold:g} of the reference's peak is a change."
    )
    if not diff.changes:
        return "\n".join(lines) + "\n"
    lines += ["", "| kind | run | test | what |", "| --- | --- | --- | --- |"]
    rows = [f"| {c.kind} | {cell(c.run)} | `{cell(c.id)}` | {cell(c.what)} |" for c in diff.changes]
    return fit(lines, rows, limit, "_… and {n} more change(s) left out to stay under the size limit: see the diff._")
