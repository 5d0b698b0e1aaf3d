"""How records store their numbers, and the helpers every reader of them shares.

Non-finite floats are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"`` (JSON has no literal for
them); steps as ``{"start", "stop", "step"}`` when they form a range, else as a list; each case's reference
trajectory once per file, in ``references`` (:func:`stored_form`, :func:`attach_references`). :func:`peak`
is the scale of absolute tolerances and of value changes; :func:`glob_regex` matches test-id patterns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "attach_references",
    "decode_floats",
    "encode_floats",
    "encode_steps",
    "expand_steps",
    "glob_regex",
    "peak",
    "share_reference",
    "stored_form",
]


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


def share_reference(record: Mapping[str, Any], references: dict[str, list]) -> dict[str, Any]:
    """``record`` as stored: without its ``reference`` when that is its case's entry in
    ``references`` (the first one seen, added there), else with it."""
    reference = record.get("reference")
    shared = reference is not None and references.setdefault(record["case"], reference) == reference
    return {k: v for k, v in record.items() if not (shared and k == "reference")}


def stored_form(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """``envelope`` as written to a file: each case's reference once, in ``references`` (the first
    one seen; a record whose reference differs from it keeps its own), before the ``results``
    without it."""
    references: dict[str, list] = {}
    records = [share_reference(record, references) for record in envelope["results"]]
    return {**{k: v for k, v in envelope.items() if k != "results"}, "references": references, "results": records}


def attach_references(records: Iterable[dict[str, Any]], references: Any, source: str) -> None:
    """Inverse of :func:`stored_form`, in place: a record without ``reference`` gets its
    case's (shared, not copied). ``source`` names the file in the error for a malformed table."""
    if not isinstance(references, Mapping):
        raise ValueError(f"{source}: field 'references': must map case ids to trajectories")
    for record in records:
        case = record.get("case") if isinstance(record, dict) else None
        if isinstance(case, str) and "reference" not in record and case in references:
            record["reference"] = references[case]


def peak(values: np.ndarray) -> float:
    """The largest finite ``|value|`` (0.0 when there is none): the scale of absolute tolerances."""
    return float(np.max(np.abs(values[np.isfinite(values)]), initial=0.0))


@functools.cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A test-id pattern (``*`` matches any run of characters) as a regex, for ``fullmatch``."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
