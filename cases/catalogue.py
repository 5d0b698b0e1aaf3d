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
    only = ["torch"]                         # optional: adapters (or frameworks) this case is meant for
    hints = { torch = { api = "LambdaLR" } } # optional, per framework, read by its adapter
    resume = [20, 100, 299]                  # optional: resume points, 1 <= k <= the last step, increasing
    invalid = "decay_steps"                  # optional: an invalid-parameter case, the parameter the reference rejects
    [case.tolerance.float32]                 # optional override per dtype, with its reason
    rtol = 1e-5
    reason = "..."

Anything malformed raises :class:`CaseFileError` naming the file, the case and the field: the
type of every field, the names ``only``, ``hints`` and ``tolerance`` use (against a
:class:`~cases.vocabulary.Vocabulary`), the steps (bounded by :data:`MAX_STEP` before anything is
allocated), the parameters (through the reference factories) and the reference itself, which must
be finite at every step.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import reference
from adapters import REGISTRY, load_adapter
from model.case import ID_PATTERN, MAX_STEP, Case, Tolerance
from model.errors import CaseFileError, Where, check_nesting, kind_problem, short_repr

from .datafile import display_path, read_toml
from .vocabulary import Vocabulary

__all__ = [
    "DEFAULT_TOLERANCES",
    "REQUIRED_DTYPES",
    "CaseFileError",
    "default_vocabulary",
    "load_catalogue",
    "load_tolerances",
]

#: The default per-dtype tolerance table.
DEFAULT_TOLERANCES = Path(__file__).parent / "tolerances.toml"
#: The dtypes adapters report their values in: the tolerance table must cover each.
REQUIRED_DTYPES = ("float32", "float64")
_CASE_KEYS = {
    "id", "formula", "steps", "params", "about", "origin", "family", "only", "hints", "tolerance", "resume", "invalid",
}  # fmt: skip
_REQUIRED_KEYS = ("id", "formula", "steps", "params")
_TOLERANCE_KEYS = {"rtol", "atol", "reason"}


def _is_integer(value: Any) -> bool:
    return not kind_problem(value, "an integer")


def _parse_steps(raw: Any, where: Where) -> np.ndarray:
    """The steps, checked (type, order, :data:`MAX_STEP`) before an array is made."""
    if isinstance(raw, dict):
        unknown = set(raw) - {"start", "stop", "step"}
        if unknown or "stop" not in raw:
            raise where.error(
                "steps", f"a range table needs 'stop' (and optional 'start', 'step'), got {short_repr(raw)}"
            )
        start, stop, stride = raw.get("start", 0), raw["stop"], raw.get("step", 1)
        if not all(_is_integer(b) for b in (start, stop, stride)) or stride <= 0:
            raise where.error("steps", f"start, stop and step must be integers with step > 0, got {short_repr(raw)}")
        if start < 0 or stop > MAX_STEP:
            raise where.error("steps", f"steps must be >= 0 and below MAX_STEP = {MAX_STEP:,}, got {short_repr(raw)}")
        steps = np.arange(start, stop, stride, dtype=np.int64)
    elif isinstance(raw, list):
        wrong = next((i for i, s in enumerate(raw) if not _is_integer(s)), None)
        if wrong is not None:
            raise where.error("steps", f"a list of steps must hold integers only, got steps[{wrong}]={raw[wrong]!r}")
        outside = next((i for i, s in enumerate(raw) if not 0 <= s < MAX_STEP), None)
        if outside is not None:
            problem = f"steps must be >= 0 and below MAX_STEP = {MAX_STEP:,}, got steps[{outside}]={raw[outside]}"
            raise where.error("steps", problem)
        unordered = next((i for i in range(1, len(raw)) if raw[i] <= raw[i - 1]), None)
        if unordered is not None:
            problem = f"got steps[{unordered}]={raw[unordered]} after {raw[unordered - 1]}"
            raise where.error("steps", f"steps must be >= 0 and strictly increasing, {problem}")
        steps = np.array(raw, dtype=np.int64)
    else:
        raise where.error("steps", f"expected a range table or a list of integers, got {short_repr(raw)}")
    if steps.size == 0:
        raise where.error("steps", f"must select at least one step, got none from {short_repr(raw)}")
    return steps


