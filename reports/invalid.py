"""The report's "Invalid parameters" table: what each framework does with parameters the reference rejects.

One row per invalid-parameter case (its API family and the parameter out of the domain), one column per
framework run and adapter, each cell the behaviour class of the adapter's first probe (``schedule``: the API
itself) with the exception or the first bad step, the other probes whose class differs (an optimizer that
rejects what the schedule accepted), and the documentation's claim where an expectation entry records one.
Records of valid cases are not read: the matrix and the cases section show those.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from model.outcomes import BEHAVIOURS

__all__ = ["InvalidCell", "InvalidRow", "InvalidTable", "build_invalid"]


@dataclass
class InvalidCell:
    """One adapter's behaviour on one invalid-parameter case."""

    record: Mapping[str, Any]  # the first probe's record
    others: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)  # (probe, record) of another class

    @property
    def outcome(self) -> str:
        return self.record["outcome"]

    @property
    def behaviour(self) -> str | None:
        """The behaviour class (``None`` when the case did not run here: not expressible, skipped, an error)."""
        return self.record.get("behaviour")

    @property
    def claim(self) -> tuple[str, str] | None:
        """(the documentation's claim, its link) from the record's expectation entry, when it has one."""
        entry = self.record.get("expectation") or {}
        return (entry["claim"], entry["link"]) if entry.get("claim") else None


@dataclass
class InvalidRow:
    """One invalid-parameter case: its family, the parameter the reference rejects, its parameters."""

    case: str
    family: str
    formula: str
    invalid: str
    params: Mapping[str, Any]
    about: str
    cells: dict[tuple[str, str], InvalidCell] = field(default_factory=dict)  # (run, adapter) -> cell


@dataclass
class InvalidTable:
    """Rows in catalogue order, columns in the order runs and adapters first appear."""

    rows: list[InvalidRow]
    columns: list[tuple[str, str]]  # (run, adapter)
    versions: dict[tuple[str, str], str | None]

    def counts(self, column: tuple[str, str]) -> Counter:
        """Behaviour class -> how many cases the column's adapter shows it on."""
        return Counter(row.cells[column].behaviour for row in self.rows if column in row.cells)

    @property
    def totals(self) -> dict[tuple[str, str], dict[str, int]]:
        """Per column, the count of each behaviour class (:data:`BEHAVIOURS`, in order)."""
        return {column: {name: self.counts(column)[name] for name in BEHAVIOURS} for column in self.columns}


def _differs(cell: InvalidCell, record: Mapping[str, Any]) -> bool:
    """Whether another probe's record tells more than the first probe's: another class or another step."""
    return (record.get("behaviour"), record.get("behaviour_step")) != (
        cell.behaviour,
        cell.record.get("behaviour_step"),
    )


def build_invalid(results: Iterable[Mapping[str, Any]]) -> InvalidTable:
    """The table from merged records (each with its ``run``); empty when no record is of an invalid case."""
    rows: dict[str, InvalidRow] = {}
    columns: dict[tuple[str, str], str | None] = {}
    later: list[tuple[InvalidRow, tuple[str, str], Mapping[str, Any]]] = []
    for record in results:
        if not record.get("invalid") or record.get("kernel"):
            continue
        row = rows.setdefault(record["case"], InvalidRow(
            record["case"], record["family"], record.get("formula") or "", record["invalid"],
            record.get("params") or {}, record.get("about") or "",
        ))  # fmt: skip
        column = (record.get("run") or record["adapter"], record["adapter"])
        columns.setdefault(column, record.get("framework_version"))
        if column not in row.cells:
            row.cells[column] = InvalidCell(record)
        else:
            later.append((row, column, record))
    for row, column, record in later:
        cell = row.cells[column]
        if _differs(cell, record):
            cell.others.append((record["probe"], record))
    return InvalidTable(list(rows.values()), list(columns), columns)
