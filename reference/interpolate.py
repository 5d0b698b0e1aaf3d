"""Piecewise interpolation between knots, and the one-cycle policy built on it."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any, Literal

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

__all__ = ["interpolate", "one_cycle", "one_cycle_knots"]


def interpolate(*, knots: list[float], values: list[float], kind: Literal["linear", "cos"] = "linear") -> Schedule:
    r"""Interpolate between ``(knot, value)`` points; hold the first and last values outside.

    For :math:`k_i \le t \le k_{i+1}`, with :math:`p = (t - k_i)/(k_{i+1} - k_i)`:

    .. math::
       \eta_t = v_i + (v_{i+1} - v_i)\,p \;\;(\text{linear}), \qquad
       \eta_t = v_{i+1} + \tfrac12 (v_i - v_{i+1})(1 + \cos \pi p) \;\;(\text{cos})

    evaluated as written (as torch's ``OneCycleLR`` anneals), except that a knot and the steps
    outside the knots give the knot's value exactly: ``1.0 + (1e-12 - 1.0) * 1`` is 9.99978e-13.

    Documented as: optax ``piecewise_interpolate_schedule(interpolate_type, init_value,
    boundaries_and_scales)`` (knots are its boundaries, values the running products of
    its scales); the phases of torch ``OneCycleLR``.

    Examples:
      >>> interpolate(knots=[0, 4, 8], values=[1.0, 0.1, 0.01])([0, 2, 4, 6, 8, 10]).tolist()
      [1.0, 0.55, 0.1, 0.055, 0.01, 0.01]
      >>> interpolate(knots=[0, 4], values=[1.0, 1e-12])([4, 5]).tolist()
      [1e-12, 1e-12]
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
        value = start + (end - start) * p if kind == "linear" else end + (start - end) / 2.0 * (1.0 + np.cos(np.pi * p))
        return np.where(p == 0.0, start, np.where(p == 1.0, end, value))

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
    div = check_positive(name, "div_factor", div_factor)
    final_div = check_positive(name, "final_div_factor", final_div_factor)
    checked = {"max_lr": peak, "total_steps": total, "pct_start": pct, "div_factor": div,
               "final_div_factor": final_div, "three_phase": check_bool(name, "three_phase", three_phase)}  # fmt: skip
    knots, values = one_cycle_knots(checked)
    if any(b <= a for a, b in pairwise(knots)):
        raise ValueError(
            f"{name}: pct_start*total_steps - 1 must split the run into non-empty phases, "
            f"got pct_start={pct_start!r}, total_steps={total_steps!r} (phase ends {knots[1:]})"
        )
    return interpolate(knots=knots, values=values, kind=anneal)


def one_cycle_knots(params: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    r"""The knots and values :func:`one_cycle` interpolates through (its parameters, completed).

    Phase ends at :math:`P - 1` (and :math:`2P - 2` with three phases) and :math:`T - 1`,
    as torch's ``OneCycleLR`` sets ``end_step``; values :math:`\eta_{\max}/\text{div}`,
    :math:`\eta_{\max}` and :math:`\eta_{\max}/\text{div}/\text{final\_div}`.

    Examples:
      >>> one_cycle_knots({"max_lr": 1.0, "total_steps": 10, "pct_start": 0.3, "div_factor": 4.0,
      ...                  "final_div_factor": 2.0, "three_phase": False})
      ([0.0, 2.0, 9.0], [0.25, 1.0, 0.125])
    """
    peak, total = params["max_lr"], params["total_steps"]
    start = peak / params["div_factor"]
    low, up_end = start / params["final_div_factor"], params["pct_start"] * total - 1.0
    if params["three_phase"]:
        return [0.0, up_end, 2 * up_end, total - 1.0], [start, peak, start, low]
    return [0.0, up_end, total - 1.0], [start, peak, low]
