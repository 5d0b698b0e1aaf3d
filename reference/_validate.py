"""Parameter checks shared by every reference factory.

One policy for the whole package: a bad hyper-parameter raises ``ValueError`` whose
message names the formula, the parameter and the value, e.g.
``cosine: decay_steps must be > 0, got decay_steps=0``. Types are checked as strictly as
values: a bool is not a number, a number or a string is not a bool, and a string is not a list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "check_bool",
    "check_choice",
    "check_count",
    "check_increasing",
    "check_list",
    "check_lr",
    "check_non_negative",
    "check_positive",
    "check_real",
    "check_same_length",
    "short_repr",
]

#: Longest value shown in an error message: messages stay one readable line.
REPR_LIMIT = 80


def short_repr(value: Any) -> str:
    """``repr(value)``, cut to :data:`REPR_LIMIT` characters (a huge list or number in a message)."""
    text = repr(value)
    return text if len(text) <= REPR_LIMIT else f"{text[: REPR_LIMIT - 20]}... ({len(text):,} characters)"


def _fail(formula: str, name: str, requirement: str, value: Any) -> None:
    raise ValueError(f"{formula}: {name} must be {requirement}, got {name}={short_repr(value)}")


def check_real(formula: str, name: str, value: Any) -> float:
    """``value`` must be a finite real number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(formula, name, "a real number", value)
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not math.isfinite(number):
        _fail(formula, name, "finite", value)
    return number


def check_positive(formula: str, name: str, value: Any) -> float:
    """``value`` must be a finite real number > 0."""
    if check_real(formula, name, value) <= 0:
        _fail(formula, name, "> 0", value)
    return float(value)


def check_non_negative(formula: str, name: str, value: Any) -> float:
    """``value`` must be a finite real number >= 0."""
    if check_real(formula, name, value) < 0:
        _fail(formula, name, ">= 0", value)
    return float(value)


def check_lr(formula: str, name: str, value: Any) -> float:
    """A learning rate: finite and >= 0 (a negative rate would ascend the loss)."""
    return check_non_negative(formula, name, value)


def check_count(formula: str, name: str, value: Any) -> int:
    """An integer >= 0 (an integral float such as ``2.0`` is accepted)."""
    if not check_non_negative(formula, name, value).is_integer():
        _fail(formula, name, "an integer", value)
    return int(value)


def check_bool(formula: str, name: str, value: Any) -> bool:
    """``value`` must be ``True`` or ``False``: neither ``1`` nor ``"false"`` (which Python would take as true)."""
    if not isinstance(value, bool):
        _fail(formula, name, "true or false", value)
    return value


def check_choice(formula: str, name: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` must be one of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        _fail(formula, name, f"one of {list(choices)!r}", value)
    return value


def check_list(formula: str, name: str, values: Any) -> list[Any]:
    """``values`` must be a list (a string or a table is not one)."""
    if not isinstance(values, (list, tuple)):
        _fail(formula, name, "a list", values)
    return list(values)


def check_increasing(formula: str, name: str, values: Any) -> list[float]:
    """A list of finite reals, each >= 0, strictly increasing."""
    checked = [check_non_negative(formula, f"{name}[{i}]", v) for i, v in enumerate(check_list(formula, name, values))]
    for i in range(1, len(checked)):
        if checked[i] <= checked[i - 1]:
            _fail(formula, name, "strictly increasing", list(values))
    return checked


def check_same_length(formula: str, name: str, values: Any, expected: int) -> list[Any]:
    """``values`` must be a list of exactly ``expected`` entries."""
    if len(check_list(formula, name, values)) != expected:
        _fail(formula, name, f"a list of {expected} entries", list(values))
    return list(values)
