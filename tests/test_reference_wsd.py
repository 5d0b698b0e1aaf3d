"""Warmup-stable-decay's 1-sqrt cool-down, by hand: its values, both ends, its direction, and its errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from reference.wsd import warmup_stable_decay


def one_sqrt(**params: float) -> np.ndarray:
    schedule = warmup_stable_decay(decay="1-sqrt", **{"peak_lr": 1.0, "decay_steps": 16, **params})
    return schedule(np.arange(0, 25))


def test_the_cool_down_is_one_minus_the_root_of_its_fraction() -> None:
    """1 - sqrt(u) at u = t/16, by hand: the peak at the decay's first step, 0.75 at a sixteenth, 0.5 at a quarter."""
    values = one_sqrt(warmup_steps=2, stable_steps=2)  # the decay starts at step 4
    assert values[[0, 1, 2, 3, 4, 5, 8, 13, 20, 24]].tolist() == [0.0, 0.5, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]


def test_the_parts_before_their_start_raise_no_warning() -> None:
    """join evaluates every part at every step; the cool-down's root of a negative step must not be taken."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(one_sqrt(warmup_steps=8, stable_steps=8)).all()


def test_a_rising_cool_down_adds_the_root_without_cancelling() -> None:
    """final above peak: peak + (final - peak) sqrt(u), not final + (peak - final)(1 - sqrt(u)), whose
    1 - (1 - sqrt(1/5)) is not sqrt(1/5) in floating point."""
    schedule = warmup_stable_decay(
        peak_lr=0.1, warmup_steps=0, stable_steps=0, decay_steps=5, final_lr=0.3, decay="1-sqrt"
    )
    assert 1.0 - (1.0 - math.sqrt(0.2)) != math.sqrt(0.2)
    assert schedule([0, 1, 5]).tolist() == [0.1, 0.1 + (0.3 - 0.1) * math.sqrt(0.2), 0.3]


def test_phases_beyond_float_range_are_refused_naming_the_formula() -> None:
    with (
        np.errstate(over="ignore"),
        pytest.raises(ValueError, match=r"^warmup_stable_decay: boundaries\[1\] must be finite"),
    ):
        warmup_stable_decay(peak_lr=1.0, warmup_steps=1e308, stable_steps=1e308, decay_steps=4)
