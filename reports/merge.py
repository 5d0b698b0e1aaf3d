"""Read many runs' result files into one result set; write the merged file (the dashboard feed).

Inputs are result files or folders. A folder contributes its own run and one run per subfolder
(``<folder>/<env>/``, one per tox env; hidden subfolders, such as the work folders of
``reports.atomic``, are skipped). A folder's run is its ``results.json``, or, when it holds an
interrupted run's journal (``results.journal.jsonl``, see ``reports.journal``), the journal:
the run shows as **incomplete**, with the records so far and when it started, and the older
complete ``results.json`` is named but not shown, since it is no longer the current run of that
name. (The one exception: a ``results.json`` of the journal's own session means the session ended
and was killed before removing its journal; then the result file is the run.) A result file named
explicitly is read as given, and marked stale when a newer run's journal sits beside it.

An env that did not run, or failed before starting, simply has no file and is not in the report.
A file that exists but cannot be read, is not a result file or is malformed stops the merge with
one line naming the file, the record and the field: a report silently missing a framework is
worse than no report.

Records are keyed by (run name, test id): the same adapter can appear in several runs (e.g.
``keras`` under TF 2.15 in env ``tfa`` and under TF 2.21 in env ``keras``), so two files
holding a run of the same name are an error. Each run is judged complete or not, and stale or not
(``reports.freshness``).

Merged file (``schema`` = :data:`MERGED_SCHEMA`), readable again as an input::

    {"schema": "lrconform-merged/6", "created_utc": ...,
     "runs": [{"name", "source", "created_utc", "started_utc", "session", "complete",
               "stale": [reason, ...], "superseded", "suite", "run", "environment", "adapters"}, ...],
     "arrays": {key: packed trajectory}, "texts": {key: reproducer},
     "references": {case id: {"array": key}}, "results": [record with "run": <run name>, ...]}

As in a run's file, each case's reference trajectory is stored once (in ``references``), not in
every record of every run, and every trajectory and reproducer once, packed (``model.records``):
reading puts them back. ``stale`` is judged again whenever the file is read.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from model.records import stored_form

from .atomic import write_atomic
from .freshness import STALE_AFTER, incomplete_note, stale_reasons
from .journal import is_journal, journal_path, read_header, read_journal, result_path
from .results import MERGED_SCHEMA, READABLE_SCHEMAS, read_results, suite_commit, utc_now
from .validate import ABSENT

__all__ = [
    "MERGED_SCHEMA",
    "RESULT_FILE",
    "ResultSet",
    "Run",
    "find_result_files",
    "load",
    "merged_envelope",
    "read_runs",
    "subfolders",
    "write_json",
]

#: As READABLE_SCHEMAS: /1 kept references in records, /1 and /2 have no 'complete' per run, before /4 a
#: record names its adapter ``framework``, before /5 trajectories were lists, before /6 no ``values``.
READABLE_MERGED_SCHEMAS = (
    MERGED_SCHEMA,
    "lrconform-merged/5",
    "lrconform-merged/4",
    "lrconform-merged/3",
    "lrconform-merged/2",
    "lrconform-merged/1",
)
RESULT_FILE = "results.json"
_INFO_KEYS = (
    "created_utc",
    "started_utc",
    "session",
    "complete",
    "superseded",
    "suite",
    "run",
    "environment",
    "adapters",
)


@dataclass(frozen=True)
class Run:
    """One run of the suite (one tox env): where it came from, how it ran, its records, and why it is stale."""

    name: str
    source: str
    info: Mapping[str, Any]
    records: tuple[dict[str, Any], ...]
    stale: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.info.get("complete") is not False

    @property
    def labels(self) -> list[str]:
        """``INCOMPLETE``, ``STALE``: what is wrong with the run, in a word each."""
        return [label for label, bad in (("INCOMPLETE", not self.complete), ("STALE", self.stale)) if bad]

    @property
    def flags(self) -> list[str]:
        """``INCOMPLETE: ...`` and ``STALE: ...``, for the text outputs (empty for a current, complete run)."""
        notes = [] if self.complete else [f"INCOMPLETE: {incomplete_note(self.info, len(self.records))}"]
        return notes + ([f"STALE: {'; '.join(self.stale)}"] if self.stale else [])


@dataclass(frozen=True)
class ResultSet:
    """Runs with distinct names, in input order."""

    runs: tuple[Run, ...]

    def records(self) -> Iterator[tuple[Run, dict[str, Any]]]:
        for run in self.runs:
            for record in run.records:
                yield run, record


def _present(path: Path) -> bool:
    """Whether anything (even a broken link) is at ``path``; an error other than absence is reported."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read: {exc}") from None
    return True


def subfolders(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries if e.is_dir() and not e.name.startswith("."))
    except OSError as exc:
        raise ValueError(f"{folder}: cannot list the folder: {exc}") from None


def _folder_run(folder: Path) -> Path | None:
    """The file holding a folder's current run: an interrupted run's journal, else the result file."""
    results = folder / RESULT_FILE
    return next((path for path in (journal_path(results), results) if _present(path)), None)


