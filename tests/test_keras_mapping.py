"""The Keras adapter's pure part: parameter mapping and program generation (no Keras needed)."""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from adapters._base import as_int, first_fit, program_blocks
from adapters.keras_adapter import KerasAdapter, KerasJaxAdapter, KerasTorchAdapter
from adapters.keras_resume import block_line, embeddable
from cases.catalogue import load_catalogue
from model.adapter import NotExpressible, Plan
from model.case import Case
from model.hints import HintError

ROOT = Path(__file__).resolve().parents[1]
CASES = {c.id: c for c in load_catalogue(ROOT / "cases" / "catalogue")}
ADAPTERS = (KerasAdapter(), KerasJaxAdapter(), KerasTorchAdapter())


def call(formula: str, last: int = 100, hint: dict | None = None, **params) -> Plan:
    """The Keras (TensorFlow) plan of a case with these parameters, compared up to step ``last``."""
    case = Case(f"{formula}[t]", formula, params, np.arange(last + 1), "test.toml", hints={"keras": hint or {}})
    return KerasAdapter().plan(case)


def test_torch_milestones_become_keras_boundaries_one_step_earlier() -> None:
    # Keras keeps values[0] while step <= boundaries[0]: a change at step 10 is boundary 9.
    c = call("piecewise_constant", boundaries=[10, 20], values=[1.0, 0.5, 0.25])
    assert c.api == "keras.optimizers.schedules.PiecewiseConstantDecay"
    assert c.kwargs == {"boundaries": [9, 19], "values": [1.0, 0.5, 0.25]}
    assert c.note == "the boundary step keeps the previous value in Keras: boundaries - 1 on integer steps"
    kept = call("piecewise_constant", boundaries=[10, 20], values=[1.0, 0.5, 0.25], at_boundary="previous")
    assert (kept.kwargs["boundaries"], kept.note) == ([10, 20], "")


def test_multi_step_is_piecewise_with_geometric_values() -> None:
    c = call("multi_step", init_lr=0.5, milestones=[15, 30], gamma=0.5)
    assert c.kwargs == {"boundaries": [14, 29], "values": [0.5, 0.25, 0.125]}


def test_boundaries_between_integer_steps() -> None:
    # a change from step 2.5 on is a change at step 3: boundary 2 keeps values[0] at step 2
    assert call("piecewise_constant", boundaries=[2.5], values=[1.0, 0.5]).kwargs["boundaries"] == [2]
    with pytest.raises(NotExpressible, match="integer boundary"):
        call("piecewise_constant", boundaries=[2.5], values=[1.0, 0.5], at_boundary="previous")
    with pytest.raises(NotExpressible, match="boundaries >= 0"):
        call("piecewise_constant", boundaries=[0], values=[1.0, 0.5])


def test_keras_defaults_that_differ_from_torch_are_always_passed() -> None:
    assert call("polynomial", init_lr=0.1, decay_steps=50).kwargs["end_learning_rate"] == 0.0
    assert call("linear_warmup", peak_lr=0.1, warmup_steps=10).kwargs == {
        "initial_learning_rate": 0.0,
        "decay_steps": 10,
        "end_learning_rate": 0.1,
        "power": 1.0,
        "cycle": False,
    }
    restarts = call("cosine_restarts", init_lr=0.1, first_period=10).kwargs
    assert (restarts["t_mul"], restarts["m_mul"], restarts["alpha"]) == (1.0, 1.0, 0.0)


def test_alpha_is_the_floor_as_a_fraction_of_the_peak() -> None:
    assert call("cosine", init_lr=0.1, decay_steps=100, final_lr=1e-3).kwargs["alpha"] == pytest.approx(0.01)
    warm = call("warmup_cosine", peak_lr=0.2, warmup_steps=5, decay_steps=20, init_lr=0.01, final_lr=1e-3).kwargs
    assert warm == pytest.approx(
        {"initial_learning_rate": 0.01, "decay_steps": 20, "alpha": 0.005, "warmup_target": 0.2, "warmup_steps": 5}
    )
    with pytest.raises(NotExpressible, match="fraction of the peak"):
        call("cosine", init_lr=0.0, decay_steps=10, final_lr=0.1)


def test_cosine_that_climbs_back_is_not_expressible_past_decay_steps() -> None:
    with pytest.raises(NotExpressible, match="climbs back"):
        call("cosine", last=101, init_lr=0.1, decay_steps=100, past_end="periodic")
    assert call("cosine", last=100, init_lr=0.1, decay_steps=100, past_end="periodic").kwargs["alpha"] == 0.0


