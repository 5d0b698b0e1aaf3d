"""Every rewrite of reference.identities and reference.unrolled, proved numerically where it applies.

For each catalogue case and each spec nested in it (plus a few specs the catalogue lacks), every
rewrite that applies must give a completed spec whose trajectory equals the original's at the
case's steps: bit for bit, or within the bound its docstring states, derived per rewrite below.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import reference
from cases.catalogue import load_catalogue
from reference import identities, unrolled

EPS = np.finfo(np.float64).eps
CATALOGUE = Path(__file__).resolve().parents[1] / "cases" / "catalogue"

#: Specs the catalogue lacks, so that every rewrite and each of its branches is proved at least once.
EXTRA = [
    ({"formula": "factor_decay", "init_lr": 0.5, "factor": 0.9, "min_lr": 0.1}, 40),
    ({"formula": "factor_decay", "init_lr": 0.5, "factor": 1.5, "min_lr": 0.1, "offset": 2}, 40),
    ({"formula": "factor_decay", "init_lr": 1e-10, "factor": 10.0}, 314),  # 1e304 at the last step
    ({"formula": "cosine_restarts", "init_lr": 1e-5, "final_lr": 0.1, "first_period": 7, "t_mult": 1.5}, 60),
    ({"formula": "cyclic", "base_lr": 0.1, "max_lr": 1e-3, "step_size_up": 3, "step_size_down": 5}, 40),
    ({"formula": "piecewise_constant", "boundaries": [2.5, 7], "values": [0.3, 0.2, 0.1]}, 12),
    ({"formula": "step_decay", "init_lr": 0.1, "step_size": 3, "gamma": 0.7}, 40),
    ({"formula": "natural_exp", "init_lr": 0.1, "decay_steps": 7, "decay_rate": 0.3, "staircase": True}, 400),
    # the edges of the rewrites' conditions: a "next" boundary that becomes a "previous" one at 0; a floor that binds
    # at the one multiplication covered; a growth from a step-0 rate whose first product is the floor; a decay that
    # starts at its floor; a triangle whose amplitude is a function of the step (constant all the same)
    ({"formula": "piecewise_constant", "boundaries": [1, 4], "values": [0.3, 0.2, 0.1]}, 8),
    ({"formula": "factor_decay", "init_lr": 0.5, "factor": 0.5, "min_lr": 0.3}, 1),
    ({"formula": "factor_decay", "init_lr": 0.5, "factor": 2.0, "min_lr": 1.0}, 10),
    ({"formula": "factor_decay", "init_lr": 0.3, "factor": 0.5, "min_lr": 0.3}, 5),
    ({"formula": "cyclic", "base_lr": 0.0, "max_lr": 1.0, "step_size_up": 2, "scale_mode": "iterations"}, 12),
]


def ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got - want) / np.spacing(np.abs(want))


def exact(spec: Mapping[str, Any], t: np.ndarray, got: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_array_equal(got, want)


def natural_exp_bound(spec: Mapping[str, Any], t: np.ndarray, got: np.ndarray, want: np.ndarray) -> None:
    """exp(-r) carries half an ulp of relative error, raised to the power p it is p/2 ulps; plus a
    rounding each for the power, the product and exp(-r p) itself: (p/2 + 3) ulps."""
    p = t / spec["decay_steps"]
    p = np.floor(p) if spec["staircase"] else p
    assert np.all(ulps(got, want) <= p / 2 + 3)


def few_ulps(spec: Mapping[str, Any], t: np.ndarray, got: np.ndarray, want: np.ndarray) -> None:
    """Bit for bit when the rewrite's docstring says so; else one intermediate rounded differently
    (a rate or a peak before it is scaled): each side within about two ulps, so 4 ulps apart."""
    if (spec["formula"] == "factor_decay" and not spec["offset"]) or spec.get("m_mul") == 1:
        np.testing.assert_array_equal(got, want)
    assert np.all(ulps(got, want) <= 4)


def cyclic_bound(spec: Mapping[str, Any], t: np.ndarray, got: np.ndarray, want: np.ndarray) -> None:
    """cyclic's x = 1 + t/L - c is off by up to an ulp of 1 + t/L, which its slope 1/rho turns into
    (max - base) ulp(1 + t/L) / rho of the rate; interpolate's fraction and peak add a few ulps."""
    up, length = spec["step_size_up"], spec["step_size_up"] + spec["step_size_down"]
    slope = max(length / up, length / spec["step_size_down"])
    swing = abs(spec["max_lr"] - spec["base_lr"])
    assert np.all(np.abs(got - want) <= 2 * swing * slope * np.spacing(1 + t / length) + 4 * np.spacing(want))


