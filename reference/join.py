"""Composition: join schedules at boundaries, or multiply them.

``join`` is the only composition primitive; ``sequential`` and ``product`` are the case-data
forms. They take built schedules: :func:`reference.build` builds a case's nested
``{"formula": ..., **params}`` tables first, so nothing here depends on the registry.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import check_increasing, check_lr, check_same_length

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
        out = np.array(schedules[0](t), dtype=np.float64)
        for b, part in zip(bounds, schedules[1:], strict=True):
            later = t >= b  # a part runs from its boundary on: never evaluated at a negative step of its own
            out[later] = part(t[later] - b)
        return out

    return schedule


def sequential(*, schedules: list[Schedule], boundaries: list[float]) -> Schedule:
    r"""Case-data form of :func:`join`: in a case each part is a table ``{"formula": name, **params}``,
    which :func:`reference.build` builds before calling this.

    Examples:
      >>> from reference.constant import constant
      >>> sequential(schedules=[constant(value=1.0), constant(value=2.0)], boundaries=[1])([0, 1]).tolist()
      [1.0, 2.0]
    """
    return join(schedules, boundaries, formula="sequential")


def product(*, init_lr: float, factors: list[Schedule]) -> Schedule:
    r"""Multiply a base rate by dimensionless factor schedules.

    .. math:: \eta_t = \eta_0 \prod_i f_i(t)

    In a case each factor is a table ``{"formula": name, **params}`` written for a unit rate (its
    ``init_lr`` is 1). This is what chaining multiplicative schedulers computes.

    Documented as: torch ``ChainedScheduler(schedulers)`` ("chains a list of learning rate
    schedulers ... by calling their step() consecutively").

    Examples:
      >>> from reference.step import step_decay
      >>> halve = step_decay(init_lr=1.0, step_size=1, gamma=0.5)
      >>> product(init_lr=0.8, factors=[halve, halve])([0, 1, 2]).tolist()
      [0.8, 0.2, 0.05]
    """
    eta0 = check_lr("product", "init_lr", init_lr)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        return eta0 * np.prod([factor(t) for factor in factors], axis=0)

    return schedule
