"""The scorecard: one row per adapter of each run (its framework version), counting each outcome, with the
worst finding. The report opens on it, the step summary and the trend history carry it, the badges read it.

The agree share is of the records the suite could compare (the run's outcomes minus ``not expressible`` and
``skipped``), rounded down: one divergence among 1,000 reads ``agree 99%``, never ``100%``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from model.outcomes import OUTCOMES, worst

__all__ = [
    "COLUMNS",
    "NOT_COMPARED",
    "Row",
    "agree_percent",
    "failing",
    "failures",
    "one_line",
    "rows",
    "shown_columns",
]

#: The outcomes in the order the scorecard shows them (as issue 18 lists them, the rarer ones beside their kin).
COLUMNS = (
    "agree",
    "documented_divergence",
    "diverge",
    "fixed_divergence",
    "not_expressible",
    "skipped",
    "error",
    "timeout",
    "crashed",
)
#: Outcomes of records that were never compared with the reference: left out of the agree share.
NOT_COMPARED = frozenset({"not_expressible", "skipped"})


def one_line(record: Mapping[str, Any]) -> str:
    """A record's reason in one line: the documented one for a documented divergence, else its own first line."""
    why = (record.get("expectation") or {}).get("reason") or record.get("reason") or ""
    return " ".join(why.split("\n", 1)[0].split())


def failing(outcome: str) -> bool:
    """Whether an outcome fails the run (a divergence nobody documented, a fixed one, an error)."""
    return OUTCOMES[outcome].status == 2


def failures(counts: Mapping[str, int]) -> int:
    """How many of some outcome counts fail."""
    return sum(n for o, n in counts.items() if failing(o))


def agree_percent(counts: Mapping[str, int]) -> int | None:
    """Agreeing records per hundred compared ones, rounded down (``None`` when none was compared)."""
    compared = sum(n for o, n in counts.items() if o not in NOT_COMPARED)
    return 100 * counts.get("agree", 0) // compared if compared else None


@dataclass(frozen=True)
class Row:
    """One adapter of one run: its outcome counts and its worst record."""

    run: str
    adapter: str
    version: str | None
    counts: Mapping[str, int]
    worst_id: str | None  # the test id of the first record of the worst outcome (None when every record agrees)
    worst_case: str | None  # its case
    worst_reason: str

    @property
    def name(self) -> str:
        """``torch``, or ``keras (run keras-jax)`` when the run is not named after the adapter."""
        return self.adapter if self.run == self.adapter else f"{self.adapter} (run {self.run})"

    @property
    def key(self) -> str:
        """``torch``, or ``keras-jax.keras``: unique in a result set, stable across nightlies (file names, trend)."""
        return self.adapter if self.run == self.adapter else f"{self.run}.{self.adapter}"

    @property
    def worst(self) -> str:
        return worst(o for o, n in self.counts.items() if n)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def failures(self) -> int:
        return failures(self.counts)

    @property
    def agree_percent(self) -> int | None:
        return agree_percent(self.counts)


def shown_columns(scorecard: Iterable[Row]) -> list[str]:
    """The outcomes (of :data:`COLUMNS`, in its order) that some row counts: the scorecard's columns."""
    present = {o for row in scorecard for o, n in row.counts.items() if n}
    return [o for o in COLUMNS if o in present]


def rows(runs: Iterable[Mapping[str, Any]], results: Iterable[Mapping[str, Any]]) -> list[Row]:
    """The scorecard of a merged envelope's runs and results, in the order records first name each adapter."""
    counts: dict[tuple[str, str], Counter] = {}
    worst_record: dict[tuple[str, str], Mapping[str, Any]] = {}
    for record in results:
        key = (record["run"], record["adapter"])
        counts.setdefault(key, Counter())[record["outcome"]] += 1
        held = worst_record.get(key)
        if held is None or OUTCOMES[record["outcome"]].severity < OUTCOMES[held["outcome"]].severity:
            worst_record[key] = record
    versions = {
        (run["name"], name): (info or {}).get("version")
        for run in runs
        for name, info in (run.get("adapters") or {}).items()
    }
    found = []
    for key, tally in counts.items():
        record = worst_record[key]
        bad = record["outcome"] != "agree"
        found.append(
            Row(
                run=key[0],
                adapter=key[1],
                version=record.get("framework_version") or versions.get(key),
                counts={o: tally[o] for o in COLUMNS if tally[o]},
                worst_id=record["id"] if bad else None,
                worst_case=record["case"] if bad else None,
                worst_reason=one_line(record) if bad else "",
            )
        )
    return found