def _parse_resume(raw: Any, steps: np.ndarray, where: Where) -> tuple[int, ...]:
    """Resume points: integers, strictly increasing, each after at least one update and at most the last step."""
    if not isinstance(raw, list) or not raw or not all(_is_integer(k) for k in raw):
        raise where.error("resume", f"expected a non-empty list of integers (resume points), got {short_repr(raw)}")
    last = int(steps[-1])
    outside = next((k for k in raw if not 1 <= k <= last), None)
    if outside is not None:
        raise where.error("resume", f"a resume point must be >= 1 and at most the last step {last}, got {outside}")
    unordered = next((i for i in range(1, len(raw)) if raw[i] <= raw[i - 1]), None)
    if unordered is not None:
        raise where.error("resume", f"resume points must be strictly increasing, got {raw[unordered]} after "
                          f"{raw[unordered - 1]}")  # fmt: skip
    return tuple(int(k) for k in raw)


def _parse_tolerance(raw: Any, where: Where, field_name: str) -> Tolerance:
    if not isinstance(raw, dict):
        raise where.error(field_name, f"expected a table with 'reason' and 'rtol' and/or 'atol', got {short_repr(raw)}")
    unknown = sorted(set(raw) - _TOLERANCE_KEYS)
    if unknown:
        raise where.error(f"{field_name}.{unknown[0]}", f"unknown field; allowed: {sorted(_TOLERANCE_KEYS)}")
    if not {"rtol", "atol"} & set(raw):
        raise where.error(field_name, "needs 'rtol' and/or 'atol' (with 'reason')")
    bounds = {k: raw.get(k, 0.0) for k in ("rtol", "atol")}
    for key, value in bounds.items():
        if kind_problem(value, "a finite number") or not 0 <= value < 1:
            raise where.error(f"{field_name}.{key}", f"must be a number in [0, 1), got {short_repr(value)}")
    if kind_problem(raw.get("reason"), "a non-empty string"):
        raise where.error(
            f"{field_name}.reason", f"every tolerance needs a stated reason, got {short_repr(raw.get('reason'))}"
        )
    return Tolerance(rtol=float(bounds["rtol"]), atol=float(bounds["atol"]), reason=raw["reason"].strip())


def _text(entry: Mapping[str, Any], key: str, where: Where) -> str:
    value = entry.get(key, "")
    if problem := kind_problem(value, "a string"):
        raise where.error(key, problem)
    return value


def _parse_only(entry: Mapping[str, Any], where: Where, vocabulary: Vocabulary) -> tuple[str, ...]:
    only = entry.get("only", None)
    if only is None:
        return ()
    if kind_problem(only, "a list of strings") or not only:
        raise where.error("only", f"must be a non-empty list of framework names, got {short_repr(only)}")
    unknown = [name for name in only if name not in vocabulary.frameworks]
    if unknown:
        raise where.error(
            "only", f"unknown framework {short_repr(unknown[0])}; known: {', '.join(vocabulary.frameworks)}"
        )
    return tuple(only)


def _parse_hints(entry: Mapping[str, Any], where: Where, vocabulary: Vocabulary) -> dict[str, dict[str, Any]]:
    """``hints``: each section one an adapter reads, each key one it declares, each value of the declared kind."""
    hints = entry.get("hints", {})
    if not isinstance(hints, dict):
        raise where.error("hints", f"must be a table of per-framework tables, got {short_repr(hints)}")
    for section, table in hints.items():
        declared = vocabulary.hints.get(section)
        if declared is None:
            known = ", ".join(sorted(vocabulary.hints)) or "none"
            raise where.error(
                f"hints.{section}", f"no adapter reads hints for {section!r}; hints are read for: {known}"
            )
        if not isinstance(table, dict):
            raise where.error(f"hints.{section}", f"must be a table, got {short_repr(table)}")
        for key, value in table.items():
            if key not in declared:
                raise where.error(
                    f"hints.{section}.{key}", f"unknown key; hints.{section} takes: {', '.join(declared)}"
                )
            if problem := declared[key].problem(value):
                raise where.error(f"hints.{section}.{key}", problem)
    return hints


