"""Hugging Face transformers: the schedules of ``transformers.optimization``, driven as the ``Trainer`` drives them.

Every schedule transformers builds is a torch scheduler on a torch optimizer (a ``LambdaLR`` scaling the
optimizer's rate, or torch's own ``ReduceLROnPlateau``), stepped as the ``Trainer`` steps it:
``optimizer.step(); scheduler.step()``, the rate read with ``get_last_lr()``. So the program, its probes
(``schedule``, ``applied``) and the resume probes are the torch adapter's (:class:`TorchAdapter`); this module
declares which ``get_*`` function expresses a formula, with which arguments, and how ``get_scheduler`` names it
(``hints.transformers.by_name``). The program imports only ``transformers.optimization``'s function.

The case's peak rate is the optimizer's ``lr``: transformers' factors are relative to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from model.adapter import NotExpressible, py
from model.hints import HintKey, HintKeys

from ._base import Binding, Call, Ctx, Mapped, api_hint, as_int
from .torch_adapter import BINDINGS as TORCH_BINDINGS
from .torch_adapter import WITHOUT_LAST_EPOCH, TorchAdapter

__all__ = ["TransformersAdapter"]


def _schedule(api: str, kwargs: Mapping[str, Any], lr: float) -> Mapped:
    """A transformers function's call and the optimizer rate it scales."""
    return Mapped(Call(api, kwargs), extra={"lr": lr})


def _number(value: float) -> int | float:
    """An integral count as an ``int`` (as transformers' signatures type it), else as it is."""
    return int(value) if float(value).is_integer() else value


def _warmup_then(p: Mapping[str, Any], api: str) -> tuple[int, Mapping[str, Any]]:
    """``(W, decay)``: a ``sequential`` spec of a linear warm-up from 0 and one decay part, or a lone decay (W = 0).
    transformers' schedules all warm up from 0 over ``num_warmup_steps`` and restart their decay there."""
    if "schedules" not in p:
        return 0, p
    parts, bounds = p["schedules"], p["boundaries"]
    if len(parts) != 2 or parts[0]["formula"] != "linear_warmup" or parts[0]["init_lr"]:
        raise NotExpressible(f"{api} is a linear warm-up from 0 followed by one decay")
    w = as_int(parts[0]["warmup_steps"], api, "num_warmup_steps")
    if bounds != [w] or parts[1].get("init_lr") != parts[0]["peak_lr"]:
        raise NotExpressible(f"{api}'s decay starts at the warm-up's end, from its peak")
    return w, parts[1]


