"""Type checks of a result file as read, so that a malformed file stops with one line naming the
file, the record (number and id) and the field, never with a traceback somewhere in the report,
the diff or JUnit.

Every field a reader uses is checked: its type; that trajectories hold numbers (non-finite ones as
``"nan"``, ``"inf"``, ``"-inf"``), as many as the record has steps; that steps form a range or a
list of at most :data:`MAX_STEPS` integers; that free-form tables (``params``, ``kwargs``,
``setup``) and fields this version does not know (a newer suite may add some, and they are kept)
nest at most :data:`MAX_DEPTH` levels and hold only finite numbers (JSON has no others: the
literals ``NaN`` and ``Infinity`` are refused when parsing, a number like ``1e999`` here).
A record field that is absent reads as ``null`` (:data:`ABSENT`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from model.outcomes import BEHAVIOURS, OUTCOMES

__all__ = ["ABSENT", "MAX_DEPTH", "MAX_STEPS", "check_envelope", "check_record", "check_run_info"]

#: The most steps a record may have (the catalogue's longest case has 200,000).
MAX_STEPS = 10_000_000
#: The deepest nesting of a free-form table (parameters, keyword arguments, setup).
MAX_DEPTH = 32
NON_FINITE = ("nan", "inf", "-inf")
_LARGEST_INT = 2**62  # steps are int64 once expanded; larger integers would overflow
_LARGEST_FLOAT_INT = 10**308  # beyond this an integer does not convert to a float


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if value == "":
        return "an empty string"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


class _Bad(Exception):
    """What is wrong with one field (the caller adds the file, record and field)."""


def _finite(value: Any) -> bool:
    """A number JSON can hold (``x - x`` is 0 for every finite float, NaN for infinities)."""
    kind = type(value)
    return (kind is float and value - value == 0.0) or (kind is int and abs(value) <= _LARGEST_FLOAT_INT)


def _text(value: Any) -> None:
    if not isinstance(value, str):
        raise _Bad(f"must be a string, got {_kind(value)}")


def _name(value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise _Bad(f"must be a non-empty string, got {_kind(value)}")


def _integer(value: Any) -> None:
    if type(value) is not int or abs(value) > _LARGEST_INT:
        raise _Bad(f"must be an integer, got {_kind(value) if type(value) is not int else 'one too large'}")


def _flag(value: Any) -> None:
    if type(value) is not bool:
        raise _Bad(f"must be true or false, got {_kind(value)}")


def _number(value: Any) -> None:
    if not _finite(value):
        raise _Bad(f"must be a finite number, got {repr(value) if type(value) in (int, float) else _kind(value)}")


def _tolerance(value: Any) -> None:
    _number(value)
    if value < 0:
        raise _Bad(f"must be a finite number >= 0, got {value!r}")


def _error_value(value: Any) -> None:
    """An error as written: a finite number, or one of the non-finite strings."""
    if value not in NON_FINITE:
        _number(value)


def _time(value: Any) -> None:
    _text(value)
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"must be an ISO 8601 time, got {value[:40]!r}") from None


def _strings(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad(f"must be a list of strings, got {_kind(value)}")


def _mapping(value: Any) -> None:
    if not isinstance(value, dict):
        raise _Bad(f"must be a table, got {_kind(value)}")


def _plain(value: Any) -> None:
    """Any JSON value that nests at most :data:`MAX_DEPTH` levels and holds finite numbers only."""
    if type(value) in (int, float) and not _finite(value):
        raise _Bad(f"holds a number out of range ({value!r})")
    pending, depth = [value], 0
    while pending:  # one level per round: no recursion on hostile nesting
        depth += 1
        if depth > MAX_DEPTH:
            raise _Bad(f"nests deeper than {MAX_DEPTH} levels")
        children = []
        for item in pending:
            for child in item.values() if isinstance(item, dict) else item if isinstance(item, list) else ():
                if type(child) in (int, float) and not _finite(child):
                    raise _Bad(f"holds a number out of range ({child!r})")
                if isinstance(child, dict | list):
                    children.append(child)
        pending = children


def _table(value: Any) -> None:
    _mapping(value)
    _plain(value)


def _step_count(steps: Any) -> int:
    if isinstance(steps, dict):
        if set(steps) - {"start", "stop", "step"} or "start" not in steps or "stop" not in steps:
            raise _Bad(f"a range must have 'start', 'stop' and optionally 'step', got keys {sorted(steps)}")
        for key in ("start", "stop", "step"):
            if key in steps:
                try:
                    _integer(steps[key])
                except _Bad as exc:
                    raise _Bad(f"{key!r} {exc}") from None
        if steps.get("step", 1) == 0:
            raise _Bad("a range's 'step' must not be 0")
        count = len(range(steps["start"], steps["stop"], steps.get("step", 1)))
    elif isinstance(steps, list):
        if not all(type(s) is int and abs(s) <= _LARGEST_INT for s in steps):
            raise _Bad("a list of steps must hold integers only")
        count = len(steps)
    else:
        raise _Bad(f"must be a range table or a list of integers, got {_kind(steps)}")
    if not 0 < count <= MAX_STEPS:
        raise _Bad(f"must name between 1 and {MAX_STEPS:,} steps, names {count:,}")
    return count


def _contains(steps: dict[str, int] | list[int], step: int) -> bool:
    if isinstance(steps, dict):
        return step in range(steps["start"], steps["stop"], steps.get("step", 1))
    return step in steps


def _trajectory(values: Any, count: int | None, checked: set[int]) -> None:
    """Finite numbers or non-finite strings, ``count`` of them; ``checked`` holds lists already
    seen (a case's shared reference is checked once)."""
    if not isinstance(values, list):
        raise _Bad(f"must be a list of numbers, got {_kind(values)}")
    if id(values) not in checked:
        for position, value in enumerate(values):
            kind = type(value)  # inline, not _finite(): this loop sees every number of the file
            if not (
                (kind is float and value - value == 0.0)
                or (kind is int and abs(value) <= _LARGEST_FLOAT_INT)
                or (kind is str and value in NON_FINITE)
            ):
                got = repr(value) if kind is float else _kind(value)
                raise _Bad(f"value #{position + 1} must be a finite number or one of {NON_FINITE}, got {got}")
        checked.add(id(values))
    if count is not None and len(values) != count:
        raise _Bad(f"has {len(values)} values for {count} steps")


def _ids(value: Any) -> None:
    if not (isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))):
        raise _Bad(f"must be a test id or a list of them, got {_kind(value)}")