def test_warmup_cosine_without_warm_up_is_the_cosine_from_the_peak() -> None:
    c = call("warmup_cosine", peak_lr=0.2, warmup_steps=0, decay_steps=20, init_lr=0.01, final_lr=1e-3)
    assert c.kwargs == pytest.approx({"initial_learning_rate": 0.2, "decay_steps": 20, "alpha": 0.005})


def test_natural_exponential_is_exponential_with_rate_exp_minus_r() -> None:
    c = call("natural_exp", init_lr=0.1, decay_steps=10, decay_rate=0.5)
    assert c.kwargs["decay_rate"] == pytest.approx(math.exp(-0.5))


def test_step_decay_with_an_offset_needs_a_callback() -> None:
    c = call("step_decay", init_lr=0.1, step_size=15, gamma=0.25)
    assert (c.api, c.kwargs["decay_steps"], c.kwargs["staircase"]) == (
        "keras.optimizers.schedules.ExponentialDecay",
        15,
        True,
    )
    with pytest.raises(NotExpressible, match="no offset"):
        call("step_decay", init_lr=0.1, step_size=15, gamma=0.25, offset=1)


def test_factor_decay_floor_reached_within_the_steps_is_not_expressible() -> None:
    # step t is 2.0 * 0.9 ** (t + 1): 0.0103 at step 49, 0.0093 (below min_lr 0.01) at step 50.
    params = {"init_lr": 2.0, "factor": 0.9, "min_lr": 0.01, "offset": 1}
    assert call("factor_decay", last=49, **params).kwargs["initial_learning_rate"] == pytest.approx(1.8)
    with pytest.raises(NotExpressible, match="no floor"):
        call("factor_decay", last=50, **params)


def test_plateau_maps_torch_patience_and_cooldown_one_higher() -> None:
    c = call(
        "reduce_on_plateau", init_lr=0.1, metrics=[1.0], patience=2, cooldown=0, threshold=0.05, threshold_mode="abs"
    )
    assert c.api == "keras.callbacks.ReduceLROnPlateau"
    assert {p.per for p in c.probes} == {"update"}  # one epoch per step: epochs 0, 1, 2, ...
    assert (c.kwargs["patience"], c.kwargs["cooldown"], c.kwargs["min_delta"]) == (3, 1, 0.05)
    assert "no eps" in c.note


def test_relative_plateau_threshold_is_not_expressible_unless_zero() -> None:
    with pytest.raises(NotExpressible, match="absolute"):
        call("reduce_on_plateau", init_lr=0.1, metrics=[1.0], threshold=1e-4)
    assert call("reduce_on_plateau", init_lr=0.1, metrics=[1.0], threshold=0.0).kwargs["min_delta"] == 0.0


def test_optimizer_decay_only_when_a_case_asks() -> None:
    params = {"init_lr": 0.01, "decay_steps": 1, "decay_rate": 2.5e-4}
    assert call("inverse_time", **params).api == "keras.optimizers.schedules.InverseTimeDecay"
    sgd = call("inverse_time", hint={"api": "SGD"}, **params)
    assert (sgd.api, sgd.kwargs) == ("keras.optimizers.SGD", {"learning_rate": 0.01, "decay": 2.5e-4})
    assert "optimizer = keras.optimizers.SGD(learning_rate=0.01, decay=0.00025)  # no momentum" in sgd.repro
    assert sgd.probe_names == ("schedule", "applied") and {p.per for p in sgd.probes} == {"step"}


def test_hints_leave_arguments_at_keras_defaults_or_add_them() -> None:
    c = call("polynomial", hint={"omit": ["end_learning_rate"]}, init_lr=0.1, decay_steps=50)
    assert "end_learning_rate" not in c.kwargs
    assert "end_learning_rate" in c.note
    extra = call("cosine", hint={"kwargs": {"warmup_steps": 10}}, init_lr=0.1, decay_steps=100)
    assert extra.kwargs["warmup_steps"] == 10


@pytest.mark.parametrize(
    ("hint", "message"),
    [
        ({"omit": ["t_mul"]}, "hints.keras.omit: PolynomialDecay is not passed 't_mul'"),
        ({"kwargs": {"power": 2.0}}, r"hints.keras.kwargs: \['power'\] already come from the case parameters"),
        (
            {"kwargs": {"t_mul": 2.0}},
            r"hints.keras.kwargs: \['t_mul'\] are no keywords of keras.optimizers.schedules.PolynomialDecay: \['cycle', ",
        ),
        (
            {"api": "CosineDecay"},
            r"hints.keras.api: CosineDecay is no Keras API for formula 'polynomial' \(mapped: PolynomialDecay\)",
        ),
        ({"api": "LearningRateScheduler"}, r"hints.keras.schedule: LearningRateScheduler needs the per-epoch function"),
    ],
)
def test_hints_that_do_not_fit_the_case_are_hint_errors(hint: dict, message: str) -> None:
    with pytest.raises(HintError, match=message) as caught:
        call("polynomial", hint=hint, init_lr=0.1, decay_steps=50)
    assert message.startswith(caught.value.field)


