"""Invalid parameters raise ValueError naming the formula, the parameter and the value."""

from __future__ import annotations

import re

import numpy as np
import pytest

import reference
from reference import restarts

NAN = float("nan")

VALID = {
    "constant": {"value": 0.1},
    "step_decay": {"init_lr": 0.1, "step_size": 3, "gamma": 0.5},
    "multi_step": {"init_lr": 0.1, "milestones": [3, 6], "gamma": 0.5},
    "piecewise_constant": {"boundaries": [3], "values": [0.1, 0.01]},
    "exponential": {"init_lr": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    "natural_exp": {"init_lr": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    "inverse_time": {"init_lr": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    "factor_decay": {"init_lr": 0.1, "factor": 0.9},
    "polynomial": {"init_lr": 0.1, "decay_steps": 10},
    "linear": {"init_lr": 0.1, "end_lr": 0.0, "transition_steps": 10},
    "linear_warmup": {"peak_lr": 0.1, "warmup_steps": 5},
    "inverse_sqrt": {"init_lr": 0.1},
    "cosine": {"init_lr": 0.1, "decay_steps": 10},
    "warmup_cosine": {"peak_lr": 0.1, "warmup_steps": 5, "decay_steps": 10},
    "warmup_stable_decay": {"peak_lr": 0.1, "warmup_steps": 5, "stable_steps": 5, "decay_steps": 10},
    "warmup_cosine_cycles": {"peak_lr": 0.1, "warmup_steps": 5, "decay_steps": 10},
    "warmup_cosine_hard_restarts": {"peak_lr": 0.1, "warmup_steps": 5, "decay_steps": 10},
    "warmup_inverse_sqrt": {"peak_lr": 0.1, "warmup_steps": 5, "timescale": 5},
    "noam": {"d_model": 512, "warmup_steps": 4000},
    "cosine_restarts": {"init_lr": 0.1, "first_period": 10},
    "cosine_cycles": {"peak_lr": 0.1, "first_period": 10, "warmup_steps": 2},
    "tanh_cycles": {"peak_lr": 0.1, "first_period": 10, "warmup_steps": 2},
    "poly_cycles": {"peak_lr": 0.1, "first_period": 10, "warmup_steps": 2},
    "cyclic": {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5},
    "interpolate": {"knots": [0, 5], "values": [0.1, 0.01]},
    "one_cycle": {"max_lr": 0.1, "total_steps": 100},
    "sequential": {"schedules": [{"formula": "constant", "value": 0.1}], "boundaries": []},
    "product": {"init_lr": 0.1, "factors": [{"formula": "constant", "value": 1.0}]},
    "reduce_on_plateau": {"init_lr": 0.1, "metrics": [1.0, 0.5]},
    "per_epoch": {"steps_per_epoch": 2, "schedule": {"formula": "constant", "value": 0.1}},
}

# (formula, parameter overrides, text the message must contain)
INVALID = [
    ("constant", {"value": -0.1}, "constant: value must be >= 0, got value=-0.1"),
    ("constant", {"value": NAN}, "constant: value must be finite, got value=nan"),
    ("step_decay", {"step_size": 0}, "step_decay: step_size must be > 0, got step_size=0"),
    ("step_decay", {"gamma": -0.5}, "step_decay: gamma must be >= 0, got gamma=-0.5"),
    ("step_decay", {"init_lr": -1.0}, "step_decay: init_lr must be >= 0, got init_lr=-1.0"),
    ("step_decay", {"step_size": True}, "step_decay: step_size must be a real number, got step_size=True"),
    ("multi_step", {"milestones": [6, 3]}, "multi_step: milestones must be strictly increasing, got milestones=[6, 3]"),
    ("multi_step", {"milestones": 3}, "multi_step: milestones must be a list, got milestones=3"),
    ("multi_step", {"milestones": [3, -1]}, "multi_step: milestones[1] must be >= 0, got milestones[1]=-1"),
    ("piecewise_constant", {"values": [0.1]}, "piecewise_constant: values must be a list of 2 entries, got values=[0.1]"),
    ("piecewise_constant", {"boundaries": [3, 3], "values": [1.0, 0.5, 0.1]}, "boundaries must be strictly increasing"),
    ("piecewise_constant", {"at_boundary": "middle"}, "at_boundary must be one of ['next', 'previous'], got at_boundary='middle'"),
    ("piecewise_constant", {"values": [0.1, -0.01]}, "piecewise_constant: values[1] must be >= 0, got values[1]=-0.01"),
    ("exponential", {"decay_steps": 0}, "exponential: decay_steps must be > 0, got decay_steps=0"),
    ("exponential", {"decay_rate": 0.0}, "exponential: decay_rate must be > 0, got decay_rate=0.0"),
    ("exponential", {"transition_begin": -1}, "exponential: transition_begin must be >= 0, got transition_begin=-1"),
    ("exponential", {"end_lr": -0.1}, "exponential: end_lr must be >= 0, got end_lr=-0.1"),
    ("exponential", {"staircase": 1}, "exponential: staircase must be true or false, got staircase=1"),
    ("natural_exp", {"decay_steps": -5}, "natural_exp: decay_steps must be > 0, got decay_steps=-5"),
    ("inverse_time", {"decay_rate": -1.0}, "inverse_time: decay_rate must be >= 0, got decay_rate=-1.0"),
    ("factor_decay", {"factor": 0.0}, "factor_decay: factor must be > 0, got factor=0.0"),
    ("factor_decay", {"min_lr": -1.0}, "factor_decay: min_lr must be >= 0, got min_lr=-1.0"),
    ("polynomial", {"decay_steps": 0}, "polynomial: decay_steps must be > 0, got decay_steps=0"),
    ("polynomial", {"power": 0.0}, "polynomial: power must be > 0, got power=0.0"),
    ("linear", {"transition_steps": 0}, "linear: transition_steps must be > 0, got transition_steps=0"),
    ("linear_warmup", {"warmup_steps": -1}, "linear_warmup: warmup_steps must be > 0, got warmup_steps=-1"),
    ("inverse_sqrt", {"offset": 0.0}, "inverse_sqrt: offset must be > 0, got offset=0.0"),
    ("cosine", {"decay_steps": 0}, "cosine: decay_steps must be > 0, got decay_steps=0"),
    ("cosine", {"past_end": "wrap"}, "cosine: past_end must be one of ['clamp', 'periodic'], got past_end='wrap'"),
    ("cosine", {"exponent": 0}, "cosine: exponent must be > 0, got exponent=0"),
    ("warmup_cosine", {"warmup_steps": -1}, "warmup_cosine: warmup_steps must be >= 0, got warmup_steps=-1"),
    ("warmup_cosine", {"peak_lr": -0.1}, "warmup_cosine: peak_lr must be >= 0, got peak_lr=-0.1"),
    ("warmup_stable_decay", {"stable_steps": -1}, "warmup_stable_decay: stable_steps must be >= 0, got stable_steps=-1"),
    ("warmup_stable_decay", {"decay": "exponential"},
     "warmup_stable_decay: decay must be one of ['linear', 'cosine', '1-sqrt'], got decay='exponential'"),
    ("warmup_cosine_cycles", {"num_cycles": 0}, "warmup_cosine_cycles: num_cycles must be > 0, got num_cycles=0"),
    ("warmup_cosine_cycles", {"final_lr": -1e-3}, "warmup_cosine_cycles: final_lr must be >= 0, got final_lr=-0.001"),
    ("warmup_cosine_hard_restarts", {"decay_steps": 0},
     "warmup_cosine_hard_restarts: decay_steps must be > 0, got decay_steps=0"),
    ("warmup_inverse_sqrt", {"timescale": -2}, "warmup_inverse_sqrt: timescale must be > 0, got timescale=-2"),
    ("noam", {"warmup_steps": 0}, "noam: warmup_steps must be > 0, got warmup_steps=0"),
    ("cosine_restarts", {"t_mult": 0.5}, "cosine_restarts: t_mult must be >= 1, got t_mult=0.5"),
    ("cosine_restarts", {"first_period": 0}, "cosine_restarts: first_period must be > 0, got first_period=0"),
    ("cosine_cycles", {"cycle_mul": 0.5}, "cosine_cycles: cycle_mul must be >= 1, got cycle_mul=0.5"),
    ("cosine_cycles", {"cycle_limit": 0}, "cosine_cycles: cycle_limit must be >= 1, got cycle_limit=0"),
    ("cosine_cycles", {"cycle_limit": 1.5}, "cosine_cycles: cycle_limit must be an integer, got cycle_limit=1.5"),
    ("cosine_cycles", {"k_decay": 0}, "cosine_cycles: k_decay must be > 0, got k_decay=0"),
    ("cosine_cycles", {"warmup_prefix": 1}, "cosine_cycles: warmup_prefix must be true or false, got warmup_prefix=1"),
    ("cosine_cycles", {"init_lr": -1.0}, "cosine_cycles: init_lr must be >= 0, got init_lr=-1.0"),
    ("tanh_cycles", {"lower": 3.0}, "tanh_cycles: lower must be < upper, got lower=3.0, upper=3.0"),
    ("tanh_cycles", {"cycle_decay": -0.5}, "tanh_cycles: cycle_decay must be >= 0, got cycle_decay=-0.5"),
    ("poly_cycles", {"power": 0}, "poly_cycles: power must be > 0, got power=0"),
    ("poly_cycles", {"first_period": 0}, "poly_cycles: first_period must be > 0, got first_period=0"),
    ("cyclic", {"step_size_up": 0}, "cyclic: step_size_up must be > 0, got step_size_up=0"),
    ("cyclic", {"mode": "sine"}, "cyclic: mode must be one of ['triangular', 'triangular2', 'exp_range'], got mode='sine'"),
    ("cyclic", {"scale_mode": "epoch"}, "cyclic: scale_mode must be one of ['cycle', 'iterations'], got scale_mode='epoch'"),
    ("interpolate", {"knots": [5, 0]}, "interpolate: knots must be strictly increasing, got knots=[5, 0]"),
    ("interpolate", {"kind": "cubic"}, "interpolate: kind must be one of ['linear', 'cos'], got kind='cubic'"),
    ("interpolate", {"values": [0.1, -0.01]}, "interpolate: values[1] must be >= 0, got values[1]=-0.01"),
    ("interpolate", {"knots": [0], "values": [0.1]}, "interpolate: knots must have at least 2 entries, got knots=[0]"),
    ("one_cycle", {"total_steps": 10, "pct_start": 0.1},
     "one_cycle: pct_start*total_steps - 1 must split the run into non-empty phases, got pct_start=0.1, total_steps=10 "
     "(phase ends [0.0, 9.0])"),
    ("one_cycle", {"total_steps": 100.5}, "one_cycle: total_steps must be an integer, got total_steps=100.5"),
    ("one_cycle", {"div_factor": 0.0}, "one_cycle: div_factor must be > 0, got div_factor=0.0"),
    ("reduce_on_plateau", {"factor": 1.0}, "reduce_on_plateau: factor must be < 1, got factor=1.0"),
    ("reduce_on_plateau", {"metrics": []}, "reduce_on_plateau: metrics must be a non-empty list, got metrics=[]"),
    ("reduce_on_plateau", {"metrics": [1.0, NAN]}, "reduce_on_plateau: metrics[1] must be finite, got metrics[1]=nan"),
    ("reduce_on_plateau", {"threshold_mode": "pct"}, "threshold_mode must be one of ['rel', 'abs'], got threshold_mode='pct'"),
    (
        "sequential",
        {"schedules": [{"formula": "constant", "value": 0.1}, {"formula": "cosine", "init_lr": 0.1, "decay_steps": 0}],
         "boundaries": [3]},
        "sequential: schedules[1]: cosine: decay_steps must be > 0, got decay_steps=0",
    ),
    ("sequential", {"boundaries": [3]}, "sequential: boundaries must be a list of 0 entries, got boundaries=[3]"),
    ("sequential", {"schedules": []}, "sequential: schedules must be a non-empty list of tables, got schedules=[]"),
    ("sequential", {"schedules": [{"formula": "constant", "value": 0.1}] * 3, "boundaries": [3, 2]},
     "sequential: boundaries must be strictly increasing, got boundaries=[3, 2]"),
    ("product", {"factors": [{"formula": "cosine"}]}, "product: factors[0]: cosine: missing required parameter(s) ['decay_steps', 'init_lr']"),
    ("product", {"factors": [{"formula": "nope"}]}, "product: factors[0]: unknown formula 'nope'"),
    ("per_epoch", {"steps_per_epoch": 2.5}, "per_epoch: steps_per_epoch must be an integer, got steps_per_epoch=2.5"),
    ("per_epoch", {"steps_per_epoch": 0}, "per_epoch: steps_per_epoch must be > 0, got steps_per_epoch=0"),
    ("per_epoch", {"schedule": {"formula": "constant", "value": -1.0}}, "per_epoch: schedule: constant: value must be >= 0"),
]  # fmt: skip


def test_every_formula_has_a_valid_example() -> None:
    assert set(VALID) == set(reference.FORMULAS)
    for formula, params in VALID.items():
        values = reference.build({"formula": formula, **params})([0, 1, 2, 50])
        assert values.dtype == "float64" and values.shape == (4,), formula


@pytest.mark.parametrize("formula", sorted(VALID))
def test_every_formula_computes_in_float64_whatever_the_steps_are_given_as(formula: str) -> None:
    """A schedule maps steps to float64 rates (reference._types): steps given as int32, uint16 or float32 numbers, or
    as a list, give the rates of int64 steps bit for bit (float32 steps are not computed in float32), and no steps
    give no rates."""
    schedule, steps = reference.build({"formula": formula, **VALID[formula]}), [0, 1, 2, 3, 7, 50, 1001]
    want = schedule(np.array(steps, dtype=np.int64))
    for dtype in (np.int32, np.uint16, np.float32):
        np.testing.assert_array_equal(schedule(np.array(steps, dtype=dtype)), want)
    np.testing.assert_array_equal(schedule(steps), want)
    for empty in ([], np.array([], dtype=np.int64)):
        got = schedule(empty)
        assert got.dtype == np.float64 and got.shape == (0,), formula


def test_every_formula_has_an_invalid_example() -> None:
    assert {formula for formula, _, _ in INVALID} == set(reference.FORMULAS)


@pytest.mark.parametrize(("formula", "override", "message"), INVALID, ids=[f"{f}-{'-'.join(o)}" for f, o, _ in INVALID])
def test_invalid_parameter_is_named_with_its_value(formula: str, override: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        reference.build({"formula": formula, **VALID[formula], **override})


def test_unknown_and_missing_parameters_are_listed() -> None:
    with pytest.raises(ValueError, match=re.escape("cosine: unknown parameter(s) ['T_max']; accepted:")):
        reference.build({"formula": "cosine", "init_lr": 0.1, "decay_steps": 10, "T_max": 10})
    with pytest.raises(
        ValueError,
        match=re.escape("unknown formula 'cosin'; known: constant, cosine, cosine_cycles, cosine_restarts, cyclic"),
    ):
        reference.build({"formula": "cosin"})
    with pytest.raises(ValueError, match=re.escape("expected a table with a 'formula' key, got [0.1]")):
        reference.build([0.1])


def test_join_names_itself_in_its_errors() -> None:
    """``join`` is public (``reference.join``): called directly, its errors name it."""
    constant = reference.build({"formula": "constant", "value": 0.1})
    with pytest.raises(ValueError, match=re.escape("join: boundaries must be a list of 0 entries, got boundaries=[1]")):
        reference.join([constant], [1])


#: Values of the wrong type for each kind of parameter (by its annotation): a bool is not a number, a
#: number or the string "false" is not a bool, a string is not a list, ...
WRONG_TYPES = {
    "number": [True, False, "0.1", [0.1], {"v": 0.1}, NAN, float("inf"), 10**400],
    "bool": [1, 0, 1.0, "false", "no", "true", [True], {"v": True}],
    "list": [0.1, "0.1", True, {"v": 0.1}, [True], ["0.1"], [[0.1]], [NAN]],
    "table": [0.1, "constant", True, [{"formula": "constant", "value": 0.1}]],
    "tables": [0.1, "0.1", True, {"formula": "constant", "value": 0.1}, [0.1], ["constant"]],
    "choice": [1, True, ["clamp"], {"v": 1}, "no-such-choice"],
}


def kind_of(annotation: str) -> str:
    """The kind of a factory parameter in case data from its annotation (e.g. ``"float | None"`` is a number;
    a ``Schedule`` is a nested table, which the registry builds)."""
    for prefix, kind in (("bool", "bool"), ("list[Schedule", "tables"), ("list", "list"), ("Schedule", "table"),
                         ("Literal", "choice"), ("float", "number"), ("int", "number")):  # fmt: skip
        if annotation.startswith(prefix):
            return kind
    raise AssertionError(f"no kind for annotation {annotation!r}")


def wrong_type_rows() -> list:
    rows = []
    for formula in sorted(reference.FORMULAS):
        for name, parameter in reference.parameters(formula).items():
            values = WRONG_TYPES[kind_of(parameter.annotation)]
            rows += [pytest.param(formula, name, v, id=f"{formula}-{name}-{v!r}"[:60]) for v in values]
    return rows


@pytest.mark.parametrize(("formula", "name", "value"), wrong_type_rows())
def test_every_parameter_rejects_values_of_the_wrong_type_naming_it(formula: str, name: str, value: object) -> None:
    with pytest.raises(ValueError) as caught:
        reference.build({"formula": formula, **VALID[formula], name: value})([0, 1, 2])
    assert re.search(rf"{formula}: (\w+: )*{name}\b", str(caught.value)), str(caught.value)
    assert len(str(caught.value)) < 400 and "\n" not in str(caught.value)


@pytest.mark.parametrize("t_mult", [1.0, 2.0])
def test_restart_cycles_stop_at_max_cycles_exactly(monkeypatch: pytest.MonkeyPatch, t_mult: float) -> None:
    """With at most 3 cycles of first period 10: cycles start at 0, 10 and 10 + 10 t, the 4th at 10 t^2 after that."""
    monkeypatch.setattr(restarts, "MAX_CYCLES", 3)
    third, fourth = 10 + 10 * t_mult, 10 + 10 * t_mult + 10 * t_mult**2
    starts, _ = restarts.restart_cycles(first_period=10.0, t_mult=t_mult, last_step=fourth - 1)
    assert starts.tolist() == [0.0, 10.0, third]
    with pytest.raises(ValueError, match=re.escape(f"at most 3 cycles up to step {fourth:g}, got first_period=10.0")):
        restarts.restart_cycles(first_period=10.0, t_mult=t_mult, last_step=fourth)


def test_restart_cycles_count_with_the_exact_quotient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Periods of 0.1 (the double 0.1000000000000000055...) up to step 1 are 10 cycles, the 11th starting just after
    step 1: within a limit of 10, though 1 / 0.1 rounds to 10.0."""
    monkeypatch.setattr(restarts, "MAX_CYCLES", 10)
    assert 1.0 // 0.1 == 9.0 and 1.0 / 0.1 == 10.0
    starts, periods = restarts.restart_cycles(first_period=0.1, t_mult=1.0, last_step=1.0)
    assert starts.size == periods.size == 10


@pytest.mark.parametrize("t_mult", [1.0, 1.0 + 1e-12])
def test_restart_cycles_are_bounded_instead_of_exhausting_memory(t_mult: float) -> None:
    schedule = reference.build({"formula": "cosine_restarts", "init_lr": 0.1, "first_period": 1e-9, "t_mult": t_mult})
    with pytest.raises(ValueError, match=r"at most 1,000,000 cycles up to step 1000, got first_period=1e-09"):
        schedule([0, 1000])
    assert schedule([0]).tolist() == [0.1], "the cycles are counted up to the last step asked for, here one cycle"
