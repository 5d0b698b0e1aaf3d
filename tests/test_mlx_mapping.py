"""The mlx adapter's translation (``plan``), its step convention and its programs: no MLX needed."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

import reference
from adapters.mlx_adapter import BINDINGS, PYTHON_PROBE_MAX_STEPS, RESUME_WAYS, MlxAdapter
from model.adapter import NotExpressible
from model.case import Case

from .mapping import CATALOGUE
from .resumed import restoring_source

PER_UPDATE = ("learning_rate", "applied")


def case(formula: str, params: dict, stop: int = 20) -> Case:
    return Case(id="t", formula=formula, params=params, steps=np.arange(stop), source="test", hints={})


def plan(formula: str, params: dict, stop: int = 20):
    return MlxAdapter().plan(case(formula, params, stop))


def catalogue_case(case_id: str) -> Case:
    return CATALOGUE[case_id]


# --- the step convention: update t reads schedule(t) -----------------------------------------------------------

#: MLX's docstrings: (case, updates made, ``optimizer.learning_rate`` printed after them, whether step n differs).
DOCSTRINGS = [
    ("exponential[mlx-doc-0.1-0.9]", 5, "0.06561", True),
    ("step[mlx-doc-0.1-0.9-k10]", 21, "0.081", False),
    ("cosine[mlx-doc-0.1-T1000]", 5, "0.0999961", True),
    ("linear[mlx-doc-0-0.1-T100]", 101, "0.1", False),
    ("sequential[mlx-doc-linear10-cosine200]", 12, "0.0999938", True),
]


@pytest.mark.parametrize(("case_id", "updates", "printed", "shift_shows"), DOCSTRINGS)
def test_the_docstrings_print_after_n_updates_the_reference_at_step_n_minus_1(case_id, updates, printed, shift_shows):
    """``apply_gradients`` reads the schedule at ``state["step"]`` and then increments it from 0: after n updates
    ``optimizer.learning_rate`` holds the value of step n - 1, the rate update n - 1 applied. The docstrings print
    float32 values to 6 significant digits; where the schedule moves, the reference at step n prints otherwise (the
    step and linear examples print a plateau, the same at n - 1 and n)."""
    spec = catalogue_case(case_id)
    values = reference.build({"formula": spec.formula, **spec.params})(np.array([updates - 1, updates]))
    assert f"{values[0]:.6g}" == printed
    assert (f"{values[1]:.6g}" != printed) is shift_shows


def test_the_program_reads_the_rate_after_the_update_that_used_it():
    """``optimizer.learning_rate`` is recorded after update t (``state["learning_rate"]`` is set before the step
    is incremented), and the applied rate is the move of a parameter held at 0."""
    p = plan("exponential", {"init_lr": 0.1, "decay_steps": 1, "decay_rate": 0.9}, stop=5)
    loop = p.repro.split("for t in range(5):", 1)[1]
    assert loop.index("optimizer.apply_gradients(grads, params)") < loop.index("read.append(optimizer.learning_rate")
    assert 'moved.append(-new["w"].item())' in loop
    assert [(probe.name, probe.per, probe.dtype) for probe in p.probes] == [
        ("schedule", "step", "float32"),
        ("python", "step", "float32"),
        ("learning_rate", "update", "float32"),
        ("applied", "update", "float32"),
    ]
    assert "schedule = np.array(make_schedule()(mx.array(steps)))" in p.repro


def test_the_python_probe_calls_the_schedule_once_per_int_up_to_its_limit():
    """One call per Python int, as MLX's own tests call a schedule; beyond PYTHON_PROBE_MAX_STEPS steps it is left
    out, with a note, and the other probes still cover every step."""
    short = plan("cosine", {"init_lr": 0.1, "decay_steps": 10}, stop=PYTHON_PROBE_MAX_STEPS)
    assert short.probe_names == ("schedule", "python", *PER_UPDATE) and "per_step(int(t))" in short.repro
    assert "no python probe" not in short.note
    long = plan("cosine", {"init_lr": 0.1, "decay_steps": 10}, stop=PYTHON_PROBE_MAX_STEPS + 1)
    assert long.probe_names == ("schedule", *PER_UPDATE) and "per_step" not in long.repro
    assert long.note == f"no python probe: {PYTHON_PROBE_MAX_STEPS + 1} steps exceed 2000 one-by-one calls"


# --- the mappings -----------------------------------------------------------------------------------------------


def test_every_mlx_catalogue_case_plans_with_json_kwargs_and_a_program_that_compiles():
    planned = 0
    for spec in CATALOGUE.values():
        if not spec.applies_to("mlx"):
            continue
        try:
            p = MlxAdapter().plan(spec)
        except NotExpressible as exc:
            assert str(exc), spec.id
            assert spec.source != "cases/catalogue/mlx.toml", f"{spec.id}: an MLX case must be expressible"
            continue
        compile(p.repro, spec.id, "exec")
        assert json.loads(json.dumps(p.kwargs)) == p.kwargs, spec.id
        planned += 1
    assert planned >= 60


def test_exponential_decay_decays_once_per_step():
    p = plan("exponential", {"init_lr": 0.1, "decay_steps": 1, "decay_rate": 0.9})
    assert (p.api, p.kwargs, p.note) == ("mlx.optimizers.exponential_decay", {"init": 0.1, "decay_rate": 0.9}, "")
    p = plan("exponential", {"init_lr": 0.1, "decay_steps": 1000, "decay_rate": 0.96})
    assert p.kwargs == {"init": 0.1, "decay_rate": 0.96 ** (1 / 1000)}
    assert "rounded: MLX decays once per step" in p.note


def test_a_staircase_exponential_is_step_decay_and_its_step_size_an_integer():
    p = plan("exponential", {"init_lr": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True})
    assert (p.api, p.kwargs) == ("mlx.optimizers.step_decay", {"init": 0.1, "decay_rate": 0.5, "step_size": 10})
    assert plan("step_decay", {"init_lr": 1.0, "step_size": 3, "gamma": 0.5}).kwargs == {
        "init": 1.0,
        "decay_rate": 0.5,
        "step_size": 3,
    }
    with pytest.raises(NotExpressible, match=r"step_decay needs an integer step_size, the case has step_size=2\.5"):
        plan("step_decay", {"init_lr": 1.0, "step_size": 2.5, "gamma": 0.5})


@pytest.mark.parametrize(
    ("formula", "params", "reason"),
    [
        ("step_decay", {"init_lr": 1.0, "step_size": 3, "gamma": 0.5, "offset": 1}, "it has no offset"),
        ("exponential", {"init_lr": 1.0, "decay_steps": 2, "decay_rate": 0.5, "transition_begin": 3},
         "exponential_decay starts decaying at step 0: it has no transition_begin"),
        ("exponential", {"init_lr": 1.0, "decay_steps": 2, "decay_rate": 0.5, "end_lr": 0.1},
         "exponential_decay has no floor or ceiling"),
        ("cosine", {"init_lr": 1.0, "decay_steps": 10, "exponent": 2.0}, "it has no exponent"),
        ("cosine", {"init_lr": 1.0, "decay_steps": 10, "past_end": "periodic"}, "never climbs back"),
        ("polynomial", {"init_lr": 1.0, "decay_steps": 10, "power": 2.0}, "no power other than 1"),
        ("linear", {"init_lr": 1.0, "end_lr": 0.0, "transition_steps": 10, "transition_begin": 2},
         "linear_schedule starts its ramp at step 0"),
        ("inverse_time", {"init_lr": 1.0, "decay_steps": 10, "decay_rate": 0.5}, "no inverse-time schedule"),
    ],
)  # fmt: skip
def test_what_mlx_cannot_express_says_why(formula, params, reason):
    with pytest.raises(NotExpressible, match=reason):
        plan(formula, params, stop=30)


def test_cosine_decay_passes_end_only_when_the_case_sets_a_floor():
    assert plan("cosine", {"init_lr": 0.1, "decay_steps": 10}).kwargs == {"init": 0.1, "decay_steps": 10}
    assert plan("cosine", {"init_lr": 0.1, "decay_steps": 10, "final_lr": 0.05}).kwargs == {
        "init": 0.1,
        "decay_steps": 10,
        "end": 0.05,
    }
    # within one half-period a periodic cosine is the clamped one
    assert plan("cosine", {"init_lr": 0.1, "decay_steps": 10, "past_end": "periodic"}, stop=11).api.endswith(
        "cosine_decay"
    )


def test_linear_warmup_reaches_linear_schedule_through_its_identity():
    p = plan("linear_warmup", {"peak_lr": 0.1, "warmup_steps": 10})
    assert (p.api, p.kwargs) == ("mlx.optimizers.linear_schedule", {"init": 0.0, "end": 0.1, "steps": 10})


def test_a_constant_is_a_ramp_from_the_value_to_itself():
    p = plan("constant", {"value": 0.1})
    assert (p.api, p.kwargs) == ("mlx.optimizers.linear_schedule", {"init": 0.1, "end": 0.1, "steps": 1})
    assert "no constant schedule" in p.note


def test_piecewise_constants_join_at_the_integer_step_that_switches():
    p = plan("piecewise_constant", {"boundaries": [2.5, 5], "values": [1.0, 0.5, 0.25], "at_boundary": "previous"})
    assert p.api == "mlx.optimizers.join_schedules"
    assert p.kwargs["boundaries"] == [3, 6]  # "previous": a boundary's own step still has the earlier value
    assert [part["kwargs"]["init"] for part in p.kwargs["schedules"]] == [1.0, 0.5, 0.25]


def test_join_schedules_restarts_each_part_and_renders_the_list_first():
    spec = catalogue_case("sequential[mlx-test-warmup100-cosine100-at101]")
    p = MlxAdapter().plan(spec)
    assert p.kwargs["boundaries"] == [101]
    assert [part["api"] for part in p.kwargs["schedules"]] == [
        "mlx.optimizers.linear_schedule",
        "mlx.optimizers.cosine_decay",
    ]
    assert (
        "optim.join_schedules(\n        [\n            optim.linear_schedule(init=0.0, end=1e-05, steps=100),"
        in p.repro
    )
    # the peak is held twice: the ramp's end at step 100, the cosine's start at step 101
    values = reference.build({"formula": spec.formula, **spec.params})(np.array([99, 100, 101, 102, 201]))
    assert values[1] == values[2] == 1e-5 and values[0] < values[1] and values[3] < values[2]
    assert values[4] == 0.0


def test_every_binding_names_an_mlx_schedule():
    apis = {api for pairs in BINDINGS.values() for api, _ in pairs}
    assert apis == {"step_decay", "exponential_decay", "cosine_decay", "linear_schedule", "join_schedules"}


# --- resume -------------------------------------------------------------------------------------------------------


def test_resume_cases_save_the_state_as_safetensors_and_restore_both_ways_in_float32():
    resumed = 0
    for spec in CATALOGUE.values():
        if not spec.resume or not spec.applies_to("mlx"):
            continue
        try:
            p = MlxAdapter().plan(spec)
        except NotExpressible:
            continue
        restore = restoring_source(p.repro)
        compile(restore, spec.id, "exec")
        assert "def restored(k):" in restore and "def reinit(k):" in restore
        assert (
            "    optimizer = checkpoint(k)\n    optimizer.init(params)\n    return rates_from(k, optimizer)" in restore
        )
        assert "optimizer.state = tree_unflatten(list(mx.load(" in restore
        assert f"resume_at = {list(spec.resume)}" in p.repro
        # after update t, t + 1 updates are done: the checkpoint of resume point k = t + 1
        assert "if t + 1 in resume_at:" in p.repro and 'f"{t + 1}.safetensors"' in p.repro
        assert "mx.save_safetensors(" in p.repro and "dict(tree_flatten(optimizer.state))" in p.repro
        names = tuple(f"{how}_at_{k}" for how in RESUME_WAYS for k in spec.resume)
        assert p.probe_names[-len(names) :] == names and p.probe_names[-len(names) - 2 :][:2] == PER_UPDATE, spec.id
        assert {probe.dtype for probe in p.probes if "_at_" in probe.name} == {"float32"}
        resumed += 1
    assert resumed >= 10


def test_a_case_without_resume_points_saves_nothing():
    p = plan("cosine", {"init_lr": 0.1, "decay_steps": 10})
    assert "resume" not in p.setup and "RESUME" not in p.repro and "save_safetensors" not in p.repro
    with_points = MlxAdapter().plan(replace(case("cosine", {"init_lr": 0.1, "decay_steps": 10}), resume=(4,)))
    assert "mx.save_safetensors(" in with_points.repro and "restored_at_4" in with_points.probe_names