def _parse_tolerances(entry: Mapping[str, Any], where: Where, vocabulary: Vocabulary) -> dict[str, Tolerance]:
    tolerances = entry.get("tolerance", {})
    if not isinstance(tolerances, dict):
        raise where.error("tolerance", f"must be a table keyed by dtype, got {short_repr(tolerances)}")
    unknown = [dtype for dtype in tolerances if dtype not in vocabulary.dtypes]
    if unknown:
        known = ", ".join(vocabulary.dtypes)
        raise where.error(f"tolerance.{unknown[0]}", f"unknown dtype; the tolerance table has: {known}")
    return {dtype: _parse_tolerance(raw, where, f"tolerance.{dtype}") for dtype, raw in tolerances.items()}


def _checked_reference(formula: str, params: dict[str, Any], steps: np.ndarray, where: Where) -> None:
    """The parameters build a reference that is finite at every step (nothing can agree with a NaN)."""
    try:
        with np.errstate(all="ignore"):
            values = reference.build({"formula": formula, **params})(steps)
    except ValueError as exc:
        raise where.error("params", str(exc)) from None
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        first = int(bad[0])
        raise where.error(
            "params",
            f"the reference is {values[first]} at step {steps[first]} (first of {bad.size} non-finite steps): "
            "no framework can agree with it",
        )


def _checked_invalid(formula: str, params: dict[str, Any], where: Where, entry: Mapping[str, Any]) -> str:
    """An invalid-parameter case's ``invalid``: the parameter the reference rejects, checked by building the
    reference, which must raise a ``ValueError`` naming that parameter (a case the reference accepts, or rejects for
    another parameter, would record the frameworks' answers to a question it does not ask)."""
    name = entry["invalid"]
    if kind_problem(name, "a non-empty string"):
        raise where.error("invalid", f"must name the parameter the reference rejects, got {short_repr(name)}")
    for key in ("resume", "tolerance"):
        if key in entry:
            raise where.error(key, "an invalid-parameter case has no reference trajectory to resume or compare")
    try:
        with np.errstate(all="ignore"):
            reference.build({"formula": formula, **params})
    except ValueError as exc:
        if not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", str(exc)):
            raise where.error("invalid", f"the reference rejects another parameter than {name!r}: {exc}") from None
        return name
    raise where.error("invalid", f"the reference accepts these parameters, {name!r} included: an invalid-parameter "
                      "case must be out of its domain")  # fmt: skip


