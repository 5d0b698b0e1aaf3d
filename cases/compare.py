"""Whole-trajectory comparison of a framework against the reference, with an off-by-one check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.case import Tolerance
from model.records import peak

__all__ = ["Comparison", "compare"]

_SHIFT_WORDS = {
    -1: "one step late: actual[t] == reference[t-1]",
    +1: "one step early: actual[t] == reference[t+1]",
}


@dataclass(frozen=True)
class Comparison:
    """How an actual trajectory relates to the reference over the case's steps."""

    agrees: bool
    rtol: float
    atol: float
    max_abs_err: float
    max_rel_err: float
    first_divergent_step: int | None
    divergent_steps: int
    shift: int | None
    message: str


def _errors(actual: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absolute and relative errors; a NaN or an infinity on either side is infinitely wrong, even when both
    sides hold the same one: a rate that is not a number never agrees with anything."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        finite = np.isfinite(actual) & np.isfinite(expected)
        abs_err = np.where(finite, np.abs(actual - expected), np.inf)
        rel_err = np.where(abs_err == 0, 0.0, abs_err / np.abs(expected))
        rel_err = np.where(finite, rel_err, np.inf)
    return abs_err, rel_err


def _within(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    abs_err, _ = _errors(actual, expected)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.isfinite(abs_err) & (abs_err <= atol + rtol * np.abs(expected))


def _explaining_shift(
    steps: np.ndarray, actual: np.ndarray, bad: np.ndarray, rtol: float, atol: float, reference_at: Callable
) -> int | None:
    """+1/-1 when the reference moved by one step matches wherever it is defined and explains every bad step."""
    for shift in (-1, +1):
        shifted_steps = steps + shift
        usable = shifted_steps >= 0
        if not usable.any() or (bad & ~usable).any():
            continue
        if _within(actual[usable], reference_at(shifted_steps[usable]), rtol, atol).all():
            return shift
    return None


def compare(
    steps: np.ndarray,
    actual: np.ndarray,
    expected: np.ndarray,
    tolerance: Tolerance,
    reference_at: Callable[[np.ndarray], np.ndarray],
) -> Comparison:
    """Compare ``actual`` with ``expected`` at every step; classify an off-by-one shift.

    A step agrees when ``|actual - expected| <= atol + rtol * |expected|`` with
    ``atol = tolerance.atol * max|expected|``. ``reference_at`` evaluates the reference at
    other steps, so a framework that is one step early or late is named as such instead of
    being reported as a formula error.
    """
    rtol, atol = tolerance.rtol, tolerance.atol * peak(expected)
    abs_err, rel_err = _errors(actual, expected)
    bad = ~_within(actual, expected, rtol, atol)
    max_abs, max_rel = float(abs_err.max(initial=0.0)), float(rel_err.max(initial=0.0))
    if not bad.any():
        return Comparison(True, rtol, atol, max_abs, max_rel, None, 0, None, "")
    first = int(np.argmax(bad))
    shift = _explaining_shift(steps, actual, bad, rtol, atol, reference_at)
    lines = [
        f"diverges at step {steps[first]} (first of {int(bad.sum())} bad steps out of {steps.size}): "
        f"actual {float(actual[first])!r}, reference {float(expected[first])!r}",
        f"max abs err {max_abs:.3g} (step {steps[int(np.argmax(abs_err))]}), "
        f"max rel err {max_rel:.3g} (step {steps[int(np.argmax(rel_err))]}); "
        f"tolerance rtol={rtol:.3g}, atol={atol:.3g} ({tolerance.reason})",
        "classification: "
        + (f"off-by-one convention, {_SHIFT_WORDS[shift]}" if shift else "formula mismatch (not a one-step shift)"),
    ]
    return Comparison(False, rtol, atol, max_abs, max_rel, int(steps[first]), int(bad.sum()), shift, "\n".join(lines))
