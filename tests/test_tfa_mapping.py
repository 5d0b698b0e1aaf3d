"""The TF-Addons and legacy tf.keras adapters' pure logic: parameter mapping and generated programs.

No framework is imported: ``plan()`` is pure and the generated programs are only compiled.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from adapters._base import program_blocks, steps_source
from adapters._tf import update_loop
from adapters.keras_legacy_adapter import KerasLegacyAdapter
from adapters.tfa_adapter import TfaAdapter
from cases.catalogue import load_catalogue
from model.adapter import NotExpressible, Plan, Probe
from model.case import Case
from model.hints import HintError

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = {case.id: case for case in load_catalogue(ROOT / "cases" / "catalogue", root=ROOT)}


def cyclic(steps: int = 40, hints: dict | None = None, **params: object) -> Case:
    full = {"base_lr": 0.001, "max_lr": 0.006, "step_size_up": 10, **params}
    return Case("cyclic[test]", "cyclic", full, np.arange(steps), "tests/test_tfa_mapping.py", hints=hints or {})


def test_seed_case_uses_the_seeds_class_scale_fn_and_step_array() -> None:
    plan = TfaAdapter().plan(CATALOGUE["cyclic[seed003-triangular2-10epochs]"])
    assert plan.api == "tfa.optimizers.CyclicalLearningRate"
    assert dict(plan.kwargs) == {
        "initial_learning_rate": 1e-4,
        "maximal_learning_rate": 1e-2,
        "step_size": 1874,
        "scale_fn": "lambda x: 1/(2.**(x-1))",
    }
    assert plan.probe_names == ("schedule", "applied")
    assert "steps = np.arange(0, 9380)\nschedule = clr(steps)" in plan.repro
    assert "optimizer = tf.keras.optimizers.SGD(learning_rate=clr)" in plan.repro
    assert "train(9380)" in plan.repro
    compile(plan.repro, "repro", "exec")


@pytest.mark.parametrize(
    ("params", "api", "extra"),
    [
        ({}, "TriangularCyclicalLearningRate", {}),
        ({"mode": "triangular2"}, "Triangular2CyclicalLearningRate", {}),
        ({"mode": "triangular2", "scale_mode": "iterations"}, "Triangular2CyclicalLearningRate",
         {"scale_mode": "iterations"}),
        ({"mode": "exp_range", "gamma": 0.99}, "ExponentialCyclicalLearningRate", {"gamma": 0.99}),
        ({"mode": "exp_range", "gamma": 0.96, "scale_mode": "cycle"}, "ExponentialCyclicalLearningRate",
         {"scale_mode": "cycle", "gamma": 0.96}),
        ({"step_size_down": 10}, "TriangularCyclicalLearningRate", {}),
    ],
)  # fmt: skip
def test_modes_map_to_the_subclasses_passing_only_non_default_scale_mode(params: dict, api: str, extra: dict) -> None:
    plan = TfaAdapter().plan(cyclic(**params))
    assert plan.api == f"tfa.optimizers.{api}"
    assert dict(plan.kwargs) == {
        "initial_learning_rate": 0.001,
        "maximal_learning_rate": 0.006,
        "step_size": 10,
        **extra,
    }


@pytest.mark.parametrize(
    ("params", "scale_fn", "scale_mode"),
    [
        ({}, "lambda x: 1.", None),
        ({"mode": "exp_range", "gamma": 0.96}, "lambda x: 0.96**x", "iterations"),
        ({"mode": "triangular2", "scale_mode": "iterations"}, "lambda x: 1/(2.**(x-1))", "iterations"),
    ],
)
def test_base_class_takes_a_named_scale_function(params: dict, scale_fn: str, scale_mode: str | None) -> None:
    plan = TfaAdapter().plan(cyclic(hints={"tfa": {"api": "CyclicalLearningRate"}}, **params))
    assert plan.kwargs["scale_fn"] == scale_fn
    assert plan.kwargs.get("scale_mode") == scale_mode


def test_asymmetric_cycles_are_not_expressible_with_the_numbers() -> None:
    with pytest.raises(NotExpressible, match=r"symmetric .* rises for 10 steps and falls for 30"):
        TfaAdapter().plan(CATALOGUE["cyclic[triangular-up10-down30]"])


def test_other_formulas_are_not_expressible() -> None:
    with pytest.raises(NotExpressible, match="only cyclical rates"):
        TfaAdapter().plan(CATALOGUE["constant[lr0.1]"])


def test_a_subclass_hint_that_contradicts_the_mode_is_a_hint_error() -> None:
    with pytest.raises(HintError, match="Triangular2CyclicalLearningRate does not compute mode 'exp_range'") as caught:
        TfaAdapter().plan(cyclic(mode="exp_range", hints={"tfa": {"api": "Triangular2CyclicalLearningRate"}}))
    assert caught.value.field == "hints.tfa.api"


def test_an_unknown_api_hint_is_refused_with_the_choices() -> None:
    problem = TfaAdapter.hint_keys["tfa"]["api"].problem("CyclicLR")
    assert problem.startswith("must be one of ['CyclicalLearningRate', 'ExponentialCyclicalLearningRate', ")
    assert problem.endswith("got 'CyclicLR'")


@pytest.mark.parametrize(
    ("case_id", "kwargs", "note"),
    [
        ("inverse_time[D1-r0.5]", {"learning_rate": 0.1, "decay": 0.5}, ""),
        ("constant[lr0.1]", {"learning_rate": 0.1, "decay": 0.0}, ""),
        ("constant[seed003-sgd-default]", {"learning_rate": 0.01, "decay": 0.0}, ""),
    ],
)
def test_legacy_decay_is_inverse_time_with_one_update_per_decay_step(case_id: str, kwargs: dict, note: str) -> None:
    plan = KerasLegacyAdapter().plan(CATALOGUE[case_id])
    assert plan.api == "tf.keras.optimizers.legacy.SGD"
    assert dict(plan.kwargs) == kwargs
    assert plan.note == note
    resumed = (f"checkpoint_at_{k}" for k in CATALOGUE[case_id].resume)  # constant[lr0.1] has resume points
    assert plan.probe_names == ("schedule", "applied", "inverse_time_decay", *resumed)
    lr, decay = kwargs["learning_rate"], kwargs["decay"]
    assert f"optimizer = tf.keras.optimizers.legacy.SGD(learning_rate={lr!r}, decay={decay!r})" in plan.repro
    assert f"InverseTimeDecay({lr!r}, decay_steps=1, decay_rate={decay!r})" in plan.repro
    compile(plan.repro, "repro", "exec")


def test_legacy_decay_divides_the_rate_by_decay_steps() -> None:
    case = Case("t", "inverse_time", {"init_lr": 0.1, "decay_steps": 10, "decay_rate": 1.0}, np.arange(5), "test")
    plan = KerasLegacyAdapter().plan(case)
    assert dict(plan.kwargs) == {"learning_rate": 0.1, "decay": 0.1}
    assert plan.note.startswith("decay = decay_rate / decay_steps = 1.0 / 10")


@pytest.mark.parametrize(
    ("case_id", "match"),
    [
        ("inverse_time[D10-r1-staircase]", "a staircase is not"),
        ("cosine[T100-eta1e-3-periodic]", "'cosine' needs a schedule object"),
    ],
)
def test_legacy_decay_cannot_express_other_schedules(case_id: str, match: str) -> None:
    with pytest.raises(NotExpressible, match=match):
        KerasLegacyAdapter().plan(CATALOGUE[case_id])


@pytest.mark.parametrize(
    ("steps", "source"),
    [
        (np.arange(0, 9380), "np.arange(0, 9380)"),
        (np.arange(5, 20, 5), "np.arange(5, 20, 5)"),
        (np.array([0, 5, 7]), "np.array([0, 5, 7])"),
        (np.array([3]), "np.array([3])"),
    ],
)
def test_steps_are_written_as_a_numpy_int64_array(steps: np.ndarray, source: str) -> None:
    assert steps_source(steps) == source
    np.testing.assert_array_equal(eval(source, {"np": np}), steps)  # our own generated expression


def test_update_loop_records_the_rate_before_and_the_update_after() -> None:
    two = update_loop("make()", 7, rate=("schedule", "optimizer.rate()"))
    assert "def update(step, schedule, applied):" in two
    assert "schedule = schedule.write(step, optimizer.rate())" in two
    assert "return step + 1, schedule, applied.write(step, -param)" in two
    assert "schedule, applied = (rates.numpy().tolist() for rates in train(7))" in two
    one = update_loop("make()", 3, applied="other")
    assert "return step + 1, other.write(step, -param)" in one
    assert "other, = (rates.numpy().tolist() for rates in train(3))" in one
    for source in (one, two):
        compile(source, "loop", "exec")


PROGRAM = """\
base = 0.5
# probe "direct": evaluated at the compared steps
direct = [base, base * 2]
# probes "looped" and "twice": one value per update; the block raises after "twice" is whole
looped = [1.0]
twice = [2.0, 3.0]
raise TypeError("int64 step")
"""


def test_program_runs_each_block_separately_so_an_error_stays_with_its_probes() -> None:
    probes = (Probe("direct", dtype="float32"), Probe("looped", per="update"), Probe("twice", per="update"))
    assert [names for names, _ in program_blocks(PROGRAM, ("direct", "looped", "twice"))] == [
        ("direct",),
        ("looped", "twice"),
    ]
    plan = Plan("test", {}, {}, PROGRAM, probes)
    case = Case("t", "constant", {"value": 0.5}, np.array([0, 1]), "test")
    runs = TfaAdapter().run(case, plan)
    np.testing.assert_array_equal(runs["direct"].values, [0.5, 1.0])
    assert runs["direct"].error is None and runs["direct"].dtype == "float32"
    np.testing.assert_array_equal(runs["looped"].values, [1.0, np.nan])
    assert runs["looped"].error == "TypeError: int64 step"  # it stopped early: the error is its
    np.testing.assert_array_equal(runs["twice"].values, [2.0, 3.0])
    assert runs["twice"].error is None  # whole before the block raised


@pytest.mark.parametrize(
    ("adapter", "case_id", "optimizer"),
    [
        (TfaAdapter(), "cyclic[triangular2-up10]", "tf.keras.optimizers.SGD(learning_rate=clr)"),
        (KerasLegacyAdapter(), "constant[lr0.1]", "tf.keras.optimizers.legacy.SGD(learning_rate=0.1, decay=0.0)"),
    ],
    ids=["tfa", "keras-legacy"],
)
def test_resume_points_restore_a_tf_train_checkpoint_in_a_block_of_their_own(adapter, case_id, optimizer) -> None:
    case = CATALOGUE[case_id]
    plan = adapter.plan(case)
    resumed = tuple(f"checkpoint_at_{k}" for k in case.resume)
    assert plan.probe_names[-len(resumed) :] == resumed and {p.dtype for p in plan.probes} == {"float32"}
    *_, (names, block) = program_blocks(plan.repro, plan.probe_names)
    assert names == resumed
    assert f"optimizer = {optimizer}\ncheckpoint = tf.train.Checkpoint(optimizer=optimizer, param=param)" in block
    restore = block.split('RESUME = r"""', 1)[1].split('"""', 1)[0]
    compile(restore, case_id, "exec")
    assert f"    optimizer = {optimizer}\n" in restore and ".restore(saved)" in restore
    assert adapter.plan(replace(case, resume=())).probe_names == plan.probe_names[: -len(resumed)]
