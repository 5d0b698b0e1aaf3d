"""Read many runs' result files into one result set; write the merged file (the dashboard feed).

Inputs are result files or folders. A folder contributes its own ``results.json`` and every
``<folder>/<env>/results.json`` (one per tox env): an env that did not run, or failed before
writing results, simply has no file and is not in the report. A file that exists but cannot
be read, or is not a result file, stops the merge: a report silently missing a framework is
worse than no report.

Records are keyed by (run name, test id): the same adapter can appear in several runs (e.g.
``keras`` under TF 2.15 in env ``tfa`` and under TF 2.21 in env ``keras``), so two files
holding a run of the same name are an error.

Merged file (``schema`` = :data:`MERGED_SCHEMA`), readable again as an input::

    {"schema": "lrconform-merged/2", "created_utc": ...,
     "runs": [{"name", "source", "created_utc", "suite", "run", "environment", "adapters"}, ...],
     "references": {case id: [float, ...]}, "results": [record with "run": <run name>, ...]}

As in a run's file, each case's reference trajectory is stored once (in ``references``), not in
every record of every run: reading puts it back.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .results import OUTCOMES, READABLE_SCHEMAS, read_results, stored_form

__all__ = [
    "MERGED_SCHEMA",
    "RESULT_FILE",
    "ResultSet",
    "Run",
    "find_result_files",
    "load",
    "merged_envelope",
    "write_json",
]

MERGED_SCHEMA = "lrconform-merged/2"
READABLE_MERGED_SCHEMAS = (MERGED_SCHEMA, "lrconform-merged/1")  # as READABLE_SCHEMAS
RESULT_FILE = "results.json"
#: Record fields the report, the diff and JUnit rely on; a record without them is unreadable.
REQUIRED = ("id", "case", "family", "framework", "column", "probe", "outcome")
_INFO_KEYS = ("created_utc", "suite", "run", "environment", "adapters")


@dataclass(frozen=True)
class Run:
    """One run of the suite (one tox env): where it came from, how it ran, its records."""

    name: str
    source: str
    info: Mapping[str, Any]
    records: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ResultSet:
    """Runs with distinct names, in input order."""

    runs: tuple[Run, ...]

    def records(self) -> Iterator[tuple[Run, dict[str, Any]]]:
        for run in self.runs:
            for record in run.records:
                yield run, record


def find_result_files(inputs: Iterable[Path], exclude: Iterable[Path] = ()) -> list[Path]:
    """The result files named by ``inputs``: files as given, folders searched one level deep."""
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            candidates = [item / RESULT_FILE, *sorted(item.glob(f"*/{RESULT_FILE}"))]
            found += [c for c in candidates if c.is_file() and c.parent.resolve() not in skip]
        elif item.exists():
            found.append(item)
        else:
            raise ValueError(f"{item}: no such result file or folder")
    return found


def _check_records(records: Any, source: str, run: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(records, list):
        raise ValueError(f"{source}: run {run!r}: 'results' must be a list of records")
    seen: set[str] = set()
    for index, record in enumerate(records):
        missing = [k for k in REQUIRED if not isinstance(record, dict) or k not in record]
        if missing:
            raise ValueError(f"{source}: run {run!r}: record #{index + 1} lacks {missing}")
        if record["outcome"] not in OUTCOMES:
            raise ValueError(f"{source}: {record['id']}: unknown outcome {record['outcome']!r}; known: {OUTCOMES}")
        if record["id"] in seen:
            raise ValueError(f"{source}: run {run!r}: test id {record['id']!r} appears twice")
        seen.add(record["id"])
    return tuple(records)


def _run(info: Mapping[str, Any], records: Any, source: str) -> Run:
    name = (info.get("run") or {}).get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{source}: the envelope has no run name ('run': {{'name': ...}})")
    return Run(name, source, {k: info.get(k) for k in _INFO_KEYS}, _check_records(records, source, name))


def read_runs(path: Path) -> list[Run]:
    """The runs in one file: a run's result file, or a merged file."""
    envelope, source = read_results(path, READABLE_SCHEMAS + READABLE_MERGED_SCHEMAS), str(path)
    if envelope["schema"] in READABLE_SCHEMAS:
        return [_run(envelope, envelope.get("results"), source)]
    try:
        by_run: dict[str, list[dict[str, Any]]] = {info["name"]: [] for info in envelope["runs"]}
        for record in envelope["results"]:
            by_run[record["run"]].append(record)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: malformed merged result file: missing or unknown run {exc}") from None
    return [_run(info, by_run[info["name"]], source) for info in envelope["runs"]]


def load(inputs: Iterable[Path], exclude: Iterable[Path] = ()) -> ResultSet:
    """Read every result file named by ``inputs``; run names must be unique across files."""
    runs: dict[str, Run] = {}
    for path in find_result_files(inputs, exclude):
        for run in read_runs(path):
            if run.name in runs:
                raise ValueError(
                    f"{runs[run.name].source} and {run.source} both hold a run named {run.name!r}: "
                    "give each run its own name (pytest --lrconform-run-name; tox uses the env name)"
                )
            runs[run.name] = run
    return ResultSet(tuple(runs.values()))


def merged_envelope(result_set: ResultSet) -> dict[str, Any]:
    """One envelope holding every run's description and every record (tagged with its run)."""
    return {
        "schema": MERGED_SCHEMA,
        "created_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "runs": [{"name": run.name, "source": run.source, **run.info} for run in result_set.runs],
        "results": [{**record, "run": run.name} for run, record in result_set.records()],
    }


def write_json(envelope: Mapping[str, Any], path: Path) -> None:
    """The merged envelope as compact JSON, each case's reference once (the merged file of the full
    matrix is read by machines, and it is large)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored_form(envelope), separators=(",", ":"), allow_nan=False) + "\n", encoding="utf-8")
