"""How a malformed data file or case is reported: one error type whose message names the file, the entry
(a case or a divergence) and the field, and the value kinds (:data:`KINDS`) every field is checked against,
so that every field is checked, and phrased, the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reference._validate import short_repr

__all__ = [
    "KINDS",
    "MAX_DEPTH",
    "CaseFileError",
    "Where",
    "check_nesting",
    "kind_problem",
    "nesting_depth",
    "short_repr",
]


#: How deeply tables and arrays may nest inside one field. The catalogue's deepest field (a MindSpore
#: parameter group whose rate is a schedule table) nests 5 levels; the bound stops a crafted file before
#: the loaders, which recurse through nested schedules, run out of stack.
MAX_DEPTH = 16


class CaseFileError(ValueError):
    """A data file is malformed; the one-line message says where and what."""


@dataclass(frozen=True)
class Where:
    """Where a problem is, for messages like ``<file>: case #2 ('cosine[T10]'): field 'params': <problem>``."""

    file: str
    entry: str = ""  # e.g. "case #2 ('cosine[T10]')"; empty for a problem of the whole file

    @classmethod
    def entry_of(cls, file: str, kind: str, number: int | None, entry_id: object) -> Where:
        """The ``number``-th (1-based; ``None``: unknown) ``kind`` of entry in ``file``, with its id if it has one."""
        label = kind if number is None else f"{kind} #{number}"
        return cls(file, label + (f" ({short_repr(entry_id)})" if isinstance(entry_id, str) else ""))

    def error(self, field: str, problem: str) -> CaseFileError:
        """The error for a problem in ``field`` (a dotted path such as ``hints.optax.kwargs``)."""
        return CaseFileError(": ".join(part for part in (self.file, self.entry, f"field '{field}'", problem) if part))


def nesting_depth(value: Any) -> int:
    """How many tables and arrays nest in ``value`` (0 for a scalar), counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def check_nesting(entry: dict[str, Any], where: Where) -> None:
    """No field of ``entry`` nests more than :data:`MAX_DEPTH` levels of tables and arrays."""
    for key, value in entry.items():
        if nesting_depth(value) > MAX_DEPTH:
            raise where.error(key, f"tables and arrays nest more than {MAX_DEPTH} levels deep")


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_integer(value) or (isinstance(value, float) and math.isfinite(value))


#: The kinds of value a field can require, by the phrase error messages use ("must be <kind>").
#: A bool is not an integer, a number is not a bool, a string is not a list.
KINDS: dict[str, Callable[[Any], bool]] = {
    "a string": lambda v: isinstance(v, str),
    "a non-empty string": lambda v: isinstance(v, str) and bool(v.strip()),
    "an integer": _is_integer,
    "a finite number": _is_number,
    "true or false": lambda v: isinstance(v, bool),
    "a table": lambda v: isinstance(v, dict),
    "a list of strings": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
    "a list of tables": lambda v: isinstance(v, list) and all(isinstance(t, dict) for t in v),
}


def kind_problem(value: Any, kind: str) -> str:
    """``""`` when ``value`` is of ``kind`` (a key of :data:`KINDS`), else what is wrong with it."""
    return "" if KINDS[kind](value) else f"must be {kind}, got {short_repr(value)}"