def _expectation(value: Any) -> None:
    _fields({"id": _ids, "reason": _text, "link": _text, "source": _text, "behaviour": _behaviour, "claim": _text})(
        value
    )
    for key in ("id", "reason", "link"):
        if value.get(key) is None:
            raise _Bad(f"{key!r} missing")


def _behaviour(value: Any) -> None:
    if value not in BEHAVIOURS:
        raise _Bad(f"must be one of {', '.join(BEHAVIOURS)}, got {str(value)[:40]!r}")


def _outcome(value: Any) -> None:
    if not isinstance(value, str) or value not in OUTCOMES:
        raise _Bad(f"must be one of {', '.join(OUTCOMES)}, got {str(value)[:40]!r}")


#: Record fields that must be present, and their check.
REQUIRED: dict[str, Callable[[Any], None]] = {
    "id": _name,
    "case": _name,
    "family": _text,
    "adapter": _name,
    "column": _name,
    "probe": _name,
    "outcome": _outcome,
}
#: Record fields that may be absent or null, and their check otherwise.
OPTIONAL: dict[str, Callable[[Any], None]] = {
    **dict.fromkeys(
        ("formula", "source", "origin", "about", "framework_version", "api", "repro", "mapping_note", "dtype"), _text
    ),
    **dict.fromkeys(("tolerance_reason", "error", "reason", "run"), _text),
    **dict.fromkeys(("params", "kwargs", "setup"), _table),
    **dict.fromkeys(("rtol", "atol"), _tolerance),
    **dict.fromkeys(("max_abs_err", "max_rel_err"), _error_value),
    **dict.fromkeys(("first_divergent_step", "divergent_steps", "shift", "behaviour_step"), _integer),
    "invalid": _text,
    "behaviour": _behaviour,
    "duration_s": _number,
    "warnings": _strings,
    "expectation": _expectation,
}
_TRAJECTORIES = ("reference", "actual")
#: Every optional record field as null: readers use ``{**ABSENT, **record}``, so an absent field reads as null.
ABSENT: dict[str, None] = dict.fromkeys((*OPTIONAL, *_TRAJECTORIES))
_KNOWN = {*REQUIRED, *ABSENT, "steps"}


