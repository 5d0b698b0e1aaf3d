"""Seed 000 (the Flax learning-rate guide): its recipe in the reference, with values derived by hand.

``create_learning_rate_fn`` joins ``linear_schedule(0 -> base, W)`` and
``cosine_decay_schedule(base, D)`` at ``W``, with ``W = warmup_epochs * steps_per_epoch`` and
``D = max(num_epochs - warmup_epochs, 1) * steps_per_epoch``. The catalogue states it as the
reference's ``warmup_cosine``; these tests check that reading against the guide's own
construction (``sequential`` of ``linear`` and ``cosine``) and against numbers worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import reference
from cases.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parent.parent


def guide(base: float, warmup_epochs: float, num_epochs: float, steps_per_epoch: int) -> reference.Schedule:
    """The guide's construction, part by part, in the reference."""
    w = warmup_epochs * steps_per_epoch
    d = max(num_epochs - warmup_epochs, 1) * steps_per_epoch
    parts = [
        {"formula": "linear", "init_lr": 0.0, "end_lr": base, "transition_steps": w},
        {"formula": "cosine", "init_lr": base, "decay_steps": d},
    ]
    if w == 0:  # join at 0: the warm-up is never selected
        return reference.build(parts[1])
    return reference.build({"formula": "sequential", "schedules": parts, "boundaries": [w]})


def test_hand_values_base0_1_warmup5_of_100_epochs_of_10_steps():
    # W = 50, D = 950: half the warm-up at 25, the cosine's midpoint at 50 + 475 = 525, 0 from 1000 on
    values = guide(0.1, 5.0, 100.0, 10)([0, 25, 50, 525, 1000, 1100])
    np.testing.assert_allclose(values, [0.0, 0.05, 0.1, 0.05, 0.0, 0.0], rtol=1e-12, atol=1e-17)


def test_hand_values_when_num_epochs_is_below_warmup_epochs():
    # warmup 5, num 3, 468 steps/epoch: W = 2340, the cosine takes max(3 - 5, 1) = 1 epoch = 468 steps
    values = guide(0.001, 5, 3, 468)([1170, 1404, 2340, 2340 + 234, 2808, 3000])
    expected = [0.0005, 0.0006, 0.001, 0.0005, 0.0, 0.0]  # 1404 = end of training, 60% of the warm-up
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-18)


def test_the_guide_config_run_of_ten_single_step_epochs():
    # learning_rate 0.001, warmup 2 of 10 epochs, 128 // 128 = 1 step per epoch
    values = guide(0.001, 2, 10, 1)(np.arange(12))
    half_cosine = 0.001 * 0.5 * (1 + np.cos(np.pi * np.arange(9) / 8))
    np.testing.assert_allclose(values, [0.0, 0.0005, *half_cosine, 0.0], rtol=1e-12, atol=1e-18)


@pytest.mark.parametrize(
    "case_id",
    [
        c.id
        for c in load_catalogue(ROOT / "cases" / "catalogue")
        if c.hint("optax").get("api") == "create_learning_rate_fn"
    ],
)
def test_catalogue_warmup_cosine_is_the_guide_construction(case_id):
    spec = next(c for c in load_catalogue(ROOT / "cases" / "catalogue") if c.id == case_id)
    hint = spec.hint("optax")
    built = guide(
        spec.params["peak_lr"], hint["config"]["warmup_epochs"], hint["config"]["num_epochs"], hint["steps_per_epoch"]
    )
    np.testing.assert_allclose(spec.reference(), built(spec.steps), rtol=1e-12, atol=1e-18)
