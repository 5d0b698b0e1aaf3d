"""Piecewise-constant families: step decay, multi-step decay, arbitrary piecewise values."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ._numeric import scaled_power
from ._types import Schedule, as_steps
from ._validate import (
    check_choice,
    check_increasing,
    check_lr,
    check_non_negative,
    check_positive,
    check_same_length,
)

__all__ = ["multi_step", "piecewise_constant", "step_decay"]


def step_decay(*, init_lr: float, step_size: float, gamma: float, offset: float = 0) -> Schedule:
    r"""Multiply by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta_0 \, \gamma^{\lfloor (t + o) / k \rfloor}

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      step_size: :math:`k`, steps between decays (> 0).
      gamma: :math:`\gamma`, the factor per decay (>= 0).
      offset: :math:`o`, steps already counted at step 0 (>= 0). Seed 001's ``StepDecay``
        computes ``floor((1 + epoch) / dropEvery)``: ``o = 1``, so its first drop comes at
        epoch ``dropEvery - 1``.

    Documented as: torch ``StepLR(step_size, gamma)``; Keras/TF
    ``ExponentialDecay(decay_steps=k, decay_rate=gamma, staircase=True)``; optax
    ``exponential_decay(transition_steps=k, staircase=True)`` (all ``o = 0``).

    Examples:
      >>> step_decay(init_lr=1.0, step_size=2, gamma=0.5)([0, 1, 2, 3, 4]).tolist()
      [1.0, 1.0, 0.5, 0.5, 0.25]
      >>> step_decay(init_lr=1.0, step_size=3, gamma=0.5, offset=1)([0, 1, 2, 4, 5]).tolist()
      [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    eta0 = check_lr("step_decay", "init_lr", init_lr)
    k = check_positive("step_decay", "step_size", step_size)
    g = check_non_negative("step_decay", "gamma", gamma)
    o = check_non_negative("step_decay", "offset", offset)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        return scaled_power(eta0, g, np.floor((as_steps(steps) + o) / k))

    return schedule


def multi_step(*, init_lr: float, milestones: list[int], gamma: float) -> Schedule:
    r"""Multiply by ``gamma`` once the step reaches each milestone.

    .. math:: \eta_t = \eta_0 \, \gamma^{\#\{m_i \le t\}}

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      milestones: :math:`m_i`, strictly increasing steps; the decay applies *at* ``t = m_i``.
      gamma: :math:`\gamma` (>= 0).

    Documented as: torch ``MultiStepLR(milestones, gamma)`` ("decays ... once the number of
    epoch reaches one of the milestones"); d2l chapter 12.11 uses
    ``MultiStepLR(milestones=[15, 30], gamma=0.5)``.

    Examples:
      >>> multi_step(init_lr=0.5, milestones=[2, 4], gamma=0.5)([0, 1, 2, 3, 4, 5]).tolist()
      [0.5, 0.5, 0.25, 0.25, 0.125, 0.125]
    """
    eta0 = check_lr("multi_step", "init_lr", init_lr)
    marks = np.array(check_increasing("multi_step", "milestones", milestones))
    g = check_non_negative("multi_step", "gamma", gamma)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        count = np.searchsorted(marks, as_steps(steps), side="right")
        return scaled_power(eta0, g, count)

    return schedule


def piecewise_constant(
    *,
    boundaries: list[float],
    values: list[float],
    at_boundary: Literal["next", "previous"] = "next",
) -> Schedule:
    r"""Arbitrary constant pieces separated by boundaries.

    With ``at_boundary="next"`` the value changes *at* a boundary:

    .. math:: \eta_t = v_i \quad\text{for } b_{i-1} \le t < b_i

    With ``at_boundary="previous"`` the boundary step still uses the earlier value:

    .. math:: \eta_t = v_i \quad\text{for } b_{i-1} < t \le b_i

    with :math:`b_{-1} = -\infty` and :math:`b_n = +\infty`.

    Args:
      boundaries: :math:`b_0 < b_1 < \dots`, steps (>= 0).
      values: one more value than boundaries, each a learning rate (>= 0).
      at_boundary: which piece the boundary step itself belongs to.

    Documented as: ``"next"``: optax ``piecewise_constant_schedule`` (as scales), MindSpore
    ``piecewise_constant_lr(milestone, learning_rates)`` (index ``i`` uses ``x_t`` for
    ``M_{t-1} <= i < M_t``); ``"previous"``: Keras ``PiecewiseConstantDecay(boundaries,
    values)`` ("``values[0]`` when ``step <= boundaries[0]``").

    Examples:
      >>> piecewise_constant(boundaries=[2], values=[1.0, 0.5])([1, 2, 3]).tolist()
      [1.0, 0.5, 0.5]
      >>> piecewise_constant(boundaries=[2], values=[1.0, 0.5], at_boundary="previous")([1, 2, 3]).tolist()
      [1.0, 1.0, 0.5]
    """
    name = "piecewise_constant"
    bounds = np.array(check_increasing(name, "boundaries", boundaries))
    values = check_same_length(name, "values", values, len(bounds) + 1)
    vals = np.array([check_lr(name, f"values[{i}]", v) for i, v in enumerate(values)])
    side = check_choice(name, "at_boundary", at_boundary, ("next", "previous"))
    searchside = "right" if side == "next" else "left"

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        return vals[np.searchsorted(bounds, as_steps(steps), side=searchside)]

    return schedule
