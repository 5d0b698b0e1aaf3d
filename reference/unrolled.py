"""Rewrites that hold on steps ``0..last_step``: cycles unrolled into pieces, a floor not reached.

Like :mod:`reference.identities`, each takes a completed spec (:func:`reference.complete`)
and returns an equivalent completed spec or ``None``; here equivalent means equal at every
integer step from 0 to ``last_step``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._numeric import ramp, scaled_power
from ._types import Spec
from .cyclic import amplitude
from .identities import exponential_spec
from .restarts import restart_cycles

__all__ = ["cosine_restarts_as_sequential", "cyclic_as_interpolate", "factor_decay_as_exponential"]


def factor_decay_as_exponential(spec: Mapping[str, Any], *, last_step: float = math.inf) -> Spec | None:
    r"""``factor_decay`` as ``exponential`` with ``decay_steps = 1`` and ``decay_rate = factor`` from its step-0 rate.

    Unbounded (``end_lr = None``) when the floor never sets the rate up to ``last_step``
    (:math:`\eta_0 f^n \ge \eta_{\min}` for every multiplication :math:`n \ge 1` it covers);
    else, for a decay (``factor < 1``) whose step-0 rate is not below the floor, with
    ``end_lr = min_lr`` (``exponential``'s floor when its rate is < 1). ``None`` otherwise: a
    growth rate that the floor lifts, or a step-0 rate below the floor. Not bit for bit when
    ``offset > 0`` (:math:`\eta_0 f^{o}` is rounded before it is multiplied): a few ulps.
    """
    if spec["formula"] != "factor_decay":
        return None
    eta0, f, floor, o = spec["init_lr"], spec["factor"], spec["min_lr"], spec["offset"]
    start = float(scaled_power(eta0, f, o))
    lowest = float(scaled_power(eta0, f, o + last_step if f < 1 else 1))  # a growth rate is lowest after one
    if o + last_step < 1 or floor <= lowest:
        return exponential_spec(start, 1, f)
    if f < 1 and (o or eta0 >= floor):
        return exponential_spec(max(start, floor), 1, f, end_lr=floor)
    return None


def cosine_restarts_as_sequential(spec: Mapping[str, Any], *, last_step: float) -> Spec | None:
    r"""``cosine_restarts`` as one clamped ``cosine`` per cycle that starts by ``last_step``, joined at the restarts.

    Cycle :math:`i` is a cosine from its peak :math:`\eta_{\min} + (\eta_0 - \eta_{\min})m^i`
    to ``final_lr`` over its period (:func:`reference.restarts.restart_cycles`). Bit for bit
    when ``m_mul = 1``; otherwise the peak is rounded before the cosine scales it: a few ulps.
    """
    if spec["formula"] != "cosine_restarts":
        return None
    starts, periods = restart_cycles(first_period=spec["first_period"], t_mult=spec["t_mult"], last_step=last_step)
    peaks = ramp(spec["init_lr"], spec["final_lr"], spec["m_mul"] ** np.arange(len(starts)))
    cycles = [
        {"formula": "cosine", "init_lr": peak, "decay_steps": period, "final_lr": spec["final_lr"], "exponent": 1.0,
         "past_end": "clamp"}
        for peak, period in zip(peaks.tolist(), periods.tolist(), strict=True)
    ]  # fmt: skip
    return {"formula": "sequential", "schedules": cycles, "boundaries": starts[1:].tolist()}


def cyclic_as_interpolate(spec: Mapping[str, Any], *, last_step: float) -> Spec | None:
    r"""``cyclic`` as linear ``interpolate`` through each cycle's start, peak and end, up to ``last_step``.

    A cycle is linear from ``base_lr`` up to ``base_lr + (max_lr - base_lr) a_c`` and back when
    its amplitude :math:`a_c` is constant within it: ``triangular``, or any mode with
    ``scale_mode = "cycle"``. ``None`` for an amplitude that varies with the step. Not bit for bit:
    the interpolation fraction and the cyclic one round differently, a few ulps of the swing.
    """
    if spec["formula"] != "cyclic" or (spec["mode"] != "triangular" and spec["scale_mode"] != "cycle"):
        return None
    up, lo, hi = spec["step_size_up"], spec["base_lr"], spec["max_lr"]
    length = up + spec["step_size_down"]
    count = int(last_step // length) + 1
    peaks = lo + (hi - lo) * amplitude(spec["mode"], spec["gamma"], np.arange(1.0, count + 1))
    knots, values = [0.0], [lo]
    for c, peak in enumerate(peaks.tolist()):
        knots += [c * length + up, (c + 1) * length]
        values += [peak, lo]
    return {"formula": "interpolate", "knots": knots, "values": values, "kind": "linear"}
