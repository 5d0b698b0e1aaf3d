"""The transformers adapter's mapping from cases to transformers.optimization calls (pure: transformers not needed)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from adapters.transformers_adapter import SCHEDULER_TYPES, TransformersAdapter
from model.adapter import NotExpressible
from tests.mapping import CATALOGUE

ADAPTER = TransformersAdapter()


def plan(case_id: str):
    return ADAPTER.plan(CATALOGUE[case_id])


def planned(case_id: str):
    """The case's plan, or the test skipped with the reason transformers cannot express the case (it must have one)."""
    try:
        return plan(case_id)
    except NotExpressible as exc:
        assert str(exc), "a NotExpressible needs a reason"
        pytest.skip(f"not expressible in transformers: {exc}")


@pytest.mark.parametrize("case_id", list(CATALOGUE))
def test_every_program_imports_and_calls_only_its_transformers_function(case_id: str) -> None:
    p = planned(case_id)
    compile(p.repro, case_id, "exec")
    assert json.loads(json.dumps({"kwargs": p.kwargs, "setup": p.setup}))["kwargs"] == p.kwargs
    function = p.api.removeprefix("transformers.optimization.")
    assert function in {*SCHEDULER_TYPES, "get_scheduler"}
    assert f"from transformers.optimization import {function}\n" in p.repro
    assert "lr_scheduler" not in p.repro, "the program builds transformers' schedule, not a torch one"


def _warm(t: int, w: int) -> float:
    return float(t) / float(max(1, w))


#: transformers 5.18's lambdas as its docstrings describe them (factor of the optimizer's rate at step t), from the
#: keyword arguments: enough to check, without transformers, that a mapped case means its formula.
CLOSED_FORMS = {
    "get_constant_schedule": lambda kw, t: 1.0,
    "get_constant_schedule_with_warmup": lambda kw, t: min(_warm(t, kw["num_warmup_steps"]), 1.0),
    "get_linear_schedule_with_warmup": lambda kw, t, w=None: _warm(t, kw["num_warmup_steps"])
    if t < kw["num_warmup_steps"]
    else max(0.0, (kw["num_training_steps"] - t) / max(1, kw["num_training_steps"] - kw["num_warmup_steps"])),
    "get_cosine_schedule_with_warmup": lambda kw, t: _warm(t, kw["num_warmup_steps"])
    if t < kw["num_warmup_steps"]
    else 0.5 * (1 + math.cos(math.pi * kw.get("num_cycles", 0.5) * 2 * (t - kw["num_warmup_steps"])
                             / (kw["num_training_steps"] - kw["num_warmup_steps"]))),
    "get_inverse_sqrt_schedule": lambda kw, t: _warm(t, kw["num_warmup_steps"])
    if t < kw["num_warmup_steps"]
    else 1 / math.sqrt((t + kw["timescale"] - kw["num_warmup_steps"]) / kw["timescale"]),
}  # fmt: skip


@pytest.mark.parametrize("case_id", list(CATALOGUE))
def test_a_mapped_case_means_its_formula(case_id: str) -> None:
    p = planned(case_id)
    function = p.api.rsplit(".", 1)[1]
    if function not in CLOSED_FORMS:
        pytest.skip(f"{function} has no closed form here: the torch env runs it")
    case, lr = CATALOGUE[case_id], p.setup["optimizer_kwargs"]["lr"]
    got = [lr * CLOSED_FORMS[function](p.kwargs, int(t)) for t in case.steps]
    np.testing.assert_allclose(got, case.reference(), rtol=1e-12, atol=1e-15 * lr)


def test_the_lr_rate_variant_reaches_the_peak_one_step_before_num_warmup_steps() -> None:
    """The case's warm-up of 9 steps from lr/10 is transformers' num_warmup_steps=10 (default warmup_lr_rate), its
    90 decay steps num_training_steps=100."""
    p = plan("hf_cosine_warmup_with_min_lr[W10-N100-rate0.1]")
    assert p.api == "transformers.optimization.get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    assert p.kwargs == {"num_warmup_steps": 10, "num_training_steps": 100, "min_lr_rate": 0.01 / 0.1}
    half = plan("hf_cosine_warmup_with_min_lr[W10-N100-warmup_lr_rate0.5]")
    assert half.kwargs["warmup_lr_rate"] == 0.5 and half.kwargs["num_warmup_steps"] == 10


def test_get_scheduler_takes_the_warm_up_and_training_steps_and_the_rest_as_specific_kwargs() -> None:
    p = plan("hf_by_name[warmup_stable_decay-W5-S10-D10-cosine]")
    assert p.api == "transformers.optimization.get_scheduler"
    assert "get_scheduler('warmup_stable_decay', optimizer, num_warmup_steps=5, scheduler_specific_kwargs=" in p.repro
    assert p.kwargs["scheduler_specific_kwargs"] == {"num_decay_steps": 10, "num_stable_steps": 10,
                                                     "decay_type": "cosine"}  # fmt: skip
    assert plan("hf_by_name[constant-lr0.1]").kwargs == {"name": "constant"}
    assert p.probe_names == ("schedule", "applied")


def test_what_transformers_cannot_express_says_why() -> None:
    reasons = {
        "hf_linear[W3-N13-as_sequential]": None,
        "d2l_cosine_warmup[T20-W5-lr0.3-final0.01]": "transformers' cosines are not clamped",
        "wsd[W20-S60-D20-linear-final1e-3]": "get_wsd_schedule warms up from min_lr_ratio * lr",
        "warmup[W10-lr0.1-from0.01]": "get_constant_schedule_with_warmup warms up from 0",
    }
    for case_id, reason in reasons.items():
        if reason is None:
            assert plan(case_id).api.endswith("get_linear_schedule_with_warmup")
            continue
        with pytest.raises(NotExpressible, match=reason.replace("*", r"\*")):
            plan(case_id)