def _parse_case(entry: Any, path: str, index: int, vocabulary: Vocabulary) -> Case:
    case_id = entry.get("id") if isinstance(entry, dict) else None
    where = Where.entry_of(path, "case", index + 1, case_id)
    if not isinstance(entry, dict):
        raise where.error("case", f"expected a table, got {short_repr(entry)}")
    unknown = sorted(set(entry) - _CASE_KEYS)
    if unknown:
        raise where.error(unknown[0], f"unknown field; allowed: {sorted(_CASE_KEYS)}")
    for key in _REQUIRED_KEYS:
        if key not in entry:
            raise where.error(key, "missing required field")
    check_nesting(entry, where)
    if not isinstance(case_id, str) or not ID_PATTERN.match(case_id):
        raise where.error("id", f"must match {ID_PATTERN.pattern}, got {short_repr(case_id)}")
    formula = entry["formula"]
    if not isinstance(formula, str) or formula not in reference.FORMULAS:
        raise where.error(
            "formula", f"unknown formula {short_repr(formula)}; known: {', '.join(sorted(reference.FORMULAS))}"
        )
    if not isinstance(entry["params"], dict):
        raise where.error("params", f"expected a table, got {short_repr(entry['params'])}")
    params = dict(entry["params"])
    steps = _parse_steps(entry["steps"], where)
    case = Case(
        id=case_id,
        formula=formula,
        params=params,
        steps=steps,
        source=path,
        about=_text(entry, "about", where),
        origin=_text(entry, "origin", where),
        family=_text(entry, "family", where) or formula,
        only=_parse_only(entry, where, vocabulary),
        hints=_parse_hints(entry, where, vocabulary),
        tolerance=_parse_tolerances(entry, where, vocabulary),
        number=index + 1,
        resume=_parse_resume(entry["resume"], steps, where) if "resume" in entry else (),
    )
    if "invalid" in entry:
        family = case.family if "family" in entry else f"invalid {formula}"  # its own matrix row, not the formula's
        return replace(case, invalid=_checked_invalid(formula, params, where, entry), family=family)
    _checked_reference(formula, params, steps, where)
    return case


def _case_entries(document: dict[str, Any], display: str) -> list[Any]:
    extra = sorted(set(document) - {"case"})
    if extra:
        raise CaseFileError(f"{display}: expected only [[case]] tables, found {extra}")
    entries = document.get("case", [])
    if not isinstance(entries, list):
        raise CaseFileError(f"{display}: field 'case': must be [[case]] tables, got {short_repr(entries)}")
    if not entries:
        raise CaseFileError(f"{display}: holds no [[case]] table: a case file defines at least one case")
    return entries


@functools.cache
def default_vocabulary() -> Vocabulary:
    """The registered adapters (``adapters.REGISTRY``) and the default tolerance table's dtypes."""
    return Vocabulary.of(
        {name: load_adapter(spec) for name, spec in REGISTRY.items()}, load_tolerances(DEFAULT_TOLERANCES)
    )


def load_catalogue(directory: Path, *, root: Path | None = None, vocabulary: Vocabulary | None = None) -> list[Case]:
    """Every case in ``directory/*.toml``, in file then file order; ids must be unique.

    ``vocabulary`` says which adapters, hints and dtypes cases may name (default: the registered
    adapters and the default tolerance table).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CaseFileError(f"{display_path(directory, root)}: not a directory of case files")
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise CaseFileError(f"{display_path(directory, root)}: no case files (*.toml) found")
    vocabulary = vocabulary or default_vocabulary()
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in files:
        display = display_path(path, root)
        for index, entry in enumerate(_case_entries(read_toml(path, display), display)):
            case = _parse_case(entry, display, index, vocabulary)
            if case.id in seen:
                raise case.error("id", f"{case.id!r} already defined in {seen[case.id]}")
            seen[case.id] = display
            cases.append(case)
    return cases


def _is_float_dtype(name: str) -> bool:
    try:
        dtype = np.dtype(name)
    except TypeError:
        return False
    return dtype.kind == "f" and dtype.name == name


def load_tolerances(path: Path, *, root: Path | None = None) -> dict[str, Tolerance]:
    """The per-dtype default tolerances (``cases/tolerances.toml``): NumPy float dtype names, covering
    :data:`REQUIRED_DTYPES`."""
    display = display_path(Path(path), root)
    document = read_toml(Path(path), display)
    where = Where(display)
    for dtype in document:
        if not _is_float_dtype(dtype):
            raise where.error(dtype, "not the name of a NumPy floating-point dtype (like float32 or float64)")
    missing = [dtype for dtype in REQUIRED_DTYPES if dtype not in document]
    if missing:
        raise CaseFileError(f"{display}: no tolerance for {', '.join(missing)}: adapters report values in each of "
                            f"{', '.join(REQUIRED_DTYPES)}")  # fmt: skip
    return {dtype: _parse_tolerance(raw, where, dtype) for dtype, raw in document.items()}
