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
    assert result.agrees is True and result.max_abs_err == 0.0 and result.first_divergent_step is None
    assert (result.divergent_steps, result.shift, result.message) == (0, None, "")


def test_a_step_exactly_at_the_tolerance_agrees() -> None:
    """|actual - reference| <= atol * max|reference| + rtol * |reference|: 0.5 off a reference of 2 (the peak) agrees
    with atol 0.25 or with rtol 0.25, and 0.5 + 2**-50 off does not."""
    steps, expected = np.array([0, 1]), np.array([1.0, 2.0])
    for tol in (Tolerance(rtol=0.0, atol=0.25, reason="a"), Tolerance(rtol=0.25, atol=0.0, reason="r")):
        at_bound = compare(steps, np.array([1.0, 2.5]), expected, tol, COSINE)
        assert at_bound.agrees and at_bound.max_abs_err == 0.5 and at_bound.max_rel_err == 0.25
        beyond = compare(steps, np.array([1.0, 2.5 + 2**-50]), expected, tol, COSINE)
        assert not beyond.agrees and beyond.first_divergent_step == 1
    assert at_bound.rtol == 0.25 and compare(steps, expected, expected, Tolerance(0.0, 0.25, "a"), COSINE).atol == 0.5


def test_the_message_names_the_steps_of_the_largest_errors_and_the_tolerance() -> None:
    """Absolute errors 0, 0.25 and 1 (largest at step 20), relative 0, 0.5 and 0.25 (largest at step 10); atol is
    1e-14 times the peak 4."""
    steps, expected = np.array([0, 10, 20]), np.array([2.0, 0.5, 4.0])
    result = compare(steps, np.array([2.0, 0.75, 5.0]), expected, TIGHT, lambda s: np.zeros(len(s)))
    assert result.agrees is False and result.shift is None
    assert (result.first_divergent_step, result.divergent_steps) == (10, 2)
    assert result.message == (
        "diverges at step 10 (first of 2 bad steps out of 3): actual 0.75, reference 0.5\n"
        "max abs err 1 (step 20), max rel err 0.5 (step 10); tolerance rtol=1e-12, atol=4e-14 (float64 test tolerance)\n"
        "classification: formula mismatch (not a one-step shift)"
    )


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


@pytest.mark.filterwarnings("error")  # and quietly: no floating-point warning
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_never_agrees_not_even_with_itself(value: float) -> None:
    steps = np.arange(3)
    for actual, expected in (([value, 1.0, value], [value, 1.0, value]), ([1.0, 1.0, 1.0], [value, 1.0, value])):
        for tol in (TIGHT, Tolerance(rtol=0.0, atol=0.5, reason="no rtol: 0 * inf")):
            both = compare(steps, np.array(actual), np.array(expected), tol, COSINE)
            assert not both.agrees and (both.first_divergent_step, both.divergent_steps) == (0, 2)
            assert both.max_abs_err == both.max_rel_err == np.inf


@pytest.mark.filterwarnings("error")
def test_errors_beyond_the_float_range_are_infinite_and_quiet() -> None:
    """1e308 - (-1e308) overflows to inf, and so does the bound 0.9 * 1e308 + 0.9 * 1e308; a reference of 0 gives a
    relative error of inf."""
    steps, expected = np.arange(3), np.array([1e308, -1e308, 0.0])
    result = compare(steps, np.array([-1e308, -1e308, 1.0]), expected, Tolerance(0.9, 0.9, "huge"), COSINE)
    assert result.agrees is False and result.first_divergent_step == 0
    assert result.max_abs_err == result.max_rel_err == np.inf
