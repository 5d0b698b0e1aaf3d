"""Keras: which API expresses a case, and with which arguments (pure: no framework import).

:class:`KerasMapping` is the mapping half of the Keras adapters (:mod:`adapters.keras_adapter` adds
the program per backend): its bindings, the reference rewrites it relies on, and the hints. The
cross-framework differences live here, each passed explicitly rather than left to a default that
differs from torch's:

- ``PiecewiseConstantDecay`` keeps the previous value *at* a boundary ("``values[0]`` when
  ``step <= boundaries[0]``"): reference boundaries with ``at_boundary="next"`` (torch
  milestones) move as :func:`reference.identities.piecewise_at_boundary` moves them.
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
as they are: keywords of the API, :data:`KEYWORDS`), and for ``LearningRateScheduler``, which
takes any formula, ``schedule`` (the per-epoch function: a call such as ``StepDecay(factor=0.5)``)
and ``source`` (a file under ``cases/`` with the definitions it needs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from model.adapter import Code, NotExpressible
from model.hints import (
    CASES_DIR,
    HintError,
    HintKey,
    HintKeys,
    call_expression,
    file_inside,
    keyword_arguments,
    keyword_table,
    one_of,
)
from reference import identities, unrolled

from ._base import Binding, Call, Ctx, Mapped, ProgramAdapter, Renamed, Rewrite, as_int

__all__ = ["CALLBACKS", "HINT_KEYS", "KEYWORDS", "KerasMapping", "qualified_name"]

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
#: The callbacks: a real ``model.fit`` drives them, one update per epoch.
CALLBACKS = frozenset({"LearningRateScheduler", "ReduceLROnPlateau"})


def qualified_name(api: str) -> str:
    """The API's name as a user imports it (``keras.optimizers.schedules.CosineDecay``)."""
    if api in CALLBACKS:
        return f"keras.callbacks.{api}"
    return f"keras.optimizers.{api}" if api == "SGD" else f"keras.optimizers.schedules.{api}"


def _alpha(api: str) -> Callable[[Mapping[str, Any]], float]:
    """``alpha``: Keras gives the floor as a fraction of the peak rate."""

    def alpha(p: Mapping[str, Any]) -> float:
        if p["init_lr"]:
            return p["final_lr"] / p["init_lr"]
        if p["final_lr"]:
            raise NotExpressible(f"{api}'s alpha is a fraction of the peak rate, which is 0 here")
        return 0.0

    return alpha


# --- one binding per Keras API; each raises NotExpressible with the reason it cannot ------


#: ``ExponentialDecay`` and ``InverseTimeDecay`` take the same arguments.
_DECAY = {"initial_learning_rate": "init_lr", "decay_steps": "decay_steps", "decay_rate": "decay_rate",
          "staircase": lambda p: bool(p["staircase"])}  # fmt: skip
exponential_decay = Renamed("ExponentialDecay", _DECAY, refuse=(
    (lambda p, ctx: p["transition_begin"] or p["end_lr"] is not None,
     "ExponentialDecay decays from step 0 and has no floor (transition_begin, end_lr)"),
))  # fmt: skip
inverse_time_decay = Renamed("InverseTimeDecay", _DECAY)
#: The optimizer's own ``decay=d``: ``lr / (1 + d * iterations)`` in Keras 2's optimizers.
sgd_decay = Renamed("SGD", {"learning_rate": "init_lr", "decay": "decay_rate"}, refuse=(
    (lambda p, ctx: p["decay_steps"] != 1 or p["staircase"],
     "SGD(decay=d) divides by 1 + d * iterations: decay_steps 1, not staircase"),
))  # fmt: skip


def piecewise_constant_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    kept = identities.piecewise_at_boundary({"formula": "piecewise_constant", **p}, "previous")
    if kept is None:
        raise NotExpressible("PiecewiseConstantDecay needs boundaries >= 0 that keep the previous value at each")
    boundaries = [as_int(b, "PiecewiseConstantDecay", "boundary") for b in kept["boundaries"]]
    call = Call("PiecewiseConstantDecay", {"boundaries": boundaries, "values": list(p["values"])})
    if p["at_boundary"] == "next":
        return Mapped(call, "the boundary step keeps the previous value in Keras: boundaries - 1 on integer steps")
    return Mapped(call)


