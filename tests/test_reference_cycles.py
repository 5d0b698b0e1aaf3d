"""timm's cycles (reference/cycles.py) where a cycle rises (``final_lr`` above the peak) and at the defaults timm
documents, each against the documented formula written out here, not against the module's own helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reference import identities
from reference.cycles import cosine_cycles, poly_cycles, tanh_cycles
from reference.warmup import warmup_cosine_hard_restarts

STEPS = np.arange(5)


def by_formula(value, steps=STEPS) -> list[float]:
    return [value(int(t)) for t in steps]


def test_a_rising_cosine_cycle_follows_the_documented_formula() -> None:
    # eta_min + (eta_p - eta_min) * (1 + cos(pi t / T)) / 2 with eta_p = 0.1 below eta_min = 1.0; then held at 1.0
    expected = by_formula(lambda t: 1.0 + (0.1 - 1.0) * (1 + math.cos(math.pi * t / 4)) / 2 if t < 4 else 1.0)
    assert cosine_cycles(peak_lr=0.1, first_period=4, final_lr=1.0)(STEPS).tolist() == pytest.approx(
        expected, rel=1e-15, abs=0
    )


def test_a_rising_polynomial_cycle_follows_the_documented_formula() -> None:
    expected = by_formula(lambda t: 1.0 + (0.1 - 1.0) * (1 - t / 4) ** 2 if t < 4 else 1.0)
    assert poly_cycles(peak_lr=0.1, first_period=4, final_lr=1.0, power=2.0)(STEPS).tolist() == pytest.approx(
        expected, rel=1e-15, abs=0
    )


def test_a_rising_tanh_cycle_follows_the_documented_formula() -> None:
    def htd(t: int) -> float:
        f = t / 4
        return 1.0 + (0.1 - 1.0) * 0.5 * (1 - math.tanh(-7.0 * (1 - f) + 3.0 * f)) if t < 4 else 1.0

    assert tanh_cycles(peak_lr=0.1, first_period=4, final_lr=1.0)(STEPS).tolist() == pytest.approx(
        by_formula(htd), rel=1e-15, abs=0
    )


@pytest.mark.parametrize(
    ("factory", "defaults", "params"),
    [
        # timm PolyLRScheduler(power=0.5, warmup_prefix=False)
        (poly_cycles, {"power": 0.5, "warmup_prefix": False}, {"peak_lr": 0.1, "first_period": 8, "warmup_steps": 2}),
        (tanh_cycles, {"cycle_mul": 1.0, "cycle_decay": 1.0}, {"peak_lr": 0.1, "first_period": 8, "cycle_limit": 3}),
        (warmup_cosine_hard_restarts, {"num_cycles": 1.0}, {"peak_lr": 0.1, "warmup_steps": 2, "decay_steps": 8}),
    ],  # transformers get_cosine_with_hard_restarts_schedule_with_warmup(num_cycles=1)
)
def test_the_upstream_defaults(factory, defaults: dict, params: dict) -> None:
    steps = np.arange(30)
    assert factory(**params)(steps).tolist() == factory(**params, **defaults)(steps).tolist()


def test_the_tanh_warm_up_ends_on_the_curve_without_prefix_and_at_the_peak_with_it() -> None:
    curve_at_w = 0.1 * 0.5 * (1 - math.tanh(-7.0 * (1 - 2 / 8) + 3.0 * 2 / 8))
    on_clock = tanh_cycles(peak_lr=0.1, first_period=8, warmup_steps=2, init_lr=0.0)(np.array([1, 2]))
    assert on_clock.tolist() == pytest.approx([curve_at_w / 2, curve_at_w], rel=1e-14, abs=0)
    prefixed = tanh_cycles(peak_lr=0.1, first_period=8, warmup_steps=2, init_lr=0.0, warmup_prefix=True)
    assert prefixed(np.array([1, 2])).tolist() == pytest.approx(
        [0.05, 0.1 * 0.5 * (1 - math.tanh(-7.0))], rel=1e-14, abs=0
    )


@pytest.mark.parametrize("formula", ["cosine_cycles", "poly_cycles"])
@pytest.mark.parametrize(("cycle_limit", "k_decay"), [(2, 1.0), (1, 2.0)])
def test_cycles_are_one_decay_only_with_one_cycle_and_no_k_decay(
    formula: str, cycle_limit: int, k_decay: float
) -> None:
    spec = {"formula": formula, "peak_lr": 0.1, "first_period": 10, "final_lr": 0.0, "cycle_mul": 1.0,
            "cycle_decay": 1.0, "cycle_limit": cycle_limit, "k_decay": k_decay, "warmup_steps": 0, "init_lr": 0.0,
            "warmup_prefix": False, **({"power": 0.5} if formula == "poly_cycles" else {})}  # fmt: skip
    assert identities.BY_FORMULA[formula](spec) is None


def test_a_rising_cycle_keeps_its_precision_where_it_barely_rises() -> None:
    """At the first step of a long rising cosine, 1 - (1 + cos x) / 2 cancels; the rise is sin(x / 2)^2."""
    x = math.pi / 1e6
    expected = 1e-12 + (1.0 - 1e-12) * math.sin(x / 2) ** 2
    actual = cosine_cycles(peak_lr=1e-12, first_period=1e6, final_lr=1.0)(np.array([1]))[0]
    assert actual == pytest.approx(expected, rel=1e-12, abs=0)