#: rewrite -> (keyword arguments given the last compared step, check of the two trajectories).
REWRITES: dict[Callable[..., Any], tuple[Callable[[int], list[dict[str, Any]]], Callable[..., None]]] = {
    identities.linear_as_polynomial: (lambda last: [{}], exact),
    identities.linear_warmup_as_polynomial: (lambda last: [{}], exact),
    identities.warmup_cosine_as_sequential: (lambda last: [{}], exact),
    identities.cosine_cycles_as_warmup_cosine: (lambda last: [{}], exact),
    identities.poly_cycles_as_polynomial: (lambda last: [{}], exact),
    identities.warmup_stable_decay_as_sequential: (lambda last: [{}], exact),
    identities.one_cycle_as_interpolate: (lambda last: [{}], exact),
    identities.multi_step_as_piecewise: (lambda last: [{}], exact),
    identities.piecewise_at_boundary: (lambda last: [{"at_boundary": "next"}, {"at_boundary": "previous"}], exact),
    identities.step_decay_as_exponential: (lambda last: [{}], exact),
    identities.natural_exp_as_exponential: (lambda last: [{}], natural_exp_bound),
    identities.noam_as_warmup_inverse_sqrt: (lambda last: [{}], few_ulps),
    unrolled.factor_decay_as_exponential: (lambda last: [{}, {"last_step": last}], few_ulps),
    unrolled.cosine_restarts_as_sequential: (lambda last: [{"last_step": last}], few_ulps),
    unrolled.cyclic_as_interpolate: (lambda last: [{"last_step": last}], cyclic_bound),
}


