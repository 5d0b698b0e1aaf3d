"""A diff (``reports.diff``) as Markdown, for pasting into a pull request or an issue: the verdict,
what was compared (the facts lines the caller gives: versions, platform), the counts, one table row
per change.
"""

from __future__ import annotations

from collections.abc import Sequence

from .diff import Diff

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    """Text safe inside a table cell: pipes escaped, line breaks as spaces."""
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(diff: Diff, *, old: str, new: str, facts: Sequence[str] = ()) -> str:
    """The diff as Markdown: a heading with the verdict, the facts, the counts, a table of changes."""
    regressions = len(diff.regressions)
    verdict = f"{regressions} regression(s)" if regressions else "no regressions"
    lines = [f"### lrconform: `{old}` → `{new}`: {verdict}", ""]
    lines += [f"- {_cell(fact)}" for fact in facts]
    lines += [f"- ⚠ {_cell(warning)}" for warning in diff.warnings]
    lines += ["", "| " + " | ".join(diff.counts) + " |", "|" + " --- |" * len(diff.counts)]
    lines += ["| " + " | ".join(str(n) for n in diff.counts.values()) + " |", ""]
    lines.append(
        f"Values compared at every step; a move beyond {diff.threshold:g} of the reference's peak is a change."
    )
    if diff.changes:
        lines += ["", "| kind | run | test | what |", "| --- | --- | --- | --- |"]
        lines += [f"| {c.kind} | {_cell(c.run)} | `{_cell(c.id)}` | {_cell(c.what)} |" for c in diff.changes]
    return "\n".join(lines) + "\n"
