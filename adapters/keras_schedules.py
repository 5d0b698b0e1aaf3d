"""Keras: which API expresses a case, and with which arguments (pure: no framework import).

One binding per (reference formula, Keras API). It returns the call, or raises
:class:`NotExpressible` with the reason. The cross-framework differences live here, each
passed explicitly rather than left to a default that differs from torch's:

- ``PiecewiseConstantDecay`` keeps the previous value *at* a boundary ("``values[0]`` when
  ``step <= boundaries[0]``"): reference boundaries with ``at_boundary="next"`` (torch
  milestones) become ``boundaries - 1`` on integer steps.
- ``PolynomialDecay``'s default ``end_learning_rate`` is ``1e-4`` (torch's ``PolynomialLR``
  ends at 0): always passed.
- ``CosineDecay`` holds ``alpha * initial_learning_rate`` after ``decay_steps`` (torch's
  ``CosineAnnealingLR`` climbs back); ``alpha`` is a fraction of the peak, torch's
  ``eta_min`` an absolute rate.
- ``CosineDecayRestarts``' default ``t_mul`` is ``2.0`` (torch's ``T_mult`` is 1): always passed.
- ``callbacks.ReduceLROnPlateau`` reduces when its wait count *reaches* ``patience`` and
  counts its cool-down epoch by epoch from the reduction, torch's when the bad-epoch count
  *exceeds* it: torch ``patience=p, cooldown=c`` is Keras ``patience=p+1, cooldown=c+1``.
  Keras' ``min_delta`` is absolute and it has no ``eps``.

A case can steer the mapping with ``hints.keras`` (:data:`HINT_KEYS`): ``api`` (pick one of
the APIs below), ``omit`` (arguments left at Keras' defaults), ``kwargs`` (extra arguments passed
as they are: keywords of the API, :data:`KEYWORDS`), and for ``LearningRateScheduler``
``schedule`` (the per-epoch function: a call such as ``StepDecay(factor=0.5)``) and ``source`` (a
file under ``cases/`` with the definitions it needs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from model.adapter import Code, NotExpressible
from model.hints import (
    CASES_DIR,
    HintError,
    HintKey,
    call_expression,
    file_inside,
    keyword_arguments,
    keyword_table,
    one_of,
)

from ._base import as_int, first_fit

__all__ = ["HINT_KEYS", "KEYWORDS", "KerasCall", "keras_call"]

ROOT = Path(__file__).resolve().parents[1]
#: The keyword parameters of every API a case can reach (Keras 3.15.1's signatures, without ``**kwargs``).
#: ``hints.keras.kwargs`` may pass only these: its keys are pasted into the program. Checked against the
#: installed Keras by ``cases/test_hint_keywords.py``.
KEYWORDS = keyword_table(
    {
        "ExponentialDecay": "initial_learning_rate decay_steps decay_rate staircase name",
        "InverseTimeDecay": "initial_learning_rate decay_steps decay_rate staircase name",
        "PiecewiseConstantDecay": "boundaries values name",
        "PolynomialDecay": "initial_learning_rate decay_steps end_learning_rate power cycle name",
        "CosineDecay": "initial_learning_rate decay_steps alpha name warmup_target warmup_steps",
        "CosineDecayRestarts": "initial_learning_rate first_decay_steps t_mul m_mul alpha name",
        "SGD": "learning_rate momentum nesterov weight_decay clipnorm clipvalue global_clipnorm use_ema ema_momentum "
        "ema_overwrite_frequency loss_scale_factor gradient_accumulation_steps name",
        "LearningRateScheduler": "schedule verbose",
        "ReduceLROnPlateau": "monitor factor patience verbose mode min_delta cooldown min_lr",
    }
)
#: What ``hints.keras`` may hold.
HINT_KEYS = {
    "api": HintKey(
        "a string", "the API to call: a schedule class, SGD (its own decay=) or LearningRateScheduler", one_of(KEYWORDS)
    ),
    "omit": HintKey("a list of strings", "arguments left at Keras' defaults (e.g. end_learning_rate)"),
    "kwargs": HintKey(
        "a table",
        "extra keyword arguments of the API, passed as they are",
        keyword_arguments(frozenset().union(*KEYWORDS.values()), "Keras API"),
    ),
    "schedule": HintKey(
        "a string", "LearningRateScheduler's per-epoch function: a call such as StepDecay(factor=0.5)", call_expression
    ),
    "source": HintKey("a string", "a file under cases/ that defines what schedule calls", file_inside(CASES_DIR)),
}
_MODULES = {
    "SGD": "keras.optimizers",
    "LearningRateScheduler": "keras.callbacks",
    "ReduceLROnPlateau": "keras.callbacks",
}


@dataclass(frozen=True)
class KerasCall:
    """One Keras constructor call, what it runs in, and why closer APIs were not used.

    ``kind`` says how the adapter drives it: ``schedule`` (a ``LearningRateSchedule``
    called on steps and given to ``SGD``), ``optimizer`` (``SGD``'s own arguments) or
    ``callback`` (a ``model.fit`` callback; ``lr`` is the optimizer's starting rate).
    """

    api: str
    kwargs: Mapping[str, Any]
    kind: str = "schedule"
    lr: float | None = None
    source: str = ""
    note: str = ""
    metrics: tuple[float, ...] = field(default=())

    @property
    def qualified(self) -> str:
        return f"{_MODULES.get(self.api, 'keras.optimizers.schedules')}.{self.api}"


Binding = Callable[[Mapping[str, Any], int], KerasCall]


def _fraction(final: float, peak: float, api: str) -> float:
    """``alpha``: Keras gives the floor as a fraction of the peak rate."""
    if peak:
        return final / peak
    if final:
        raise NotExpressible(f"{api}'s alpha is a fraction of the peak rate, which is 0 here")
    return 0.0


def _integer_boundaries(values: list[float], shift: int, api: str) -> list[int]:
    return [as_int(b, api, "boundary") + shift for b in values]


# --- one function per Keras API; each raises NotExpressible with the reason it cannot -----


def exponential_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    if p.get("transition_begin", 0) or p.get("end_lr") is not None:
        raise NotExpressible("ExponentialDecay decays from step 0 and has no floor (transition_begin, end_lr)")
    kwargs = {"initial_learning_rate": p["init_lr"], "decay_steps": p["decay_steps"], "decay_rate": p["decay_rate"]}
    return KerasCall("ExponentialDecay", {**kwargs, "staircase": bool(p.get("staircase", False))})


def staircase_exponential_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    if p.get("offset", 0):
        raise NotExpressible(
            "ExponentialDecay(staircase=True) drops at multiples of decay_steps from step 0 (no offset)"
        )
    params = {"init_lr": p["init_lr"], "decay_steps": p["step_size"], "decay_rate": p["gamma"], "staircase": True}
    return exponential_decay(params, last)


def natural_exponential_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    """``eta0 * exp(-r p)`` is ``eta0 * (exp(-r)) ** p``."""
    params = {"init_lr": p["init_lr"], "decay_steps": p["decay_steps"], "decay_rate": math.exp(-p["decay_rate"])}
    return exponential_decay({**params, "staircase": p.get("staircase", False)}, last)


def factor_exponential_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    offset, factor = p.get("offset", 0), p["factor"]
    start = p["init_lr"] * factor**offset
    if min(start, start * factor**last) < p.get("min_lr", 0.0):
        raise NotExpressible("ExponentialDecay has no floor; the case's min_lr is reached within its steps")
    return exponential_decay({"init_lr": start, "decay_steps": 1, "decay_rate": factor}, last)


def inverse_time_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    kwargs = {"initial_learning_rate": p["init_lr"], "decay_steps": p["decay_steps"], "decay_rate": p["decay_rate"]}
    return KerasCall("InverseTimeDecay", {**kwargs, "staircase": bool(p.get("staircase", False))})


def sgd_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    """The optimizer's own ``decay=d``: ``lr / (1 + d * iterations)`` in Keras 2's optimizers."""
    if p["decay_steps"] != 1 or p.get("staircase"):
        raise NotExpressible("SGD(decay=d) divides by 1 + d * iterations: decay_steps 1, not staircase")
    return KerasCall("SGD", {"learning_rate": p["init_lr"], "decay": p["decay_rate"]}, kind="optimizer")


def piecewise_constant_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    shift = -1 if p.get("at_boundary", "next") == "next" else 0
    call = KerasCall(
        "PiecewiseConstantDecay",
        {
            "boundaries": _integer_boundaries(p["boundaries"], shift, "PiecewiseConstantDecay"),
            "values": list(p["values"]),
        },
    )
    if shift:
        return replace(
            call, note="the boundary step keeps the previous value in Keras: boundaries - 1 on integer steps"
        )
    return call


def multi_step_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    values = [p["init_lr"] * p["gamma"] ** i for i in range(len(p["milestones"]) + 1)]
    return piecewise_constant_decay({"boundaries": p["milestones"], "values": values}, last)


def polynomial_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    if p.get("transition_begin", 0):
        raise NotExpressible("PolynomialDecay decays from step 0 (no transition_begin)")
    kwargs = {
        "initial_learning_rate": p["init_lr"],
        "decay_steps": p["decay_steps"],
        "end_learning_rate": p.get("end_lr", 0.0),
        "power": p.get("power", 1.0),
        "cycle": bool(p.get("cycle", False)),
    }
    return KerasCall("PolynomialDecay", kwargs)


def linear_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    params = {"init_lr": p["init_lr"], "end_lr": p["end_lr"], "decay_steps": p["transition_steps"]}
    return polynomial_decay({**params, "transition_begin": p.get("transition_begin", 0)}, last)


def linear_warmup_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    params = {"init_lr": p.get("init_lr", 0.0), "end_lr": p["peak_lr"], "decay_steps": p["warmup_steps"]}
    return polynomial_decay(params, last)


def cosine_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    if p.get("exponent", 1.0) != 1:
        raise NotExpressible("CosineDecay has no exponent")
    if p.get("past_end", "clamp") == "periodic" and last > p["decay_steps"]:
        raise NotExpressible("CosineDecay holds alpha * initial_learning_rate after decay_steps; the case climbs back")
    alpha = _fraction(p.get("final_lr", 0.0), p["init_lr"], "CosineDecay")
    return KerasCall(
        "CosineDecay", {"initial_learning_rate": p["init_lr"], "decay_steps": p["decay_steps"], "alpha": alpha}
    )


def warmup_cosine_decay(p: Mapping[str, Any], last: int) -> KerasCall:
    """``CosineDecay(initial, D, alpha, warmup_target, warmup_steps)``; ``D`` counts the cosine part only."""
    peak, warmup = p["peak_lr"], p["warmup_steps"]
    if not warmup:
        return cosine_decay({**p, "init_lr": peak}, last)
    if p.get("exponent", 1.0) != 1:
        raise NotExpressible("CosineDecay has no exponent")
    kwargs = {
        "initial_learning_rate": p.get("init_lr", 0.0),
        "decay_steps": p["decay_steps"],
        "alpha": _fraction(p.get("final_lr", 0.0), peak, "CosineDecay"),
        "warmup_target": peak,
        "warmup_steps": warmup,
    }
    return KerasCall("CosineDecay", kwargs)


def cosine_decay_restarts(p: Mapping[str, Any], last: int) -> KerasCall:
    kwargs = {
        "initial_learning_rate": p["init_lr"],
        "first_decay_steps": p["first_period"],
        "t_mul": float(p.get("t_mult", 1.0)),
        "m_mul": float(p.get("m_mul", 1.0)),
        "alpha": _fraction(p.get("final_lr", 0.0), p["init_lr"], "CosineDecayRestarts"),
    }
    return KerasCall("CosineDecayRestarts", kwargs)


def reduce_lr_on_plateau(p: Mapping[str, Any], last: int) -> KerasCall:
    threshold = p.get("threshold", 1e-4)
    if p.get("threshold_mode", "rel") == "rel" and threshold:
        raise NotExpressible("ReduceLROnPlateau's min_delta is absolute: threshold_mode='rel' has no Keras equivalent")
    patience = as_int(p.get("patience", 10), "ReduceLROnPlateau", "patience")
    cooldown = as_int(p.get("cooldown", 0), "ReduceLROnPlateau", "cooldown")
    kwargs = {
        "monitor": "scripted",
        "mode": p.get("mode", "min"),
        "factor": p.get("factor", 0.1),
        "patience": patience + 1,
        "min_delta": threshold,
        "cooldown": cooldown + 1,
        "min_lr": p.get("min_lr", 0.0),
    }
    note = "torch patience p, cooldown c = Keras patience p + 1, cooldown c + 1"
    if p.get("eps", 1e-8):
        note += f"; Keras has no eps: it also applies reductions smaller than eps={p.get('eps', 1e-8)!r}"
    return KerasCall(
        "ReduceLROnPlateau", kwargs, kind="callback", lr=p["init_lr"], note=note, metrics=tuple(p["metrics"])
    )


def learning_rate_scheduler(p: Mapping[str, Any], hint: Mapping[str, Any]) -> KerasCall:
    """A per-epoch Python function (``hints.keras.schedule``), set at the start of every epoch."""
    schedule = hint.get("schedule")
    if schedule is None:
        raise HintError("hints.keras.schedule", "LearningRateScheduler needs the per-epoch function, e.g. StepDecay()")
    if "init_lr" not in p:
        raise HintError(
            "hints.keras.api", "LearningRateScheduler starts the optimizer at init_lr, which the case lacks"
        )
    source = hint.get("source")
    text = (ROOT / source).read_text(encoding="utf-8") if source else ""
    return KerasCall(
        "LearningRateScheduler", {"schedule": Code(schedule)}, kind="callback", lr=p["init_lr"], source=text
    )


#: formula -> Keras APIs in order of preference. APIs in HINT_ONLY run only when a case asks.
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "exponential": (("ExponentialDecay", exponential_decay),),
    "step_decay": (("ExponentialDecay", staircase_exponential_decay),),
    "natural_exp": (("ExponentialDecay", natural_exponential_decay),),
    "factor_decay": (("ExponentialDecay", factor_exponential_decay),),
    "inverse_time": (("InverseTimeDecay", inverse_time_decay), ("SGD", sgd_decay)),
    "piecewise_constant": (("PiecewiseConstantDecay", piecewise_constant_decay),),
    "multi_step": (("PiecewiseConstantDecay", multi_step_decay),),
    "polynomial": (("PolynomialDecay", polynomial_decay),),
    "linear": (("PolynomialDecay", linear_decay),),
    "linear_warmup": (("PolynomialDecay", linear_warmup_decay),),
    "cosine": (("CosineDecay", cosine_decay),),
    "warmup_cosine": (("CosineDecay", warmup_cosine_decay),),
    "cosine_restarts": (("CosineDecayRestarts", cosine_decay_restarts),),
    "reduce_on_plateau": (("ReduceLROnPlateau", reduce_lr_on_plateau),),
}
HINT_ONLY = {("inverse_time", "SGD")}


def _bound(formula: str, params: Mapping[str, Any], last: int, api: str | None) -> KerasCall:
    return first_fit(
        BINDINGS, formula, api, HINT_ONLY, lambda fn: fn(params, last), "Keras API", hint_field="hints.keras.api"
    )


def _with_hints(call: KerasCall, hint: Mapping[str, Any]) -> KerasCall:
    omit, extra = list(hint.get("omit", [])), dict(hint.get("kwargs", {}))
    kwargs = dict(call.kwargs)
    for name in omit:
        if name not in kwargs:
            raise HintError("hints.keras.omit", f"{call.api} is not passed {name!r} (it is passed {sorted(kwargs)})")
        del kwargs[name]
    foreign = sorted(set(extra) - KEYWORDS[call.api])
    if foreign:
        raise HintError(
            "hints.keras.kwargs", f"{foreign} are no keywords of {call.qualified}: {sorted(KEYWORDS[call.api])}"
        )
    clash = sorted(set(extra) & set(kwargs))
    if clash:
        raise HintError("hints.keras.kwargs", f"{clash} already come from the case parameters")
    notes = [call.note] if call.note else []
    if omit:
        notes.append(f"left at Keras' defaults: {', '.join(omit)}")
    if extra:
        notes.append(f"passed as the case asks: {', '.join(sorted(extra))}")
    return replace(call, kwargs={**kwargs, **extra}, note="; ".join(notes))


def keras_call(formula: str, params: Mapping[str, Any], last_step: int, hint: Mapping[str, Any]) -> KerasCall:
    """The Keras call for a case (``last_step``: the last step it is compared at; ``hint``: ``hints.keras``,
    checked against :data:`HINT_KEYS` by the catalogue)."""
    if hint.get("api") == "LearningRateScheduler":
        return _with_hints(learning_rate_scheduler(params, hint), hint)
    return _with_hints(_bound(formula, params, last_step, hint.get("api")), hint)
