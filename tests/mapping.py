"""What the adapters' mapping tests share: the catalogue by case id, a case's plan checked to be a program, and a
plan's call checked against a table of keywords."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters._base import ProgramAdapter
from cases.catalogue import load_catalogue
from model.adapter import NotExpressible, Plan
from model.case import Case

__all__ = ["CATALOGUE", "ROOT", "assert_call", "program_plan"]

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE: dict[str, Case] = {c.id: c for c in load_catalogue(ROOT / "cases" / "catalogue", root=ROOT) if not c.invalid}


def program_plan(adapter: ProgramAdapter, case_id: str) -> Plan | None:
    """The case's plan, its program compiled and its keywords and setup JSON; None where the adapter cannot
    express the case (it must say why)."""
    try:
        p = adapter.plan(CATALOGUE[case_id])
    except NotExpressible as exc:
        assert str(exc), "a NotExpressible needs a reason"
        return None
    compile(p.repro, case_id, "exec")
    json.dumps({"kwargs": p.kwargs, "setup": p.setup})
    return p


def assert_call(p: Plan, api: str, kwargs: dict[str, Any]) -> None:
    """``p`` calls ``api`` with (among others) ``kwargs``; floats to 1e-15 relative (the adapter computes some)."""
    assert p.api == api
    for key, value in kwargs.items():
        expected = pytest.approx(value, rel=1e-15) if isinstance(value, float) else value
        assert p.kwargs[key] == expected, key
