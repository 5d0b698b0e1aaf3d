"""The reference against independent formulations and upstream documented examples.

Each test derives its expectation differently from the reference: another published form of
the formula, a step-by-step simulation of a documented algorithm, or values printed in upstream
documentation.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import reference

STEPS = np.arange(0, 400)


def evaluate(formula: str, steps: np.ndarray | list[int], **params: object) -> np.ndarray:
    return reference.build({"formula": formula, **params})(np.asarray(steps))


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_symmetric_cyclic_equals_smiths_form(mode: str) -> None:
    """Smith (2017) / TF-Addons form: cycle = floor(1 + t/2s), x = |t/s - 2 cycle + 1|."""
    base, peak, s, gamma = 0.001, 0.006, 7, 0.997
    expected = []
    for t in STEPS:
        cycle = math.floor(1 + t / (2 * s))
        x = abs(t / s - 2 * cycle + 1)
        scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": gamma**t}[mode]
        expected.append(base + (peak - base) * max(0.0, 1 - x) * scale)
    got = evaluate("cyclic", STEPS, base_lr=base, max_lr=peak, step_size_up=s, mode=mode, gamma=gamma)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-18)


def test_cyclic_exp_range_without_gamma_is_triangular() -> None:
    """torch CyclicLR's default gamma is 1.0: exp_range scales by 1.0**t, so the triangle is unchanged."""
    got = evaluate("cyclic", range(5), base_lr=0.0, max_lr=1.0, step_size_up=2, mode="exp_range")
    assert got.tolist() == [0.0, 0.5, 1.0, 0.5, 0.0]