polynomial_decay = Renamed(
    "PolynomialDecay",
    {"initial_learning_rate": "init_lr", "decay_steps": "decay_steps", "end_learning_rate": "end_lr",
     "power": "power", "cycle": lambda p: bool(p["cycle"])},
    refuse=((lambda p, ctx: p["transition_begin"], "PolynomialDecay decays from step 0 (no transition_begin)"),),
)  # fmt: skip
cosine_decay = Renamed(
    "CosineDecay",
    {"initial_learning_rate": "init_lr", "decay_steps": "decay_steps", "alpha": _alpha("CosineDecay")},
    refuse=(
        (lambda p, ctx: p["exponent"] != 1, "CosineDecay has no exponent"),
        (lambda p, ctx: p["past_end"] == "periodic" and ctx.last_step > p["decay_steps"],
         "CosineDecay holds alpha * initial_learning_rate after decay_steps; the case climbs back"),
    ),
)  # fmt: skip


def warmup_cosine_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """``CosineDecay(initial, D, alpha, warmup_target, warmup_steps)``: the reference's warm-up, then its cosine
    from the peak (:func:`reference.identities.warmup_cosine_as_sequential`); ``D`` counts the cosine part only."""
    joined = identities.warmup_cosine_as_sequential({"formula": "warmup_cosine", **p})
    if joined["formula"] == "cosine":  # no warm-up
        return cosine_decay(joined, ctx)
    warmup, cosine = joined["schedules"]
    call = cosine_decay(cosine, ctx).call
    ramp = {"initial_learning_rate": warmup["init_lr"], "warmup_target": warmup["peak_lr"]}
    return Mapped(replace(call, kwargs={**call.kwargs, **ramp, "warmup_steps": warmup["warmup_steps"]}))


cosine_decay_restarts = Renamed(
    "CosineDecayRestarts",
    {"initial_learning_rate": "init_lr", "first_decay_steps": "first_period", "t_mul": lambda p: float(p["t_mult"]),
     "m_mul": lambda p: float(p["m_mul"]), "alpha": _alpha("CosineDecayRestarts")},
)  # fmt: skip


