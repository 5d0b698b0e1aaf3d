"""The case catalogue: the real one loads and is sound; malformed files fail with file, case and field."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import reference
from cases.catalogue import load_catalogue, load_tolerances
from model.case import ID_PATTERN, MAX_STEP
from model.errors import CaseFileError

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = [
    c for c in load_catalogue(ROOT / "cases" / "catalogue", root=ROOT) if not c.invalid
]  # tests/test_invalid.py


def _floor_reached(p: dict) -> float:
    """The first step at which factor_decay's floor holds the rate (0 when it never does: no phase end)."""
    if p["factor"] >= 1 or p["min_lr"] <= 0:
        return 0
    return max(math.ceil(math.log(p["min_lr"] / p["init_lr"]) / math.log(p["factor"])) - p["offset"], 0)


def _cycles_end(p: dict) -> float:
    """The end of the last cycle of a ``*_cycles`` formula, after its warm-up when that is a prefix."""
    cycles = sum(p["first_period"] * p["cycle_mul"] ** i for i in range(p["cycle_limit"]))
    return p["warmup_steps"] + cycles if p["warmup_prefix"] else max(p["warmup_steps"], cycles)


#: Per formula, the last step at which it changes regime (0: it never does, e.g. a power law), from its
#: completed parameters. Every formula is listed: a formula added without an entry fails the test below.
PHASE_ENDS: dict[str, Callable[[dict], float]] = {
    "constant": lambda p: 0,
    "step_decay": lambda p: p["step_size"],
    "multi_step": lambda p: p["milestones"][-1],
    "piecewise_constant": lambda p: p["boundaries"][-1],
    "exponential": lambda p: p["transition_begin"] + (p["decay_steps"] if p["staircase"] else 0),
    "natural_exp": lambda p: p["decay_steps"] if p["staircase"] else 0,
    "inverse_time": lambda p: p["decay_steps"] if p["staircase"] else 0,
    "factor_decay": _floor_reached,
    "polynomial": lambda p: p["transition_begin"] + p["decay_steps"] * (2 if p["cycle"] else 1),
    "linear": lambda p: p["transition_begin"] + p["transition_steps"],
    "linear_warmup": lambda p: p["warmup_steps"],
    "inverse_sqrt": lambda p: 0,
    "cosine": lambda p: p["decay_steps"],
    "warmup_cosine": lambda p: p["warmup_steps"] + p["decay_steps"],
    "warmup_stable_decay": lambda p: p["warmup_steps"] + p["stable_steps"] + p["decay_steps"],
    "warmup_cosine_cycles": lambda p: p["warmup_steps"] + p["decay_steps"],
    "warmup_cosine_hard_restarts": lambda p: p["warmup_steps"] + p["decay_steps"],
    "warmup_inverse_sqrt": lambda p: p["warmup_steps"],
    "noam": lambda p: p["warmup_steps"],
    "cosine_restarts": lambda p: p["first_period"] * (1 + p["t_mult"]),
    "cosine_cycles": _cycles_end,
    "tanh_cycles": _cycles_end,
    "poly_cycles": _cycles_end,
    "cyclic": lambda p: p["step_size_up"] + p["step_size_down"],
    "interpolate": lambda p: p["knots"][-1],
    "one_cycle": lambda p: p["total_steps"] - 1,
    "sequential": lambda p: max([*p["boundaries"], *(p["boundaries"][-1] + last_phase_end(s) for s in p["schedules"][-1:])]),
    "product": lambda p: max(last_phase_end(f) for f in p["factors"]),
    "per_epoch": lambda p: p["steps_per_epoch"] * last_phase_end(p["schedule"]),
    "reduce_on_plateau": lambda p: len(p["metrics"]),
}  # fmt: skip


def last_phase_end(spec: dict) -> float:
    """The last step at which a completed spec changes regime (0 when it never does)."""
    return PHASE_ENDS[spec["formula"]](spec)


#: Cases that stop before their last phase end on purpose, and why (each must really stop early).
STOPS_EARLY = {
    "d2l_factor[f0.9-stop1e-2-lr2-plotted]": "the chapter's 50 plotted calls, where the floor never binds "
    "(d2l_factor[f0.9-stop1e-2-lr2] runs past it)",
}


def test_every_formula_has_its_phase_end() -> None:
    assert set(PHASE_ENDS) == set(reference.FORMULAS)