def find_result_files(inputs: Iterable[Path], exclude: Iterable[Path] = ()) -> list[Path]:
    """The result files (and journals) named by ``inputs``: files as given, folders searched one level deep."""
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            folders = [f for f in (item, *subfolders(item)) if f.resolve() not in skip]
            found += [path for path in map(_folder_run, folders) if path is not None]
        elif _present(item):
            found.append(item)
        else:
            raise ValueError(f"{item}: no such result file or folder")
    return found


def _check_records(records: list[dict[str, Any]], source: str, run: str) -> tuple[dict[str, Any], ...]:
    seen: set[str] = set()
    for record in records:
        if record["id"] in seen:
            raise ValueError(f"{source}: run {run!r}: test id {record['id']!r} appears twice")
        seen.add(record["id"])
    return tuple(records)


def _run(info: Mapping[str, Any], records: list[dict[str, Any]], source: str, stale: tuple[str, ...] = ()) -> Run:
    """A run of a run's file (named in its ``run``) or of a merged file (named in its entry); each
    record with every optional field, null where the file has none."""
    name = info["name"] if "name" in info else info["run"]["name"]
    records = [{**ABSENT, **record} for record in records]
    return Run(name, source, {k: info.get(k) for k in _INFO_KEYS}, _check_records(records, source, name), stale)


def _journal_run(path: Path) -> Run:
    """An interrupted run, or the finished run whose journal was left behind (same session)."""
    envelope = read_journal(path)
    older = result_path(path)
    if _present(older):
        previous = read_results(older)
        if previous.get("session") == envelope["session"]:
            return _run(previous, previous["results"], str(older))
        envelope["superseded"] = {
            "source": str(older),
            "created_utc": previous.get("created_utc"),
            "complete": previous["complete"],
        }
    return _run(envelope, envelope["results"], str(path))


def _newer_journal(path: Path, envelope: Mapping[str, Any]) -> tuple[str, ...]:
    """Why a result file named explicitly is stale: a newer, interrupted run of its name beside it."""
    journal = journal_path(path)
    if not _present(journal):
        return ()
    header = read_header(journal)
    if header.get("session") == envelope.get("session"):
        return ()
    return (f"a newer run of this name was interrupted: its journal {journal} (started {header.get('started_utc')})",)


def read_runs(path: Path) -> list[Run]:
    """The runs in one file: a run's result file, an interrupted run's journal, or a merged file."""
    path = Path(path)
    if is_journal(path):
        return [_journal_run(path)]
    envelope, source = read_results(path, READABLE_SCHEMAS + READABLE_MERGED_SCHEMAS), str(path)
    if envelope["schema"] in READABLE_SCHEMAS:
        return [_run(envelope, envelope["results"], source, _newer_journal(path, envelope))]
    by_run: dict[str, list[dict[str, Any]]] = {}
    for index, info in enumerate(envelope["runs"]):
        if info["name"] in by_run:
            raise ValueError(f"{source}: run #{index + 1}: field 'name': {info['name']!r} appears twice")
        by_run[info["name"]] = []
    for index, record in enumerate(envelope["results"]):
        if record.get("run") not in by_run:
            raise ValueError(
                f"{source}: record #{index + 1} ({record['id']!r}): field 'run': must name one of the file's runs "
                f"{sorted(by_run)}, got {record.get('run')!r}"
            )
        by_run[record["run"]].append(record)
    return [_run(info, by_run[info["name"]], source) for info in envelope["runs"]]


def load(
    inputs: Iterable[Path], exclude: Iterable[Path] = (), *, stale_after: datetime.timedelta = STALE_AFTER
) -> ResultSet:
    """Read every result file named by ``inputs``; run names must be unique across files. Each
    run is judged against the others and this checkout (``reports.freshness``)."""
    runs: dict[str, Run] = {}
    for path in find_result_files(inputs, exclude):
        for run in read_runs(path):
            if run.name in runs:
                raise ValueError(
                    f"{runs[run.name].source} and {run.source} both hold a run named {run.name!r}: "
                    "give each run its own name (pytest --lrconform-run-name; tox uses the env name)"
                )
            runs[run.name] = run
    reasons = stale_reasons({n: r.info for n, r in runs.items()}, checkout=suite_commit(), stale_after=stale_after)
    return ResultSet(tuple(replace(r, stale=(*r.stale, *reasons[r.name])) for r in runs.values()))


def merged_envelope(result_set: ResultSet) -> dict[str, Any]:
    """One envelope holding every run's description (with its state) and every record (tagged with its run)."""
    return {
        "schema": MERGED_SCHEMA,
        "created_utc": utc_now(),
        "runs": [
            {"name": run.name, "source": run.source, **run.info, "complete": run.complete, "stale": list(run.stale)}
            for run in result_set.runs
        ],
        "results": [{**record, "run": run.name} for run, record in result_set.records()],
    }


def write_json(envelope: Mapping[str, Any], path: Path) -> None:
    """The merged envelope as compact JSON, each case's reference once (the merged file of the full
    matrix is read by machines, and it is large), written atomically."""
    write_atomic(path, json.dumps(stored_form(envelope), separators=(",", ":"), allow_nan=False) + "\n")