def test_learning_rate_scheduler_runs_the_hinted_function_with_its_source() -> None:
    hint = {"api": "LearningRateScheduler", "schedule": "StepDecay()", "source": "cases/seeds/seed_001_article.py"}
    c = call("step_decay", hint=hint, init_lr=0.01, step_size=10, gamma=0.25, offset=1)
    assert (c.api, c.kwargs["schedule"]) == ("keras.callbacks.LearningRateScheduler", "StepDecay()")
    assert c.setup["optimizer_kwargs"] == {"learning_rate": 0.01}
    assert (
        "class StepDecay" in c.repro
        and "callback = keras.callbacks.LearningRateScheduler(schedule=StepDecay())" in c.repro
    )


def test_adapter_names_and_probes_follow_the_backend() -> None:
    case = CASES["cosine[T100-eta1e-3]"]
    assert [a.name for a in ADAPTERS] == ["keras", "keras-jax", "keras-torch"]
    assert [a.plan(case).probe_names for a in ADAPTERS] == [
        ("schedule", "tf_function", "applied"),
        ("schedule", "jit", "applied"),
        ("schedule", "applied"),
    ]
    for adapter in ADAPTERS:
        program = adapter.plan(case).repro
        assert f'os.environ.setdefault("KERAS_BACKEND", "{adapter.backend.name}")' in program
        assert f'assert keras.backend.backend() == "{adapter.backend.name}"' in program


def test_per_step_paths_compile_once_and_take_backend_tensors() -> None:
    """A scalar-only schedule (here CosineDecay with warmup_target) is called once per step.

    A new tf.function per step, or a NumPy scalar step, retraced on every step (92 s for the 1,334
    steps of flax_lr[cifar10-...] on TensorFlow); eager jax.lax.cond compiles on every call unless
    JAX's persistent cache hands back the executable, and slows down with every executable JAX keeps;
    TensorFlow's updates run in one tf.while_loop.
    """
    keras_tf, keras_jax, keras_torch = (a.plan(CASES["warmup_cosine[W100-D900-peak1]"]).repro for a in ADAPTERS)
    assert "compiled_schedule = tf.function(lr_schedule)" in keras_tf
    assert "tf_function = evaluate(lambda s: compiled_schedule(tf.constant(s)), steps)" in keras_tf
    assert "tf.while_loop(" in keras_tf and "applied = train(tf.constant(steps))" in keras_tf
    assert "compiled_schedule = jax.jit(lr_schedule)" in keras_jax
    assert "jit = evaluate(lambda s: compiled_schedule(jnp.asarray(s)), steps)" in keras_jax
    assert 'jax.config.update("jax_compilation_cache_dir"' in keras_jax
    assert "jax.clear_caches()" in keras_jax and "clear_caches" not in keras_tf + keras_torch
    assert "compiled_schedule" not in keras_torch and "jax" not in keras_torch


def test_callback_cases_train_one_epoch_per_step() -> None:
    plan = KerasAdapter().plan(CASES["plateau[max-abs-p1-cooldown2-min0.02]"])
    assert plan.probe_names == ("schedule", "applied")
    assert plan.kwargs["patience"] == 2 and plan.kwargs["cooldown"] == 3
    # 20 metrics, 21 compared epochs: the last epoch runs after the last metric, only to be read
    assert "epochs=20," in plan.repro and "initial_epoch=20, epochs=21" in plan.repro


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.name)
def test_every_case_maps_to_a_program_or_says_why_not(adapter) -> None:
    for case in CASES.values():
        try:
            plan = adapter.plan(case)
        except NotExpressible as exc:
            assert str(exc), case.id
            continue
        compile(plan.repro, case.id, "exec")