def test_catalogue_loads_with_unique_readable_ids() -> None:
    assert len(CATALOGUE) >= 50
    ids = [c.id for c in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert all(ID_PATTERN.match(i) for i in ids)


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_case_reference_is_finite_and_steps_pass_every_phase_end(case) -> None:
    values = case.reference()
    assert values.shape == case.steps.shape and np.all(np.isfinite(values)) and np.all(values >= 0)
    end = last_phase_end(reference.complete({"formula": case.formula, **case.params}))
    if case.id in STOPS_EARLY or end >= MAX_STEP:  # or a horizon no run can reach (cases/catalogue/int32.toml)
        assert case.steps[-1] <= end, f"{case.id} is listed as stopping early but passes its last phase end {end}"
    elif case.formula != "reduce_on_plateau":
        assert case.steps[-1] > end, f"{case.id}: steps end at {case.steps[-1]}, before the last phase end {end}"
    else:
        assert case.steps[-1] >= end, f"{case.id}: needs a step after every metric ({end})"


def test_int32_cases_reach_beyond_int32() -> None:
    """The horizons of cases/catalogue/int32.toml do not fit an int32 (a framework that keeps one there wraps)."""
    horizons = {
        c.id: max(v for v in c.params.values() if isinstance(v, int)) for c in CATALOGUE if c.family == "beyond int32"
    }
    assert len(horizons) == 5 and min(horizons.values()) > 2**31 - 1, horizons


def test_seed_cases_are_present() -> None:
    origins = " ".join(c.origin for c in CATALOGUE)
    for seed in ("seed 002", "seed 004"):
        assert seed in origins


def test_tolerances_have_reasons() -> None:
    table = load_tolerances(ROOT / "cases" / "tolerances.toml")
    assert table["float64"].rtol <= 1e-12
    assert all(t.reason for t in table.values())


GOOD = """
[[case]]
id = "ok[1]"
formula = "constant"
steps = { stop = 3 }
params = { value = 0.1 }
"""

# (file text, fragments the message must contain, in order)
MALFORMED = [
    ("[[case]]\nformula = 'constant'\nsteps = {stop = 3}\nparams = {value = 0.1}\n", ["case #1", "field 'id': missing required field"]),
    (GOOD.replace('"ok[1]"', '"ok 1"'), ["case #1", "field 'id': must match"]),
    (GOOD + "colour = 'red'\n", ["case #1 ('ok[1]')", "field 'colour': unknown field"]),
    (GOOD.replace("{ stop = 3 }", "{ stop = 0 }"), ["('ok[1]')", "field 'steps': must select at least one step"]),
    (GOOD.replace("{ stop = 3 }", "[3, 2]"), ["('ok[1]')", "field 'steps': steps must be >= 0 and strictly increasing"]),
    (GOOD.replace("{ stop = 3 }", "[-1, 2]"), ["field 'steps': steps must be >= 0"]),
    (GOOD.replace("{ stop = 3 }", "[0.5, 2]"), ["field 'steps': a list of steps must hold integers only"]),
    (GOOD.replace("{ stop = 3 }", "{ end = 3 }"), ["field 'steps': a range table needs 'stop'"]),
    (GOOD.replace("{ value = 0.1 }", "0.1"), ["field 'params': expected a table"]),
    (GOOD.replace('"constant"', '"konstant"'), ["field 'formula': unknown formula 'konstant'"]),
    (GOOD.replace("{ value = 0.1 }", "{ value = -0.1 }"), ["('ok[1]')", "field 'params': constant: value must be >= 0, got value=-0.1"]),
    (GOOD.replace("{ value = 0.1 }", "{ lr = 0.1 }"), ["field 'params': constant: unknown parameter(s) ['lr']"]),
    (GOOD + "[case.tolerance.float32]\nrtol = 1e-5\n", ["field 'tolerance.float32.reason': every tolerance needs a stated reason"]),
    (GOOD + "[case.tolerance.float32]\nrtol = 2.0\nreason = 'x'\n", ["field 'tolerance.float32.rtol': must be a number in [0, 1)"]),
    (GOOD + "[case.tolerance.float32]\nrtol = 1e-5\nreason = ' '\n", ["field 'tolerance.float32.reason': every tolerance needs a stated reason"]),
    (GOOD + "only = 'torch'\n", ["field 'only': must be a non-empty list of framework names"]),
    (GOOD + "hints = { torch = 'LambdaLR' }\n", ["field 'hints.torch': must be a table, got 'LambdaLR'"]),
    (GOOD + "about = 3\n", ["field 'about': must be a string"]),
    ("[[case]\n", ["not valid TOML"]),
    ("[cases]\n", ["expected only [[case]] tables"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "fragments"), MALFORMED, ids=[f[1][-1][:40] for f in MALFORMED])
def test_malformed_case_file_names_file_case_and_field(tmp_path: Path, text: str, fragments: list[str]) -> None:
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(CaseFileError) as info:
        load_catalogue(tmp_path)
    message = str(info.value)
    assert message.startswith(str(tmp_path / "bad.toml"))
    assert re.search(".*".join(re.escape(f) for f in fragments), message), message


def test_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD)
    with pytest.raises(
        CaseFileError, match=r"b\.toml: case #1 \('ok\[1\]'\): field 'id': 'ok\[1\]' already defined in .*a\.toml"
    ):
        load_catalogue(tmp_path)


def test_empty_catalogue_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="no case files"):
        load_catalogue(tmp_path)


def test_case_fields_are_parsed(tmp_path: Path) -> None:
    text = GOOD.replace("{ stop = 3 }", "{ start = 2, stop = 9, step = 3 }") + (
        "only = ['torch']\nhints = { torch = { api = 'LambdaLR' } }\nfamily = 'flat'\n"
        "[case.tolerance.float32]\nrtol = 1e-5\nreason = 'because'\n"
    )
    (tmp_path / "ok.toml").write_text(text)
    (case,) = load_catalogue(tmp_path)
    assert case.steps.tolist() == [2, 5, 8]
    assert case.hint("torch") == {"api": "LambdaLR"} and case.hint("keras") == {}
    assert case.applies_to("torch") and not case.applies_to("keras") and case.family == "flat"
    assert case.tolerance["float32"].rtol == 1e-5 and case.tolerance["float32"].reason == "because"
