"""Exact rewrites of one formula into others, for frameworks that lack a direct API.

Each takes a completed spec (:func:`reference.complete`) and returns an equivalent completed
spec, or ``None`` when it does not apply (another formula, or parameters for which the two
differ). Equivalent means equal at every integer step ``t >= 0``; the rewrites in
:mod:`reference.unrolled` hold up to a given last step. ``tests/test_reference_identities.py``
proves each on every catalogue case it applies to, bit for bit unless its docstring says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any, Literal

from ._numeric import scaled_power
from ._types import Spec
from .interpolate import one_cycle_knots

__all__ = [
    "BY_FORMULA",
    "cosine_cycles_as_warmup_cosine",
    "linear_as_polynomial",
    "linear_warmup_as_polynomial",
    "multi_step_as_piecewise",
    "natural_exp_as_exponential",
    "noam_as_warmup_inverse_sqrt",
    "one_cycle_as_interpolate",
    "piecewise_at_boundary",
    "poly_cycles_as_polynomial",
    "step_decay_as_exponential",
    "warmup_cosine_as_sequential",
    "warmup_stable_decay_as_sequential",
]


def polynomial_spec(init_lr: float, end_lr: float, decay_steps: float, transition_begin: float = 0) -> Spec:
    """A completed ``polynomial`` spec of power 1 without cycling: a linear ramp, then hold."""
    return {"formula": "polynomial", "init_lr": init_lr, "decay_steps": decay_steps, "end_lr": end_lr,
            "power": 1.0, "cycle": False, "transition_begin": transition_begin}  # fmt: skip


def exponential_spec(init_lr: float, decay_steps: float, decay_rate: float, **options: Any) -> Spec:
    """A completed ``exponential`` spec: continuous, from step 0, unbounded unless ``options`` say otherwise."""
    defaults = {"staircase": False, "transition_begin": 0, "end_lr": None}
    return {"formula": "exponential", "init_lr": init_lr, "decay_steps": decay_steps, "decay_rate": decay_rate,
            **defaults, **options}  # fmt: skip


def linear_as_polynomial(spec: Mapping[str, Any]) -> Spec | None:
    """``linear`` is ``polynomial`` of power 1 over ``transition_steps`` (bit for bit: it is built so)."""
    if spec["formula"] != "linear":
        return None
    return polynomial_spec(spec["init_lr"], spec["end_lr"], spec["transition_steps"], spec["transition_begin"])


def linear_warmup_as_polynomial(spec: Mapping[str, Any]) -> Spec | None:
    """``linear_warmup`` is an increasing ``polynomial`` of power 1 from ``init_lr`` to ``peak_lr`` (bit for bit)."""
    if spec["formula"] != "linear_warmup":
        return None
    return polynomial_spec(spec["init_lr"], spec["peak_lr"], spec["warmup_steps"])


def warmup_cosine_as_sequential(spec: Mapping[str, Any]) -> Spec | None:
    """``warmup_cosine`` is ``linear_warmup`` joined at ``warmup_steps`` to a clamped ``cosine`` from the peak.

    Without a warm-up (``warmup_steps = 0``) it is the ``cosine`` alone. Bit for bit.
    """
    if spec["formula"] != "warmup_cosine":
        return None
    peak, warmup = spec["peak_lr"], spec["warmup_steps"]
    cos = {"formula": "cosine", "init_lr": peak, "decay_steps": spec["decay_steps"], "final_lr": spec["final_lr"],
           "exponent": spec["exponent"], "past_end": "clamp"}  # fmt: skip
    if not warmup:
        return cos
    warm = {"formula": "linear_warmup", "peak_lr": peak, "warmup_steps": warmup, "init_lr": spec["init_lr"]}
    return {"formula": "sequential", "schedules": [warm, cos], "boundaries": [warmup]}


def cosine_cycles_as_warmup_cosine(spec: Mapping[str, Any]) -> Spec | None:
    """One cosine cycle (``cycle_limit = 1``, ``k_decay = 1``) after no warm-up or a prefixed one is ``warmup_cosine``
    with ``decay_steps = first_period``: after the cycle both hold ``final_lr``. Bit for bit (the same ramps)."""
    if spec["formula"] != "cosine_cycles" or spec["cycle_limit"] != 1 or spec["k_decay"] != 1:
        return None
    if spec["warmup_steps"] and not spec["warmup_prefix"]:
        return None
    return {"formula": "warmup_cosine", "peak_lr": spec["peak_lr"], "warmup_steps": spec["warmup_steps"],
            "decay_steps": spec["first_period"], "init_lr": spec["init_lr"], "final_lr": spec["final_lr"],
            "exponent": 1.0}  # fmt: skip


def poly_cycles_as_polynomial(spec: Mapping[str, Any]) -> Spec | None:
    """One polynomial cycle (``cycle_limit = 1``, ``k_decay = 1``) is ``polynomial`` over ``first_period`` to
    ``final_lr``, after a prefixed warm-up a ``sequential`` of ``linear_warmup`` and it. Bit for bit."""
    if spec["formula"] != "poly_cycles" or spec["cycle_limit"] != 1 or spec["k_decay"] != 1:
        return None
    warmup = spec["warmup_steps"]
    if warmup and not spec["warmup_prefix"]:
        return None
    poly = {"formula": "polynomial", "init_lr": spec["peak_lr"], "decay_steps": spec["first_period"],
            "end_lr": spec["final_lr"], "power": spec["power"], "cycle": False, "transition_begin": 0}  # fmt: skip
    if not warmup:
        return poly
    warm = {"formula": "linear_warmup", "peak_lr": spec["peak_lr"], "warmup_steps": warmup, "init_lr": spec["init_lr"]}
    return {"formula": "sequential", "schedules": [warm, poly], "boundaries": [warmup]}


def one_cycle_as_interpolate(spec: Mapping[str, Any]) -> Spec | None:
    """``one_cycle`` is ``interpolate`` through :func:`reference.interpolate.one_cycle_knots` (bit for bit)."""
    if spec["formula"] != "one_cycle":
        return None
    knots, values = one_cycle_knots(spec)
    return {"formula": "interpolate", "knots": knots, "values": values, "kind": spec["anneal"]}


def multi_step_as_piecewise(spec: Mapping[str, Any]) -> Spec | None:
    """``multi_step`` is ``piecewise_constant`` with values ``init_lr * gamma**k`` changing at the milestones.

    Bit for bit (the values are computed as ``multi_step`` computes them).
    """
    if spec["formula"] != "multi_step":
        return None
    values = scaled_power(spec["init_lr"], spec["gamma"], range(len(spec["milestones"]) + 1)).tolist()
    return {"formula": "piecewise_constant", "boundaries": list(spec["milestones"]), "values": values,
            "at_boundary": "next"}  # fmt: skip


def piecewise_at_boundary(spec: Mapping[str, Any], at_boundary: Literal["next", "previous"]) -> Spec | None:
    """``piecewise_constant`` with the boundary step in the other piece, equal at every integer step.

    ``"previous"`` boundaries ``b`` (Keras: the boundary step keeps the earlier value) are
    ``"next"`` boundaries ``floor(b) + 1`` (torch milestones, optax, MindSpore), and ``"next"``
    boundaries ``b`` are ``"previous"`` boundaries ``ceil(b) - 1``. ``None`` when the shifted
    boundaries are not strictly increasing and >= 0 (a ``"next"`` boundary at 0). Bit for bit.
    """
    if spec["formula"] != "piecewise_constant":
        return None
    if spec["at_boundary"] == at_boundary:
        return dict(spec)
    shift = (lambda b: math.floor(b) + 1) if at_boundary == "next" else (lambda b: math.ceil(b) - 1)
    bounds = [shift(b) for b in spec["boundaries"]]
    if any(b < 0 for b in bounds) or any(b <= a for a, b in pairwise(bounds)):
        return None
    return {**spec, "boundaries": bounds, "at_boundary": at_boundary}


def step_decay_as_exponential(spec: Mapping[str, Any]) -> Spec | None:
    """``step_decay`` without ``offset`` is a staircase ``exponential`` with ``decay_steps = step_size`` (bit for bit).

    ``None`` for ``gamma = 0``, which ``exponential`` refuses (its rate must be > 0).
    """
    if spec["formula"] != "step_decay" or spec["offset"] or not spec["gamma"]:
        return None
    return exponential_spec(spec["init_lr"], spec["step_size"], spec["gamma"], staircase=True)


def natural_exp_as_exponential(spec: Mapping[str, Any]) -> Spec | None:
    r"""``natural_exp`` is ``exponential`` with ``decay_rate = exp(-r)``: :math:`e^{-rp} = (e^{-r})^p`.

    Not bit for bit: ``exp(-r)`` is rounded once and raised to :math:`p`, so the two differ by up
    to about :math:`(p/2 + 3)` ulps. ``None`` when ``exp(-r)`` underflows to 0.
    """
    if spec["formula"] != "natural_exp" or math.exp(-spec["decay_rate"]) == 0:
        return None
    rate = math.exp(-spec["decay_rate"])
    return exponential_spec(spec["init_lr"], spec["decay_steps"], rate, staircase=spec["staircase"])


def warmup_stable_decay_as_sequential(spec: Mapping[str, Any]) -> Spec | None:
    """``warmup_stable_decay`` with a linear or cosine decay is ``linear_warmup``, ``constant`` at the peak and a
    ``polynomial`` of power 1 or a clamped ``cosine`` from the peak, joined at ``W`` and ``W + S`` (phases of no
    length left out). Bit for bit: it is built so. A ``1-sqrt`` decay is no other formula (``None``)."""
    if spec["formula"] != "warmup_stable_decay" or spec["decay"] not in ("linear", "cosine"):
        return None
    peak, w, s, d, final = (
        spec["peak_lr"],
        spec["warmup_steps"],
        spec["stable_steps"],
        spec["decay_steps"],
        spec["final_lr"],
    )
    decay = (
        polynomial_spec(peak, final, d)
        if spec["decay"] == "linear"
        else {
            "formula": "cosine",
            "init_lr": peak,
            "decay_steps": d,
            "final_lr": final,
            "exponent": 1.0,
            "past_end": "clamp",
        }
    )
    parts = [({"formula": "linear_warmup", "peak_lr": peak, "warmup_steps": w, "init_lr": spec["init_lr"]}, w),
             ({"formula": "constant", "value": peak}, s)]  # fmt: skip
    kept = [(part, length) for part, length in parts if length]
    if not kept:
        return decay
    boundaries = [sum(length for _, length in kept[: i + 1]) for i in range(len(kept))]
    return {"formula": "sequential", "schedules": [part for part, _ in kept] + [decay], "boundaries": boundaries}


def noam_as_warmup_inverse_sqrt(spec: Mapping[str, Any]) -> Spec | None:
    r"""``noam`` is ``warmup_inverse_sqrt`` with its peak :math:`s\,(d W)^{-1/2}` at :math:`W` and ``timescale =
    W``: :math:`s d^{-1/2} t W^{-3/2} = \eta_p\, t / W` before :math:`W`, :math:`s d^{-1/2} t^{-1/2} = \eta_p /
    \sqrt{1 + (t - W)/W}` from it (Hugging Face's ``get_inverse_sqrt_schedule(num_warmup_steps=W)``, a torch
    ``LambdaLR``). Not bit for bit: the peak is rounded once before the step's factor, so each side is within a few
    ulps of the exact value."""
    if spec["formula"] != "noam":
        return None
    w = spec["warmup_steps"]
    peak = spec["scale"] * spec["d_model"] ** -0.5 * w**-0.5
    return {"formula": "warmup_inverse_sqrt", "peak_lr": peak, "warmup_steps": w, "timescale": w}


#: formula -> its identity into another formula (the ones that hold at every step and need nothing but the
#: spec): what an adapter without an API for the formula tries (``adapters._base.ProgramAdapter.map``).
BY_FORMULA: dict[str, Callable[[Mapping[str, Any]], Spec | None]] = {
    "linear": linear_as_polynomial,
    "linear_warmup": linear_warmup_as_polynomial,
    "warmup_cosine": warmup_cosine_as_sequential,
    "cosine_cycles": cosine_cycles_as_warmup_cosine,
    "poly_cycles": poly_cycles_as_polynomial,
    "warmup_stable_decay": warmup_stable_decay_as_sequential,
    "one_cycle": one_cycle_as_interpolate,
    "multi_step": multi_step_as_piecewise,
    "step_decay": step_decay_as_exponential,
    "natural_exp": natural_exp_as_exponential,
    "noam": noam_as_warmup_inverse_sqrt,
}
