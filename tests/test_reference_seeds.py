"""The reference reproduces the values the seed documents print or plot.

Seed 004 (MindSpore page) prints its numbers; they are used exactly as printed, with a tolerance
of half a unit in the last printed digit. Seed 002 (the d2l chapter) plots its schedulers; its
expected values here are the chapter's formulas evaluated independently of the reference: in
exact rational arithmetic where the value is rational, otherwise to the 8 significant digits
recorded in the research notes (semantics-optax-mindspore-d2l.md, section 5.1), compared to half a
unit in the 8th digit. None is computed by the code under test.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import reference


def evaluate(formula: str, steps: list[int], **params: object) -> np.ndarray:
    return reference.build({"formula": formula, **params})(np.array(steps))


def assert_printed(actual: np.ndarray, printed: list[str]) -> None:
    """Each value equals the printed text to half a unit in its last printed digit."""
    for got, text in zip(actual, printed, strict=True):
        decimals = len(text.split(".")[1]) if "." in text else 0
        assert abs(got - float(text)) <= 0.5 * 10.0**-decimals, f"{got!r} does not print as {text}"


# --- seed 004: MindSpore optimizer page -----------------------------------------------------


def test_mindspore_piecewise_constant_lr_list_as_printed() -> None:
    printed = [0.1, 0.1, 0.05, 0.05, 0.05, 0.01, 0.01, 0.01, 0.01, 0.01]
    # piecewise_constant_lr([2, 5, 10], [0.1, 0.05, 0.01]): index i takes the rate of the first
    # milestone above i; the list ends at the last milestone.
    got = evaluate("piecewise_constant", list(range(10)), boundaries=[2, 5], values=[0.1, 0.05, 0.01])
    assert got.tolist() == printed


def test_mindspore_polynomial_decay_lr_at_step_2_as_printed() -> None:
    # PolynomialDecayLR(learning_rate=0.1, end_learning_rate=0.01, decay_steps=4, power=0.5)
    # at global_step 2 prints 0.0736396.
    got = evaluate("polynomial", [2], init_lr=0.1, end_lr=0.01, decay_steps=4, power=0.5)
    assert_printed(got, ["0.0736396"])


def test_mindspore_polynomial_decay_with_update_decay_steps_restarts_lower() -> None:
    # PolynomialDecayLR(0.1, 0.01, 4, 0.5, update_decay_steps=True), as cases/catalogue/mindspore.toml says:
    # 0.01 + 0.09 * sqrt(1 - t / H) with H = 4 * max(ceil(t / 4), 1): 0.01 at every multiple of 4, then
    # sqrt(3/8) at t = 5, sqrt(1/4) = 0.5 at t = 6 and t = 9, sqrt(3/16) at t = 13; 0.0736396 only at t = 2.
    got = evaluate("polynomial", list(range(100)), init_lr=0.1, end_lr=0.01, decay_steps=4, power=0.5, cycle=True)
    assert_printed(got[[4, 5, 6, 8, 9, 13]], ["0.01", "0.0651135", "0.055", "0.01", "0.055", "0.0489711"])
    assert np.flatnonzero(np.abs(got - 0.0736396) < 5e-8).tolist() == [2]


# --- seed 002: d2l chapter "Learning rate scheduling" ---------------------------------------


def test_d2l_square_root_scheduler() -> None:
    # SquareRootScheduler(lr=0.1): lr * (t + 1) ** -0.5; exact at perfect squares t + 1.
    got = evaluate("inverse_sqrt", [0, 3, 15, 99], init_lr=0.1, offset=1.0)
    assert got.tolist() == pytest.approx([0.1, 0.05, 0.025, 0.01], rel=1e-15)
    assert_printed(evaluate("inverse_sqrt", [1, 2], init_lr=0.1), ["0.070711", "0.057735"])


def test_d2l_factor_scheduler() -> None:
    # FactorScheduler(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0): call t returns
    # max(0.01, 2.0 * 0.9 ** (t + 1)); the floor first binds at call 50.
    calls = [0, 1, 2, 3, 49, 50, 79]
    exact = [max(Fraction(1, 100), 2 * Fraction(9, 10) ** (t + 1)) for t in calls]
    got = evaluate("factor_decay", calls, init_lr=2.0, factor=0.9, min_lr=0.01, offset=1)
    assert got.tolist() == pytest.approx([float(v) for v in exact], rel=1e-13)
    assert got[:4].tolist() == pytest.approx([1.8, 1.62, 1.458, 1.3122], rel=1e-15)
    assert got[-2:].tolist() == [0.01, 0.01]


def test_d2l_multistep_lr() -> None:
    # MultiStepLR(milestones=[15, 30], gamma=0.5) with SGD(lr=0.5): halves at epochs 15 and 30.
    epochs = list(range(40))
    got = evaluate("multi_step", epochs, init_lr=0.5, milestones=[15, 30], gamma=0.5)
    assert got.tolist() == [0.5] * 15 + [0.25] * 15 + [0.125] * 10


def test_d2l_cosine_scheduler() -> None:
    # CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01): final + (base - final)(1 + cos(pi t/T))/2,
    # pinned at final_lr after T. Exact at t = 0, 10, 20 and beyond.
    steps = [0, 10, 20, 21, 29]
    got = evaluate("cosine", steps, init_lr=0.3, final_lr=0.01, decay_steps=20)
    assert got.tolist() == pytest.approx([0.3, 0.155, 0.01, 0.01, 0.01], rel=1e-15)
    assert_printed(
        evaluate("cosine", [1, 19], init_lr=0.3, final_lr=0.01, decay_steps=20), ["0.29821481", "0.01178519"]
    )


def test_d2l_cosine_scheduler_with_warmup() -> None:
    # CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01): linear from 0 over 5 steps,
    # then cosine over max_update - warmup_steps = 15 steps, then pinned.
    params = {"peak_lr": 0.3, "warmup_steps": 5, "decay_steps": 15, "final_lr": 0.01}
    got = evaluate("warmup_cosine", [0, 1, 4, 5, 20, 29], **params)
    assert got.tolist() == pytest.approx([0.0, 0.06, 0.24, 0.3, 0.01, 0.01], rel=1e-15, abs=0)
    assert_printed(evaluate("warmup_cosine", [6, 12], **params), ["0.2968314", "0.17015663"])


def test_printed_value_check_can_fail() -> None:
    """The helper rejects a value that would print differently."""
    with pytest.raises(AssertionError, match="does not print as"):
        assert_printed(np.array([0.0736397]), ["0.0736396"])
