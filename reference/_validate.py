"""Parameter checks shared by every reference factory.

One policy for the whole package: a bad hyper-parameter raises ``ValueError`` whose
message names the formula, the parameter and the value, e.g.
``cosine: decay_steps must be > 0, got decay_steps=0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "check_choice",
    "check_increasing",
    "check_lr",
    "check_non_negative",
    "check_positive",
    "check_real",
    "check_same_length",
]


def _fail(formula: str, name: str, requirement: str, value: Any) -> None:
    raise ValueError(f"{formula}: {name} must be {requirement}, got {name}={value!r}")


def check_real(formula: str, name: str, value: Any) -> float:
    """``value`` must be a finite real number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(formula, name, "a real number", value)
    if not math.isfinite(value):
        _fail(formula, name, "finite", value)
    return float(value)


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


def check_choice(formula: str, name: str, value: Any, choices: Sequence[Any]) -> Any:
    """``value`` must be one of ``choices``."""
    if value not in choices:
        _fail(formula, name, f"one of {list(choices)!r}", value)
    return value


def check_increasing(formula: str, name: str, values: Any, *, strict: bool = True) -> list[float]:
    """A list of finite reals, each >= 0, strictly (or weakly) increasing."""
    if not isinstance(values, (list, tuple)):
        _fail(formula, name, "a list", values)
    checked = [check_non_negative(formula, f"{name}[{i}]", v) for i, v in enumerate(values)]
    for i in range(1, len(checked)):
        if checked[i] < checked[i - 1] or (strict and checked[i] == checked[i - 1]):
            order = "strictly increasing" if strict else "non-decreasing"
            _fail(formula, name, order, list(values))
    return checked


def check_same_length(formula: str, name: str, values: Sequence[Any], expected: int) -> None:
    """``values`` must have exactly ``expected`` entries."""
    if len(values) != expected:
        _fail(formula, name, f"a list of {expected} entries", list(values))
