"""Trajectory comparison: agreement, first divergence, error sizes, off-by-one classification."""

from __future__ import annotations

import numpy as np
import pytest

import reference
from cases.compare import compare
from model.case import Tolerance

TIGHT = Tolerance(rtol=1e-12, atol=1e-14, reason="float64 test tolerance")
COSINE = reference.build({"formula": "cosine", "init_lr": 0.1, "decay_steps": 50, "final_lr": 0.0})
STEPS = np.arange(60)
REF = COSINE(STEPS)


def run(actual: np.ndarray, steps: np.ndarray = STEPS, expected: np.ndarray = REF, tol: Tolerance = TIGHT):
    return compare(steps, actual, expected, tol, COSINE)


def test_identical_trajectories_agree() -> None:
    result = run(REF.copy())
    assert result.agrees and result.max_abs_err == 0.0 and result.first_divergent_step is None and result.message == ""


def test_differences_within_tolerance_agree() -> None:
    result = run(REF * (1 + 5e-13))
    assert result.agrees and 0 < result.max_rel_err <= 5e-13 * (1 + 1e-3)


def test_one_wrong_value_is_found_with_its_step_and_sizes() -> None:
    actual = REF.copy()
    actual[37] *= 1 + 1e-9
    result = run(actual)
    assert not result.agrees
    assert (result.first_divergent_step, result.divergent_steps) == (37, 1)
    assert result.max_abs_err == pytest.approx(REF[37] * 1e-9, rel=1e-6)
    assert result.max_rel_err == pytest.approx(1e-9, rel=1e-6)
    assert "diverges at step 37 (first of 1 bad steps out of 60)" in result.message
    assert f"reference {float(REF[37])!r}" in result.message
    assert "formula mismatch (not a one-step shift)" in result.message


def test_atol_is_relative_to_the_peak() -> None:
    # The cosine is exactly 0 at step 50 and beyond: a 1e-16 residue is within 1e-14 * peak (1e-15)...
    actual = REF.copy()
    actual[50:] = 1e-16
    assert run(actual).agrees
    # ... while 1e-13 is not, even though its relative error against 0 is the same (infinite).
    actual[50:] = 1e-13
    result = run(actual)
    assert not result.agrees and result.first_divergent_step == 50 and result.max_rel_err == np.inf


def test_one_step_late_is_classified() -> None:
    late = COSINE(np.maximum(STEPS - 1, 0))  # a framework that repeats the first value
    result = run(late)
    assert not result.agrees and result.shift == -1
    assert "off-by-one convention, one step late: actual[t] == reference[t-1]" in result.message


def test_one_step_early_is_classified() -> None:
    result = run(COSINE(STEPS + 1))
    assert not result.agrees and result.shift == +1 and "one step early" in result.message


def test_a_formula_error_is_not_called_a_shift() -> None:
    assert run(REF * 1.01).shift is None
    # Late only in one stretch and right elsewhere: the shifted reference must match everywhere.
    partially_late = REF.copy()
    partially_late[10:20] = COSINE(np.arange(9, 19))
    result = run(partially_late)
    assert not result.agrees and result.first_divergent_step == 10 and result.shift is None


def test_shift_classification_works_on_sparse_steps() -> None:
    steps = np.array([0, 10, 25, 49, 55])
    result = run(COSINE(steps - 1).clip(0.0), steps=steps, expected=COSINE(steps))
    assert result.shift is None  # step 0 has no earlier reference, and actual[0] = ref(-1) != ref(0)
    result = run(COSINE(steps + 1), steps=steps, expected=COSINE(steps))
    assert result.shift == +1


def test_nan_is_infinitely_wrong() -> None:
    actual = REF.copy()
    actual[5] = np.nan
    result = run(actual)
    assert not result.agrees and result.first_divergent_step == 5 and result.max_abs_err == np.inf


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_never_agrees_not_even_with_itself(value: float) -> None:
    steps = np.arange(3)
    for actual, expected in (([value, 1.0, value], [value, 1.0, value]), ([1.0, 1.0, 1.0], [value, 1.0, value])):
        both = compare(steps, np.array(actual), np.array(expected), TIGHT, COSINE)
        assert not both.agrees and (both.first_divergent_step, both.divergent_steps) == (0, 2)
        assert both.max_abs_err == both.max_rel_err == np.inf
