"""Cyclical rates, piecewise interpolation between knots, and the one-cycle policy."""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import (
    check_bool,
    check_choice,
    check_count,
    check_increasing,
    check_lr,
    check_positive,
    check_same_length,
)

__all__ = ["cyclic", "interpolate", "one_cycle"]

_DEFAULT_SCALE_MODE = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}


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
    down = up if step_size_down is None else check_positive(name, "step_size_down", step_size_down)
    check_choice(name, "mode", mode, tuple(_DEFAULT_SCALE_MODE))
    g = check_positive(name, "gamma", gamma)
    by = _DEFAULT_SCALE_MODE[mode] if scale_mode is None else scale_mode
    check_choice(name, "scale_mode", by, ("cycle", "iterations"))
    length, ratio = up + down, up / (up + down)

    def amplitude(k: np.ndarray) -> np.ndarray:
        if mode == "triangular":
            return np.ones_like(k)
        if mode == "triangular2":
            return 1.0 / 2.0 ** (k - 1.0)
        return g**k

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        c = np.floor(1.0 + t / length)
        x = 1.0 + t / length - c
        s = np.where(x <= ratio, x / ratio, (x - 1.0) / (ratio - 1.0))
        return lo + (hi - lo) * s * amplitude(c if by == "cycle" else t)

    return schedule


def interpolate(*, knots: list[float], values: list[float], kind: Literal["linear", "cos"] = "linear") -> Schedule:
    r"""Interpolate between ``(knot, value)`` points; hold the first and last values outside.

    For :math:`k_i \le t \le k_{i+1}`, with :math:`p = (t - k_i)/(k_{i+1} - k_i)`:

    .. math::
       \eta_t = v_i + (v_{i+1} - v_i)\,p \;\;(\text{linear}), \qquad
       \eta_t = v_{i+1} + \tfrac12 (v_i - v_{i+1})(1 + \cos \pi p) \;\;(\text{cos})

    Documented as: optax ``piecewise_interpolate_schedule(interpolate_type, init_value,
    boundaries_and_scales)`` (knots are its boundaries, values the running products of
    its scales); the phases of torch ``OneCycleLR``.

    Examples:
      >>> interpolate(knots=[0, 4, 8], values=[1.0, 0.1, 0.01])([0, 2, 4, 6, 8, 10]).tolist()
      [1.0, 0.55, 0.1, 0.055, 0.01, 0.01]
    """
    name = "interpolate"
    ks = np.array(check_increasing(name, "knots", knots))
    values = check_same_length(name, "values", values, len(ks))
    vs = np.array([check_lr(name, f"values[{i}]", v) for i, v in enumerate(values)])
    check_choice(name, "kind", kind, ("linear", "cos"))

    if len(ks) < 2:
        raise ValueError(f"{name}: knots must have at least 2 entries, got knots={knots!r}")

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = np.clip(as_steps(steps), ks[0], ks[-1])
        i = np.clip(np.searchsorted(ks, t, side="right") - 1, 0, len(ks) - 2)
        p = (t - ks[i]) / (ks[i + 1] - ks[i])
        start, end = vs[i], vs[i + 1]
        if kind == "linear":
            return start + (end - start) * p
        return end + (start - end) / 2.0 * (1.0 + np.cos(np.pi * p))

    return schedule


def one_cycle(
    *,
    max_lr: float,
    total_steps: int,
    pct_start: float = 0.3,
    anneal: Literal["cos", "linear"] = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    r"""The 1cycle policy as torch documents it, holding the minimum after the last step.

    With :math:`\eta_i = \eta_{\max}/\text{div}`, :math:`\eta_{\min} = \eta_i/\text{final\_div}`,
    :math:`T` total steps and :math:`P = \text{pct\_start}\cdot T`, :func:`interpolate`
    (``kind = anneal``) through the knots

    * two-phase: :math:`(0, \eta_i), (P - 1, \eta_{\max}), (T - 1, \eta_{\min})`
    * three-phase: :math:`(0, \eta_i), (P - 1, \eta_{\max}), (2P - 2, \eta_i), (T - 1, \eta_{\min})`

    Note :math:`\eta_{\min} = \eta_{\max} / (\text{div} \cdot \text{final\_div})`.

    Documented as: torch ``OneCycleLR(max_lr, total_steps, pct_start, anneal_strategy,
    div_factor, final_div_factor, three_phase)``.

    Examples:
      >>> one_cycle(max_lr=1.0, total_steps=4, pct_start=0.5, anneal="linear",
      ...           div_factor=4.0, final_div_factor=2.0)([0, 1, 2, 3, 4]).tolist()
      [0.25, 1.0, 0.5625, 0.125, 0.125]
    """
    name = "one_cycle"
    peak = check_lr(name, "max_lr", max_lr)
    total = check_count(name, "total_steps", check_positive(name, "total_steps", total_steps))
    pct = check_positive(name, "pct_start", pct_start)
    check_choice(name, "anneal", anneal, ("cos", "linear"))
    start = peak / check_positive(name, "div_factor", div_factor)
    low = start / check_positive(name, "final_div_factor", final_div_factor)
    three_phase = check_bool(name, "three_phase", three_phase)
    up_end = pct * total - 1.0
    if three_phase:
        knots, values = [0.0, up_end, 2 * up_end, total - 1.0], [start, peak, start, low]
    else:
        knots, values = [0.0, up_end, total - 1.0], [start, peak, low]
    if any(b <= a for a, b in pairwise(knots)):
        raise ValueError(
            f"{name}: pct_start*total_steps - 1 must split the run into non-empty phases, "
            f"got pct_start={pct_start!r}, total_steps={total_steps!r} (phase ends {knots[1:]})"
        )
    return interpolate(knots=knots, values=values, kind=anneal)
