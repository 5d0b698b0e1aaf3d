"""Hints that reach the generated programs cannot run code, or copy files from outside ``cases/``.

The harness executes each case's program. ``hints.keras.kwargs`` and ``hints.optax.kwargs`` keys are
pasted into it unquoted, ``hints.keras.schedule`` is pasted as code, and the file ``hints.keras.source``
names is copied into it (and into the results). A crafted catalogue entry is refused when the catalogue
loads, naming the file, the case and the field; values are rendered with ``repr``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from adapters.keras_adapter import KerasAdapter
from adapters.optax_adapter import OptaxAdapter
from cases.catalogue import load_catalogue
from model.case import Case
from model.errors import CaseFileError
from model.hints import HintError, file_inside

CASE = """
[[case]]
id = "cosine[T10]"
formula = "cosine"
steps = { stop = 12 }
params = { init_lr = 0.1, decay_steps = 10 }
hints = { HINTS }
"""
INJECTION = "x=__import__('os').system('touch /tmp/lrconform-pwned'),y"

ATTACKS = [
    # keyword names pasted unquoted: identifiers that are keywords of the framework's APIs only
    (f'keras = {{ kwargs = {{ "{INJECTION}" = 1 }} }}', "hints.keras.kwargs", "key \"x=__import__('os').system"),
    (f'optax = {{ kwargs = {{ "{INJECTION}" = 1 }} }}', "hints.optax.kwargs", "is not a Python identifier"),
    ('optax = { kwargs = { "a\\nb" = 1 } }', "hints.optax.kwargs", "key 'a\\nb' is not a Python identifier"),
    ("keras = { kwargs = { __class__ = 1 } }", "hints.keras.kwargs", "'__class__' is not a keyword of any Keras API"),
    ("optax = { kwargs = { exec = 1 } }", "hints.optax.kwargs", "'exec' is not a keyword of any optax schedule"),
    # values are plain data, rendered with repr
    ("keras = { kwargs = { warmup_steps = nan } }", "hints.keras.kwargs", "warmup_steps must be finite, got nan"),
    ("optax = { kwargs = { alpha = [1.0, inf] } }", "hints.optax.kwargs", "alpha[1] must be finite, got inf"),
    ("keras = { kwargs = { name = 1979-05-27 } }", "hints.keras.kwargs", "name must be a string, number, boolean"),
    # code: a name, or a call of a name with literal arguments
    ("keras = { schedule = \"__import__('os').system('id')\" }", "hints.keras.schedule", "must be a name, or a call"),
    (
        "keras = { schedule = \"StepDecay(factor=open('/etc/passwd').read())\" }",
        "hints.keras.schedule",
        "must be a name",
    ),
    ("keras = { schedule = \"StepDecay(**{'factor': 0.5})\" }", "hints.keras.schedule", "must be a name, or a call"),
    ('keras = { schedule = "StepDecay(); import os" }', "hints.keras.schedule", "must be a name, or a call"),
    ('keras = { schedule = "lambda epoch: 0.1" }', "hints.keras.schedule", "must be a name, or a call"),
    # source files: inside cases/, after symbolic links
    ('keras = { source = "/etc/passwd" }', "hints.keras.source", "must name a file inside cases/, got '/etc/passwd'"),
    ('keras = { source = "cases/../README.md" }', "hints.keras.source", "must name a file inside cases/"),
    ('keras = { source = "../README.md" }', "hints.keras.source", "must name a file inside cases/"),
    ('keras = { source = "cases/seeds/missing.py" }', "hints.keras.source", "no file 'cases/seeds/missing.py'"),
]


@pytest.mark.parametrize(("hints", "field", "problem"), ATTACKS, ids=[f"{a[1]}-{i}" for i, a in enumerate(ATTACKS)])
def test_crafted_hints_are_refused_at_load(tmp_path: Path, hints: str, field: str, problem: str) -> None:
    (tmp_path / "crafted.toml").write_text(CASE.replace("HINTS", hints))
    with pytest.raises(CaseFileError) as caught:
        load_catalogue(tmp_path)
    prefix = f"{tmp_path / 'crafted.toml'}: case #1 ('cosine[T10]'): field '{field}': "
    assert str(caught.value).startswith(prefix) and problem in str(caught.value), str(caught.value)


def test_a_source_link_out_of_the_cases_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.py").write_text("TOKEN = 1\n")
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "inside.py").write_text("X = 1\n")
    (tmp_path / "cases" / "link.py").symlink_to(tmp_path / "secret.py")
    check = file_inside(tmp_path / "cases")
    assert check("cases/inside.py") == ""
    assert (
        check("cases/link.py")
        == f"must name a file inside cases/, got 'cases/link.py' (resolves to {tmp_path}/secret.py)"
    )


def cosine(hints: dict) -> Case:
    params = {"init_lr": 0.1, "decay_steps": 10}
    return Case("cosine[T10]", "cosine", params, np.arange(12), "crafted.toml", hints=hints, number=1)


@pytest.mark.parametrize(
    ("adapter", "hints", "problem"),
    [
        (KerasAdapter(), {"keras": {"kwargs": {"staircase": True}}}, "['staircase'] are no keywords of keras.optimizers.schedules.CosineDecay"),
        (OptaxAdapter(), {"optax": {"kwargs": {"staircase": True}}}, "['staircase'] are no keywords of optax.cosine_decay_schedule"),
    ],
)  # fmt: skip
def test_a_keyword_of_another_api_is_refused_when_planned(adapter, hints: dict, problem: str) -> None:
    with pytest.raises(HintError, match=re.escape(problem)):
        adapter.plan(cosine(hints))


@pytest.mark.parametrize(
    ("adapter", "hints", "keyword"),
    [
        (KerasAdapter(), {"keras": {"kwargs": {"name": "x'); import os; ('"}}}, "name"),
        (OptaxAdapter(), {"optax": {"kwargs": {"exponent": 2.0}}}, "exponent"),
    ],
)
def test_hinted_values_are_rendered_with_repr(adapter, hints: dict, keyword: str) -> None:
    program = adapter.plan(cosine(hints)).repro
    calls = [node for node in ast.walk(ast.parse(program)) if isinstance(node, ast.Call)]
    values = [k.value for call in calls for k in call.keywords if k.arg == keyword]
    (value,) = values
    expected = next(iter(hints.values()))["kwargs"][keyword]
    assert isinstance(value, ast.Constant) and value.value == expected
