"""Name -> factory table for every reference formula; building and completing case specs.

A spec is case data: ``{"formula": name, **params}``. :func:`build` turns it into a schedule,
:func:`complete` into the same spec with every parameter present, so that code mapping a case
onto a framework reads each value, default or not, from the reference rather than restating it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ._types import Schedule, Spec
from ._validate import short_repr
from .constant import constant
from .cosine import cosine, warmup_cosine
from .cycles import cosine_cycles, poly_cycles, tanh_cycles
from .cyclic import cyclic, cyclic_implied
from .epoch import per_epoch
from .exponential import exponential, inverse_time, natural_exp
from .factor import factor_decay
from .interpolate import interpolate, one_cycle
from .join import product, sequential
from .noam import noam
from .plateau import reduce_on_plateau
from .polynomial import inverse_sqrt, linear, linear_warmup, polynomial
from .restarts import cosine_restarts
from .step import multi_step, piecewise_constant, step_decay
from .warmup import warmup_cosine_cycles, warmup_cosine_hard_restarts, warmup_inverse_sqrt
from .wsd import warmup_stable_decay

__all__ = ["FORMULAS", "IMPLIED", "NESTED", "build", "complete", "fill", "parameters"]

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
        warmup_stable_decay,
        warmup_cosine_cycles,
        warmup_cosine_hard_restarts,
        warmup_inverse_sqrt,
        noam,
        cosine_restarts,
        cosine_cycles,
        tanh_cycles,
        poly_cycles,
        cyclic,
        interpolate,
        one_cycle,
        sequential,
        product,
        per_epoch,
        reduce_on_plateau,
    )
}

#: The parameters that hold nested specs, built into schedules before the factory is called:
#: formula -> (parameter, True when it is a list of specs).
NESTED: dict[str, tuple[str, bool]] = {
    "sequential": ("schedules", True),
    "product": ("factors", True),
    "per_epoch": ("schedule", False),
}

#: formula -> the values its ``None`` defaults stand for, from its other (completed) parameters.
IMPLIED: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {"cyclic": cyclic_implied}


def parameters(formula: str) -> dict[str, inspect.Parameter]:
    """The keyword parameters a formula accepts (``KeyError`` for an unknown formula)."""
    return dict(inspect.signature(FORMULAS[formula]).parameters)


def build(spec: Mapping[str, Any], *, where: str = "") -> Schedule:
    """Build a schedule from ``{"formula": name, **params}``.

    Every problem becomes one ``ValueError`` that starts with ``where`` and names the
    formula and parameter, e.g. ``"sequential: schedules[1]: cosine: decay_steps must be > 0"``.
    """
    return _resolve(spec, where)[0]


def complete(spec: Mapping[str, Any], *, where: str = "") -> Spec:
    """``spec`` checked as :func:`build` checks it (the same ``ValueError``), with every parameter present.

    Absent parameters take the factory's default; a ``None`` default that stands for another
    value takes that value (:data:`IMPLIED`: cyclic's ``step_size_down`` and ``scale_mode``);
    one that means "none" stays ``None`` (exponential's ``end_lr``: no bound). Nested specs
    (:data:`NESTED`) are completed too. ``build(complete(spec))`` computes what ``build(spec)`` does.

    Examples:
      >>> complete({"formula": "cosine", "init_lr": 0.1, "decay_steps": 10})
      {'formula': 'cosine', 'init_lr': 0.1, 'decay_steps': 10, 'final_lr': 0.0, 'exponent': 1.0, 'past_end': 'clamp'}
      >>> complete({"formula": "per_epoch", "steps_per_epoch": 2, "schedule": {"formula": "constant", "value": 1.0}})
      {'formula': 'per_epoch', 'steps_per_epoch': 2, 'schedule': {'formula': 'constant', 'value': 1.0}}
    """
    return _resolve(spec, where)[1]


def fill(spec: Mapping[str, Any], *, where: str = "") -> Spec:
    """``spec`` with every parameter present, as :func:`complete` gives it, but without running the factories'
    checks: the parameters of a case the reference rejects (an invalid-parameter case), completed so that every
    framework can be given the same call. Only an unknown formula or parameter, or a missing required one, is a
    ``ValueError``; a ``None`` default that another parameter implies stays ``None`` when that parameter is
    itself out of the domain.

    Examples:
      >>> fill({"formula": "cosine", "init_lr": 0.1, "decay_steps": 0})
      {'formula': 'cosine', 'init_lr': 0.1, 'decay_steps': 0, 'final_lr': 0.0, 'exponent': 1.0, 'past_end': 'clamp'}
    """
    formula, completed = _completed(spec, where)
    if formula in NESTED:
        name, many = NESTED[formula]
        parts = completed[name] if many and isinstance(completed[name], (list, tuple)) else [completed[name]]
        filled = [fill(part, where=f"{formula}: {name}") if isinstance(part, Mapping) else part for part in parts]
        completed[name] = filled if many and isinstance(completed[name], (list, tuple)) else filled[0]
    try:
        implied = IMPLIED[formula](completed) if formula in IMPLIED else {}
    except (KeyError, TypeError):  # implied by a parameter that is itself out of the domain
        implied = {}
    return {"formula": formula, **completed} | {k: v for k, v in implied.items() if completed[k] is None}


def _completed(spec: Mapping[str, Any], prefix: str) -> tuple[str, dict[str, Any]]:
    """The formula and every parameter (the defaults filled in), or the ``ValueError`` for an unknown formula or
    parameter, or a missing required one."""
    prefix = f"{prefix}: " if prefix else ""
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
    return formula, {n: params.get(n, p.default) for n, p in accepted.items()}


def _resolve(spec: Mapping[str, Any], where: str) -> tuple[Schedule, Spec]:
    """The schedule and the completed spec, or the ``ValueError`` naming what is wrong."""
    prefix = f"{where}: " if where else ""
    formula, completed = _completed(spec, where)
    params = {k: v for k, v in spec.items() if k != "formula"}
    try:
        if formula in NESTED:
            name, many = NESTED[formula]
            params[name], completed[name] = _resolve_nested(formula, name, many, params[name])
        schedule = FORMULAS[formula](**params)
    except ValueError as exc:
        raise ValueError(f"{prefix}{exc}") from None
    implied = IMPLIED[formula](completed) if formula in IMPLIED else {}
    completed |= {k: v for k, v in implied.items() if completed[k] is None}
    return schedule, {"formula": formula, **completed}


def _resolve_nested(formula: str, name: str, many: bool, value: Any) -> tuple[Any, Any]:
    """The schedule(s) and completed spec(s) of a parameter holding one nested spec or a list of them."""
    if not many:
        return _resolve(value, f"{formula}: {name}")
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"{formula}: {name} must be a non-empty list of tables, got {name}={short_repr(value)}")
    pairs = [_resolve(part, f"{formula}: {name}[{i}]") for i, part in enumerate(value)]
    return [schedule for schedule, _ in pairs], [part for _, part in pairs]
