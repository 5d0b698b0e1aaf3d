"""Seed 003 (TF-Addons cyclical learning rate tutorial) and TF-Addons docstring cases: the
reference at points derived by hand from the tutorial's parameters.

steps_per_epoch = 60000 // 64 = 937, step_size = 2 * 937 = 1874, a cycle is 3748 steps, and
lr = 1e-4 + (1e-2 - 1e-4) * max(0, 1 - |t/1874 - 2c + 1|) / 2^(c-1), c = floor(1 + t/3748).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cases.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
CASES = {case.id: case for case in load_catalogue(ROOT / "cases" / "catalogue", root=ROOT)}
LO, HI = 1e-4, 1e-2
AMP = HI - LO  # 9.9e-3


def test_seed_step_counts() -> None:
    assert 60000 // 64 == 937
    np.testing.assert_array_equal(CASES["cyclic[seed003-triangular2-10epochs]"].steps, np.arange(10 * 938))
    np.testing.assert_array_equal(CASES["cyclic[seed003-triangular2-100epochs]"].steps, np.arange(100 * 937))
    assert CASES["cyclic[seed003-triangular2-10epochs]"].params["step_size_up"] == 2 * 937


@pytest.mark.parametrize(
    ("case_id", "step", "expected"),
    [
        ("cyclic[seed003-triangular2-10epochs]", 0, LO),
        ("cyclic[seed003-triangular2-10epochs]", 937, LO + AMP / 2),  # halfway up the first rise
        ("cyclic[seed003-triangular2-10epochs]", 1874, HI),  # first peak
        ("cyclic[seed003-triangular2-10epochs]", 3748, LO),  # end of cycle 1
        ("cyclic[seed003-triangular2-10epochs]", 5622, LO + AMP / 2),  # second peak, half the amplitude
        ("cyclic[seed003-triangular2-10epochs]", 9370, LO + AMP / 4),  # third peak = end of the 10-epoch plot
        ("cyclic[seed003-triangular2-10epochs]", 9379, LO + AMP * (1 - 9 / 1874) / 4),
        ("cyclic[seed003-triangular2-100epochs]", 93699, LO + AMP * (1 / 1874) / 2**24),  # last step of cycle 25
        ("cyclic[seed003-step_size2]", 1, LO + AMP / 2),
        ("cyclic[seed003-step_size2]", 2, HI),
        ("cyclic[seed003-step_size2]", 4, LO),  # "4 iterations to complete one cycle"
        ("cyclic[seed003-step_size2]", 6, LO + AMP / 2),
        ("cyclic[seed003-step_size2]", 8, LO),
        ("cyclic[seed003-step_size2]", 10, LO + AMP / 4),
        ("cyclic[seed003-step_size2]", 12, LO),
        ("cyclic[seed003-triangular2-factor8-20epochs]", 7496, HI),
        ("cyclic[seed003-triangular2-factor8-20epochs]", 9379, LO + AMP * (2 - 9379 / 7496)),
        ("cyclic[seed003-triangular2-factor8-20epochs]", 14992, LO),  # end of cycle 1 (16 epochs)
        ("cyclic[seed003-triangular2-factor8-20epochs]", 18740, LO + AMP / 4),  # halfway up cycle 2, half amplitude
        ("constant[seed003-sgd-default]", 9379, 0.01),
        ("cyclic[tfa-doc-triangular-s2000]", 1000, LO + AMP / 2),
        ("cyclic[tfa-doc-triangular-s2000]", 10000, HI),  # third peak, triangular keeps the amplitude
        ("cyclic[tfa-doc-exp_range-s2000-g0.96-cycle]", 2000, LO + AMP * 0.96),
        ("cyclic[tfa-doc-exp_range-s2000-g0.96-cycle]", 6000, LO + AMP * 0.96**2),
        ("cyclic[tfa-doc-exp_range-s2000-g0.96-cycle]", 10000, LO + AMP * 0.96**3),
        ("cyclic[tfa-doc-exp_range-s2000-g0.96-cycle]", 12000, LO),
    ],
)
def test_reference_matches_hand_derived_values(case_id: str, step: int, expected: float) -> None:
    case = CASES[case_id]
    assert step in case.steps
    assert case.reference(np.array([step]))[0] == pytest.approx(expected, rel=1e-12, abs=1e-18)
