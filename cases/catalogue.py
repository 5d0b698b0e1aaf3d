"""Load and validate the case catalogue (``cases/catalogue/*.toml``) and the tolerance table.

A case file is a TOML array of tables::

    [[case]]
    id = "cosine[T100-eta1e-3]"              # stable, readable; test ids append "-<framework>"
    formula = "cosine"                       # a name in reference.FORMULAS
    steps = { stop = 300 }                   # range(start=0, stop, step=1), or a list of steps
    params = { init_lr = 0.1, decay_steps = 100, final_lr = 1e-3, past_end = "periodic" }
    about = "what the case shows"            # optional
    origin = "seed 002"                      # optional: where the parameters come from
    family = "cosine"                        # optional report row (default: the formula)
    only = ["torch"]                         # optional: frameworks this case is meant for
    hints = { torch = { api = "LambdaLR" } } # optional, per framework, read by its adapter
    [case.tolerance.float32]                 # optional override per dtype, with its reason
    rtol = 1e-5
    reason = "..."

Anything malformed raises :class:`CaseFileError` naming the file, the case and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import reference

__all__ = ["Case", "CaseFileError", "Tolerance", "load_catalogue", "load_tolerances"]

#: Characters allowed in case ids (and so in test ids, expectation files and dashboards).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.,=\[\]-]+$")
MAX_STEPS = 2_000_000
_CASE_KEYS = {"id", "formula", "steps", "params", "about", "origin", "family", "only", "hints", "tolerance"}
_TOLERANCE_KEYS = {"rtol", "atol", "reason"}


class CaseFileError(ValueError):
    """A case or tolerance file is malformed; the message says where and what."""


@dataclass(frozen=True)
class Tolerance:
    """Agreement bounds: ``|actual - ref| <= atol * peak + rtol * |ref|``.

    ``atol`` is relative to the case's peak ``|reference|`` so that values near zero (a
    cosine trough) are judged on the schedule's own scale.
    """

    rtol: float
    atol: float
    reason: str


@dataclass(frozen=True, eq=False)
class Case:
    """One schedule, its parameters and the steps at which every framework is compared."""

    id: str
    formula: str
    params: Mapping[str, Any]
    steps: np.ndarray
    source: str
    about: str = ""
    origin: str = ""
    family: str = ""
    only: tuple[str, ...] = ()
    hints: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tolerance: Mapping[str, Tolerance] = field(default_factory=dict)

    def reference(self, steps: np.ndarray | None = None) -> np.ndarray:
        """The NumPy reference at ``steps`` (default: the case's own steps)."""
        schedule = reference.build({"formula": self.formula, **self.params})
        return schedule(self.steps if steps is None else steps)

    def hint(self, framework: str) -> Mapping[str, Any]:
        """This case's hints for one framework (empty when there are none)."""
        return self.hints.get(framework, {})

    def applies_to(self, adapter_name: str) -> bool:
        """Whether the case is meant for this adapter (``only`` names adapters or their framework)."""
        return not self.only or adapter_name in self.only or adapter_name.split("-")[0] in self.only


class _Where:
    """Builds error messages that name the file, the case and the field."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    @classmethod
    def case(cls, path: str, index: int, case_id: str | None) -> _Where:
        return cls(f"{path}: case #{index + 1}" + (f" ({case_id!r})" if case_id else ""))

    def error(self, field_name: str, problem: str) -> CaseFileError:
        return CaseFileError(f"{self.prefix}: field '{field_name}': {problem}")


def _parse_steps(raw: Any, where: _Where) -> np.ndarray:
    if isinstance(raw, Mapping):
        unknown = set(raw) - {"start", "stop", "step"}
        if unknown or "stop" not in raw:
            raise where.error("steps", f"a range table needs 'stop' (and optional 'start', 'step'), got {dict(raw)!r}")
        bounds = [raw.get("start", 0), raw["stop"], raw.get("step", 1)]
        if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds) or bounds[2] <= 0:
            raise where.error("steps", f"start, stop and step must be integers with step > 0, got {dict(raw)!r}")
        steps = np.arange(*bounds, dtype=np.int64)
    elif isinstance(raw, list):
        if not all(isinstance(s, int) and not isinstance(s, bool) for s in raw):
            raise where.error("steps", f"a list of steps must hold integers only, got {raw!r}")
        steps = np.array(raw, dtype=np.int64)
    else:
        raise where.error("steps", f"expected a range table or a list of integers, got {raw!r}")
    if steps.size == 0 or steps.size > MAX_STEPS:
        raise where.error("steps", f"must select between 1 and {MAX_STEPS} steps, got {steps.size}")
    if steps[0] < 0 or np.any(np.diff(steps) <= 0):
        raise where.error("steps", "steps must be >= 0 and strictly increasing")
    return steps


def _parse_tolerance(raw: Any, where: _Where, field_name: str) -> Tolerance:
    if not isinstance(raw, Mapping) or set(raw) - _TOLERANCE_KEYS or "reason" not in raw:
        raise where.error(field_name, f"expected a table with 'reason' and 'rtol' and/or 'atol', got {raw!r}")
    bounds = {k: raw.get(k, 0.0) for k in ("rtol", "atol")}
    for key, value in bounds.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise where.error(f"{field_name}.{key}", f"must be a number in [0, 1), got {value!r}")
    if not isinstance(raw["reason"], str) or not raw["reason"].strip():
        raise where.error(f"{field_name}.reason", "every tolerance needs a stated reason")
    return Tolerance(rtol=float(bounds["rtol"]), atol=float(bounds["atol"]), reason=raw["reason"].strip())


def _text(entry: Mapping[str, Any], key: str, where: _Where) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise where.error(key, f"must be a string, got {value!r}")
    return value


def _parse_case(entry: Any, path: str, index: int) -> Case:
    case_id = entry.get("id") if isinstance(entry, Mapping) else None
    where = _Where.case(path, index, case_id if isinstance(case_id, str) else None)
    if not isinstance(entry, Mapping):
        raise where.error("case", f"expected a table, got {entry!r}")
    unknown = sorted(set(entry) - _CASE_KEYS)
    if unknown:
        raise where.error(unknown[0], f"unknown field; allowed: {sorted(_CASE_KEYS)}")
    for key in ("id", "formula", "steps", "params"):
        if key not in entry:
            raise where.error(key, "missing required field")
    if not isinstance(case_id, str) or not ID_PATTERN.match(case_id):
        raise where.error("id", f"must match {ID_PATTERN.pattern}, got {case_id!r}")
    if not isinstance(entry["params"], Mapping):
        raise where.error("params", f"expected a table, got {entry['params']!r}")
    formula, params = entry["formula"], dict(entry["params"])
    steps = _parse_steps(entry["steps"], where)
    try:
        reference.build({"formula": formula, **params})(steps)
    except ValueError as exc:
        raise where.error("params" if formula in reference.FORMULAS else "formula", str(exc)) from None
    only = entry.get("only", [])
    if not isinstance(only, list) or not all(isinstance(o, str) for o in only):
        raise where.error("only", f"must be a list of framework names, got {only!r}")
    hints = entry.get("hints", {})
    if not isinstance(hints, Mapping) or not all(isinstance(h, Mapping) for h in hints.values()):
        raise where.error("hints", f"must be a table of per-framework tables, got {hints!r}")
    tolerances = entry.get("tolerance", {})
    if not isinstance(tolerances, Mapping):
        raise where.error("tolerance", f"must be a table keyed by dtype, got {tolerances!r}")
    return Case(
        id=case_id,
        formula=formula,
        params=params,
        steps=steps,
        source=path,
        about=_text(entry, "about", where),
        origin=_text(entry, "origin", where),
        family=_text(entry, "family", where) or formula,
        only=tuple(only),
        hints={k: dict(v) for k, v in hints.items()},
        tolerance={d: _parse_tolerance(t, where, f"tolerance.{d}") for d, t in tolerances.items()},
    )


def _read_toml(path: Path, display: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError(f"{display}: not valid TOML: {exc}") from None


def load_catalogue(directory: Path, *, root: Path | None = None) -> list[Case]:
    """Every case in ``directory/*.toml``, in file then file order; ids must be unique."""
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise CaseFileError(f"{directory}: no case files (*.toml) found")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in files:
        display = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
        document = _read_toml(path, display)
        extra = sorted(set(document) - {"case"})
        if extra or not isinstance(document.get("case"), list):
            raise CaseFileError(f"{display}: expected only [[case]] tables, found {extra or 'no [[case]]'}")
        for index, entry in enumerate(document["case"]):
            case = _parse_case(entry, display, index)
            if case.id in seen:
                raise CaseFileError(
                    f"{display}: case #{index + 1}: field 'id': {case.id!r} already defined in {seen[case.id]}"
                )
            seen[case.id] = display
            cases.append(case)
    return cases


def load_tolerances(path: Path) -> dict[str, Tolerance]:
    """The per-dtype default tolerances (``cases/tolerances.toml``)."""
    document = _read_toml(Path(path), str(path))
    where = _Where(str(path))
    return {dtype: _parse_tolerance(raw, where, dtype) for dtype, raw in document.items()}