def nested(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """``spec`` and every spec nested in it."""
    yield spec
    if spec["formula"] in reference.registry.NESTED:
        name, many = reference.registry.NESTED[spec["formula"]]
        for part in spec[name] if many else [spec[name]]:
            yield from nested(part)


def subjects() -> list[tuple[str, dict[str, Any], np.ndarray]]:
    rows = []
    for case in (c for c in load_catalogue(CATALOGUE) if not c.invalid):  # invalid cases have no reference
        for index, spec in enumerate(nested(reference.complete({"formula": case.formula, **case.params}))):
            rows.append((f"{case.id}#{index}", spec, case.steps))
    for index, (spec, last) in enumerate(EXTRA):
        rows.append((f"extra{index}", reference.complete(spec), np.arange(last + 1)))
    return rows


SUBJECTS = subjects()


def applications(rewrite: Callable[..., Any]) -> list[Any]:
    """The subjects ``rewrite`` applies to, as test parameters. The test rewrites again, in its own body: a value
    computed here, at collection, would not exercise the rewrite under test (mutation testing, README)."""
    options, check = REWRITES[rewrite]
    rows = []
    for name, spec, steps in SUBJECTS:
        for kwargs in options(int(steps[-1])):
            if rewrite(spec, **kwargs) is not None:
                rows.append(pytest.param(rewrite, spec, kwargs, steps, check, id=f"{name}-{kwargs}"[:90]))
    return rows


def test_every_rewrite_is_proved() -> None:
    assert set(REWRITES) == {getattr(m, n) for m in (identities, unrolled) for n in m.__all__ if n != "BY_FORMULA"}


def test_the_identities_adapters_try_are_proved_and_rewrite_their_formula() -> None:
    assert set(identities.BY_FORMULA.values()) <= set(REWRITES)
    for formula, rewrite in identities.BY_FORMULA.items():
        assert rewrite.__name__.startswith(f"{formula}_as_"), (formula, rewrite.__name__)


@pytest.mark.parametrize("rewrite", list(REWRITES), ids=lambda f: f.__name__)
def test_every_rewrite_applies_somewhere(rewrite: Callable[..., Any]) -> None:
    assert applications(rewrite), f"{rewrite.__name__} applies to no catalogue case nor extra spec"


@pytest.mark.parametrize(
    ("rewrite", "spec", "kwargs", "steps", "check"), [row for r in REWRITES for row in applications(r)]
)
def test_rewrite_gives_the_same_trajectory(rewrite, spec: dict, kwargs: dict, steps: np.ndarray, check) -> None:
    rewritten = rewrite(spec, **kwargs)
    assert reference.complete(rewritten) == rewritten, "a rewrite returns a completed spec"
    assert rewritten["formula"] != spec["formula"] or rewritten != spec or "at_boundary" in kwargs
    with np.errstate(over="ignore"):
        check(spec, steps.astype(float), reference.build(rewritten)(steps), reference.build(spec)(steps))


def test_rewrites_decline_what_they_cannot_express() -> None:
    cases = [
        (identities.step_decay_as_exponential, {"init_lr": 1.0, "step_size": 2, "gamma": 0.5, "offset": 1}),
        (identities.step_decay_as_exponential, {"init_lr": 1.0, "step_size": 2, "gamma": 0.0}),
        (identities.natural_exp_as_exponential, {"init_lr": 1.0, "decay_steps": 1, "decay_rate": 800.0}),
        (identities.piecewise_at_boundary, {"boundaries": [0], "values": [1.0, 0.5]}, "previous"),
        (identities.piecewise_at_boundary, {"boundaries": [1.2, 1.5], "values": [1.0, 0.5, 0.1],
                                           "at_boundary": "previous"}, "next"),  # both become 2
        (unrolled.factor_decay_as_exponential, {"init_lr": 0.5, "factor": 1.5, "min_lr": 1.0}),  # lifted
        (unrolled.factor_decay_as_exponential, {"init_lr": 0.05, "factor": 0.5, "min_lr": 0.1}),  # below at 0
        (unrolled.factor_decay_as_exponential, {"init_lr": 0.5, "factor": 1.5, "min_lr": 1.0, "offset": 1}),  # lifted
        (unrolled.factor_decay_as_exponential, {"init_lr": 0.5, "factor": 1.0, "min_lr": 1.0, "offset": 1}),  # no decay
        (unrolled.cyclic_as_interpolate, {"base_lr": 0.0, "max_lr": 1.0, "step_size_up": 2, "mode": "exp_range"}),
        (identities.linear_as_polynomial, {"init_lr": 0.1, "decay_steps": 10}),  # not a linear
    ]  # fmt: skip
    formulas = ["step_decay", "step_decay", "natural_exp", "piecewise_constant", "piecewise_constant", "factor_decay",
                "factor_decay", "factor_decay", "factor_decay", "cyclic", "polynomial"]  # fmt: skip
    for (rewrite, params, *args), formula in zip(cases, formulas, strict=True):
        spec = reference.complete({"formula": formula, **params})
        kwargs = {"last_step": 10} if rewrite is unrolled.cyclic_as_interpolate else {}
        assert rewrite(spec, *args, **kwargs) is None, (rewrite.__name__, params)


def test_factor_decay_floor_reached_within_the_run_or_not() -> None:
    """d2l's FactorScheduler(0.9, 1e-2, 2.0) calls: 2 * 0.9^(t+1) >= 0.01 up to t = 49 (0.9^50 = 5.15e-3)."""
    spec = reference.complete({"formula": "factor_decay", "init_lr": 2.0, "factor": 0.9, "min_lr": 0.01, "offset": 1})
    assert 2.0 * 0.9**50 > 0.01 > 2.0 * 0.9**51
    within = unrolled.factor_decay_as_exponential(spec, last_step=49)
    assert within is not None and within["end_lr"] is None and math.isclose(within["init_lr"], 1.8, rel_tol=1e-15)
    beyond = unrolled.factor_decay_as_exponential(spec, last_step=50)
    assert beyond is not None and beyond["end_lr"] == 0.01


def test_cyclic_unrolls_exactly_the_cycles_that_start_by_the_last_step() -> None:
    """Cycles of 2 steps up and 2 down start at 0, 4 and 8 up to step 10: a knot at each start, peak and end. With
    0.05 up and 0.05 down (cycles of the double 0.1), ten cycles start by step 1: the eleventh starts at
    10 * 0.1000000000000000055 > 1, though 1 / 0.1 rounds to 10.0."""
    spec = reference.complete({"formula": "cyclic", "base_lr": 0.0, "max_lr": 1.0, "step_size_up": 2})
    assert unrolled.cyclic_as_interpolate(spec, last_step=10) == {
        "formula": "interpolate", "knots": [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0],
        "values": [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], "kind": "linear",
    }  # fmt: skip
    short = reference.complete({"formula": "cyclic", "base_lr": 0.0, "max_lr": 1.0, "step_size_up": 0.05})
    assert len(unrolled.cyclic_as_interpolate(short, last_step=1)["knots"]) == 1 + 2 * 10
