"""Name -> factory table for every reference formula, and construction from case data."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ._types import Schedule
from ._validate import short_repr
from .constant import constant
from .cosine import cosine, warmup_cosine
from .cyclic import cyclic
from .epoch import per_epoch
from .exponential import exponential, inverse_time, natural_exp
from .factor import factor_decay
from .interpolate import interpolate, one_cycle
from .join import product, sequential
from .plateau import reduce_on_plateau
from .polynomial import inverse_sqrt, linear, linear_warmup, polynomial
from .restarts import cosine_restarts
from .step import multi_step, piecewise_constant, step_decay

__all__ = ["FORMULAS", "build", "parameters"]

#: Every formula a case may name, by the name cases use.
FORMULAS: dict[str, Callable[..., Schedule]] = {
    f.__name__: f
    for f in (
        constant,
        step_decay,
        multi_step,
        piecewise_constant,
        exponential,
        natural_exp,
        inverse_time,
        factor_decay,
        polynomial,
        linear,
        linear_warmup,
        inverse_sqrt,
        cosine,
        warmup_cosine,
        cosine_restarts,
        cyclic,
        interpolate,
        one_cycle,
        sequential,
        product,
        per_epoch,
        reduce_on_plateau,
    )
}


def parameters(formula: str) -> dict[str, inspect.Parameter]:
    """The keyword parameters a formula accepts (``KeyError`` for an unknown formula)."""
    return dict(inspect.signature(FORMULAS[formula]).parameters)


def build(spec: Mapping[str, Any], *, where: str = "") -> Schedule:
    """Build a schedule from ``{"formula": name, **params}``.

    Every problem becomes one ``ValueError`` that starts with ``where`` and names the
    formula and parameter, e.g. ``"sequential: schedules[1]: cosine: decay_steps must be > 0"``.
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(spec, Mapping) or "formula" not in spec:
        raise ValueError(f"{prefix}expected a table with a 'formula' key, got {short_repr(spec)}")
    params = {k: v for k, v in spec.items() if k != "formula"}
    formula = spec["formula"]
    if not isinstance(formula, str) or formula not in FORMULAS:
        raise ValueError(f"{prefix}unknown formula {short_repr(formula)}; known: {', '.join(sorted(FORMULAS))}")
    accepted = parameters(formula)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(f"{prefix}{formula}: unknown parameter(s) {unknown}; accepted: {sorted(accepted)}")
    missing = sorted(n for n, p in accepted.items() if p.default is p.empty and n not in params)
    if missing:
        raise ValueError(f"{prefix}{formula}: missing required parameter(s) {missing}")
    try:
        return FORMULAS[formula](**params)
    except ValueError as exc:
        raise ValueError(f"{prefix}{exc}") from None