def test_first_fit_takes_the_closest_binding_that_fits_and_says_why_others_did_not() -> None:
    @dataclass(frozen=True)
    class Bound:
        value: object
        note: str = ""

    def whole(x: float) -> Bound:
        return Bound(as_int(x, "Whole", "x"))

    def real(x: float) -> Bound:
        return Bound(float(x), note="as a float")

    bindings = {"f": (("Whole", whole), ("Real", real), ("Hinted", lambda x: Bound(str(x))))}

    def fit(formula: str, api: str | None, x: float, hint_only=(("f", "Hinted"),)) -> Bound:
        return first_fit(bindings, formula, api, hint_only, lambda fn: fn(x), "API", hint_field="hints.fw.api")

    assert fit("f", None, 3.0) == Bound(3)
    assert fit("f", None, 2.5) == Bound(
        2.5, "closer APIs do not fit (Whole: Whole needs an integer x, the case has x=2.5); as a float"
    )
    assert fit("f", "Hinted", 2.5) == Bound("2.5")
    with pytest.raises(NotExpressible, match=r"no API for 'g' \(mapped: none\)"):
        fit("g", None, 1.0)
    with pytest.raises(NotExpressible, match="Whole: Whole needs an integer x"):
        fit("f", "Whole", 2.5)
    with pytest.raises(
        HintError, match=r"hints.fw.api: Other is no API for formula 'f' \(mapped: Whole, Real, Hinted\)"
    ):
        fit("f", "Other", 2.5)


def restoring_source(program: str) -> str:
    """The restoring source a resuming program runs in its new interpreter (its ``RESUME`` string)."""
    targets = {ast.unparse(n.targets[0]): n.value for n in ast.parse(program).body if isinstance(n, ast.Assign)}
    return targets["RESUME"].value


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.name)
def test_a_schedule_resumes_through_the_keras_file_and_the_weights_file(adapter) -> None:
    case = CASES["exponential[D10-r0.5-staircase]"]
    plan = adapter.plan(case)
    resumed = [f"{way}_at_{k}" for way in ("keras_file", "weights") for k in (5, 10, 49)]
    assert (
        list(plan.probe_names[-6:]) == resumed
        and plan.probe_names[:-6] == adapter.plan(replace(case, resume=())).probe_names
    )
    assert {p.dtype for p in plan.probes} == {"float32"}
    # the training that saves runs in a block of its own: its warnings (model.save's) stay off the case's probes
    (own, first), (saved, second) = program_blocks(plan.repro, plan.probe_names)
    assert list(saved) == resumed and own == plan.probe_names[:-6]
    assert "model.save(" not in first and 'model.save(os.path.join(checkpoints, f"{step + 1}.keras"))' in second
    restore = restoring_source(plan.repro)
    compile(restore, case.id, "exec")
    assert 'keras.models.load_model(os.path.join(folder, f"{k}.keras"))' in restore
    assert "model = build_model()\n    model.load_weights(" in restore  # compiled before the weights load
    assert "make_update" in restore and adapter.backend.resume_update in restore


@pytest.mark.parametrize("case_id", ["plateau[min-abs0.05-p2-cooldown1-f0.5]", "article_step_decay[a0.01-f0.5-d10]"])
def test_a_callback_resumes_with_fit_from_initial_epoch(case_id: str) -> None:
    case = CASES[case_id]
    plan = KerasAdapter().plan(case)
    assert plan.probe_names == ("schedule", "applied", *(f"initial_epoch_at_{k}" for k in case.resume))
    (_, first), (_, second) = program_blocks(plan.repro, plan.probe_names)
    assert "Checkpointer()" not in first and "callbacks=[" in second and "Recorder(), Checkpointer()]" in second
    restore = restoring_source(plan.repro)
    compile(restore, case.id, "exec")
    assert '"""' not in restore and "initial_epoch=first, " in restore


def test_a_plateau_resumed_after_the_last_metric_reads_only_the_last_epoch() -> None:
    plan = KerasAdapter().plan(replace(CASES["plateau[max-abs-p1-cooldown2-min0.02]"], resume=(20,)))
    restore = restoring_source(plan.repro)
    assert "initial_epoch=first, epochs=20," in restore and "initial_epoch=max(first, 20), epochs=21," in restore


def test_case_definitions_embed_with_single_quoted_docstrings() -> None:
    assert embeddable('class A:\n    """Doc."""\n') == "class A:\n    '''Doc.'''\n"
    with pytest.raises(ValueError, match="both kinds of triple quotes"):
        embeddable("'''a''' \"\"\"b\"\"\"")


def test_block_lines_name_their_probes_as_program_blocks_reads_them() -> None:
    assert block_line(["a"]) == '# probe "a":'
    assert block_line(["a", "b.c", "d"]) == '# probes "a", "b.c" and "d":'
    source = f"pre\n{block_line(['a', 'b'])} x\nA\n{block_line(['c'])} y\nC\n"
    assert [names for names, _ in program_blocks(source, ("a", "b", "c"))] == [("a", "b"), ("c",)]
