"""The MindSpore adapters' pure logic: how cases become MindSpore calls (no MindSpore needed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import reference
from adapters import REGISTRY, load_adapter
from adapters.mindspore_adapter import MindSporeAdapter, MindSporeDynamicAdapter
from cases.catalogue import load_catalogue
from model.adapter import NotExpressible
from model.case import Case
from model.errors import CaseFileError
from model.hints import HintError

from .resumed import restoring_source

CATALOGUE = Path(__file__).resolve().parent.parent / "cases" / "catalogue"
CELLS = MindSporeAdapter()
LISTS = MindSporeDynamicAdapter()


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {case.id: case for case in load_catalogue(CATALOGUE) if not case.invalid}


def make(formula: str, params: dict[str, Any], stop: int = 10, **extra: Any) -> Case:
    return Case(id="t", formula=formula, params=params, steps=np.arange(stop), source="test", **extra)


def exact_types(kwargs: dict[str, Any]) -> dict[str, type]:
    return {key: type(value) for key, value in kwargs.items()}


def test_registry_names_follow_the_test_id_convention() -> None:
    assert isinstance(load_adapter(REGISTRY["mindspore"]), MindSporeAdapter)
    assert isinstance(load_adapter(REGISTRY["mindspore-dynamic"]), MindSporeDynamicAdapter)
    assert "." not in CELLS.name and "." not in LISTS.name  # ids are <case>-<adapter>[.<probe>]


def test_seed_polynomial_becomes_the_seed_cell_with_exact_python_types(cases: dict[str, Case]) -> None:
    plan = CELLS.plan(cases["ms_polynomial[T4-p0.5-lr0.1-end0.01]"])
    assert plan.api == "mindspore.nn.learning_rate_schedule.PolynomialDecayLR"
    assert plan.kwargs == {"learning_rate": 0.1, "end_learning_rate": 0.01, "decay_steps": 4, "power": 0.5,
                           "update_decay_steps": False}  # fmt: skip
    assert exact_types(dict(plan.kwargs)) == {"learning_rate": float, "end_learning_rate": float, "decay_steps": int,
                                              "power": float, "update_decay_steps": bool}  # fmt: skip
    assert plan.probe_names == ("schedule", "graph", "applied")


def test_integers_in_case_data_are_passed_as_floats_where_mindspore_requires_floats() -> None:
    plan = CELLS.plan(make("exponential", {"init_lr": 1, "decay_steps": 2.0, "decay_rate": 1}))
    assert exact_types(dict(plan.kwargs)) == {"learning_rate": float, "decay_rate": float, "decay_steps": int,
                                              "is_stair": bool}  # fmt: skip


def test_seed_piecewise_list_ends_at_the_last_milestone(cases: dict[str, Case]) -> None:
    plan = LISTS.plan(cases["ms_piecewise[2,5,10-0.1,0.05,0.01]"])
    assert plan.api == "mindspore.nn.dynamic_lr.piecewise_constant_lr"
    assert plan.kwargs == {"milestone": [2, 5, 10], "learning_rates": [0.1, 0.05, 0.01]}
    assert plan.probe_names == ("schedule", "applied")


def test_keras_boundary_convention_moves_milestones_by_one() -> None:
    case = make("piecewise_constant", {"boundaries": [3], "values": [0.1, 0.01], "at_boundary": "previous"}, stop=6)
    assert LISTS.plan(case).kwargs["milestone"] == [4, 6]


def test_per_epoch_becomes_step_per_epoch(cases: dict[str, Case]) -> None:
    plan = LISTS.plan(cases["ms_exponential_decay_lr[0.1-0.9-N6-spe2-de1]"])
    assert plan.kwargs == {"learning_rate": 0.1, "decay_rate": 0.9, "total_step": 6, "step_per_epoch": 2,
                           "decay_epoch": 1, "is_stair": False}  # fmt: skip


def test_per_epoch_has_no_cell() -> None:
    inner = {"formula": "exponential", "init_lr": 0.1, "decay_steps": 1, "decay_rate": 0.9}
    with pytest.raises(NotExpressible, match="no epochs"):
        CELLS.plan(make("per_epoch", {"steps_per_epoch": 2, "schedule": inner}))


def test_natural_exp_follows_each_apis_own_documentation() -> None:
    """NaturalExpDecayLR divides by decay_steps (documented); natural_exp_decay_lr documents no division."""
    case = make("natural_exp", {"init_lr": 0.1, "decay_steps": 4, "decay_rate": 0.9})
    assert CELLS.plan(case).kwargs["decay_rate"] == 0.9
    listed = LISTS.plan(case).kwargs
    assert (listed["decay_rate"], listed["decay_epoch"]) == (0.9 / 4, 4)


def documented_exponential(api: str, kwargs: dict[str, Any], steps: np.ndarray) -> np.ndarray:
    """ExponentialDecayLR / exponential_decay_lr as their docstrings define them, from a plan's arguments."""
    if api == "mindspore.nn.learning_rate_schedule.ExponentialDecayLR":
        p = steps / kwargs["decay_steps"]
    else:
        assert api == "mindspore.nn.dynamic_lr.exponential_decay_lr" and steps[-1] < kwargs["total_step"]
        p = (steps // kwargs["step_per_epoch"]) / kwargs["decay_epoch"]
    return kwargs["learning_rate"] * kwargs["decay_rate"] ** (np.floor(p) if kwargs["is_stair"] else p)


def exponential_family() -> list[Any]:
    """Every catalogue case of a formula MindSpore maps onto exponential decay (per epoch too), through each
    adapter, and a factor decay whose floor the steps would reach but the epochs do not."""
    family = {"exponential", "step_decay", "factor_decay"}
    per_epoch = {"steps_per_epoch": 4, "schedule": {"formula": "factor_decay", "init_lr": 1.0, "factor": 0.5,
                                                    "min_lr": 0.05}}  # fmt: skip
    by_epoch = replace(make("per_epoch", per_epoch, stop=20, only=("mindspore-dynamic",)), id="factor-floor-per-epoch")
    cases = [*(c for c in load_catalogue(CATALOGUE) if not c.invalid), by_epoch]
    return [
        pytest.param(case, adapter, id=f"{case.id}-{adapter.name}")
        for case in cases
        for adapter in (CELLS, LISTS)
        if case.applies_to(adapter.name) and (case.params.get("schedule", {}).get("formula") or case.formula) in family
    ]


def without_floor(spec: dict[str, Any]) -> dict[str, Any]:
    """A factor decay's spec (per epoch too) with its floor at 0, where it never binds; other specs unchanged."""
    if spec["formula"] == "per_epoch":
        return {**spec, "schedule": without_floor(spec["schedule"])}
    return {**spec, "min_lr": 0.0} if spec["formula"] == "factor_decay" else spec


@pytest.mark.parametrize(("case", "adapter"), exponential_family())
def test_exponential_decay_is_planned_exactly_where_it_computes_the_case(case: Case, adapter: MindSporeAdapter) -> None:
    """MindSpore's exponential decay has no floor: a factor decay is refused only when its floor is reached by
    the last step (or epoch) the rate is computed for, and every plan computes the reference at every step."""
    steps = np.arange(int(case.steps[-1]) + 1)
    want = case.reference(steps)
    try:
        plan = adapter.plan(case)
    except NotExpressible as exc:
        spec = {"formula": case.formula, **case.params}
        if without_floor(spec) != spec:  # a factor decay: refused for its floor only
            unbounded = reference.build(without_floor(spec))(steps)
            assert not np.array_equal(unbounded, want), f"refused although its floor is not reached: {exc}"
        return
    np.testing.assert_allclose(documented_exponential(plan.api, dict(plan.kwargs), steps), want, rtol=1e-13, atol=0)


def test_epochs_of_epochs_multiply_and_a_part_of_a_sequence_has_its_own() -> None:
    inner = {"formula": "exponential", "init_lr": 0.1, "decay_steps": 2, "decay_rate": 0.5}
    case = make("per_epoch", {"steps_per_epoch": 2, "schedule": {"formula": "per_epoch", "steps_per_epoch": 3,
                                                                 "schedule": inner}}, stop=30)  # fmt: skip
    plan = LISTS.plan(case)
    assert (plan.kwargs["step_per_epoch"], plan.kwargs["total_step"]) == (6, 30)
    np.testing.assert_allclose(documented_exponential(plan.api, dict(plan.kwargs), case.steps), case.reference(),
                               rtol=1e-15)  # fmt: skip
    by_epoch = {"formula": "per_epoch", "steps_per_epoch": 4, "schedule": inner}
    parts = [{"formula": "constant", "value": 0.1}, by_epoch]
    plan = LISTS.plan(make("sequential", {"schedules": parts, "boundaries": [5]}, stop=30))
    _, listed = plan.kwargs["concatenated"]
    assert listed["api"] == "mindspore.nn.dynamic_lr.exponential_decay_lr"
    assert (listed["kwargs"]["total_step"], listed["kwargs"]["step_per_epoch"]) == (25, 4)


def test_cosine_that_climbs_again_is_not_expressible() -> None:
    case = make("cosine", {"init_lr": 0.1, "decay_steps": 5, "past_end": "periodic"}, stop=12)
    with pytest.raises(NotExpressible, match="holds min_lr"):
        CELLS.plan(case)


def test_warmup_from_zero_is_warmup_lr_and_from_a_rate_a_polynomial() -> None:
    assert CELLS.plan(make("linear_warmup", {"peak_lr": 0.1, "warmup_steps": 4})).api.endswith(".WarmUpLR")
    plan = LISTS.plan(make("linear_warmup", {"peak_lr": 0.1, "warmup_steps": 4, "init_lr": 0.01}))
    assert plan.api.endswith(".polynomial_decay_lr") and "starts at 0" in plan.note


def test_sequential_is_a_concatenation_of_lists(cases: dict[str, Case]) -> None:
    plan = LISTS.plan(cases["sequential[const10-exp0.9]"])
    assert "lr = [0.1] * 10 + nn.dynamic_lr.exponential_decay_lr(" in plan.repro
    apis = [part["api"] for part in plan.kwargs["concatenated"]]
    assert apis == ["[value] * count", "mindspore.nn.dynamic_lr.exponential_decay_lr"]
    assert plan.kwargs["concatenated"][1]["kwargs"]["total_step"] == 30


def test_cell_program_checks_scalar_calls_and_runs_graph_mode(cases: dict[str, Case]) -> None:
    program = CELLS.plan(cases["ms_polynomial[T4-p0.5-lr0.1-end0.01]"]).repro
    assert "for step in [0, 4, 7]:" in program and "raise AssertionError" in program
    assert "ms.set_context(mode=ms.GRAPH_MODE)\ngraph = lr(Tensor(steps, ms.int32))" in program
    assert "optimizer = nn.SGD(params, learning_rate=lr)" in program


def test_seed_groups_measure_one_group_of_one_momentum(cases: dict[str, Case]) -> None:
    plan = CELLS.plan(cases["ms_groups[poly-with-fixed0.01]"])
    assert plan.setup["optimizer"] == "mindspore.nn.Momentum"
    assert plan.setup["optimizer_kwargs"] == {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.0}
    assert plan.setup["groups"] == [{"lr": 0.01, "weight_decay": 0.01}, {"lr": "the case's rate"}]
    assert '{"params": [params[0]], "lr": 0.01, "weight_decay": 0.01},' in plan.repro
    assert "/ float(optimizer.moments[1].asnumpy()[0])" in plan.repro


def test_fixed_rate_has_only_the_applied_probe(cases: dict[str, Case]) -> None:
    plan = CELLS.plan(cases["ms_groups[fixed0.01-with-poly]"])
    assert plan.probe_names == ("applied",)
    assert "nn.learning_rate_schedule.PolynomialDecayLR(" in plan.repro  # the other group stays a Cell
    assert "nn.dynamic_lr.polynomial_decay_lr(" in LISTS.plan(cases["ms_groups[fixed0.01-with-poly]"]).repro


def test_dynamic_adapter_needs_a_list_somewhere(cases: dict[str, Case]) -> None:
    with pytest.raises(NotExpressible, match="fixed rates are floats"):
        LISTS.plan(cases["constant[lr0.1]"])
    with pytest.raises(NotExpressible, match="fixed rates are floats"):
        LISTS.plan(cases["ms_groups[fixed1e-6-with-fixed0.1]"])


def test_list_length_hint_runs_the_optimizer_past_the_end(cases: dict[str, Case]) -> None:
    plan = LISTS.plan(cases["ms_piecewise[2,5,10-0.1,0.05,0.01-past_end]"])
    assert plan.kwargs["milestone"] == [2, 5, 10]
    assert "for step in np.arange(0, 13):  # the compared steps" in plan.repro


CASE = """
[[case]]
id = "t"
formula = "exponential"
steps = { stop = 10 }
params = { init_lr = 0.1, decay_steps = 2, decay_rate = 0.5 }
"""


@pytest.mark.parametrize(
    ("hints", "message"),
    [
        (
            "mindspore = { optimiser = {} }",
            "field 'hints.mindspore.optimiser': unknown key; hints.mindspore takes: optimizer, groups",
        ),
        (
            "mindspore = { optimizer = { api = 'Adam' } }",
            "field 'hints.mindspore.optimizer': api must be one of ['Momentum', 'SGD'], got 'Adam'",
        ),
        (
            "mindspore = { optimizer = { nesterov = true } }",
            "field 'hints.mindspore.optimizer': unknown key 'nesterov'; keys: ",
        ),
        (
            "mindspore = { optimizer = { momentum = '0.9' } }",
            "field 'hints.mindspore.optimizer': momentum must be a finite number, got '0.9'",
        ),
        (
            "mindspore = { optimizer = { momentum = true } }",
            "field 'hints.mindspore.optimizer': momentum must be a finite number, got True",
        ),
        (
            "mindspore = { groups = [{ lr = 'case' }, { lr = 'case' }] }",
            "field 'hints.mindspore.groups': exactly one group must have lr = \"case\"",
        ),
        (
            "mindspore = { groups = [{ lr = 'case', momentum = 0.9 }] }",
            "field 'hints.mindspore.groups': [0] must be a table with 'lr' and optional 'weight_decay'",
        ),
        (
            "mindspore = { groups = [{ lr = 'case', weight_decay = 'none' }] }",
            "field 'hints.mindspore.groups': [0].weight_decay must be a finite number, got 'none'",
        ),
        (
            "mindspore = { groups = [{ lr = 'case' }, { lr = { formula = 'cosine', init_lr = 0.1 } }] }",
            "field 'hints.mindspore.groups': [1].lr: cosine: missing required parameter(s) ['decay_steps']",
        ),
        (
            "mindspore = { groups = [{ lr = 'case' }, { lr = 0.1 }] }",
            "field 'hints.mindspore.groups': [1].lr: expected a table with a 'formula' key, got 0.1",
        ),
        (
            "mindspore-dynamic = { length = 0 }",
            "field 'hints.mindspore-dynamic.length': must be >= 1 and at most MAX_STEP = 2,000,000, got 0",
        ),
        (
            "mindspore-dynamic = { length = 1e3 }",
            "field 'hints.mindspore-dynamic.length': must be an integer, got 1000.0",
        ),
        (
            "mindspore-dynamic = { length = 1_000_000_000_000 }",
            "field 'hints.mindspore-dynamic.length': must be >= 1 and at most MAX_STEP",
        ),
    ],
)
def test_bad_hints_are_refused_at_load_naming_the_case_and_the_key(tmp_path: Path, hints: str, message: str) -> None:
    (tmp_path / "ms.toml").write_text(f"{CASE}hints = {{ {hints} }}\n")
    with pytest.raises(CaseFileError) as caught:
        load_catalogue(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'ms.toml'}: case #1 ('t'): {message}"), str(caught.value)


def test_a_learning_rate_without_groups_is_a_hint_error() -> None:
    case = make("exponential", {"init_lr": 0.1, "decay_steps": 2, "decay_rate": 0.5},
                hints={"mindspore": {"optimizer": {"learning_rate": 0.1}}})  # fmt: skip
    with pytest.raises(HintError, match="learning_rate is the groups' default rate: only with groups") as caught:
        LISTS.plan(case)
    assert caught.value.field == "hints.mindspore.optimizer"


@pytest.mark.parametrize("adapter", [CELLS, LISTS], ids=lambda a: a.name)
def test_resume_cases_checkpoint_the_optimizer_and_load_it_into_new_objects(adapter: MindSporeAdapter) -> None:
    planned = 0
    for case in load_catalogue(CATALOGUE):
        if not case.resume:
            continue
        try:
            plan = adapter.plan(case)
        except NotExpressible:
            continue
        planned += 1
        restore = restoring_source(plan.repro)
        compile(restore, case.id, "exec")
        assert plan.probe_names[-len(case.resume) :] == tuple(f"checkpoint_at_{k}" for k in case.resume)
        assert {p.dtype for p in plan.probes if "_at_" in p.name} == {"float32"}
        assert "ms.save_checkpoint(optimizer, " in plan.repro and "ms.load_param_into_net(optimizer, " in restore
        # the restored loop makes each update as the first run does, from the restored global_step
        assert "    optimizer(gradients)\n    applied.append(" in plan.repro
        assert "        optimizer(gradients)\n        rates.append(" in restore
    assert planned >= 9


def test_a_case_without_resume_points_saves_nothing() -> None:
    plan = LISTS.plan(make("exponential", {"init_lr": 0.1, "decay_rate": 0.9, "decay_steps": 1}))
    assert "resume" not in plan.setup and "save_checkpoint" not in plan.repro and "RESUME" not in plan.repro
    assert plan.probe_names == ("schedule", "applied")