def test_asymmetric_cyclic_rises_and_falls_linearly() -> None:
    got = evaluate("cyclic", range(0, 13), base_lr=0.0, max_lr=1.0, step_size_up=2, step_size_down=4)
    expected = [0, 0.5, 1, 0.75, 0.5, 0.25, 0, 0.5, 1, 0.75, 0.5, 0.25, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_restarts_equal_torch_t_cur_recurrence(t_mult: int) -> None:
    """torch CosineAnnealingWarmRestarts.step(): T_cur += 1; if T_cur >= T_i: T_cur -= T_i; T_i *= T_mult."""
    t0, eta0, eta_min = 10, 0.1, 0.001
    t_cur, t_i, expected = 0, t0, []
    for _ in range(1300):
        expected.append(eta_min + (eta0 - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = t_cur - t_i, t_i * t_mult
    got = evaluate(
        "cosine_restarts", range(1300), init_lr=eta0, first_period=t0, t_mult=float(t_mult), final_lr=eta_min
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-16)


def test_restart_boundary_where_log_rounds_down() -> None:
    """Step 1210 = 121 * T_0 starts cycle 5 for t_mult=3; math.log(243, 3) = 4.999... must not matter."""
    assert math.log(243, 3) < 5
    got = evaluate("cosine_restarts", [1209, 1210, 1211], init_lr=1.0, first_period=10, t_mult=3.0)
    assert got[1] == 1.0 and got[0] < 1e-5 and got[2] < 1.0


def test_one_cycle_equals_torch_phase_algorithm() -> None:
    """torch OneCycleLR.get_lr: first phase whose end_step >= t; pct within it; cos or linear anneal."""
    max_lr, total, pct, div, final_div = 0.1, 100, 0.25, 25.0, 1e4
    initial, minimum = max_lr / div, max_lr / div / final_div
    phases = [(pct * total - 1, initial, max_lr), (2 * pct * total - 2, max_lr, initial), (total - 1, initial, minimum)]
    expected = {"cos": [], "linear": []}
    for t in range(total):
        start_step = 0.0
        for i, (end_step, start, end) in enumerate(phases):
            if t <= end_step or i == len(phases) - 1:
                frac = (t - start_step) / (end_step - start_step)
                expected["cos"].append(end + (start - end) / 2 * (math.cos(math.pi * frac) + 1))
                expected["linear"].append((end - start) * frac + start)
                break
            start_step = end_step
    for anneal, values in expected.items():
        got = evaluate("one_cycle", range(total), max_lr=max_lr, total_steps=total, pct_start=pct, anneal=anneal,
                       three_phase=True)  # fmt: skip
        np.testing.assert_allclose(got, values, rtol=1e-13, atol=1e-18)


def test_one_cycle_holds_its_minimum_after_the_last_step() -> None:
    got = evaluate("one_cycle", [99, 100, 150], max_lr=0.1, total_steps=100)
    assert got.tolist() == pytest.approx([4e-7, 4e-7, 4e-7], rel=1e-12)


def test_join_rebases_each_schedule_at_its_boundary() -> None:
    """optax JoinTest: [constant 1, constant 2, constant 1] joined at [3, 6] over t = 0..6."""
    parts = [{"formula": "constant", "value": v} for v in (1.0, 2.0, 1.0)]
    assert evaluate("sequential", range(7), schedules=parts, boundaries=[3, 6]).tolist() == [1, 1, 1, 2, 2, 2, 1]
    ramp = [
        {"formula": "constant", "value": 1.0},
        {"formula": "linear", "init_lr": 0.0, "end_lr": 1.0, "transition_steps": 4},
    ]
    assert evaluate("sequential", [2, 3, 4, 5], schedules=ramp, boundaries=[3]).tolist() == [1.0, 0.0, 0.25, 0.5]


def test_interpolate_holds_the_first_value_before_the_first_knot() -> None:
    """Knots (2, 1.0) and (6, 0.2): 1.0 up to step 2, 0.6 halfway, 0.2 from step 6 on."""
    got = evaluate("interpolate", [0, 1, 2, 4, 6, 8], knots=[2, 6], values=[1.0, 0.2])
    np.testing.assert_allclose(got, [1.0, 1.0, 1.0, 0.6, 0.2, 0.2], rtol=1e-15)


def test_interpolate_matches_optax_docstring_example() -> None:
    """optax piecewise_interpolate_schedule('linear', 1.0, {4: 0.1, 8: 0.01}): 1.0, 0.55, 0.1, 0.0505, 0.001, 0.001."""
    got = evaluate("interpolate", [0, 2, 4, 6, 8, 10], knots=[0, 4, 8], values=[1.0, 0.1, 0.001])
    np.testing.assert_allclose(got, [1.0, 0.55, 0.1, 0.0505, 0.001, 0.001], rtol=1e-14)


def test_polynomial_matches_optax_docstring_example() -> None:
    """optax polynomial_schedule(init 1, end 0.01, power 2, T 100, begin 5) at 0,5,6,104,105,110."""
    got = evaluate("polynomial", [0, 5, 6, 104, 105, 110], init_lr=1.0, end_lr=0.01, decay_steps=100, power=2.0,
                   transition_begin=5)  # fmt: skip
    np.testing.assert_allclose(got, [1.0, 1.0, 0.9803, 0.0101, 0.01, 0.01], atol=5e-5)


def test_polynomial_cycle_matches_keras_test_value() -> None:
    """Keras PolynomialDecay test: step 15, decay_steps 10, cycle=True -> (lr - end) * 0.25 + end."""
    got = evaluate("polynomial", [15], init_lr=0.1, end_lr=0.001, decay_steps=10, power=1.0, cycle=True)
    assert got[0] == pytest.approx((0.1 - 0.001) * 0.25 + 0.001, rel=1e-14)


def test_exponential_identities() -> None:
    staircase = evaluate("exponential", STEPS, init_lr=0.1, decay_steps=30, decay_rate=0.1, staircase=True)
    np.testing.assert_allclose(
        staircase, evaluate("step_decay", STEPS, init_lr=0.1, step_size=30, gamma=0.1), rtol=1e-15
    )
    natural = evaluate("natural_exp", STEPS, init_lr=0.1, decay_steps=10, decay_rate=0.5)
    np.testing.assert_allclose(natural, 0.1 * np.exp(-0.05 * STEPS), rtol=1e-14)
    floored = evaluate("exponential", [0, 1, 2, 3, 4], init_lr=1.0, decay_steps=1, decay_rate=0.5, end_lr=0.2)
    assert floored.tolist() == [1.0, 0.5, 0.25, 0.2, 0.2]
    ceiling = evaluate("exponential", [0, 1, 2, 3], init_lr=1.0, decay_steps=1, decay_rate=2.0, end_lr=3.0)
    assert ceiling.tolist() == [1.0, 2.0, 3.0, 3.0]
    # optax exponential_decay: end_value is "a lower bound if decay_rate < 1, an upper bound otherwise"
    ceiling = evaluate("exponential", [0, 1, 2, 3], init_lr=1.0, decay_steps=1, decay_rate=1.5, end_lr=2.0)
    assert ceiling.tolist() == [1.0, 1.5, 2.0, 2.0]
    flat = evaluate("exponential", [0, 1, 5], init_lr=0.1, decay_steps=1, decay_rate=1.0, end_lr=0.05)
    assert flat.tolist() == [0.05, 0.05, 0.05], "a rate of 1 is not < 1: end_lr is a ceiling"
    delayed = evaluate("exponential", [0, 5, 6, 7], init_lr=1.0, decay_steps=1, decay_rate=0.5, transition_begin=5)
    assert delayed.tolist() == [1.0, 1.0, 0.5, 0.25]


def test_inverse_time_staircase_matches_keras_formula() -> None:
    """Keras InverseTimeDecay(staircase=True): initial_learning_rate / (1 + decay_rate * floor(step / decay_steps))."""
    got = evaluate("inverse_time", [0, 1, 2, 3, 4], init_lr=0.1, decay_steps=2, decay_rate=1.0, staircase=True)
    np.testing.assert_allclose(got, [0.1, 0.1, 0.05, 0.05, 0.1 / 3], rtol=1e-15)


def test_cosine_past_the_end() -> None:
    periodic = evaluate("cosine", [0, 10, 20, 30, 40], init_lr=1.0, decay_steps=10, past_end="periodic")
    np.testing.assert_allclose(periodic, [1, 0, 1, 0, 1], atol=1e-15)
    clamped = evaluate("cosine", [10, 20, 40], init_lr=1.0, decay_steps=10, final_lr=0.1)
    assert clamped.tolist() == [0.1, 0.1, 0.1]
    squared = evaluate("cosine", [5], init_lr=1.0, decay_steps=10, final_lr=0.0, exponent=2.0)
    assert squared[0] == pytest.approx(0.25, rel=1e-15)


# Reduce-on-plateau traces derived by hand from torch's documented algorithm.
PLATEAU_TRACES = [
    pytest.param(
        {"metrics": [1, 1, 1, 1, 1, 1], "patience": 1, "factor": 0.5},
        [1, 1, 1, 0.5, 0.5, 0.25, 0.25],
        id="patience1: reduce on the 2nd bad epoch after the first",
    ),
    pytest.param(
        {"metrics": [5, 4, 4, 4, 3, 3, 3], "patience": 1, "factor": 0.1, "threshold": 0.0},
        [1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01],
        id="improvement resets the count",
    ),
    pytest.param(
        {"metrics": [1, 1, 1, 1, 1, 1, 1, 1], "patience": 0, "cooldown": 2, "factor": 0.5},
        [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125],
        id="cooldown 2 pauses counting for two epochs",
    ),
    pytest.param(
        {"metrics": [1, 1, 1, 1, 1], "patience": 0, "factor": 0.1, "min_lr": 0.05},
        [1, 1, 0.1, 0.05, 0.05, 0.05],
        id="min_lr floors the reduction",
    ),
    pytest.param(
        {
            "metrics": [1, 2, 2.005, 2.02, 2.02],
            "mode": "max",
            "threshold": 0.01,
            "threshold_mode": "abs",
            "patience": 0,
            "factor": 0.5,
        },
        [1, 1, 1, 0.5, 0.5, 0.25],
        id="max mode with an absolute threshold",
    ),
    pytest.param(
        {"metrics": [1.0] * 13},
        [1.0] * 12 + [0.1, 0.1],
        id="torch's defaults: patience 10, so the 11th bad epoch reduces by factor 0.1",
    ),
    pytest.param(
        {"metrics": [10, 9.5], "threshold": 0.1, "patience": 0, "factor": 0.5},
        [1, 1, 0.5],
        id="min rel: 9.5 is not below 10 * (1 - 0.1) = 9",
    ),
    pytest.param(
        {"metrics": [10, 9.5, 9.45], "threshold": 0.1, "threshold_mode": "abs", "patience": 0, "factor": 0.5},
        [1, 1, 1, 0.5],
        id="min abs: 9.5 is below 10 - 0.1, 9.45 is not below 9.5 - 0.1",
    ),
    pytest.param(
        {"metrics": [10, 10.5, 11.6], "mode": "max", "threshold": 0.1, "patience": 0, "factor": 0.5},
        [1, 1, 0.5, 0.5],
        id="max rel: 10.5 is not above 10 * (1 + 0.1) = 11, 11.6 is",
    ),
    pytest.param(
        {"metrics": [10, 10.5], "mode": "max", "threshold": 0.5, "threshold_mode": "abs", "patience": 0, "factor": 0.5},
        [1, 1, 0.5],
        id="max abs: 10.5 equals 10 + 0.5, which is no improvement",
    ),
]


@pytest.mark.parametrize(("params", "expected"), PLATEAU_TRACES)
def test_reduce_on_plateau_traces(params: dict, expected: list[float]) -> None:
    got = evaluate("reduce_on_plateau", range(len(expected)), init_lr=1.0, **params)
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_reduce_on_plateau_eps_stops_tiny_reductions() -> None:
    got = evaluate("reduce_on_plateau", range(6), init_lr=4e-8, metrics=[1] * 5, patience=0, factor=0.5, eps=1e-8)
    # 2e-8 -> 1e-8 would reduce by exactly eps, which is not more than eps: the rate stays at 2e-8.
    np.testing.assert_allclose(got, [4e-8, 4e-8, 2e-8, 2e-8, 2e-8, 2e-8], rtol=1e-15)


def test_a_sequence_evaluates_no_part_before_its_boundary() -> None:
    """join runs each part from its boundary on: d2l's inverse square root after one constant epoch is never
    taken at its own step -1, where (t + 1)^-1/2 divides by zero."""

    schedule = reference.build(
        {"formula": "sequential", "boundaries": [1], "schedules": [
            {"formula": "constant", "value": 0.3}, {"formula": "inverse_sqrt", "init_lr": 0.1, "offset": 1.0}]}
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert schedule(np.arange(5)).tolist() == [0.3, 0.1, 0.1 / 2**0.5, 0.1 / 3**0.5, 0.05]
