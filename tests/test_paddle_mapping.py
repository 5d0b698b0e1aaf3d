"""The Paddle adapter's mapping from cases to paddle.optimizer.lr calls (pure: Paddle is not needed here)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from adapters.paddle_adapter import PaddleAdapter
from model.adapter import NotExpressible
from model.hints import HintError
from tests.mapping import CATALOGUE, assert_call, program_plan

ADAPTER = PaddleAdapter()


def plan(case_id: str):
    return ADAPTER.plan(CATALOGUE[case_id])


@pytest.mark.parametrize("case_id", [c for c in CATALOGUE if CATALOGUE[c].applies_to("paddle")])
def test_every_plan_is_a_runnable_program_with_json_kwargs(case_id: str) -> None:
    p = program_plan(ADAPTER, case_id)
    if p is None:
        return
    case = CATALOGUE[case_id]
    ways = ("restored",) if p.api.endswith(".ReduceOnPlateau") else ("restored", "last_epoch")
    assert p.api.startswith("paddle.optimizer.lr.")
    assert p.probe_names == ("schedule", "get_lr", "applied", *(f"{w}_at_{k}" for w in ways for k in case.resume))


#: What Paddle's schedulers compute, in the closed forms their docstrings give (paddle/optimizer/lr.py, 3.3.1), from
#: their keyword arguments: enough to check, without Paddle, that a case mapped to one of them means its formula.
CLOSED_FORMS = {
    "NoamDecay": lambda kw, t: kw.get("learning_rate", 1.0) * kw["d_model"] ** -0.5
    * np.minimum(np.where(t == 0, 1.0, np.maximum(t, 1.0) ** -0.5), kw["warmup_steps"] ** -1.5 * t),
    "PiecewiseDecay": lambda kw, t: np.array(kw["values"])[np.searchsorted(kw["boundaries"], t, side="right")],
    "NaturalExpDecay": lambda kw, t: kw["learning_rate"] * np.exp(-kw["gamma"] * t),
    "InverseTimeDecay": lambda kw, t: kw["learning_rate"] / (1 + kw["gamma"] * t),
    "ExponentialDecay": lambda kw, t: kw["learning_rate"] * kw["gamma"] ** t,
    "StepDecay": lambda kw, t: kw["learning_rate"] * kw["gamma"] ** (t // kw["step_size"]),
    "MultiStepDecay": lambda kw, t: kw["learning_rate"]
    * kw["gamma"] ** np.searchsorted(kw["milestones"], t, side="right"),
    "LambdaDecay": lambda kw, t: kw["learning_rate"]
    * np.array([eval(kw["lr_lambda"], {"math": math})(int(s)) for s in t]),  # text written by the adapter
    "MultiplicativeDecay": lambda kw, t: kw["learning_rate"] * np.array([eval(kw["lr_lambda"])(0) ** s for s in t]),
    "PolynomialDecay": lambda kw, t: (kw["learning_rate"] - kw["end_lr"])
    * (1 - t / (kw["decay_steps"] * np.maximum(1, np.ceil(t / kw["decay_steps"]))) if kw["cycle"]
       else 1 - np.minimum(t, kw["decay_steps"]) / kw["decay_steps"]) ** kw["power"] + kw["end_lr"],
    "LinearWarmup": lambda kw, t: np.where(t < kw["warmup_steps"], kw["start_lr"] + (kw["end_lr"] - kw["start_lr"])
                                           * t / kw["warmup_steps"], kw.get("learning_rate", np.nan)),
}  # fmt: skip


@pytest.mark.parametrize("case_id", [c for c in CATALOGUE if CATALOGUE[c].applies_to("paddle")])
def test_a_case_mapped_to_a_simple_scheduler_means_its_formula(case_id: str) -> None:
    """Every catalogue case: where the mapping picks a scheduler with a documented closed form, that form at the
    case's steps is the reference (a wrong pick, e.g. ExponentialDecay for a staircase, fails here)."""
    try:
        p = plan(case_id)
    except NotExpressible:
        pytest.skip("not expressible in Paddle")
    api = p.api.rsplit(".", 1)[1]
    if api not in CLOSED_FORMS or isinstance(p.kwargs.get("learning_rate"), list):  # LinearWarmup around a scheduler
        pytest.skip(f"{api} has no closed form here: the paddle env runs it")
    case = CATALOGUE[case_id]
    stepped = case.steps // p.setup.get("steps_per_epoch", 1)
    got = CLOSED_FORMS[api](p.kwargs, stepped.astype(np.float64))
    np.testing.assert_allclose(got, case.reference(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("case_id", "api", "kwargs"),
    [
        ("noam[d100-W100]", "NoamDecay", {"d_model": 100, "warmup_steps": 100, "learning_rate": 1.0}),
        ("paddle_piecewise[3,6,9]", "PiecewiseDecay", {"boundaries": [3, 6, 9], "values": [0.1, 0.2, 0.3, 0.4]}),
        ("piecewise[10,20-1,0.5,0.25-previous]", "PiecewiseDecay", {"boundaries": [11, 21]}),
        ("paddle_natural_exp[lr0.5-g0.1]", "NaturalExpDecay", {"learning_rate": 0.5, "gamma": 0.1}),
        ("natural_exp[D10-r0.5]", "NaturalExpDecay", {"gamma": 0.05}),
        ("natural_exp[D10-r0.5-staircase]", "StepDecay", {"step_size": 10, "gamma": math.exp(-0.5)}),
        ("paddle_inverse_time[lr0.5-g0.1]", "InverseTimeDecay", {"learning_rate": 0.5, "gamma": 0.1}),
        ("paddle_polynomial[lr0.5-D20-cycle]", "PolynomialDecay", {"decay_steps": 20, "end_lr": 1e-4, "cycle": True}),
        ("paddle_linear_lr[lr0.5-T5-from0.1]", "LinearLR", {"learning_rate": 0.5, "total_steps": 5,
                                                            "start_factor": 0.2, "end_factor": 1.0}),
        ("paddle_warmup[lr0.5-W20-float]", "LinearWarmup", {"learning_rate": 0.5, "warmup_steps": 20,
                                                            "start_lr": 0.0, "end_lr": 0.5}),
        ("paddle_multiplicative[lr0.5-0.95]", "MultiplicativeDecay", {"lr_lambda": "lambda epoch: 0.95"}),
        ("paddle_one_cycle[max1-T100]", "OneCycleLR", {"max_learning_rate": 1.0, "total_steps": 100,
                                                       "divide_factor": 25.0, "end_learning_rate": 1e-4,
                                                       "phase_pct": 0.3, "anneal_strategy": "cos"}),
        ("paddle_cyclic[0.5-1.0-up10]", "CyclicLR", {"base_learning_rate": 0.5, "max_learning_rate": 1.0,
                                                     "step_size_up": 10, "mode": "triangular", "exp_gamma": 1.0}),
        ("cyclic[triangular2-up5-iterations]", "CyclicLR", {"scale_fn": "lambda x: 1 / (2.0 ** (x - 1))",
                                                            "scale_mode": "iterations"}),
        ("paddle_restarts[lr0.5-T1-mult2]", "CosineAnnealingWarmRestarts", {"T_0": 1, "T_mult": 2, "eta_min": 0.0}),
        ("plateau[min-rel-p2-f0.5]", "ReduceOnPlateau", {"patience": 2, "factor": 0.5, "epsilon": 1e-8}),
    ],
)  # fmt: skip
def test_parameter_mapping(case_id: str, api: str, kwargs: dict) -> None:
    assert_call(plan(case_id), f"paddle.optimizer.lr.{api}", kwargs)


def test_linear_warmup_wraps_the_scheduler_after_the_ramp() -> None:
    p = plan("paddle_warmup[W5-cosine-T20]")
    assert p.api == "paddle.optimizer.lr.LinearWarmup"
    assert {k: v for k, v in p.kwargs.items() if k != "learning_rate"} == {
        "warmup_steps": 5, "start_lr": 0.01, "end_lr": 0.1}  # fmt: skip
    (inner,) = p.kwargs["learning_rate"]
    assert inner == {"api": "paddle.optimizer.lr.CosineAnnealingDecay",
                     "kwargs": {"learning_rate": 0.1, "T_max": 20, "eta_min": 1e-3}}  # fmt: skip
    assert "lr.LinearWarmup(learning_rate=lr.CosineAnnealingDecay(learning_rate=0.1, T_max=20, eta_min=0.001), " \
        "warmup_steps=5, start_lr=0.01, end_lr=0.1)" in p.repro  # fmt: skip


def test_step_epoch_hint_passes_the_epoch_and_refuses_plateau() -> None:
    assert "scheduler.step(step)" in plan("paddle_cosine[lr0.5-T10-periodic-step_epoch]").repro
    assert "scheduler.step(step // 3)" in plan("paddle_per_epoch[spe3-step_epoch-multi_step]").repro
    assert "scheduler.step()" in plan("paddle_cosine[lr0.5-T10-periodic]").repro
    case = CATALOGUE["paddle_plateau[lr1-f0.5-p5]"]
    with pytest.raises(HintError, match="ReduceOnPlateau steps on a metric"):
        ADAPTER.plan(dataclasses.replace(case, hints={"paddle": {"step": "step(epoch)"}}))


@pytest.mark.parametrize(
    ("case_id", "reason"),
    [
        ("cosine[T100-eta1e-3]", "CosineAnnealingDecay rises again after T_max"),
        ("step[k3-g0.5]", ""),
    ],
)
def test_refusals_name_their_reason(case_id: str, reason: str) -> None:
    p = plan(case_id)
    assert reason in p.note