def polynomial_with_warmup(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    api = "get_polynomial_decay_schedule_with_warmup"
    w, decay = _warmup_then(p, api)
    if decay.get("formula", "polynomial") != "polynomial" or decay["cycle"] or decay["transition_begin"]:
        raise NotExpressible(f"{api} decays polynomially from the warm-up's end, without cycles")
    lr, end = decay["init_lr"], decay["end_lr"]
    if not end < lr:
        raise NotExpressible(f"{api} raises ValueError unless lr_end < lr (here lr_end={end!r}, lr={lr!r})")
    n = w + as_int(decay["decay_steps"], api, "num_training_steps")
    kwargs = {"num_warmup_steps": w, "num_training_steps": n, "lr_end": end, "power": decay["power"]}
    return _schedule(api, kwargs, lr)


def linear_with_warmup(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """A linear warm-up from 0 and a linear decay to 0: a polynomial of power 1, or WSD without a plateau."""
    api = "get_linear_schedule_with_warmup"
    if "stable_steps" in p:  # warmup_stable_decay
        if p["stable_steps"] or p["decay"] != "linear" or p["init_lr"] or p["final_lr"]:
            raise NotExpressible(f"{api} has no plateau and decays linearly from 0 to 0")
        w, d, lr = p["warmup_steps"], p["decay_steps"], p["peak_lr"]
    else:
        w, decay = _warmup_then(p, api)
        if decay.get("formula", "polynomial") != "polynomial" or decay["power"] != 1 or decay["end_lr"]:
            raise NotExpressible(f"{api} decays linearly to 0")
        if decay["cycle"] or decay["transition_begin"]:
            raise NotExpressible(f"{api} decays from the warm-up's end, without cycles")
        d, lr = decay["decay_steps"], decay["init_lr"]
    w = as_int(w, api, "num_warmup_steps")
    return _schedule(api, {"num_warmup_steps": w, "num_training_steps": w + as_int(d, api, "num_training_steps")}, lr)


def constant_with_warmup(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    api = "get_constant_schedule_with_warmup"
    if p["init_lr"]:
        raise NotExpressible(f"{api} warms up from 0")
    return _schedule(api, {"num_warmup_steps": as_int(p["warmup_steps"], api, "num_warmup_steps")}, p["peak_lr"])


def _cosine_args(p: Mapping[str, Any], api: str, w: int) -> dict[str, Any]:
    n = w + as_int(p["decay_steps"], api, "num_training_steps - num_warmup_steps")
    cycles = {} if p["num_cycles"] == 0.5 else {"num_cycles": p["num_cycles"]}
    return {"num_warmup_steps": w, "num_training_steps": n, **cycles}


def _floor(p: Mapping[str, Any], ctx: Ctx) -> dict[str, float]:
    """The final rate as transformers takes it: ``min_lr_rate`` (of the peak), or ``min_lr`` when the case asks."""
    return {"min_lr": p["final_lr"]} if ctx.hint.get("min_lr") else {"min_lr_rate": p["final_lr"] / p["peak_lr"]}


def cosine_with_warmup(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    api = "get_cosine_schedule_with_warmup"
    if p["init_lr"] or p["final_lr"]:
        raise NotExpressible(f"{api} warms up from 0 and decays to 0")
    return _schedule(api, _cosine_args(p, api, as_int(p["warmup_steps"], api, "num_warmup_steps")), p["peak_lr"])


def cosine_with_min_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    api = "get_cosine_with_min_lr_schedule_with_warmup"
    if p["init_lr"]:
        raise NotExpressible(f"{api} warms up from 0")
    if not p["peak_lr"]:
        raise NotExpressible(f"{api} takes the floor relative to the optimizer's rate: a peak of 0 has none")
    w = as_int(p["warmup_steps"], api, "num_warmup_steps")
    return _schedule(api, {**_cosine_args(p, api, w), **_floor(p, ctx)}, p["peak_lr"])


def cosine_with_min_lr_rate(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """The ``_lr_rate`` variant reaches the peak one step before ``num_warmup_steps`` (its warm-up's first step is
    ``warmup_lr_rate``, by default ``1 / num_warmup_steps``), and its decay counts from there: the case's W steps
    are ``num_warmup_steps = W + 1``, its D steps ``num_training_steps = W + 1 + D``."""
    api = "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    peak = p["peak_lr"]
    if not peak:
        raise NotExpressible(f"{api} takes its rates relative to the optimizer's: a peak of 0 has none")
    w = as_int(p["warmup_steps"], api, "num_warmup_steps - 1")
    args = _cosine_args(p, api, w + 1)
    first = p["init_lr"] / peak
    if w and not math.isclose(first, 1 / (w + 1), rel_tol=1e-15):
        args["warmup_lr_rate"] = first
    return _schedule(api, {**args, **_floor(p, ctx)}, peak)


def wsd(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    api = "get_wsd_schedule"
    peak, init, final = p["peak_lr"], p["init_lr"], p["final_lr"]
    if not peak:
        raise NotExpressible(f"{api} takes min_lr_ratio relative to the optimizer's rate: a peak of 0 has none")
    if not math.isclose(init, final, rel_tol=1e-15):
        raise NotExpressible(
            f"{api} warms up from min_lr_ratio * lr, the rate it decays to: init_lr={init!r}, final_lr={final!r}"
        )
    ints = {k: as_int(p[s], api, k) for k, s in (("num_warmup_steps", "warmup_steps"),
                                                 ("num_decay_steps", "decay_steps"),
                                                 ("num_stable_steps", "stable_steps"))}  # fmt: skip
    ratio = {"min_lr_ratio": final / peak} if final else {}
    return _schedule(api, {**ints, "decay_type": p["decay"], **ratio}, peak)


def hard_restarts(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    api = "get_cosine_with_hard_restarts_schedule_with_warmup"
    w = as_int(p["warmup_steps"], api, "num_warmup_steps")
    n = w + as_int(p["decay_steps"], api, "num_training_steps - num_warmup_steps")
    cycles = {} if p["num_cycles"] == 1 else {"num_cycles": _number(p["num_cycles"])}
    return _schedule(api, {"num_warmup_steps": w, "num_training_steps": n, **cycles}, p["peak_lr"])


def inverse_sqrt(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    api = "get_inverse_sqrt_schedule"
    w = as_int(p["warmup_steps"], api, "num_warmup_steps")
    return _schedule(api, {"num_warmup_steps": w, "timescale": _number(p["timescale"])}, p["peak_lr"])


def reduce_on_plateau(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """torch's ``ReduceLROnPlateau``, built by transformers with the same keyword arguments."""
    mapped = TORCH_BINDINGS["reduce_on_plateau"][0][1](p, ctx)
    return replace(mapped, call=replace(mapped.call, api="get_reduce_on_plateau_schedule"))


_LINEAR = ("get_linear_schedule_with_warmup", linear_with_warmup)
_POLYNOMIAL = ("get_polynomial_decay_schedule_with_warmup", polynomial_with_warmup)
_COSINES = (
    ("get_cosine_schedule_with_warmup", cosine_with_warmup),
    ("get_cosine_with_min_lr_schedule_with_warmup", cosine_with_min_lr),
    ("get_cosine_with_min_lr_schedule_with_warmup_lr_rate", cosine_with_min_lr_rate),
)

#: formula -> the transformers functions that express it, closest first.
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "constant": (("get_constant_schedule", lambda p, ctx: _schedule("get_constant_schedule", {}, p["value"])),),
    "linear_warmup": (("get_constant_schedule_with_warmup", constant_with_warmup),),
    "polynomial": (_LINEAR, _POLYNOMIAL),
    "sequential": (_LINEAR, _POLYNOMIAL),
    "warmup_stable_decay": (_LINEAR, ("get_wsd_schedule", wsd)),
    "warmup_cosine_cycles": _COSINES,
    "warmup_cosine_hard_restarts": (("get_cosine_with_hard_restarts_schedule_with_warmup", hard_restarts),),
    "warmup_inverse_sqrt": (("get_inverse_sqrt_schedule", inverse_sqrt),),
    "reduce_on_plateau": (("get_reduce_on_plateau_schedule", reduce_on_plateau),),
}

#: function -> its ``SchedulerType`` name, under which ``get_scheduler`` builds it (``TYPE_TO_SCHEDULER_FUNCTION``).
SCHEDULER_TYPES = {
    "get_linear_schedule_with_warmup": "linear",
    "get_cosine_schedule_with_warmup": "cosine",
    "get_cosine_with_hard_restarts_schedule_with_warmup": "cosine_with_restarts",
    "get_polynomial_decay_schedule_with_warmup": "polynomial",
    "get_constant_schedule": "constant",
    "get_constant_schedule_with_warmup": "constant_with_warmup",
    "get_inverse_sqrt_schedule": "inverse_sqrt",
    "get_reduce_on_plateau_schedule": "reduce_lr_on_plateau",
    "get_cosine_with_min_lr_schedule_with_warmup": "cosine_with_min_lr",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate": "cosine_warmup_with_min_lr",
    "get_wsd_schedule": "warmup_stable_decay",
}
#: ``get_scheduler``'s own arguments; every other one goes in ``scheduler_specific_kwargs``.
_OWN = ("num_warmup_steps", "num_training_steps")


def by_name(call: Call) -> Call:
    """``call`` made through ``get_scheduler(name, optimizer, num_warmup_steps, num_training_steps,
    scheduler_specific_kwargs)``, as the ``Trainer`` makes it from ``lr_scheduler_type``."""
    own = {k: v for k, v in call.kwargs.items() if k in _OWN}
    specific = {k: v for k, v in call.kwargs.items() if k not in _OWN}
    return Call("get_scheduler", {"name": SCHEDULER_TYPES[call.api], **own,
                                  **({"scheduler_specific_kwargs": specific} if specific else {})})  # fmt: skip


#: formula -> why transformers has no function for it.
UNMAPPED = {
    "warmup_cosine": "transformers' cosines are not clamped: past num_training_steps they climb back "
    "(warmup_cosine_cycles); up to it they are this schedule",
}


class TransformersAdapter(TorchAdapter):
    """``transformers.optimization``'s schedules on ``torch.optim.SGD``, in the torch adapter's program."""

    name = "transformers"
    distribution = "transformers"
    module = "transformers.optimization"
    namespace = "transformers.optimization"
    what = "transformers schedule"
    bindings = BINDINGS
    hint_only = frozenset()
    unmapped = UNMAPPED
    without_last_epoch = (*WITHOUT_LAST_EPOCH, "get_reduce_on_plateau_schedule", "get_scheduler")
    hint_keys: ClassVar[HintKeys] = {
        "transformers": {
            "api": api_hint(BINDINGS, "the function to call where several express the formula"),
            "by_name": HintKey("true or false", "build it through get_scheduler(name, ...), as the Trainer does"),
            "min_lr": HintKey("true or false", "pass a cosine's floor as min_lr (absolute) instead of min_lr_rate"),
        }
    }

    def hinted(self, mapped: Mapped, ctx: Ctx) -> Mapped:
        return replace(mapped, call=by_name(mapped.call)) if ctx.hint.get("by_name") else mapped

    def imports(self, call: Call) -> str:
        return f"from transformers.optimization import {call.api}"

    def render(self, call: Call, indent: str = "") -> str:
        head = [py(call.kwargs["name"]), "optimizer"] if call.api == "get_scheduler" else ["optimizer"]
        arguments = Call(call.api, {k: v for k, v in call.kwargs.items() if k != "name"}).arguments()
        return f"{call.api}({', '.join([*head, arguments] if arguments else head)})"
