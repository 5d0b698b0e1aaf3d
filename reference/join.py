"""Composition: join schedules at boundaries, or multiply them.

``join`` is the only composition primitive; ``sequential`` and ``product`` are the
case-data forms, whose parts are nested ``{"formula": ..., **params}`` tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import check_increasing, check_lr, check_same_length, short_repr

__all__ = ["join", "product", "sequential"]


def join(schedules: Sequence[Schedule], boundaries: Sequence[float], *, formula: str = "join") -> Schedule:
    r"""Switch to the next schedule at each boundary, re-basing its step to 0 there.

    .. math:: \eta_t = s_k(t - b_{k-1}) \quad\text{for } b_{k-1} \le t < b_k, \qquad b_{-1} = 0

    Documented as: optax ``join_schedules(schedules, boundaries)``; torch
    ``SequentialLR(schedulers, milestones)`` (each scheduler restarts at its milestone).

    Examples:
      >>> from reference.constant import constant
      >>> join([constant(value=1.0), constant(value=2.0)], [2])([0, 1, 2, 3]).tolist()
      [1.0, 1.0, 2.0, 2.0]

    ``formula`` names the caller in the errors of invalid boundaries.
    """
    check_same_length(formula, "boundaries", boundaries, len(schedules) - 1)
    bounds = check_increasing(formula, "boundaries", boundaries)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        out = schedules[0](t)
        for b, part in zip(bounds, schedules[1:], strict=True):
            out = np.where(t < b, out, part(t - b))
        return out

    return schedule


def _build_parts(formula: str, name: str, parts: Any) -> list[Schedule]:
    from .registry import build  # late import: the registry imports this module

    if not isinstance(parts, (list, tuple)) or not parts:
        raise ValueError(f"{formula}: {name} must be a non-empty list of tables, got {name}={short_repr(parts)}")
    return [build(part, where=f"{formula}: {name}[{i}]") for i, part in enumerate(parts)]


def sequential(*, schedules: list[Mapping[str, Any]], boundaries: list[float]) -> Schedule:
    r"""Case-data form of :func:`join`: each part is ``{"formula": name, **params}``.

    Examples:
      >>> parts = [{"formula": "constant", "value": 1.0}, {"formula": "constant", "value": 2.0}]
      >>> sequential(schedules=parts, boundaries=[1])([0, 1]).tolist()
      [1.0, 2.0]
    """
    return join(_build_parts("sequential", "schedules", schedules), boundaries, formula="sequential")


def product(*, init_lr: float, factors: list[Mapping[str, Any]]) -> Schedule:
    r"""Multiply a base rate by dimensionless factor schedules.

    .. math:: \eta_t = \eta_0 \prod_i f_i(t)

    Each factor is ``{"formula": name, **params}`` written for a unit rate (its
    ``init_lr`` is 1). This is what chaining multiplicative schedulers computes.

    Documented as: torch ``ChainedScheduler(schedulers)`` ("chains a list of learning rate
    schedulers ... by calling their step() consecutively").

    Examples:
      >>> halve = {"formula": "step_decay", "init_lr": 1.0, "step_size": 1, "gamma": 0.5}
      >>> product(init_lr=0.8, factors=[halve, halve])([0, 1, 2]).tolist()
      [0.8, 0.2, 0.05]
    """
    eta0 = check_lr("product", "init_lr", init_lr)
    parts = _build_parts("product", "factors", factors)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        return eta0 * np.prod([part(t) for part in parts], axis=0)

    return schedule
