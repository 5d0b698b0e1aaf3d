"""The torch adapter's mapping from cases to torch calls (pure: torch is not needed here)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from adapters.torch_adapter import BINDINGS, TorchAdapter
from model.adapter import NotExpressible
from model.hints import HintError
from tests.mapping import CATALOGUE, assert_call, program_plan

ADAPTER = TorchAdapter()


def plan(case_id: str):
    return ADAPTER.plan(CATALOGUE[case_id])


@pytest.mark.parametrize("case_id", list(CATALOGUE))
def test_every_plan_is_a_runnable_program_with_json_kwargs(case_id: str) -> None:
    p = program_plan(ADAPTER, case_id)
    if p is None:
        return
    case = CATALOGUE[case_id]
    hint = case.hints.get("torch", {})
    ways = hint.get("resume", ("restored", "last_epoch"))
    resumed = tuple(f"{how}_at_{k}" for how in ways for k in case.resume)
    last_epoch = p.api.rsplit(".", 1)[1] not in ("ReduceLROnPlateau", "ChainedScheduler")
    assert p.api.startswith("torch.optim.lr_scheduler.")
    assert p.probe_names == (
        "schedule", "applied", *(r for r in resumed if last_epoch or r.startswith("restored")), *hint.get("loop", ())
    )  # fmt: skip


def lambda_factor(kwargs: dict, base: float, steps: np.ndarray) -> np.ndarray:
    factor = eval(kwargs["lr_lambda"], {"math": math})  # text written by the adapter
    return np.array([base * factor(int(t)) for t in steps])


#: What torch's simplest schedulers compute, in the closed forms torch documents (torch.optim.lr_scheduler
#: docstrings), from their keyword arguments and the optimizer's rate: enough to check, without torch,
#: that a case mapped to one of them means the case's formula.
CLOSED_FORMS = {
    "LambdaLR": lambda kw, base, t: lambda_factor(kw, base, t),
    "MultiplicativeLR": lambda kw, base, t: base * np.array([eval(kw["lr_lambda"])(0) ** s for s in t]),
    "StepLR": lambda kw, base, t: base * kw["gamma"] ** (t // kw["step_size"]),
    "MultiStepLR": lambda kw, base, t: base * kw["gamma"] ** np.searchsorted(kw["milestones"], t, side="right"),
    "ExponentialLR": lambda kw, base, t: base * kw["gamma"] ** t,
    "ConstantLR": lambda kw, base, t: base * np.where(t < kw["total_iters"], kw["factor"], 1.0),
    "LinearLR": lambda kw, base, t: base * (kw["start_factor"] + (kw["end_factor"] - kw["start_factor"])
                                           * np.minimum(t, kw["total_iters"]) / kw["total_iters"]),
    "PolynomialLR": lambda kw, base, t: base * (1 - np.minimum(t, kw["total_iters"]) / kw["total_iters"]) ** kw["power"],
    "CosineAnnealingLR": lambda kw, base, t: kw["eta_min"]
    + (base - kw["eta_min"]) * (1 + np.cos(np.pi * t / kw["T_max"])) / 2,
}  # fmt: skip


@pytest.mark.parametrize("case_id", list(CATALOGUE))
def test_a_case_mapped_to_a_simple_scheduler_means_its_formula(case_id: str) -> None:
    """Every catalogue case: where the mapping picks a scheduler with a documented closed form, that form at the
    case's steps is the reference (a wrong pick, e.g. ExponentialLR for a decay with a floor, fails here)."""
    try:
        p = plan(case_id)
    except NotExpressible:
        pytest.skip("not expressible in torch")
    api = p.api.rsplit(".", 1)[1]
    if api not in CLOSED_FORMS:
        pytest.skip(f"{api} has no closed form here: the torch env runs it")
    case = CATALOGUE[case_id]
    base = p.setup["optimizer_kwargs"]["lr"]
    stepped = case.steps // p.setup.get("steps_per_epoch", 1)  # the scheduler steps once per epoch, if asked
    got = CLOSED_FORMS[api](p.kwargs, base, stepped.astype(np.float64))
    np.testing.assert_allclose(got, case.reference(), rtol=1e-12, atol=1e-15 * base)


@pytest.mark.parametrize("case_id", [c for c in CATALOGUE if CATALOGUE[c].formula in BINDINGS and any(
    api == "LambdaLR" for api, _ in BINDINGS[CATALOGUE[c].formula])])  # fmt: skip
