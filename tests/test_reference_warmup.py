"""The warm-up families of reference/warmup.py against transformers' own test values and the library's formulas.

``tests/optimization/test_optimization.py`` of huggingface/transformers (``ScheduleInitTest.test_schedulers``)
steps each schedule on an optimizer of rate 10 with ``num_warmup_steps=2, num_training_steps=10`` and compares the
first ten rates to two decimals; the same schedules, as the reference writes them, give those numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import reference

LR, W, N = 10.0, 2, 10
STEPS = np.arange(10)

#: (the transformers function, its arguments besides W and N, the reference spec, its test's expected rates)
TRANSFORMERS_TESTS = [
    ("get_constant_schedule_with_warmup", "num_warmup_steps=4",
     {"formula": "linear_warmup", "peak_lr": LR, "warmup_steps": 4},
     [0.0, 2.5, 5.0, 7.5, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0]),
    ("get_linear_schedule_with_warmup", "",
     {"formula": "warmup_stable_decay", "peak_lr": LR, "warmup_steps": W, "stable_steps": 0, "decay_steps": N - W},
     [0.0, 5.0, 10.0, 8.75, 7.5, 6.25, 5.0, 3.75, 2.5, 1.25]),
    ("get_cosine_schedule_with_warmup", "",
     {"formula": "warmup_cosine_cycles", "peak_lr": LR, "warmup_steps": W, "decay_steps": N - W},
     [0.0, 5.0, 10.0, 9.61, 8.53, 6.91, 5.0, 3.08, 1.46, 0.38]),
    ("get_cosine_with_hard_restarts_schedule_with_warmup", "num_cycles=2",
     {"formula": "warmup_cosine_hard_restarts", "peak_lr": LR, "warmup_steps": W, "decay_steps": N - W,
      "num_cycles": 2},
     [0.0, 5.0, 10.0, 8.53, 5.0, 1.46, 10.0, 8.53, 5.0, 1.46]),
    ("get_polynomial_decay_schedule_with_warmup", "power=2.0, lr_end=1e-7",
     {"formula": "sequential", "boundaries": [W], "schedules": [
         {"formula": "linear_warmup", "peak_lr": LR, "warmup_steps": W},
         {"formula": "polynomial", "init_lr": LR, "end_lr": 1e-7, "decay_steps": N - W, "power": 2.0}]},
     [0.0, 5.0, 10.0, 7.656, 5.625, 3.906, 2.5, 1.406, 0.625, 0.156]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("api", "arguments", "spec", "expected"), TRANSFORMERS_TESTS, ids=[t[0] for t in TRANSFORMERS_TESTS]
)
def test_transformers_own_test_values(api: str, arguments: str, spec: dict, expected: list[float]) -> None:
    np.testing.assert_allclose(reference.build(spec)(STEPS), expected, rtol=0, atol=1e-2)


def test_cosine_cycles_is_the_documented_cosine_of_num_cycles_waves_past_its_end() -> None:
    """transformers' lambda, 0.5 * (1 + cos(pi * num_cycles * 2 * progress)), with a floor: a whole wave (num_cycles
    = 1) is back at the peak at W + D; half a wave keeps going past W + D, up again to the peak at W + 2D."""
    peak, final, w, d = 0.1, 0.01, 5, 20
    for cycles in (0.5, 1.0, 1.5):
        got = reference.build({"formula": "warmup_cosine_cycles", "peak_lr": peak, "warmup_steps": w, "decay_steps": d,
                               "num_cycles": cycles, "final_lr": final})(np.arange(60))  # fmt: skip
        want = [
            peak * t / w if t < w else final + (peak - final) * 0.5 * (1 + math.cos(math.pi * cycles * 2 * (t - w) / d))
            for t in range(60)
        ]
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-17)
    half = reference.build({"formula": "warmup_cosine_cycles", "peak_lr": 1.0, "warmup_steps": w, "decay_steps": d})
    assert half([w + d, w + 2 * d]).tolist() == [0.0, 1.0]


def test_hard_restarts_restart_at_the_peak_and_stop_at_zero() -> None:
    restarts = reference.build({"formula": "warmup_cosine_hard_restarts", "peak_lr": 1.0, "warmup_steps": 0,
                                "decay_steps": 30, "num_cycles": 3})  # fmt: skip
    assert restarts([0, 10, 20, 29, 30, 45]).tolist()[:3] == [1.0, 1.0, 1.0]
    assert 0 < restarts([29])[0] < 0.03 and restarts([30, 45]).tolist() == [0.0, 0.0]


def test_inverse_sqrt_is_big_visions_rsqrt_after_the_warm_up() -> None:
    """transformers computes 1 / sqrt((t + timescale - W) / timescale); the rate halves 3 timescales after W."""
    w, tau = 4, 10
    schedule = reference.build({"formula": "warmup_inverse_sqrt", "peak_lr": 0.5, "warmup_steps": w, "timescale": tau})
    got = schedule(np.arange(200))
    want = [0.5 * t / w if t < w else 0.5 / math.sqrt((t + tau - w) / tau) for t in range(200)]
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert schedule([w + 3 * tau])[0] == 0.25
