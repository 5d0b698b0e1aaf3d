"""The JSON result file: one envelope per run, one record per test. The single source of truth.

Envelope (``schema`` = :data:`SCHEMA`)::

    {"schema": "lrconform-results/2", "created_utc": ..., "suite": {"version", "commit", "dirty"},
     "run": {"name", "frameworks", "argv"}, "environment": {"python", "implementation",
     "platform", "machine", "packages": {distribution: version or null}},
     "adapters": {name: {"version", "available", "problem"}},
     "references": {case id: [float, ...]}, "results": [record, ...]}

A record carries what is needed to reproduce it by hand (``api``, ``kwargs``, ``setup``,
``repro``) and every number the comparison used. Its ``reference`` trajectory is the same for
every probe of every framework, so it is stored once per case in ``references`` (a record that
still has its own ``reference`` keeps it: that one wins); :func:`attach_references` puts it back
into each record on reading. Non-finite floats are written as the strings ``"nan"``, ``"inf"``
and ``"-inf"`` (JSON has no literal for them); steps as ``{"start", "stop", "step"}`` when they
form a range, else as a list.
"""

from __future__ import annotations

import datetime
import json
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from adapters._base import distribution_version

__all__ = [
    "OUTCOMES",
    "READABLE_SCHEMAS",
    "SCHEMA",
    "attach_references",
    "decode_floats",
    "encode_floats",
    "encode_steps",
    "environment",
    "expand_steps",
    "read_json",
    "read_results",
    "stored_form",
    "write_results",
]

SCHEMA = "lrconform-results/2"
#: Schemas this version reads: /1 (before ``references``) kept each reference in its record, which
#: reading handles anyway, so an older baseline still diffs against a new run.
READABLE_SCHEMAS = (SCHEMA, "lrconform-results/1")
SUITE_VERSION = "0.1.0"

#: Every outcome a record can have.
OUTCOMES = (
    "agree",  # matches the reference within tolerance
    "diverge",  # does not match, and no expectation documents it
    "documented_divergence",  # does not match, as an expectation entry says
    "fixed_divergence",  # an expectation entry says it diverges, but it now agrees (remove the entry)
    "not_expressible",  # the framework has no API / mapping for the case
    "skipped",  # the framework is not installed or not importable
    "error",  # the adapter failed unexpectedly, or returned something that is not a trajectory
    "crashed",  # the adapter's worker process died (a signal, or an exit) while running the case
    "timeout",  # the adapter's worker did not finish the case within its time limit and was killed
)

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


def encode_floats(values: Iterable[float]) -> list[float | str]:
    """Floats for JSON, exact (shortest round-trip repr), non-finite values as strings."""
    return [float(v) if np.isfinite(v) else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")) for v in values]


def decode_floats(values: Iterable[float | str]) -> np.ndarray:
    """Inverse of :func:`encode_floats`."""
    return np.array([float(v) for v in values], dtype=np.float64)


def encode_steps(steps: np.ndarray) -> dict[str, int] | list[int]:
    """A range table when the steps are evenly spaced, else the list."""
    if steps.size > 1:
        gaps = np.diff(steps)
        if np.all(gaps == gaps[0]):
            return {"start": int(steps[0]), "stop": int(steps[-1]) + int(gaps[0]), "step": int(gaps[0])}
    return [int(s) for s in steps]


def expand_steps(encoded: Mapping[str, int] | list[int]) -> np.ndarray:
    """Inverse of :func:`encode_steps`."""
    if isinstance(encoded, Mapping):
        return np.arange(encoded["start"], encoded["stop"], encoded.get("step", 1), dtype=np.int64)
    return np.asarray(encoded, dtype=np.int64)


def stored_form(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """``envelope`` as written to a file: each case's reference once, in ``references`` (the first
    one seen; a record whose reference differs from it keeps its own), before the ``results``
    without it."""
    references: dict[str, list] = {}
    records: list[dict[str, Any]] = []
    for record in envelope["results"]:
        reference = record.get("reference")
        shared = reference is not None and references.setdefault(record["case"], reference) == reference
        records.append({k: v for k, v in record.items() if not (shared and k == "reference")})
    return {**{k: v for k, v in envelope.items() if k != "results"}, "references": references, "results": records}


def attach_references(records: Iterable[dict[str, Any]], references: Any, source: str) -> None:
    """Inverse of :func:`stored_form`, in place: a record without ``reference`` gets its
    case's (shared, not copied). ``source`` names the file in the error for a malformed table."""
    if not isinstance(references, Mapping):
        raise ValueError(f"{source}: 'references' must map case ids to trajectories")
    for record in records:
        if isinstance(record, dict) and "reference" not in record and record.get("case") in references:
            record["reference"] = references[record["case"]]


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, cwd=Path(__file__).parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def environment() -> dict[str, Any]:
    """Where and with what the run happened."""
    return {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": {d: distribution_version(d) for d in FRAMEWORK_DISTRIBUTIONS},
    }


def suite_info() -> dict[str, Any]:
    """This suite's version and git commit (``dirty`` when the work tree has changes)."""
    status = _git("status", "--porcelain")
    return {
        "version": SUITE_VERSION,
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(status) if status is not None else None,
    }


def write_results(
    path: Path, *, records: list[dict[str, Any]], run: Mapping[str, Any], adapters: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the envelope to ``path`` (parents created; references stored once per case) and
    return it as :func:`read_results` reads it back (each record with its reference)."""
    envelope = {
        "schema": SCHEMA,
        "created_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "suite": suite_info(),
        "run": dict(run),
        "environment": environment(),
        "adapters": dict(adapters),
        "results": records,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored_form(envelope), indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return envelope


def read_json(path: Path) -> Any:
    """Parse a JSON file; a missing or unreadable file raises ``ValueError`` naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable result file: {exc}") from None


def read_results(path: Path, schemas: tuple[str, ...] = READABLE_SCHEMAS) -> dict[str, Any]:
    """Read an envelope of one of ``schemas``, each record with its reference; a missing,
    unreadable or foreign file raises ``ValueError``."""
    envelope = read_json(path)
    schema = envelope.get("schema") if isinstance(envelope, dict) else None
    if schema not in schemas:
        raise ValueError(f"{path}: not an lrconform result file (schema {schema!r}, want one of {schemas})")
    if isinstance(envelope.get("results"), list):
        attach_references(envelope["results"], envelope.get("references", {}), str(path))
    return envelope
