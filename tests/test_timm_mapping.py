"""The timm adapter's mapping from cases to timm.scheduler calls (pure: timm is not needed here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adapters.timm_adapter import TimmAdapter
from model.adapter import NotExpressible
from model.case import Case
from model.hints import HintError
from tests.mapping import CATALOGUE, program_plan

ADAPTER = TimmAdapter()


@pytest.mark.parametrize("case_id", list(CATALOGUE))
def test_every_plan_is_a_runnable_program_with_json_kwargs(case_id: str) -> None:
    p = program_plan(ADAPTER, case_id)
    if p is None:
        return
    case = CATALOGUE[case_id]
    resumed = tuple(f"{how}_at_{k}" for how in ("restored", "rebuilt") for k in case.resume)
    noise = ("noise",) if "noise" in case.hint("timm") else ()
    if p.api == "timm.scheduler.PlateauLRScheduler":
        assert p.probe_names == ("schedule", "applied", *resumed)
    else:
        assert p.probe_names == ("schedule", "updates", "applied", "shuffled", *noise, *resumed)


def cycle(kw: dict, base: float, t: np.ndarray, shape) -> np.ndarray:
    """timm's closed form of a cycle scheduler without warm-up, in its own words (cosine_lr.py, poly_lr.py)."""
    m, t0, lr_min = kw.get("cycle_mul", 1.0), kw["t_initial"], kw.get("lr_min", 0.0)
    out = []
    for s in t:
        i = math.floor(math.log(1 - s / t0 * (1 - m), m)) if m != 1 else s // t0
        t_i = m**i * t0
        t_curr = s - (1 - m**i) / (1 - m) * t0 if m != 1 else s - t0 * i
        peak = base * kw.get("cycle_decay", 1.0) ** i
        out.append(lr_min + (peak - lr_min) * shape(t_curr, t_i) if i < kw.get("cycle_limit", 1) else lr_min)
    return np.array(out)


@pytest.mark.parametrize(
    ("case_id", "shape"),
    [
        ("timm-cosine[T100-min1e-3]", lambda c, t: 0.5 * (1 + math.cos(math.pi * c / t))),
        ("timm-cosine[T10-mul2-decay0.5-limit3-min1e-3]", lambda c, t: 0.5 * (1 + math.cos(math.pi * c / t))),
        ("timm-cosine[T20-k2]", lambda c, t: 0.5 * (1 + math.cos(math.pi * c**2 / t**2))),
        ("timm-poly[T20-p2-k1.5-limit2-decay0.5]", lambda c, t: (1 - c**1.5 / t**1.5) ** 2.0),
    ],
)
def test_cycle_schedulers_mean_the_case(case_id: str, shape) -> None:
    case = CATALOGUE[case_id]
    p = ADAPTER.plan(case)
    got = cycle(p.kwargs, p.setup["optimizer_kwargs"]["lr"], case.steps, shape)
    np.testing.assert_allclose(got, case.reference(), rtol=1e-12, atol=1e-15)


def test_factory_gets_every_argument_and_the_classes_only_the_set_ones() -> None:
    factory = ADAPTER.plan(CATALOGUE["timm-v2-cosine[E30-W3]"])
    assert factory.api == "timm.scheduler.create_scheduler_v2"
    assert factory.kwargs == {
        "sched": "cosine", "num_epochs": 30, "min_lr": 1e-5, "warmup_lr": 1e-5, "warmup_epochs": 3,
        "warmup_prefix": False, "cycle_mul": 1.0, "cycle_decay": 1.0, "cycle_limit": 1, "k_decay": 1.0,
    }  # fmt: skip
    assert "step_on_epochs=t_in_epochs, updates_per_epoch=1)[0]" in factory.repro
    cls = ADAPTER.plan(CATALOGUE["timm-cosine[T20-W5-prefix]"])
    assert cls.kwargs == {"t_initial": 20, "warmup_t": 5, "warmup_lr_init": 1e-3, "warmup_prefix": True}
    assert cls.setup["optimizer_kwargs"] == {"lr": 0.1}


def test_noise_hint_reaches_the_call_and_is_refused_where_it_cannot() -> None:
    p = ADAPTER.plan(CATALOGUE["timm-cosine[T30-noise]"])
    assert p.setup["noise"] == {"noise_range_t": [5, 25], "noise_pct": 0.1, "noise_seed": 42}
    assert "abs(a - clean) < 0.1 * clean" in p.repro
    plateau = CATALOGUE["timm-plateau[min-p2-f0.5]"]
    hinted = Case(**{**plateau.__dict__, "hints": {"timm": {"noise": {"range_t": 2}}}})
    with pytest.raises(HintError, match=r"hints\.timm\.noise: is for the stateless scheduler classes"):
        ADAPTER.plan(hinted)


def test_what_timm_cannot_express_says_why() -> None:
    periodic = CATALOGUE["cosine[T100-eta1e-3-periodic]"]
    with pytest.raises(NotExpressible, match="restarts at the peak after t_initial"):
        ADAPTER.plan(periodic)
