"""The JSON result file: one envelope per run, one record per test. The single source of truth.

Envelope (``schema`` = :data:`SCHEMA`)::

    {"schema": "lrconform-results/6", "created_utc": ..., "complete": true,
     "session": ..., "started_utc": ..., "suite": {"version", "commit", "dirty"},
     "run": {"name", "frameworks", "argv"}, "environment": {"python", "implementation",
     "platform", "machine", "packages": {distribution: version or null}},
     "adapters": {name: {"version", "available", "problem"}},
     "arrays": {key: packed trajectory}, "texts": {key: reproducer}, "values": {key: field value},
     "references": {case id: {"array": key}}, "results": [record, ...]}

``complete`` is true when every selected test left its record; false for a run that stopped
early (``-x``, Ctrl-C) and for a file recovered from an interrupted run's journal
(``reports.journal``). ``session`` identifies one pytest session: its journal and the file it
ends in share it. Files of schemas /1 and /2 (without these three fields) read as complete.

A record carries what is needed to reproduce it by hand (``api``, ``kwargs``, ``setup``,
``repro``) and every number the comparison used. Its ``reference`` trajectory is the same for
every probe of every framework, so it is stored once per case in ``references`` (a record that
still has its own ``reference`` keeps it: that one wins); :func:`attach_references` puts it back
into each record on reading. Every trajectory and reproducer is stored once, packed, in ``arrays``
and ``texts`` (``model.records``: bit for bit, a fifth of the size of JSON numbers); a record
holds ``{"array": key}`` or ``{"text": key}`` in their place, or (a journal's records, schemas
before /5) the values themselves. Non-finite floats are the strings ``"nan"``, ``"inf"`` and
``"-inf"`` in memory; steps are ``{"start", "stop", "step"}`` when they form a range, else a list.
"""

from __future__ import annotations

import datetime
import json
import platform
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from model.adapter import distribution_version
from model.outcomes import OUTCOMES
from model.platform import machine_facts
from model.records import attach_references, expand_stored, stored_form

from .atomic import write_atomic
from .validate import check_envelope, check_record

__all__ = [
    "OUTCOMES",
    "READABLE_SCHEMAS",
    "SCHEMA",
    "checked_envelope",
    "describe_run",
    "environment",
    "read_json",
    "read_results",
    "refuse_constant",
    "suite_commit",
    "utc_now",
    "write_envelope",
    "write_results",
]

SCHEMA = "lrconform-results/6"
#: Schemas this version reads: /1 (before ``references``) kept each reference in its record, which
#: reading handles anyway, so an older baseline still diffs against a new run; /1 and /2 (before
#: ``complete``) were only ever written at the end of a session; before /5 trajectories were lists; before /6
#: every record held its own parameters, keyword arguments and tolerance reason (no ``values``).
READABLE_SCHEMAS = (SCHEMA, *(f"lrconform-results/{n}" for n in (5, 4, 3, 2, 1)))
SUITE_VERSION = "0.1.0"

#: Frameworks whose versions every run records (when installed), whichever adapters ran.
FRAMEWORK_DISTRIBUTIONS = (
    "torch",
    "tensorflow",
    "tensorflow-cpu",
    "tf-keras",
    "keras",
    "tensorflow-addons",
    "jax",
    "jaxlib",
    "optax",
    "flax",
    "mindspore",
    "numpy",
    "pytest",
)


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, cwd=Path(__file__).parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def utc_now() -> str:
    """Now, as the result files write times (ISO 8601, UTC, seconds)."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def environment() -> dict[str, Any]:
    """Where and with what the run happened: Python, the OS, the CPU's kernel-relevant facts
    (``cpu``, see :func:`model.platform.machine_facts`), the frameworks' versions."""
    return {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": machine_facts(),
        "packages": {d: distribution_version(d) for d in FRAMEWORK_DISTRIBUTIONS},
    }


def suite_commit() -> str | None:
    """The git commit of this suite's checkout (``None`` outside a git checkout)."""
    return _git("rev-parse", "HEAD")


def suite_info() -> dict[str, Any]:
    """This suite's version and git commit (``dirty`` when the work tree has changes)."""
    status = _git("status", "--porcelain")
    return {"version": SUITE_VERSION, "commit": suite_commit(), "dirty": bool(status) if status is not None else None}


