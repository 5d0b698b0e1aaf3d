"""Every adapter, through its declarations: each binding expresses at least one catalogue case, so an adapter
that stops expressing what it could (a guard that refuses too much, a binding shadowed by another) fails here
instead of quietly leaving its cases not expressible."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Any

import pytest

from adapters import REGISTRY, load_adapter
from adapters._base import Binding, Ctx, Renamed
from cases.catalogue import load_catalogue
from model.adapter import NotExpressible
from model.case import resume_point

ROOT = Path(__file__).resolve().parent.parent
CASES = load_catalogue(ROOT / "cases" / "catalogue", root=ROOT)


def recorded(binding: Binding, key: tuple[str, str], used: set[tuple[str, str]]) -> Binding:
    @functools.wraps(binding)
    def bind(p: Any, ctx: Any) -> Any:
        mapped = binding(p, ctx)
        used.add(key)
        return mapped

    return bind


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_binding_expresses_some_catalogue_case(name: str) -> None:
    adapter = load_adapter(REGISTRY[name])
    used: set[tuple[str, str]] = set()
    adapter.bindings = {  # an instance attribute: ProgramAdapter.map reads self.bindings
        formula: tuple((api, recorded(fn, (formula, api), used)) for api, fn in pairs)
        for formula, pairs in type(adapter).bindings.items()
    }
    for case in CASES:
        if case.applies_to(name):
            with contextlib.suppress(NotExpressible):
                adapter.plan(case)
    declared = {(formula, api) for formula, pairs in adapter.bindings.items() for api, _ in pairs}
    assert declared - used == set(), f"{name}: no catalogue case reaches these bindings"


def test_a_renamed_binding_passes_the_parameters_under_the_api_names_and_refuses_with_its_reason() -> None:
    binding = Renamed(
        "Decay",
        {"start": "init_lr", "every": "decay_steps", "rate": lambda p: p["decay_rate"] * 2, "floor": "end_lr"},
        note="rate doubled",
        refuse=(
            (lambda p, ctx: ctx.last_step > 9, "runs 9 steps at most"),
            (lambda p, ctx: ctx.last_step > 8, "8 at most"),
        ),
        unless_default=("end_lr",),
        formula="exponential",
    )
    p = {"init_lr": 1.0, "decay_steps": 5, "decay_rate": 0.25, "end_lr": None}
    mapped = binding(p, Ctx(8))
    assert (mapped.call.api, dict(mapped.call.kwargs), mapped.note) == (
        "Decay",
        {"start": 1.0, "every": 5, "rate": 0.5},
        "rate doubled",
    )
    assert list(binding({**p, "end_lr": 0.125}, Ctx(8)).call.kwargs) == ["start", "every", "rate", "floor"]
    with pytest.raises(NotExpressible, match=r"^runs 9 steps at most$"):  # the first condition that holds
        binding(p, Ctx(10))
    with pytest.raises(NotExpressible, match=r"^8 at most$"):
        binding(p, Ctx(9))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_adapter_resumes_every_case_it_plans_at_every_resume_point(name: str) -> None:
    """Every registered adapter drives an optimizer, so it has training state to save: each case with resume points
    that it plans has a resume probe per point, and the same ways of resuming at every point (issue 14)."""
    adapter, planned = load_adapter(REGISTRY[name]), 0
    for case in CASES:
        if not case.resume or not case.applies_to(name):
            continue
        try:
            plan = adapter.plan(case)
        except NotExpressible:
            continue
        points: dict[int, set[str]] = {}
        for probe in plan.probe_names:
            if found := resume_point(probe):
                points.setdefault(found[1], set()).add(found[0])
        assert sorted(points) == list(case.resume), (case.id, plan.probe_names)
        assert len({frozenset(ways) for ways in points.values()}) == 1, (case.id, points)
        planned += 1
    assert planned, f"{name} plans none of the catalogue's resume cases"