def check_record(record: Any, where: str, checked: set[int]) -> None:
    """Check one record; ``where`` names the file and the record's number. Raises ``ValueError``."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: must be a table, got {_kind(record)}")
    if isinstance(record.get("id"), str):
        where = f"{where} ({record['id']!r})"
    field = ""
    try:
        for field, check in REQUIRED.items():
            if field not in record:
                raise _Bad("missing")
            check(record[field])
        for field, check in OPTIONAL.items():
            if record.get(field) is not None:
                check(record[field])
        field = "steps"
        count = _step_count(record.get("steps"))
        for field in _TRAJECTORIES:
            if record.get(field) is not None:
                _trajectory(record[field], count, checked)
        if record.get("actual") is not None and record.get("behaviour") is None:  # invalid cases have no reference
            for field in ("reference", "rtol", "atol"):
                if record.get(field) is None:
                    raise _Bad("missing: a record with 'actual' needs it")
        for field in ("first_divergent_step", "behaviour_step"):
            if record.get(field) is not None and not _contains(record["steps"], record[field]):
                raise _Bad(f"step {record[field]} is not one of the record's steps")
        for field in record.keys() - _KNOWN:
            _plain(record[field])
    except _Bad as exc:
        raise ValueError(f"{where}: field {field!r}: {exc}") from None


def _check_fields(info: Mapping[str, Any], fields: Mapping[str, Callable[[Any], None]], where: str) -> None:
    """Each of ``fields`` present in ``info`` with its check; every other field with :func:`_plain`."""
    for field, value in info.items():
        try:
            if field in fields:
                if value is not None:
                    fields[field](value)
            elif field not in ("results", "runs"):  # checked record by record, run by run
                _plain(value)
        except _Bad as exc:
            raise ValueError(f"{where}: field {field!r}: {exc}") from None


def _fields(checks: Mapping[str, Callable[[Any], None]]) -> Callable[[Any], None]:
    """A check of a table whose ``checks`` keys, where present and not null, pass their check."""

    def check(value: Any) -> None:
        _table(value)
        for key, check_key in checks.items():
            if value.get(key) is not None:
                try:
                    check_key(value[key])
                except _Bad as exc:
                    raise _Bad(f"{key!r} {exc}") from None

    return check


def _versions(value: Any) -> None:
    if not isinstance(value, dict) or not all(v is None or isinstance(v, str) for v in value.values()):
        raise _Bad("must map distributions to versions")


_adapter = _fields({"version": _text, "problem": _text})


def _adapters(value: Any) -> None:
    _table(value)
    for name, info in value.items():
        try:
            _adapter(info)
        except _Bad as exc:
            raise _Bad(f"adapter {name!r}: {exc}") from None


#: Fields describing a run, in a run's file and in each ``runs`` entry of a merged file.
RUN_INFO: dict[str, Callable[[Any], None]] = {
    "schema": _text,
    "name": _name,
    "source": _text,
    "created_utc": _time,
    "started_utc": _time,
    "session": _text,
    "complete": _flag,
    "stale": _strings,
    "superseded": _table,
    "suite": _fields({"version": _text, "commit": _text, "dirty": _flag}),
    "run": _fields({"name": _name, "frameworks": _strings, "argv": _strings}),
    "environment": _fields(
        {"python": _text, "implementation": _text, "platform": _text, "machine": _text, "packages": _versions}
    ),
    "adapters": _adapters,
}


def check_run_info(info: Mapping[str, Any], where: str) -> None:
    """Check the fields that describe a run (``run`` must name it)."""
    if not isinstance(info.get("run"), dict) or not isinstance(info["run"].get("name"), str) or not info["run"]["name"]:
        raise ValueError(f"{where}: field 'run': must be a table with the run's 'name'")
    _check_fields(info, {**RUN_INFO, "references": _mapping}, where)


def check_envelope(envelope: Mapping[str, Any], source: str, merged: bool) -> set[int]:
    """Check the envelope's fields and its shared ``references``; returns the trajectories checked,
    for :func:`check_record` to skip (each case's reference is checked once, not once per record)."""
    if not isinstance(envelope.get("results"), list):
        raise ValueError(f"{source}: field 'results': must be a list of records, got {_kind(envelope.get('results'))}")
    if not merged:
        check_run_info(envelope, source)
    elif not isinstance(envelope.get("runs"), list):
        raise ValueError(f"{source}: field 'runs': must be a list of runs, got {_kind(envelope.get('runs'))}")
    else:
        _check_fields(envelope, {"schema": _text, "created_utc": _time, "references": _mapping}, source)
        for index, info in enumerate(envelope["runs"]):
            where = f"{source}: run #{index + 1}"
            if not isinstance(info, dict):
                raise ValueError(f"{where}: must be a table, got {_kind(info)}")
            if not isinstance(info.get("name"), str) or not info["name"]:
                raise ValueError(f"{where}: field 'name': must be a non-empty string")
            check_run_info(info, f"{where} ({info['name']!r})")
    checked: set[int] = set()
    for case, values in (envelope.get("references") or {}).items():
        try:
            _trajectory(values, None, checked)
        except _Bad as exc:
            raise ValueError(f"{source}: field 'references' (case {case!r}): {exc}") from None
    return checked
