"""Cyclical learning rates (Smith 2017)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import check_choice, check_lr, check_positive

__all__ = ["amplitude", "cyclic", "cyclic_implied"]

#: What ``scale_mode=None`` stands for, per mode (torch forces these for its built-in modes).
DEFAULT_SCALE_MODE = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}


def cyclic_implied(params: Mapping[str, Any]) -> dict[str, Any]:
    """The values ``step_size_down=None`` and ``scale_mode=None`` stand for, given ``step_size_up`` and ``mode``.

    Examples:
      >>> cyclic_implied({"step_size_up": 5, "mode": "exp_range"})
      {'step_size_down': 5, 'scale_mode': 'iterations'}
    """
    return {"step_size_down": params["step_size_up"], "scale_mode": DEFAULT_SCALE_MODE[params["mode"]]}


def amplitude(mode: str, gamma: float, k: np.ndarray) -> np.ndarray:
    """The amplitude factor of ``mode`` at cycle number or step ``k``: 1, ``1 / 2**(k - 1)`` or ``gamma**k``."""
    if mode == "triangular":
        return np.ones_like(k)
    if mode == "triangular2":
        return 1.0 / 2.0 ** (k - 1.0)
    return gamma**k


def cyclic(
    *,
    base_lr: float,
    max_lr: float,
    step_size_up: float,
    step_size_down: float | None = None,
    mode: Literal["triangular", "triangular2", "exp_range"] = "triangular",
    gamma: float = 1.0,
    scale_mode: Literal["cycle", "iterations"] | None = None,
) -> Schedule:
    r"""Cyclical learning rate (Smith 2017), symmetric or asymmetric.

    With :math:`L = u + d` (up and down lengths) and :math:`\rho = u / L`:

    .. math::
       c = \lfloor 1 + t/L \rfloor,\quad x = 1 + t/L - c,\quad
       s = \begin{cases} x/\rho & x \le \rho \\ (x - 1)/(\rho - 1) & x > \rho \end{cases},\quad
       \eta_t = \eta_b + (\eta_m - \eta_b)\, s\, g(\cdot)

    The amplitude factor :math:`g` is 1 (``triangular``), :math:`1/2^{k-1}`
    (``triangular2``) or :math:`\gamma^{k}` (``exp_range``); :math:`k` is the cycle
    number :math:`c` (``scale_mode="cycle"``) or the step :math:`t` (``"iterations"``).
    Defaults: ``cycle`` for the triangular modes, ``iterations`` for ``exp_range``.

    Args:
      base_lr: :math:`\eta_b` (>= 0), the rate at the start of each cycle.
      max_lr: :math:`\eta_m` (>= 0), reached after ``step_size_up`` steps.
      step_size_up: :math:`u` (> 0).
      step_size_down: :math:`d` (> 0); defaults to :math:`u` (symmetric).
      mode: the amplitude policy.
      gamma: :math:`\gamma` (> 0) for ``exp_range``.
      scale_mode: what the amplitude policy is a function of.

    Documented as: torch ``CyclicLR(base_lr, max_lr, step_size_up, step_size_down, mode,
    gamma, scale_fn, scale_mode)``; TF-Addons ``CyclicalLearningRate(initial_learning_rate,
    maximal_learning_rate, step_size, scale_fn, scale_mode)`` and its ``Triangular``,
    ``Triangular2`` and ``Exponential`` subclasses (symmetric only: ``step_size`` = :math:`u`).

    Examples:
      >>> cyclic(base_lr=0.0, max_lr=1.0, step_size_up=2)([0, 1, 2, 3, 4]).tolist()
      [0.0, 0.5, 1.0, 0.5, 0.0]
      >>> cyclic(base_lr=0.0, max_lr=1.0, step_size_up=1, mode="triangular2")([1, 3, 5]).tolist()
      [1.0, 0.5, 0.25]
    """
    name = "cyclic"
    lo = check_lr(name, "base_lr", base_lr)
    hi = check_lr(name, "max_lr", max_lr)
    up = check_positive(name, "step_size_up", step_size_up)
    check_choice(name, "mode", mode, tuple(DEFAULT_SCALE_MODE))
    implied = cyclic_implied({"step_size_up": up, "mode": mode})
    down = (
        implied["step_size_down"] if step_size_down is None else check_positive(name, "step_size_down", step_size_down)
    )
    g = check_positive(name, "gamma", gamma)
    by = implied["scale_mode"] if scale_mode is None else scale_mode
    check_choice(name, "scale_mode", by, ("cycle", "iterations"))
    length, ratio = up + down, up / (up + down)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        c = np.floor(1.0 + t / length)
        x = 1.0 + t / length - c
        s = np.where(x <= ratio, x / ratio, (x - 1.0) / (ratio - 1.0))
        return lo + (hi - lo) * s * amplitude(mode, g, c if by == "cycle" else t)

    return schedule
