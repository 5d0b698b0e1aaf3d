"""The optax adapter's translation (``plan``) and how its run picks each probe: no jax or optax needed."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from adapters._base import RESUME_PROLOGUE, resume_epilogue
from adapters.optax_adapter import (
    BINDINGS,
    KEYWORDS,
    PROBES,
    PYTHON_PROBE_MAX_STEPS,
    RESUME_PREFIX,
    RESUME_WAYS,
    OptaxAdapter,
)
from cases.catalogue import load_catalogue
from model.adapter import NotExpressible
from model.case import Case
from model.hints import HintError

from .resumed import restoring_source

ROOT = Path(__file__).resolve().parent.parent


def case(formula: str, params: dict, stop: int = 20, hints: dict | None = None) -> Case:
    return Case(id="t", formula=formula, params=params, steps=np.arange(stop), source="test", hints=hints or {})


def plan(formula: str, params: dict, stop: int = 20, **optax_hint):
    hints = {"optax": optax_hint} if optax_hint else None
    return OptaxAdapter().plan(case(formula, params, stop, hints))


def test_warmup_cosine_decay_steps_include_the_warmup():
    p = plan("warmup_cosine", {"peak_lr": 1.0, "warmup_steps": 100, "decay_steps": 900})
    assert p.api == "optax.warmup_cosine_decay_schedule"
    assert p.kwargs["decay_steps"] == 1000 and p.kwargs["warmup_steps"] == 100
    assert "includes the warm-up" in p.note


def test_cosine_final_rate_becomes_alpha_fraction():
    p = plan("cosine", {"init_lr": 0.1, "final_lr": 0.001, "decay_steps": 100})
    assert p.kwargs == {"init_value": 0.1, "decay_steps": 100, "alpha": pytest.approx(0.01, rel=1e-15)}


def test_periodic_cosine_past_its_end_is_not_expressible():
    with pytest.raises(NotExpressible, match="never climbs back"):
        plan("cosine", {"init_lr": 0.1, "decay_steps": 10, "past_end": "periodic"}, stop=30)
    # within one half-period a periodic cosine is the clamped one
    assert plan("cosine", {"init_lr": 0.1, "decay_steps": 10, "past_end": "periodic"}, stop=11).api.endswith(
        "cosine_decay_schedule"
    )


def test_piecewise_values_become_scales_applied_at_the_boundary():
    p = plan("piecewise_constant", {"boundaries": [100, 200], "values": [1.0, 0.1, 0.001]})
    assert p.kwargs["init_value"] == 1.0
    assert p.kwargs["boundaries_and_scales"] == {100: 0.1, 200: pytest.approx(0.01, rel=1e-15)}
    previous = plan("piecewise_constant", {"boundaries": [10], "values": [1.0, 0.5], "at_boundary": "previous"})
    assert previous.kwargs["boundaries_and_scales"] == {11: 0.5}


def test_piecewise_after_a_zero_value_falls_back_to_joined_constants():
    p = plan("piecewise_constant", {"boundaries": [3], "values": [0.0, 0.1]})
    assert p.api == "optax.join_schedules"
    assert p.kwargs["boundaries"] == [3]
    assert [s["kwargs"]["value"] for s in p.kwargs["schedules"]] == [0.0, 0.1]
    assert "nothing follows a zero value" in p.note


def test_torch_one_cycle_knots_go_through_piecewise_interpolate():
    p = plan("one_cycle", {"max_lr": 0.1, "total_steps": 100}, stop=100)
    assert p.api == "optax.piecewise_interpolate_schedule"
    assert p.kwargs["interpolate_type"] == "cosine"
    assert list(p.kwargs["boundaries_and_scales"]) == [0.3 * 100 - 1.0, 99]


def test_onecycle_hint_derives_pct_start_as_a_user_would_write_it():
    params = {"knots": [0, 29, 100], "values": [0.004, 0.1, 4e-7], "kind": "cos"}
    p = plan("interpolate", params, stop=110, api="cosine_onecycle_schedule")
    assert p.kwargs["pct_start"] == 0.29 and p.kwargs["transition_steps"] == 100
    assert p.kwargs["div_factor"] == pytest.approx(25.0) and p.kwargs["final_div_factor"] == pytest.approx(1e4)
    assert int(p.kwargs["pct_start"] * p.kwargs["transition_steps"]) == 28  # optax's truncation, the finding


def test_onecycle_with_an_empty_warmup_takes_literal_kwargs_from_the_hint():
    params = {"knots": [0, 3], "values": [0.036, 1e-9], "kind": "cos"}
    p = plan("interpolate", params, stop=5, api="cosine_onecycle_schedule", kwargs={"div_factor": 4480.0})
    assert p.kwargs["pct_start"] == 0.0 and p.kwargs["div_factor"] == 4480.0
    assert "kwargs from hints.optax" in p.note


def test_a_keyword_at_its_default_is_left_out_as_a_user_writes_it():
    params = {"init_lr": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": False, "transition_begin": 0}
    assert plan("exponential", params).kwargs == {"init_value": 0.1, "transition_steps": 10, "decay_rate": 0.5}
    p = plan("exponential", {**params, "staircase": True, "end_lr": 0.01})
    assert p.kwargs == {"init_value": 0.1, "transition_steps": 10, "decay_rate": 0.5, "staircase": True,
                        "end_value": 0.01}  # fmt: skip


def test_factor_decay_passes_its_floor_where_the_run_reaches_it():
    params = {"init_lr": 1.0, "factor": 0.5, "min_lr": 0.2}  # 0.25 at step 2, the floor from step 3
    assert plan("factor_decay", params, stop=3).kwargs == {"init_value": 1.0, "transition_steps": 1, "decay_rate": 0.5}
    assert plan("factor_decay", params, stop=4).kwargs["end_value"] == 0.2
    with pytest.raises(NotExpressible, match="end_value bounds a decay"):
        plan("factor_decay", {"init_lr": 1.0, "factor": 2.0, "min_lr": 3.0})


def test_a_binding_through_an_identity_maps_the_rewritten_case_with_its_note_or_refuses_with_its_reason():
    p = plan("natural_exp", {"init_lr": 1.0, "decay_steps": 4, "decay_rate": 0.5})
    assert (p.api, p.kwargs["decay_rate"]) == ("optax.exponential_decay", math.exp(-0.5))
    assert p.note == "exp(-r t/D) is exponential_decay with decay_rate = exp(-r)"
    with pytest.raises(NotExpressible, match=r"^exponential_decay: exp\(-decay_rate\) underflows to 0"):
        plan("natural_exp", {"init_lr": 1.0, "decay_steps": 4, "decay_rate": 800.0})
    shifted = plan("step_decay", {"init_lr": 1.0, "step_size": 4, "gamma": 0.5, "offset": 3}, stop=9)
    assert shifted.api == "optax.piecewise_constant_schedule"
    assert "exponential_decay: exponential_decay's staircase counts from step 0" in shifted.note


def test_cyclic_cycles_unroll_into_interpolation_knots():
    p = plan("cyclic", {"base_lr": 0.1, "max_lr": 0.5, "step_size_up": 2, "mode": "triangular2"}, stop=9)
    assert p.api == "optax.piecewise_interpolate_schedule" and p.kwargs["interpolate_type"] == "linear"
    scales = p.kwargs["boundaries_and_scales"]
    assert list(scales) == [2, 4, 6, 8, 10, 12]  # three cycles of 4 steps reach step 8
    knots = np.cumprod([p.kwargs["init_value"], *scales.values()])
    np.testing.assert_allclose(knots, [0.1, 0.5, 0.1, 0.3, 0.1, 0.2, 0.1], rtol=1e-15)
    with pytest.raises(NotExpressible, match="cyclic cycles: 15000 within the compared steps"):
        plan("cyclic", {"base_lr": 0.1, "max_lr": 0.5, "step_size_up": 1}, stop=30_001)
    exp_range = {"base_lr": 0.1, "max_lr": 0.5, "step_size_up": 2, "mode": "exp_range", "gamma": 0.9}
    with pytest.raises(NotExpressible, match="only where their amplitude is constant"):
        plan("cyclic", {**exp_range, "scale_mode": "cycle"})


def test_sgdr_gets_one_cycle_per_restart_reached():
    p = plan("cosine_restarts", {"init_lr": 0.1, "first_period": 10, "t_mult": 2.0, "m_mul": 0.5}, stop=80)
    cycles = p.kwargs["cosine_kwargs"]
    assert [c["decay_steps"] for c in cycles] == [10, 20, 40, 80]  # starts 0, 10, 30, 70 <= 79
    assert [c["peak_value"] for c in cycles] == [0.1, 0.05, 0.025, 0.0125]


def test_warmup_then_exponential_is_the_builtin():
    params = {
        "boundaries": [10],
        "schedules": [
            {"formula": "linear_warmup", "peak_lr": 0.1, "warmup_steps": 10},
            {"formula": "exponential", "init_lr": 0.1, "decay_steps": 5, "decay_rate": 0.5, "transition_begin": 5},
        ],
    }
    p = plan("sequential", params, stop=60)
    assert p.api == "optax.warmup_exponential_decay_schedule"
    assert p.kwargs == {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "transition_steps": 5,
                        "decay_rate": 0.5, "transition_begin": 5}  # fmt: skip


def test_create_learning_rate_fn_runs_the_guide_verbatim():
    hint = {
        "api": "create_learning_rate_fn",
        "config": {"warmup_epochs": 5.0, "num_epochs": 100.0},
        "steps_per_epoch": 390,
    }
    p = plan("warmup_cosine", {"peak_lr": 0.05, "warmup_steps": 1950, "decay_steps": 37050}, **hint)
    assert p.kwargs == {
        "config": {"warmup_epochs": 5.0, "num_epochs": 100.0},
        "base_learning_rate": 0.05,
        "steps_per_epoch": 390,
    }
    assert "cosine_epochs = max(config.num_epochs - config.warmup_epochs, 1)" in p.repro
    assert "create_learning_rate_fn(config, 0.05, 390)" in p.repro


def test_create_learning_rate_fn_config_must_imply_the_case():
    hint = {"api": "create_learning_rate_fn", "config": {"warmup_epochs": 5, "num_epochs": 3}, "steps_per_epoch": 468}
    with pytest.raises(HintError, match=r"decay_steps=468 \(case: 1404\)") as caught:
        plan("warmup_cosine", {"peak_lr": 0.001, "warmup_steps": 2340, "decay_steps": 1404}, **hint)
    assert caught.value.field == "hints.optax.config"


@pytest.mark.parametrize(
    ("hint", "field", "message"),
    [
        (
            {"kwargs": {"peak_value": 0.1}},
            "hints.optax.kwargs",
            "['peak_value'] are no keywords of optax.constant_schedule: ['value']",
        ),
        (
            {"api": "cosine_decay_schedule"},
            "hints.optax.api",
            "cosine_decay_schedule is no optax schedule for formula 'constant' (mapped: constant_schedule)",
        ),
        (
            {"api": "create_learning_rate_fn", "config": {"warmup_epochs": 1, "num_epochs": 2}},
            "hints.optax.api",
            "is no optax schedule for formula 'constant'",
        ),
    ],
)
def test_a_hint_that_does_not_fit_the_case_is_a_hint_error(hint: dict, field: str, message: str):
    with pytest.raises(HintError, match=re.escape(message)) as caught:
        plan("constant", {"value": 0.1}, **hint)
    assert caught.value.field == field


def test_create_learning_rate_fn_needs_its_config():
    params = {"peak_lr": 0.001, "warmup_steps": 2340, "decay_steps": 1404}
    with pytest.raises(HintError, match="needs config and steps_per_epoch") as caught:
        plan("warmup_cosine", params, api="create_learning_rate_fn", steps_per_epoch=468)
    assert caught.value.field == "hints.optax.config"


def test_the_keyword_table_covers_every_api_the_adapter_calls():
    apis = {api for pairs in BINDINGS.values() for api, _ in pairs} - {"create_learning_rate_fn"}
    assert set(KEYWORDS) == apis


@pytest.mark.parametrize("formula", ["inverse_time", "inverse_sqrt", "product", "reduce_on_plateau"])
def test_formulas_without_an_optax_schedule(formula):
    spec = next(c for c in load_catalogue(ROOT / "cases" / "catalogue") if c.formula == formula)
    with pytest.raises(NotExpressible, match="optax"):
        OptaxAdapter().plan(spec)


def test_every_catalogue_case_plans_or_says_why():
    for spec in load_catalogue(ROOT / "cases" / "catalogue"):
        if not spec.applies_to("optax"):
            continue
        try:
            p = OptaxAdapter().plan(spec)
        except NotExpressible as exc:
            assert str(exc), spec.id
            continue
        compile(p.repro, spec.id, "exec")
        long_case = spec.steps.size > PYTHON_PROBE_MAX_STEPS
        probes = ("schedule", "jit", "x64", "applied", "injected") if long_case else tuple(p.name for p in PROBES)
        resumed = tuple(f"{how}_at_{k}" for how in ("restored", "reinit") for k in spec.resume)
        assert p.probe_names == (*probes, *resumed), spec.id
        assert ("per_step(int(t))" in p.repro) is not long_case
        assert ("no python probe" in p.note) is long_case


def test_run_picks_each_probe_as_indexed_and_blames_an_error_on_the_probes_it_stopped():
    """The program records the schedule probes at the compared steps, the training probes per update."""
    c = replace(case("constant", {"value": 0.5}), steps=np.array([0, 2]))
    program = (
        "import numpy as np\n"
        "schedule = jit = python = np.array([0.5, 0.25], dtype=np.float32)\n"
        "applied = injected = np.array([0.5, 0.375, 0.25], dtype=np.float32)\n"
        "raise RuntimeError('x64 failed')\n"
    )
    out = OptaxAdapter().run(c, replace(OptaxAdapter().plan(c), repro=program))
    assert out["applied"].values.tolist() == out["injected"].values.tolist() == [0.5, 0.25]  # updates 0 and 2
    assert (out["jit"].values.tolist(), out["jit"].dtype, out["jit"].error) == ([0.5, 0.25], "float32", None)
    assert np.isnan(out["x64"].values).all() and out["x64"].dtype == "float64"
    assert out["x64"].error == "RuntimeError: x64 failed"


def test_resume_cases_save_after_k_updates_and_restore_both_ways_in_float32():
    for spec in load_catalogue(ROOT / "cases" / "catalogue"):
        if not spec.resume or not spec.applies_to("optax"):
            continue
        try:
            p = OptaxAdapter().plan(spec)
        except NotExpressible:
            continue
        restore = restoring_source(p.repro)
        compile(restore, spec.id, "exec")
        assert "def restored(k):" in restore and "def reinit(k):" in restore
        assert f"resume_at = {list(spec.resume)}" in p.repro and "np.savez(" in p.repro
        assert {probe.dtype for probe in p.probes if "_at_" in probe.name} == {"float32"}
        assert "np.savez" in p.setup["resume"]


def test_a_case_without_resume_points_runs_the_program_it_ran_before():
    p = plan("exponential", {"init_lr": 0.1, "decay_rate": 0.9, "decay_steps": 1})
    assert "resume" not in p.setup and "RESUME" not in p.repro and "np.savez" not in p.repro
    assert 'injected_state.hyperparams["learning_rate"])\n' in p.repro
    assert "applied, injected = (np.asarray(rates) for rates in train())\n" in p.repro


def test_the_flax_guide_resumes_with_its_docstring_in_single_quotes():
    hint = {"optax": {"api": "create_learning_rate_fn", "config": {"warmup_epochs": 1, "num_epochs": 3},
                      "steps_per_epoch": 2}}  # fmt: skip
    params = {"peak_lr": 0.1, "warmup_steps": 2, "decay_steps": 4}
    spec = replace(case("warmup_cosine", params, stop=6, hints=hint), resume=(3,))
    p = OptaxAdapter().plan(spec)
    restore = restoring_source(p.repro)
    compile(restore, spec.id, "exec")
    assert "'''Creates learning rate schedule.'''" in restore and "restored_at_3" in p.probe_names


def test_the_rates_before_k_are_the_first_runs_applied_rates_at_the_compared_steps():
    """``applied`` holds every update; with sparse steps the probes take its compared steps before k."""
    c = replace(case("constant", {"value": 0.5}), steps=np.array([0, 2, 5]), resume=(3,))
    restore = "def restored(k):\n    return [float(k)] * len([s for s in compared if s >= k])\n"
    program = (
        "import numpy as np\n"
        + RESUME_PROLOGUE.format(points=[3])
        + "applied = np.array([10, 11, 12, 13, 14, 15], dtype=np.float32)\n"
        + resume_epilogue(c, ["restored"], restore, prefix=RESUME_PREFIX)
    )
    namespace: dict = {}
    exec(compile(program, "resume", "exec"), namespace)
    assert namespace["restored_at_3"] == [10.0, 12.0, 3.0]  # updates 0 and 2, then the restored run at step 5
    assert RESUME_WAYS == ("restored", "reinit")
