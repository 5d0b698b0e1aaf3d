"""Seed 004 and MindSpore's docstring examples: the printed values, reproduced by the reference.

The cases in ``cases/catalogue/seed_004_mindspore.toml`` and ``mindspore.toml`` run these calls
through MindSpore; here their reference trajectories are checked against the values MindSpore's
documentation prints, so that documentation, reference and framework are tied together. The
printed values are copied from seed 004 and from the 1.x docstrings
(``docs/api/api_python/nn/mindspore.nn.*.rst`` in mindspore-ai/mindspore), never from our code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cases.catalogue import load_catalogue
from model.case import Case

CATALOGUE = Path(__file__).resolve().parent.parent / "cases" / "catalogue"


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {case.id: case for case in load_catalogue(CATALOGUE)}


def test_seed_piecewise_constant_lr_prints_exactly_this_list(cases: dict[str, Case]) -> None:
    printed = [0.1, 0.1, 0.05, 0.05, 0.05, 0.01, 0.01, 0.01, 0.01, 0.01]
    assert cases["ms_piecewise[2,5,10-0.1,0.05,0.01]"].reference().tolist() == printed


def test_seed_polynomial_decay_lr_prints_this_at_global_step_2(cases: dict[str, Case]) -> None:
    value = cases["ms_polynomial[T4-p0.5-lr0.1-end0.01]"].reference(np.array([2]))[0]
    assert f"{value:.6g}" == "0.0736396"  # printed from float32 with 6 significant digits


# The Cells' docstrings print float32 results at global_step 2 (7 significant digits).
CELL_EXAMPLES = {
    "ms_exponential[lr0.1-r0.9-D4]": "0.09486833",
    "ms_natural_exp[lr0.1-r0.9-D4-stair]": "0.1",
    "ms_inverse_time[lr0.1-r0.9-D4-stair]": "0.1",
    "ms_cosine[0.01-0.1-D4]": "0.055",
    "ms_polynomial[T4-p0.5-lr0.1-end0.01]": "0.07363961",
    "ms_warmup[lr0.1-W2]": "0.1",
}


@pytest.mark.parametrize(("case_id", "printed"), CELL_EXAMPLES.items())
def test_cell_docstring_value_at_global_step_2(cases: dict[str, Case], case_id: str, printed: str) -> None:
    assert f"{cases[case_id].reference(np.array([2]))[0]:.7g}" == printed


def test_natural_exp_documented_value_differs_from_the_implementation(cases: dict[str, Case]) -> None:
    """The documented NaturalExpDecayLR(0.1, 0.9, 4)(2); MindSpore computes 0.1 * e^-1.8 = 0.01652989."""
    assert f"{cases['ms_natural_exp[lr0.1-r0.9-D4]'].reference(np.array([2]))[0]:.7g}" == "0.06376282"


# The dynamic_lr docstrings print whole float64 lists (total_step = 6).
LIST_EXAMPLES = {
    "ms_exponential_decay_lr[0.1-0.9-N6-spe2-de1]": [
        0.1, 0.1, 0.09000000000000001, 0.09000000000000001, 0.08100000000000002, 0.08100000000000002],
    "ms_natural_exp_decay_lr[0.1-0.9-N6-spe2-de2-stair]": [
        0.1, 0.1, 0.1, 0.1, 0.016529888822158657, 0.016529888822158657],
    "ms_inverse_decay_lr[0.1-0.5-N6-spe1-de1-stair]": [
        0.1, 0.06666666666666667, 0.05, 0.04, 0.03333333333333333, 0.028571428571428574],
    "ms_cosine_decay_lr[0.01-0.1-N6-spe2-de2]": [0.1, 0.1, 0.05500000000000001, 0.05500000000000001, 0.01, 0.01],
    "ms_polynomial_decay_lr[0.1-0.01-N6-spe2-de2-p0.5]": [
        0.1, 0.1, 0.07363961030678928, 0.07363961030678928, 0.01, 0.01],
    "ms_warmup_lr[0.1-N6-spe2-we2]": [0.0, 0.0, 0.05, 0.05, 0.1, 0.1],
}  # fmt: skip


@pytest.mark.parametrize(("case_id", "printed"), LIST_EXAMPLES.items())
def test_dynamic_lr_docstring_list(cases: dict[str, Case], case_id: str, printed: list[float]) -> None:
    # float64 both sides; MindSpore's math.e ** x against np.exp(x) may differ in the last ulp
    np.testing.assert_allclose(cases[case_id].reference(), printed, rtol=1e-15, atol=0)
