"""reference.complete: every default filled in, nested specs too, checked exactly as build checks them."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import numpy as np
import pytest

import reference
from cases.catalogue import load_catalogue
from tests.test_reference_validation import INVALID, VALID

ROOT = Path(__file__).resolve().parents[1]
CASES = [c for c in load_catalogue(ROOT / "cases" / "catalogue") if not c.invalid]  # each with a reference


def test_absent_parameters_take_the_factory_defaults() -> None:
    spec = {"formula": "polynomial", "init_lr": 0.1, "decay_steps": 10}
    assert reference.complete(spec) == {
        "formula": "polynomial", "init_lr": 0.1, "decay_steps": 10, "end_lr": 0.0, "power": 1.0, "cycle": False,
        "transition_begin": 0,
    }  # fmt: skip
    assert spec == {"formula": "polynomial", "init_lr": 0.1, "decay_steps": 10}, "the spec itself is left alone"


def test_none_defaults_become_what_they_stand_for() -> None:
    cyclic = {"formula": "cyclic", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5}
    assert (
        reference.complete(cyclic).items() >= {"step_size_down": 5, "scale_mode": "cycle", "mode": "triangular"}.items()
    )
    exp_range = reference.complete({**cyclic, "mode": "exp_range", "step_size_down": 3})
    assert (exp_range["step_size_down"], exp_range["scale_mode"]) == (3, "iterations")
    exponential = reference.complete({"formula": "exponential", "init_lr": 0.1, "decay_steps": 1, "decay_rate": 0.5})
    assert exponential["end_lr"] is None, "None is no bound: nothing it stands for"


def test_nested_specs_are_completed() -> None:
    inner = {"formula": "cosine", "init_lr": 0.1, "decay_steps": 10}
    spec = {"formula": "sequential", "schedules": [{"formula": "constant", "value": 0.1}, inner], "boundaries": [5]}
    completed = reference.complete({"formula": "per_epoch", "steps_per_epoch": 2, "schedule": spec})
    assert completed["schedule"]["schedules"][1] == reference.complete(inner)
    product = reference.complete({"formula": "product", "init_lr": 1.0, "factors": [inner]})
    assert product["factors"] == [reference.complete(inner)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_completed_case_builds_the_same_reference(case) -> None:
    spec = {"formula": case.formula, **case.params}
    completed = reference.complete(spec)
    assert set(completed) == {"formula", *reference.parameters(case.formula)}
    nested = reference.registry.NESTED.get(case.formula, ("",))[0]
    assert {k: completed[k] for k in spec if k != nested} == {k: v for k, v in spec.items() if k != nested}
    assert reference.complete(completed) == completed
    np.testing.assert_array_equal(reference.build(completed)(case.steps), case.reference())


@pytest.mark.parametrize(("formula", "override", "message"), INVALID, ids=[f"{f}-{'-'.join(o)}" for f, o, _ in INVALID])
def test_complete_refuses_what_build_refuses_with_the_same_message(formula: str, override: dict, message: str) -> None:
    spec = {"formula": formula, **VALID[formula], **override}
    with pytest.raises(ValueError) as built:
        reference.build(spec, where="f.toml: case #1")
    with pytest.raises(ValueError, match=re.escape(message)) as completed:
        reference.complete(copy.deepcopy(spec), where="f.toml: case #1")
    assert str(completed.value) == str(built.value) and str(built.value).startswith("f.toml: case #1: ")


def test_an_error_without_where_starts_with_the_formula() -> None:
    with pytest.raises(ValueError) as caught:
        reference.complete({"formula": "cosine"})
    assert str(caught.value) == "cosine: missing required parameter(s) ['decay_steps', 'init_lr']"


def test_no_reference_module_imports_the_registry() -> None:
    """Combinators take built schedules: only the package's __init__ imports the registry (no import cycle)."""
    importers = []
    for path in sorted((ROOT / "reference").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, (ast.Import, ast.ImportFrom)) else []
            if any(name.split(".")[-1] == "registry" for name in names):
                importers.append(path.name)
    assert sorted(set(importers)) == ["__init__.py"]