def reduce_lr_on_plateau(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """The callback, and what its ``model.fit`` needs: the starting rate and the metric of every epoch."""
    threshold = p["threshold"]
    if p["threshold_mode"] == "rel" and threshold:
        raise NotExpressible("ReduceLROnPlateau's min_delta is absolute: threshold_mode='rel' has no Keras equivalent")
    kwargs = {
        "monitor": "scripted",
        "mode": p["mode"],
        "factor": p["factor"],
        "patience": as_int(p["patience"], "ReduceLROnPlateau", "patience") + 1,
        "min_delta": threshold,
        "cooldown": as_int(p["cooldown"], "ReduceLROnPlateau", "cooldown") + 1,
        "min_lr": p["min_lr"],
    }
    note = "torch patience p, cooldown c = Keras patience p + 1, cooldown c + 1"
    if p["eps"]:
        note += f"; Keras has no eps: it also applies reductions smaller than eps={p['eps']!r}"
    extra = {"lr": p["init_lr"], "metrics": tuple(p["metrics"])}
    return Mapped(Call("ReduceLROnPlateau", kwargs), note, extra)


def learning_rate_scheduler(spec: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """A per-epoch Python function (``hints.keras.schedule``), set at the start of every epoch: any formula."""
    schedule = ctx.hint.get("schedule")
    if schedule is None:
        raise HintError("hints.keras.schedule", "LearningRateScheduler needs the per-epoch function, e.g. StepDecay()")
    if "init_lr" not in spec:
        raise HintError(
            "hints.keras.api", "LearningRateScheduler starts the optimizer at init_lr, which the case lacks"
        )
    source = ctx.hint.get("source")
    text = (ROOT / source).read_text(encoding="utf-8") if source else ""
    extra = {"lr": spec["init_lr"], "source": text}
    return Mapped(Call("LearningRateScheduler", {"schedule": Code(schedule)}), extra=extra)


def with_hints(mapped: Mapped, hint: Mapping[str, Any]) -> Mapped:
    """The call with ``hints.keras.omit`` left out and ``hints.keras.kwargs`` added, each said in the note."""
    call, omit, extra = mapped.call, list(hint.get("omit", [])), dict(hint.get("kwargs", {}))
    kwargs = dict(call.kwargs)
    for name in omit:
        if name not in kwargs:
            raise HintError("hints.keras.omit", f"{call.api} is not passed {name!r} (it is passed {sorted(kwargs)})")
        del kwargs[name]
    foreign = sorted(set(extra) - KEYWORDS[call.api])
    if foreign:
        raise HintError(
            "hints.keras.kwargs",
            f"{foreign} are no keywords of {qualified_name(call.api)}: {sorted(KEYWORDS[call.api])}",
        )
    clash = sorted(set(extra) & set(kwargs))
    if clash:
        raise HintError("hints.keras.kwargs", f"{clash} already come from the case parameters")
    notes = [mapped.note] if mapped.note else []
    if omit:
        notes.append(f"left at Keras' defaults: {', '.join(omit)}")
    if extra:
        notes.append(f"passed as the case asks: {', '.join(sorted(extra))}")
    return replace(mapped, call=replace(call, kwargs={**kwargs, **extra}), note="; ".join(notes))


class KerasMapping(ProgramAdapter):
    """The mapping half of the Keras adapters (one per backend, :mod:`adapters.keras_adapter`): which API
    expresses a case, with ``hints.keras`` applied."""

    namespace = "keras.optimizers.schedules"
    what = "Keras API"
    hint_section = "keras"  # every backend reads hints.keras
    hint_keys: ClassVar[HintKeys] = {"keras": HINT_KEYS}
    #: formula -> Keras APIs in order of preference; ``LearningRateScheduler`` (any formula) when a case names it.
    bindings: ClassVar[Mapping[str, tuple[tuple[str, Binding], ...]]] = {
        "exponential": (("ExponentialDecay", exponential_decay),),
        "inverse_time": (("InverseTimeDecay", inverse_time_decay), ("SGD", sgd_decay)),
        "piecewise_constant": (("PiecewiseConstantDecay", piecewise_constant_decay),),
        "polynomial": (("PolynomialDecay", polynomial_decay),),
        "cosine": (("CosineDecay", cosine_decay),),
        "warmup_cosine": (("CosineDecay", warmup_cosine_decay),),
        "cosine_restarts": (("CosineDecayRestarts", cosine_decay_restarts),),
        "reduce_on_plateau": (("ReduceLROnPlateau", reduce_lr_on_plateau),),
    }
    hint_only = frozenset({("inverse_time", "SGD")})
    #: Formulas Keras has no class for, as the reference rewrites them into one it has.
    rewrites: ClassVar[Mapping[str, Rewrite]] = {
        "step_decay": lambda spec, ctx: identities.step_decay_as_exponential(spec),
        "natural_exp": lambda spec, ctx: identities.natural_exp_as_exponential(spec),
        "factor_decay": lambda spec, ctx: unrolled.factor_decay_as_exponential(spec, last_step=ctx.last_step),
    }
    #: Why those are not expressible when their rewrite does not apply.
    unmapped: ClassVar[Mapping[str, str]] = {
        "step_decay": "ExponentialDecay(staircase=True) drops at multiples of decay_steps from step 0 (no offset), "
        "by a rate > 0",
        "natural_exp": "ExponentialDecay's decay_rate exp(-decay_rate) underflows to 0",
        "factor_decay": "ExponentialDecay has no floor that lifts a growing rate or holds a start below it",
    }

    def qualified(self, call: Call) -> str:
        return qualified_name(call.api)

    def map(self, spec: Mapping[str, Any], ctx: Any, api: str | None = None) -> Mapped:
        if api == "LearningRateScheduler":  # any formula: the case brings the per-epoch function
            return learning_rate_scheduler(spec, ctx)
        return super().map(spec, ctx, api)

    def hinted(self, mapped: Mapped, ctx: Ctx) -> Mapped:
        return with_hints(mapped, ctx.hint)