def describe_run(
    run: Mapping[str, Any],
    adapters: Mapping[str, Any],
    *,
    session: str | None = None,
    started_utc: str | None = None,
) -> dict[str, Any]:
    """What a result file (or a journal's first line) says about its run: the session and when it
    started (new ones unless given), the suite, the run's name and options, where and with what."""
    return {
        "session": session or uuid.uuid4().hex,
        "started_utc": started_utc or utc_now(),
        "suite": suite_info(),
        "run": dict(run),
        "environment": environment(),
        "adapters": dict(adapters),
    }


def write_envelope(path: Path, envelope: Mapping[str, Any]) -> None:
    """Write an envelope as stored (references once per case), atomically (``reports.atomic``)."""
    write_atomic(path, json.dumps(stored_form(envelope), indent=1, allow_nan=False) + "\n")


def write_results(
    path: Path,
    *,
    records: list[dict[str, Any]],
    run: Mapping[str, Any],
    adapters: Mapping[str, Any],
    complete: bool = True,
    session: str | None = None,
    started_utc: str | None = None,
) -> dict[str, Any]:
    """Write the envelope to ``path`` (parents created; references stored once per case; the
    previous file stays whole until the new one is) and return it as :func:`read_results` reads
    it back (each record with its reference)."""
    envelope = {
        "schema": SCHEMA,
        "created_utc": utc_now(),
        "complete": complete,
        **describe_run(run, adapters, session=session, started_utc=started_utc),
        "results": records,
    }
    write_envelope(path, envelope)
    return envelope


def refuse_constant(name: str) -> None:
    """For ``json.loads``: ``NaN`` and ``Infinity`` are not JSON, and this format never writes them."""
    raise ValueError(f"{name} is not JSON (non-finite numbers are written as 'nan', 'inf', '-inf')")


def read_json(path: Path) -> Any:
    """Parse a JSON file; a missing, unreadable or hostile (deeply nested) file raises ``ValueError`` naming it."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise ValueError(f"{path}: not a readable result file: a symbolic link to nothing")
    if path.exists() and not path.is_file():
        raise ValueError(f"{path}: not a readable result file: not a regular file")
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse_constant)
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8, not JSON, an integer of >4300 digits
        raise ValueError(f"{path}: not a readable result file: {exc}") from None
    except RecursionError:
        raise ValueError(f"{path}: not a readable result file: nested too deeply") from None


def read_results(path: Path, schemas: tuple[str, ...] = READABLE_SCHEMAS) -> dict[str, Any]:
    """Read an envelope of one of ``schemas`` (a run's, or a merged one), each record with its
    reference and ``complete`` set; a missing, unreadable, foreign or malformed file raises
    ``ValueError`` naming the file, and the record and field at fault (``reports.validate``)."""
    return checked_envelope(read_json(path), str(path), schemas)


#: The merged file's schema (``reports.merge``); its records are those of :data:`SCHEMA`.
MERGED_SCHEMA = "lrconform-merged/6"


def rename_framework(records: list[Any]) -> None:
    """Records of schemas before /4 name their adapter ``framework``: read it as ``adapter``, in place."""
    for record in records:
        if isinstance(record, dict) and "framework" in record and "adapter" not in record:
            record["adapter"] = record.pop("framework")


def checked_envelope(envelope: Any, source: str, schemas: tuple[str, ...] = READABLE_SCHEMAS) -> dict[str, Any]:
    """:func:`read_results` for an envelope already parsed (``source`` names it in errors)."""
    schema = envelope.get("schema") if isinstance(envelope, dict) else None
    if schema not in schemas:
        raise ValueError(f"{source}: not an lrconform result file (schema {schema!r}, want one of {schemas})")
    expand_stored(envelope, source)
    checked = check_envelope(envelope, source, merged=schema not in READABLE_SCHEMAS)
    attach_references(envelope["results"], envelope.get("references") or {}, source)
    if schema.endswith(("/1", "/2", "/3")):
        rename_framework(envelope["results"])
    for index, record in enumerate(envelope["results"]):
        check_record(record, f"{source}: record #{index + 1}", checked)
    envelope.setdefault("complete", True)
    return envelope
