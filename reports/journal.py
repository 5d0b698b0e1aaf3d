"""The journal of a run in progress: each record is appended as it completes, so a killed run keeps what finished.

``<result file>.journal.jsonl`` sits beside the result file (``results.json`` ->
``results.journal.jsonl``) and holds JSON lines. The first line describes the run::

    {"schema": "lrconform-journal/1", "session", "started_utc", "suite", "run", "environment", "adapters"}

It is written atomically, so a journal always has it. Each further line is a piece of the envelope,
``{"references": {case id: trajectory}, "results": [record]}``, flushed when the record completes;
a case's reference comes once, with its first record, as in the result file.

At the normal end of the session the result file is written (``reports.results``) and the
journal removed. An interrupted session (killed, a framework aborting the process) leaves its
journal: readers take it as that run, **incomplete** (the records so far, when it started), and
never present the older result file beside it as current (see ``reports.merge``).
``python -m reports recover`` finalizes a journal into a result file with ``"complete": false``;
otherwise the next run of the same name replaces the journal. A last line cut short by the kill
is left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from model.records import share_reference

from .atomic import write_atomic
from .results import (
    SCHEMA,
    checked_envelope,
    describe_run,
    read_results,
    refuse_constant,
    utc_now,
    write_envelope,
    write_results,
)

__all__ = [
    "JOURNAL_SCHEMA",
    "SUFFIX",
    "Journal",
    "is_journal",
    "journal_path",
    "read_header",
    "read_journal",
    "recover",
    "result_path",
]

JOURNAL_SCHEMA = "lrconform-journal/1"
SUFFIX = ".journal.jsonl"


def journal_path(results: Path) -> Path:
    """The journal beside a result file."""
    return results.with_name(results.stem + SUFFIX)


def result_path(journal: Path) -> Path:
    """The result file a journal ends in."""
    return journal.with_name(journal.name.removesuffix(SUFFIX) + ".json")


def is_journal(path: Path) -> bool:
    return path.name.endswith(SUFFIX)


class Journal:
    """An open journal: :meth:`start` it, :meth:`append` each record, :meth:`finish` into the result file."""

    def __init__(self, path: Path, header: Mapping[str, Any], file: TextIO):
        self.path, self.header, self._file = path, dict(header), file
        self._references: dict[str, list] = {}

    @classmethod
    def start(cls, results: Path, run: Mapping[str, Any], adapters: Mapping[str, Any]) -> Journal:
        """A new journal beside ``results`` (replacing an older one), its first line written."""
        path = journal_path(Path(results))
        header = {"schema": JOURNAL_SCHEMA, **describe_run(run, adapters)}
        write_atomic(path, json.dumps(header, allow_nan=False) + "\n")
        return cls(path, header, path.open("a", encoding="utf-8"))

    def append(self, record: Mapping[str, Any]) -> None:
        """One completed record, flushed: a kill from here on keeps it."""
        known = len(self._references)
        piece: dict[str, Any] = {"results": [share_reference(record, self._references)]}
        if len(self._references) > known:
            piece["references"] = {record["case"]: self._references[record["case"]]}
        self._file.write(json.dumps(piece, allow_nan=False) + "\n")
        self._file.flush()

    def finish(self, records: list[dict[str, Any]], adapters: Mapping[str, Any], *, complete: bool) -> None:
        """Write the result file (same session), then remove the journal."""
        write_results(
            result_path(self.path),
            records=records,
            run=self.header["run"],
            adapters=adapters,
            complete=complete,
            session=self.header["session"],
            started_utc=self.header["started_utc"],
        )
        self._file.close()
        self.path.unlink(missing_ok=True)


def _lines(path: Path) -> list[str]:
    """The journal's complete lines (a last line without its newline was cut short: left out)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable journal: {exc}") from None
    return text.split("\n")[:-1]


def _parse(line: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(line, parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:  # ValueError: not JSON, an integer of >4300 digits
        raise ValueError(f"{where}: not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{where}: must be a JSON object")
    return value


def read_header(path: Path) -> dict[str, Any]:
    """A journal's first line (cheap: the records are not read)."""
    try:
        with Path(path).open(encoding="utf-8") as file:
            first = file.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable journal: {exc}") from None
    header = _parse(first, f"{path}: line 1")
    if header.get("schema") != JOURNAL_SCHEMA:
        raise ValueError(f"{path}: not an lrconform journal (schema {header.get('schema')!r}, want {JOURNAL_SCHEMA!r})")
    return header


def read_journal(path: Path) -> dict[str, Any]:
    """The run so far, as ``reports.results.read_results`` reads a result file: ``complete`` false,
    ``created_utc`` null, every complete record (checked as a result file's are)."""
    lines = _lines(path)
    header = read_header(path)
    envelope: dict[str, Any] = {
        "schema": SCHEMA,
        "created_utc": None,
        "complete": False,
        **{k: v for k, v in header.items() if k != "schema"},
        "references": {},
        "results": [],
    }
    for number, line in enumerate(lines[1:], start=2):
        piece = _parse(line, f"{path}: line {number}")
        references, records = piece.get("references", {}), piece.get("results", [])
        if not isinstance(references, dict) or not isinstance(records, list):
            raise ValueError(f"{path}: line {number}: 'references' must be a table and 'results' a list")
        envelope["references"].update(references)
        envelope["results"] += records
    return checked_envelope(envelope, str(path))


def recover(journal: Path) -> str:
    """Finalize an interrupted run's journal into its result file (``"complete": false``) and
    remove the journal; returns what was done. A journal whose session did write its result file
    is simply removed."""
    journal, target = Path(journal), result_path(Path(journal))
    envelope = read_journal(journal)
    if target.exists() and read_results(target).get("session") == envelope["session"]:
        journal.unlink()
        return f"{journal}: its run had finished ({target}); removed the journal"
    write_envelope(target, {**envelope, "created_utc": utc_now()})
    journal.unlink()
    return f"{journal}: {len(envelope['results'])} records of the interrupted run -> {target} (complete: false)"
