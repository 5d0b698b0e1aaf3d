"""Every outcome a record can have, and what each output does with it: one table, read by the pytest
plugin (the test's result), the report (label, cell text, colour, which cases open), JUnit (failure,
error or skipped) and ``reports diff`` (whether a change of outcome is a regression)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["BEHAVIOURS", "OUTCOMES", "SEVERITY", "Outcome", "worst"]


@dataclass(frozen=True)
class Outcome:
    """One outcome: its name in records, and its meaning for each output."""

    name: str
    meaning: str  # one line, as the report's legend and the README say it
    short: str  # in a matrix cell
    pytest: Literal["pass", "fail", "xfail", "skip"]
    junit: Literal["passed", "failure", "error", "skipped"]
    status: int  # for diffs: 0 passing, 1 not covered, 2 failing; a higher status is a regression
    severity: int  # 0 the worst: a cell or a case takes the colour of its worst outcome
    colours: tuple[str, str]  # background, text (CSS)

    @property
    def label(self) -> str:
        """How the outcome reads in text: ``documented divergence``."""
        return self.name.replace("_", " ")

    @property
    def is_problem(self) -> bool:
        """A case with this outcome is shown open in the report: something to read."""
        return self.status == 2 or self.pytest == "xfail"


_RED = ("#82071e", "#fff")
#: In the order records and messages list them.
OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("agree", "within tolerance at every step", "agree", "pass", "passed", 0, 13, ("#dafbe1", "#116329")),
        Outcome("diverge", "outside tolerance, and no expectation entry documents it", "DIVERGES", "fail", "failure",
                2, 3, ("#ffcecb", "#82071e")),
        Outcome("documented_divergence", "diverges exactly as a reviewed expectation entry says", "documented",
                "xfail", "skipped", 0, 6, ("#fff1b3", "#7d4e00")),
        Outcome("fixed_divergence", "documented as diverging but now agrees: remove the entry", "FIXED", "fail",
                "failure", 2, 5, ("#fbefff", "#6e40c9")),
        Outcome("not_expressible", "the framework has no API or parameter mapping for the case", "n/a", "skip",
                "skipped", 1, 12, ("#eef1f4", "#59636e")),
        Outcome("skipped", "the framework is not installed or not importable", "skipped", "skip", "skipped", 1, 11,
                ("#eef1f4", "#59636e")),
        Outcome("error", "the adapter failed, or returned something that is not a trajectory per probe", "ERROR",
                "fail", "error", 2, 2, _RED),
        Outcome("crashed", "the framework's worker process died (a signal, or an exit) on this case", "CRASHED",
                "fail", "error", 2, 0, _RED),
        Outcome("timeout", "the case ran past its time limit and its worker was killed", "TIMEOUT", "fail", "error",
                2, 1, _RED),
        # An invalid-parameter case (the reference rejects its parameters): what the framework did with them.
        Outcome("rejects", "invalid parameters: the constructor raised", "rejects", "pass", "passed", 0, 10,
                ("#dafbe1", "#116329")),
        Outcome("raises_late", "invalid parameters: accepted, then a call raised (at the first call or at step t)",
                "raises late", "pass", "passed", 0, 9, ("#ddf4ff", "#0550ae")),
        Outcome("non_finite", "invalid parameters: accepted, returned NaN or infinity from step t", "NaN/inf", "pass",
                "passed", 0, 8, ("#fff8c5", "#7d4e00")),
        Outcome("silent", "invalid parameters: accepted, returned finite rates at every step", "silent", "pass",
                "passed", 0, 7, ("#ffd8b5", "#953800")),
        Outcome("behaviour_changed", "invalid parameters: not the behaviour an expectation entry pins: update it",
                "CHANGED", "fail", "failure", 2, 4, ("#ffcecb", "#82071e")),
    )
}  # fmt: skip
#: The behaviour classes of an invalid-parameter case, from the strictest to the most silent.
BEHAVIOURS = ("rejects", "raises_late", "non_finite", "silent")
#: Outcome names, worst first.
SEVERITY = tuple(sorted(OUTCOMES, key=lambda name: OUTCOMES[name].severity))


def worst(outcomes: Iterable[str]) -> str:
    """The most severe of some outcomes (``agree`` for none)."""
    present = set(outcomes)
    return next((o for o in SEVERITY if o in present), "agree")