def test_every_lambda_transcription_equals_the_reference(case_id: str) -> None:
    """Every catalogue case whose formula LambdaLR can express, asked for LambdaLR (``hints.torch.api``), whichever
    scheduler it maps to by default: the lambda's text is the case's formula."""
    case = CATALOGUE[case_id]
    forced = dataclasses.replace(case, hints={**case.hints, "torch": {"api": "LambdaLR"}})
    try:
        p = ADAPTER.plan(forced)
    except NotExpressible as exc:
        pytest.fail(f"LambdaLR can express any {case.formula} case, but: {exc}")
    got = lambda_factor(p.kwargs, p.setup["optimizer_kwargs"]["lr"], case.steps)
    np.testing.assert_allclose(got, case.reference(), rtol=1e-12, atol=1e-15 * p.setup["optimizer_kwargs"]["lr"])


@pytest.mark.parametrize(
    ("case_id", "api", "kwargs"),
    [
        ("step[k30-g0.1]", "StepLR", {"step_size": 30, "gamma": 0.1}),
        ("exponential[D10-r0.5-staircase]", "StepLR", {"step_size": 10, "gamma": 0.5}),
        ("exponential[D10-r0.5]", "ExponentialLR", {"gamma": 0.5 ** (1 / 10)}),
        ("natural_exp[D10-r0.5]", "ExponentialLR", {"gamma": math.exp(-0.05)}),
        ("natural_exp[D10-r0.5-staircase]", "StepLR", {"step_size": 10, "gamma": math.exp(-0.5)}),
        ("piecewise[10,20-1,0.5,0.25]", "MultiStepLR", {"milestones": [10, 20], "gamma": 0.5}),
        ("piecewise[10,20-1,0.5,0.25-previous]", "MultiStepLR", {"milestones": [11, 21], "gamma": 0.5}),
        ("piecewise[5-0.025,0.1]", "ConstantLR", {"factor": 0.25, "total_iters": 5}),
        ("linear[0.5-1-T4]", "LinearLR", {"start_factor": 0.5, "end_factor": 1.0, "total_iters": 4}),
        ("polynomial[T4-p1]", "PolynomialLR", {"total_iters": 4, "power": 1.0}),
        ("cosine[T100-eta1e-3-periodic]", "CosineAnnealingLR", {"T_max": 100, "eta_min": 1e-3}),
        ("restarts[T10-mult2-eta1e-3]", "CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2, "eta_min": 1e-3}),
        ("cyclic[triangular-up10-down30]", "CyclicLR", {"step_size_up": 10, "step_size_down": 30, "cycle_momentum": False}),
        ("cyclic[triangular2-up5-iterations]", "CyclicLR", {"scale_fn": "lambda x: 1 / (2.0 ** (x - 1))", "scale_mode": "iterations"}),
        ("one_cycle[T100-cos-three_phase]", "OneCycleLR", {"total_steps": 100, "pct_start": 0.25, "three_phase": True}),
        ("exponential[g0.9-multiplicative]", "MultiplicativeLR", {"lr_lambda": "lambda step: 0.9"}),
        ("plateau[min-rel-p2-f0.5]", "ReduceLROnPlateau", {"patience": 2, "factor": 0.5, "eps": 1e-8}),
    ],
)  # fmt: skip
def test_parameter_mapping(case_id: str, api: str, kwargs: dict) -> None:
    assert_call(plan(case_id), f"torch.optim.lr_scheduler.{api}", kwargs)


def test_clamped_cosine_is_cosine_then_constant() -> None:
    p = plan("cosine[T100-eta1e-3]")
    assert p.api.endswith(".SequentialLR") and p.kwargs["milestones"] == [100]
    first, hold = p.kwargs["schedulers"]
    assert first["api"].endswith(".CosineAnnealingLR") and hold["api"].endswith(".ConstantLR")
    assert hold["kwargs"]["factor"] == pytest.approx(1e-3 / 0.1, rel=1e-15)
    assert "CosineAnnealingLR rises again after T_max" in p.note


def test_warmup_from_zero_explains_why_not_linear_lr() -> None:
    p = plan("warmup[W10-lr0.1]")
    assert p.api.endswith(".LambdaLR")
    assert "LinearLR needs 0 < start_factor" in p.note and "a warm-up from 0 is impossible" in p.note


def test_warmup_cosine_flattens_into_one_sequential() -> None:
    p = plan("warmup_cosine[W5-T20-lr0.1-from0.01-final1e-3]")
    assert [s["api"].rsplit(".", 1)[1] for s in p.kwargs["schedulers"]] == [
        "LinearLR",
        "CosineAnnealingLR",
        "ConstantLR",
    ]
    assert p.kwargs["milestones"] == [5, 25] and p.setup["optimizer_kwargs"]["lr"] == 0.1


def test_inexpressible_cases_say_why() -> None:
    with pytest.raises(NotExpressible, match="no peak decay per restart"):
        plan("restarts[T10-mult2-m0.5]")


def with_hints(case_id: str, **torch: object):
    case = CATALOGUE[case_id]
    return dataclasses.replace(case, hints={**case.hints, "torch": torch})


def test_stepped_first_is_a_block_of_its_own_stepping_before_every_update() -> None:
    """The wrong order runs apart from the documented loop (its warning and any error stay its own), from the
    first update on; the documented loop's probes keep their block."""
    p = ADAPTER.plan(with_hints("step[k3-g0.5]", loop=["stepped_first"]))
    documented, wrong = p.repro.split('# probe "stepped_first"')
    assert '# probes "schedule", "applied": the training loop torch documents' in documented
    assert "    if True:\n        scheduler.step()  # before the update" in wrong
    assert p.probe_names == ("schedule", "applied", "stepped_first")
    compile(p.repro, "stepped_first", "exec")


def test_per_epoch_steps_the_epochs_scheduler_once_per_epoch() -> None:
    p = plan("per_epoch[spe4-step3-g0.5]")
    assert p.api == "torch.optim.lr_scheduler.StepLR" and p.kwargs == {"step_size": 3, "gamma": 0.5}
    assert "    if step and step % 4 == 0:\n        scheduler.step()" in p.repro
    assert p.setup["steps_per_epoch"] == 4


def test_per_epoch_inside_a_sequence_is_not_expressible() -> None:
    params = {"boundaries": [4], "schedules": [
        {"formula": "constant", "value": 0.1},
        {"formula": "per_epoch", "steps_per_epoch": 2, "schedule": {"formula": "constant", "value": 0.1}},
    ]}  # fmt: skip
    case = dataclasses.replace(CATALOGUE["per_epoch[spe4-step3-g0.5]"], formula="sequential", params=params)
    with pytest.raises(NotExpressible, match="step their parts every update, not per epoch"):
        ADAPTER.plan(case)


def test_hinted_ways_of_resuming_replace_the_default_ones_and_define_only_themselves() -> None:
    p = plan("resume_fresh_optimizer[m30,80-g0.1]")
    assert p.probe_names[2:] == tuple(
        f"{how}_at_{k}" for how in ("fresh_optimizer", "last_epoch_fresh_optimizer") for k in (15, 30, 80, 99)
    )
    assert "def fresh_optimizer(k):" in p.repro and "def last_epoch_fresh_optimizer(k):" in p.repro
    assert "def last_epoch(k):" not in p.repro
    assert "MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1, last_epoch=k - 1)" in p.repro


def test_a_scheduler_without_last_epoch_refuses_the_hinted_last_epoch_ways() -> None:
    case = with_hints("plateau[min-rel-p2-f0.5]", resume=["last_epoch_fresh_optimizer"])
    with pytest.raises(HintError, match="ReduceLROnPlateau has no last_epoch"):
        ADAPTER.plan(case)


def test_unknown_loops_and_ways_are_named() -> None:
    keys = TorchAdapter.hint_keys["torch"]
    assert keys["loop"].problem(["stepped_last"]) == "unknown ['stepped_last']; known: ['stepped_first']"
    assert keys["resume"].problem(["restored", "fresh"]).startswith("unknown ['fresh']; known: ['restored', ")


@pytest.mark.parametrize("case_id", [c for c in CATALOGUE if CATALOGUE[c].resume and CATALOGUE[c].applies_to("torch")])
def test_every_restoring_source_compiles_and_defines_each_way(case_id: str) -> None:
    """The source the new interpreter runs is a string inside the program: compile it on its own."""
    try:
        p = plan(case_id)
    except NotExpressible:
        pytest.skip("not expressible in torch")
    source = p.repro.split('RESUME = r"""', 1)[1].split('\n"""', 1)[0]
    compile(source, case_id, "exec")
    ways = dict.fromkeys(name.rsplit("_at_", 1)[0] for name in p.probe_names if "_at_" in name)
    assert [w for w in ways if f"\ndef {w}(k):" not in source] == []
