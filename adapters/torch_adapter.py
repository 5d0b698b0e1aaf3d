"""PyTorch: ``torch.optim.lr_scheduler`` driven exactly as a training loop drives it.

Every case becomes one standalone program (the reproducer, which the harness executes): plain SGD without
momentum on one float64 parameter whose gradient is 1, and the scheduler its binding builds. The loop calls
``scheduler.step()`` once per update, as a training loop does: after ``k`` calls the rate is the reference at
step ``k``. At each compared step it records ``scheduler.get_last_lr()[0]`` (probe ``schedule``) and runs
``optimizer.step()`` on the zeroed parameter, which moves by exactly ``-lr`` (probe ``applied``). Between
compared steps the optimizer is not stepped: no torch scheduler reads the parameters, and at ~80 us a call
``optimizer.step()`` was 90 % of the env's time on the seeds' 1e5-step cases that compare ten steps.
Rates are Python floats (float64), compared tightly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, ClassVar

from model.adapter import Code, NotExpressible, Probe, py
from model.case import Case
from model.hints import HintError, HintKey, HintKeys

from ._base import (
    RESUME_PROLOGUE,
    Binding,
    Call,
    Ctx,
    Mapped,
    ProgramAdapter,
    Renamed,
    SgdLoop,
    api_hint,
    as_int,
    resume_epilogue,
    resume_probes,
    steps_source,
)

__all__ = ["TorchAdapter"]

_REL = 1e-12  # two rates closer than this are the same optimizer rate


@dataclass(frozen=True)
class TorchCtx(Ctx):
    """Besides the last step: the optimizer rate imposed by an enclosing SequentialLR or ChainedScheduler
    (``None``: free), which every scheduler of one optimizer is relative to, and whether the call is one of
    their parts (``inner``), which they step every update."""

    base: float | None = None
    inner: bool = False


def _sched(api: str, kwargs: Mapping[str, Any], lr: float, children: tuple[Call, ...] = ()) -> Mapped:
    """A scheduler call and the optimizer rate it is relative to."""
    return Mapped(Call(api, kwargs, children), extra={"lr": lr})


def lr_of(mapped: Mapped) -> float:
    return mapped.extra["lr"]


def _base(natural: float, ctx: TorchCtx, api: str) -> float:
    if ctx.base is None or math.isclose(ctx.base, natural, rel_tol=_REL):
        return natural
    raise NotExpressible(f"{api} starts from the optimizer's rate {ctx.base!r}, the case starts at {natural!r}")


Refusal = tuple[Callable[[Mapping[str, Any], Any], Any], str]


def scheduler(
    api: str, kwargs: Mapping[str, Any], *refuse: Refusal, ints: Collection[str] = (), rate: str = "init_lr"
) -> tuple[str, Binding]:
    """``api`` and its binding: the case's parameters renamed (:class:`Renamed`; the keywords in ``ints`` as
    integers), relative to the optimizer rate the case starts at (``p[rate]``)."""
    named = {k: (lambda p, k=k, s=s: as_int(p[s], api, k)) if k in ints else s for k, s in kwargs.items()}
    renamed = Renamed(api, named, refuse=refuse)
    return api, lambda p, ctx: replace(renamed(p, ctx), extra={"lr": _base(p[rate], ctx, api)})


def _lambda(body: str, ctx: TorchCtx, natural: float) -> Mapped:
    """``LambdaLR`` whose factor is ``body`` (an expression in ``step``) times ``natural / base``."""
    base = natural if ctx.base is None else ctx.base
    scale = natural / base if base else 0.0
    expr = body if scale == 1.0 else f"{scale!r} * ({body})"
    return _sched("LambdaLR", {"lr_lambda": Code(f"lambda step: {expr}")}, base)


def lambda_lr(body: str | Callable[[Mapping[str, Any]], str], rate: str = "init_lr") -> tuple[str, Binding]:
    """``LambdaLR`` and its binding: the factor ``body`` (a template of the parameters, or a function of them)
    relative to the case's rate ``p[rate]``."""
    return "LambdaLR", lambda p, ctx: _lambda(body(p) if callable(body) else body.format(**p), ctx, p[rate])


def _shifted(begin: float) -> str:
    return "step" if begin == 0 else f"max(step - {begin!r}, 0)"


def _delayed_or_floored(p: Mapping[str, Any], ctx: TorchCtx) -> bool:
    return bool(p["transition_begin"]) or p["end_lr"] is not None


# --- the torch APIs: declared where they take the case's parameters renamed, else one function each -----------
# (each raises NotExpressible with the reason it cannot)

STEP_LR = scheduler("StepLR", {"step_size": "step_size", "gamma": "gamma"},
                    (lambda p, ctx: p["offset"], "StepLR counts step_size from step 0 (no offset)"),
                    ints={"step_size"})  # fmt: skip
COSINE_ANNEALING_LR = scheduler(
    "CosineAnnealingLR", {"T_max": "decay_steps", "eta_min": "final_lr"},
    (lambda p, ctx: p["exponent"] != 1, "CosineAnnealingLR has no exponent"),
    (lambda p, ctx: p["past_end"] == "clamp" and ctx.last_step > as_int(p["decay_steps"], "CosineAnnealingLR", "T_max"),
     "CosineAnnealingLR rises again after T_max (period 2*T_max); the case holds final_lr"),
    ints={"T_max"},
)  # fmt: skip


def multi_step_lr(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    if "milestones" in p:
        milestones, gamma, init = p["milestones"], p["gamma"], p["init_lr"]
    else:  # piecewise values that happen to be geometric
        values, init = p["values"], p["values"][0]
        ratios = [b / a if a else math.nan for a, b in pairwise(values)]
        if not all(math.isclose(r, ratios[0], rel_tol=_REL) for r in ratios):
            raise NotExpressible(f"MultiStepLR needs values in a geometric progression, got {values}")
        milestones, gamma = _milestones(p), ratios[0]
    ints = [as_int(m, "MultiStepLR", "milestone") for m in milestones]
    return _sched("MultiStepLR", {"milestones": ints, "gamma": gamma}, _base(init, ctx, "MultiStepLR"))


def _milestones(p: Mapping[str, Any]) -> list[float]:
    """Torch changes the rate *at* a milestone; boundaries that keep the previous value move by one."""
    return [b + (1 if p["at_boundary"] == "previous" else 0) for b in p["boundaries"]]


def constant_lr(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    values = p["values"]
    if len(values) != 2 or not 0 <= values[0] <= values[1] or values[1] == 0:
        raise NotExpressible("ConstantLR holds base*factor (0 <= factor <= 1) and then base: two values, rising")
    total = as_int(_milestones(p)[0], "ConstantLR", "total_iters")
    base = _base(values[1], ctx, "ConstantLR")
    return _sched("ConstantLR", {"factor": values[0] / base, "total_iters": total}, base)


def piecewise_lambda(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    values, marks = p["values"], _milestones(p)
    base = max(values) if ctx.base is None else ctx.base
    expr = repr(values[-1] / base if base else 0.0)
    for value, mark in reversed(list(zip(values[:-1], marks, strict=True))):
        expr = f"{value / base if base else 0.0!r} if step < {mark!r} else {expr}"
    return _sched("LambdaLR", {"lr_lambda": Code(f"lambda step: {expr}")}, base)


def exponential_lambda(p: Mapping[str, Any]) -> str:
    div = "//" if p["staircase"] else "/"
    body = f"{p['decay_rate']!r} ** ({_shifted(p['transition_begin'])} {div} {p['decay_steps']!r})"
    if p["end_lr"] is not None:
        bound = "max" if p["decay_rate"] < 1 else "min"
        body = f"{bound}({p['end_lr'] / p['init_lr']!r}, {body})"
    return body


def natural_exp_lr(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    """``lr * e^(-r * t / D)``: ExponentialLR, or StepLR when it decays in stairs."""
    if p["staircase"]:
        return STEP_LR[1]({**p, "step_size": p["decay_steps"], "gamma": math.exp(-p["decay_rate"]), "offset": 0}, ctx)
    gamma = math.exp(-p["decay_rate"] / p["decay_steps"])
    return _sched("ExponentialLR", {"gamma": gamma}, _base(p["init_lr"], ctx, "ExponentialLR"))


def factor_exponential_lr(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    offset, factor = p["offset"], p["factor"]
    start = p["init_lr"] * factor**offset
    if min(start, start * factor**ctx.last_step) < p["min_lr"]:
        raise NotExpressible("no torch scheduler bounds the decay from below; the floor is reached within the run")
    return _sched("ExponentialLR", {"gamma": factor}, _base(start, ctx, "ExponentialLR"))


def linear_lr(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    if p["power"] != 1 or p["cycle"] or p["transition_begin"]:
        raise NotExpressible("LinearLR is a single linear ramp from step 0")
    start, end = p["init_lr"], p["end_lr"]
    base = max(start, end) if ctx.base is None else ctx.base
    if not 0 < start <= base or not 0 <= end <= base:
        raise NotExpressible(
            f"LinearLR needs 0 < start_factor <= 1 and 0 <= end_factor <= 1 (a warm-up from 0 is impossible); "
            f"here start={start!r}, end={end!r}, optimizer rate {base!r}"
        )
    total = as_int(p["decay_steps"], "LinearLR", "total_iters")
    return _sched("LinearLR", {"start_factor": start / base, "end_factor": end / base, "total_iters": total}, base)


def polynomial_lambda(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    start, end, d = p["init_lr"], p["end_lr"], p["decay_steps"]
    s = _shifted(p["transition_begin"])
    frac = f"(1 - {s} / ({d!r} * max(1, -(-{s} // {d!r}))))" if p["cycle"] else f"(1 - min({s}, {d!r}) / {d!r})"
    peak = max(start, end)
    body = f"{(start - end) / peak!r} * {frac} ** {p['power']!r} + {end / peak!r}"
    return _lambda(body, ctx, peak)


def cosine_then_constant(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    """Clamped cosine: SequentialLR([CosineAnnealingLR, ConstantLR(factor=final/init)], [T_max])."""
    if p["past_end"] != "clamp" or p["exponent"] != 1:
        raise NotExpressible("only a clamped, exponent-1 cosine is a cosine followed by a constant")
    t_max = as_int(p["decay_steps"], "CosineAnnealingLR", "T_max")
    cos = COSINE_ANNEALING_LR[1]({**p, "past_end": "periodic"}, TorchCtx(t_max, base=ctx.base))
    final, lr = p["final_lr"], lr_of(cos)
    if final > lr:
        raise NotExpressible("ConstantLR's factor must be <= 1")
    hold = Call("ConstantLR", {"factor": final / lr, "total_iters": max(ctx.last_step - t_max, 0) + 1})
    return _sched("SequentialLR", {"milestones": [t_max]}, lr, (cos.call, hold))


def cosine_lambda(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    d, init, final = p["decay_steps"], p["init_lr"], p["final_lr"]
    c = f"min(step, {d!r})" if p["past_end"] == "clamp" else "step"
    peak = max(init, final)  # relative to the larger end: a cosine may rise from init_lr = 0
    low, span = (final / peak, (init - final) / peak) if peak else (0.0, 0.0)
    body = f"{low!r} + {span!r} * ((1 + math.cos(math.pi * {c} / {d!r})) / 2) ** {p['exponent']!r}"
    return _lambda(body, ctx, peak)


def cyclic_lr(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    forced = "iterations" if p["mode"] == "exp_range" else "cycle"  # torch forces the built-in modes' scale_mode
    down = {} if p["step_size_down"] is None else {"step_size_down": p["step_size_down"]}
    kwargs = {"base_lr": p["base_lr"], "max_lr": p["max_lr"], "step_size_up": p["step_size_up"], **down,
              "mode": p["mode"], "gamma": p["gamma"]}  # fmt: skip
    if p["scale_mode"] not in (None, forced):  # pass the mode's scale function, applied per the other unit
        scale_fn = {"triangular": "lambda x: 1.0", "triangular2": "lambda x: 1 / (2.0 ** (x - 1))",
                    "exp_range": f"lambda x: {p['gamma']!r} ** x"}[p["mode"]]  # fmt: skip
        kwargs.update(scale_fn=Code(scale_fn), scale_mode=p["scale_mode"])
    kwargs["cycle_momentum"] = False  # SGD without momentum: nothing to cycle
    return _sched("CyclicLR", kwargs, _base(p["base_lr"], ctx, "CyclicLR"))


def warmup_stable_decay_lambda(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    peak, init, final, w, s, d = (p[k] for k in ("peak_lr", "init_lr", "final_lr", "warmup_steps", "stable_steps",
                                                 "decay_steps"))  # fmt: skip
    if not peak:
        raise NotExpressible("LambdaLR scales the optimizer's rate: a peak of 0 gives no scale")
    u = f"min(step - {w + s!r}, {d!r}) / {d!r}"
    shape = {"linear": f"(1 - {u})", "cosine": f"(1 + math.cos(math.pi * {u})) / 2", "1-sqrt": f"(1 - math.sqrt({u}))"}
    decay = f"{final / peak!r} + {(peak - final) / peak!r} * {shape[p['decay']]}"
    return _lambda(f"{_warmup(init, peak, w)}1.0 if step < {w + s!r} else {decay}", ctx, peak)


def _warmup(init: float, peak: float, w: float) -> str:
    """The start of a factor that warms up linearly from ``init`` to ``peak`` over ``w`` steps (nothing for none)."""
    return f"{init / peak!r} + {(peak - init) / peak!r} * step / {w!r} if step < {w!r} else " if w else ""


def warmup_then(decay: Callable[[Mapping[str, Any]], str], init: str | None = None) -> tuple[str, Binding]:
    """``LambdaLR`` and its binding for a formula of :mod:`reference.warmup`: a linear warm-up from ``p[init]`` (else
    0) to ``peak_lr`` over ``warmup_steps``, then ``decay`` (a factor of the peak, an expression in ``step``)."""

    def bind(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
        peak = p["peak_lr"]
        if not peak:
            raise NotExpressible("LambdaLR scales the optimizer's rate: a peak of 0 gives no scale")
        return _lambda(_warmup(p[init] if init else 0.0, peak, p["warmup_steps"]) + decay(p), ctx, peak)

    return "LambdaLR", bind


def _cosine_cycles(p: Mapping[str, Any]) -> str:
    low, span = p["final_lr"] / p["peak_lr"], (p["peak_lr"] - p["final_lr"]) / p["peak_lr"]
    wave = f"math.cos(2 * math.pi * {p['num_cycles']!r} * (step - {p['warmup_steps']!r}) / {p['decay_steps']!r})"
    return f"{low!r} + {span!r} * 0.5 * (1 + {wave})"


def _inverse_sqrt(p: Mapping[str, Any]) -> str:
    return f"(1 + (step - {p['warmup_steps']!r}) / {p['timescale']!r}) ** -0.5"


def _hard_restarts(p: Mapping[str, Any]) -> str:
    w, d = p["warmup_steps"], p["decay_steps"]
    wave = f"math.cos(math.pi * ({p['num_cycles']!r} * (step - {w!r}) / {d!r} % 1.0))"
    return f"0.0 if step - {w!r} >= {d!r} else 0.5 * (1 + {wave})"


def sequential_lr(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    """SequentialLR restarts each scheduler at its milestone, all relative to one optimizer rate."""
    bounds = [as_int(b, "SequentialLR", "milestone") for b in p["boundaries"]]
    starts, ends = [0, *bounds], [b - 1 for b in bounds] + [ctx.last_step]
    children, milestones, notes, base = [], [], [], ctx.base
    for index, (part, start, end) in enumerate(zip(p["schedules"], starts, ends, strict=True)):
        mapped = ctx.nested(part, last_step=max(end - start, 0), base=base, inner=True)
        base = lr_of(mapped)
        notes += [f"part {index}: {mapped.note}"] if mapped.note else []
        milestones += [start] if index else []
        if mapped.call.api == "SequentialLR":  # flatten: torch nests poorly, one level reads better
            children.extend(mapped.call.parts)
            milestones.extend(start + m for m in mapped.call.kwargs["milestones"])
        else:
            children.append(mapped.call)
    return replace(_sched("SequentialLR", {"milestones": milestones}, base, tuple(children)), note="; ".join(notes))


def _scaled(spec: Mapping[str, Any], k: float) -> dict[str, Any]:
    """A unit-rate factor spec scaled to absolute rates (every ``*_lr`` and ``values`` times ``k``)."""
    return {
        key: value * k if key.endswith("_lr") and value is not None
        else [v * k for v in value] if key == "values"
        else [_scaled(s, k) for s in value] if key in ("schedules", "factors")
        else value
        for key, value in spec.items()
    }  # fmt: skip


def chained_scheduler(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    base = _base(p["init_lr"], ctx, "ChainedScheduler")
    children = tuple(ctx.nested(_scaled(f, base), base=base, inner=True).call for f in p["factors"])
    return _sched("ChainedScheduler", {}, base, children)


def per_epoch(p: Mapping[str, Any], ctx: TorchCtx) -> Mapped:
    """The schedule's scheduler, stepped once per epoch (every ``steps_per_epoch`` updates) instead of every
    update: torch documents both ("``scheduler.step()`` ... after every epoch"; "after a batch")."""
    if ctx.inner:
        raise NotExpressible("SequentialLR and ChainedScheduler step their parts every update, not per epoch")
    return stepped_per_epoch(p, ctx)


def stepped_per_epoch(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """The ``per_epoch`` schedule's mapping, its ``every`` the updates per scheduler step (also Paddle's)."""
    every = as_int(p["steps_per_epoch"], "the training loop", "steps_per_epoch")
    mapped = ctx.nested(p["schedule"], last_step=ctx.last_step // every)
    return replace(mapped, extra={**mapped.extra, "every": every * every_of(mapped)})


def every_of(mapped: Mapped) -> int:
    """Updates per scheduler step: 1, or the steps per epoch of a scheduler stepped once per epoch."""
    return mapped.extra.get("every", 1)


#: formula -> torch APIs in order of preference ("closest built-in first, LambdaLR last").
#: An API listed only under HINT_ONLY is used when a case asks for it (hints.torch.api).
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "constant": (lambda_lr("1.0", rate="value"),),
    "step_decay": (STEP_LR, lambda_lr("{gamma!r} ** ((step + {offset!r}) // {step_size!r})")),
    "multi_step": (("MultiStepLR", multi_step_lr),),
    "piecewise_constant": (("MultiStepLR", multi_step_lr), ("ConstantLR", constant_lr), ("LambdaLR", piecewise_lambda)),
    "exponential": (
        scheduler("ExponentialLR",
                  {"gamma": lambda p: p["decay_rate"] if p["decay_steps"] == 1
                   else p["decay_rate"] ** (1.0 / p["decay_steps"])},
                  (lambda p, ctx: p["staircase"] or _delayed_or_floored(p, ctx),
                   "ExponentialLR decays continuously from step 0, without a floor")),
        scheduler("StepLR", {"step_size": "decay_steps", "gamma": "decay_rate"},
                  (lambda p, ctx: not p["staircase"] or _delayed_or_floored(p, ctx),
                   "StepLR decays in whole steps from step 0, without a floor"), ints={"step_size"}),
        scheduler("MultiplicativeLR", {"lr_lambda": lambda p: Code(f"lambda step: {p['decay_rate']!r}")},
                  (lambda p, ctx: p["staircase"] or _delayed_or_floored(p, ctx) or p["decay_steps"] != 1,
                   "MultiplicativeLR with a constant factor is continuous decay every step")),
        lambda_lr(exponential_lambda),
    ),
    "natural_exp": (("ExponentialLR", natural_exp_lr),),
    "inverse_time": (
        lambda_lr(lambda p: f"1.0 / (1.0 + {p['decay_rate']!r} * "
                            f"(step {'//' if p['staircase'] else '/'} {p['decay_steps']!r}))"),
    ),
    "factor_decay": (
        ("ExponentialLR", factor_exponential_lr),
        lambda_lr(lambda p: f"max({p['min_lr'] / p['init_lr']!r}, {p['factor']!r} ** (step + {p['offset']!r}))"),
    ),
    "polynomial": (
        scheduler("PolynomialLR", {"total_iters": "decay_steps", "power": "power"},
                  (lambda p, ctx: p["end_lr"] != 0 or p["cycle"] or p["transition_begin"],
                   "PolynomialLR always decays to 0 from step 0 and then holds (no end_lr, no cycle)"),
                  ints={"total_iters"}),
        ("LinearLR", linear_lr),
        ("LambdaLR", polynomial_lambda),
    ),
    "inverse_sqrt": (lambda_lr("(step + {offset!r}) ** -0.5"),),
    "cosine": (COSINE_ANNEALING_LR, ("SequentialLR", cosine_then_constant), ("LambdaLR", cosine_lambda)),
    "cosine_restarts": (
        scheduler("CosineAnnealingWarmRestarts", {"T_0": "first_period", "T_mult": "t_mult", "eta_min": "final_lr"},
                  (lambda p, ctx: p["m_mul"] != 1, "CosineAnnealingWarmRestarts has no peak decay per restart (m_mul)"),
                  ints={"T_0", "T_mult"}),
    ),
    "warmup_stable_decay": (("LambdaLR", warmup_stable_decay_lambda),),
    "warmup_cosine_cycles": (warmup_then(_cosine_cycles, init="init_lr"),),
    "warmup_cosine_hard_restarts": (warmup_then(_hard_restarts),),
    "warmup_inverse_sqrt": (warmup_then(_inverse_sqrt),),
    "cyclic": (("CyclicLR", cyclic_lr),),
    "one_cycle": (
        scheduler("OneCycleLR", {"max_lr": "max_lr", "total_steps": "total_steps",
                                 "pct_start": lambda p: float(p["pct_start"]), "anneal_strategy": "anneal",
                                 "div_factor": "div_factor", "final_div_factor": "final_div_factor",
                                 "three_phase": "three_phase", "cycle_momentum": lambda p: False},
                  ints={"total_steps"}, rate="max_lr"),
    ),
    "sequential": (("SequentialLR", sequential_lr),),
    "product": (("ChainedScheduler", chained_scheduler),),
    "per_epoch": (("per epoch", per_epoch),),
    "reduce_on_plateau": (
        scheduler("ReduceLROnPlateau", {k: k for k in ("mode", "factor", "patience", "threshold", "threshold_mode",
                                                        "cooldown", "min_lr", "eps")},
                  (lambda p, ctx: ctx.base is not None,
                   "ReduceLROnPlateau cannot be part of SequentialLR or ChainedScheduler")),
    ),
}  # fmt: skip
HINT_ONLY = {("exponential", "MultiplicativeLR")}


#: Both probes are recorded at the compared steps, in Python floats.
PROBES = (Probe("schedule"), Probe("applied"))
TORCH = SgdLoop(
    framework="torch",
    parameter="param = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))\nparam.grad = torch.ones_like(param)",
    gradient_note="plain SGD only reads it: 1 at every update",
    optimizer="torch.optim.SGD([param], lr={lr})",
    zero="with torch.no_grad():\n    param.zero_()",
    reads=(("schedule", "scheduler.get_last_lr()[0]"),),
    save="torch.save",
    load="torch.load",
    suffix="pt",
    load_state="load_state_dict",
)

#: The common wrong order (the loop hint ``stepped_first``): the scheduler stepped BEFORE each update (or epoch),
#: the first included, so update t applies the rate of step t + 1; run in a block of its own (torch warns).
_STEPPED_FIRST = """
# probe "stepped_first": the same training loop with scheduler.step() called before optimizer.step()
param = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
param.grad = torch.ones_like(param)
optimizer = torch.optim.SGD([param], lr={lr})
scheduler = {scheduler}
compared = set({steps}.tolist())
stepped_first = []
for step in range({count}):
    if {tick}:
        scheduler.step()  # before the update: the order torch warns about
    if step in compared:
        with torch.no_grad():
            param.zero_()
        optimizer.step()
        stepped_first.append(-param.item())
"""

#: The other ways of resuming, each a function of the new interpreter (``{scheduler}``: built anew; ``{resumed}``:
#: built with ``last_epoch`` at the last scheduler step before k, so that its constructor's step reaches k).
_WAYS = {
    "last_epoch": """

def last_epoch(k):
    '''The optimizer restored, the scheduler built with last_epoch=k - 1: its constructor steps once, to k.'''
    param, optimizer = build()
    optimizer.load_state_dict(torch.load(os.path.join(folder, f"{{k}}.pt"))["optimizer"])
    scheduler = {resumed}
    return continued(k, param, optimizer, scheduler)
""",
    "fresh_optimizer": """

def fresh_optimizer(k):
    '''The scheduler's state restored, the optimizer's not (a new one at its own rate): pytorch#29697.'''
    param, optimizer = build()
    scheduler = {scheduler}
    scheduler.load_state_dict(torch.load(os.path.join(folder, f"{{k}}.pt"))["scheduler"])
    return continued(k, param, optimizer, scheduler)
""",
    "last_epoch_fresh_optimizer": """

def last_epoch_fresh_optimizer(k):
    '''Neither state restored: a new optimizer, the scheduler built with last_epoch=k - 1 (pytorch#160626).'''
    param, optimizer = build()
    scheduler = {resumed}
    return continued(k, param, optimizer, scheduler)
""",
}
#: The ways of resuming every case with resume points gets: torch's state dicts, and the constructors'
#: ``last_epoch`` (not every scheduler has it). ``hints.torch.resume`` names others instead.
RESUME_WAYS = ("restored", "last_epoch")
WITHOUT_LAST_EPOCH = ("ReduceLROnPlateau", "ChainedScheduler")
#: The training loops a case may ask for besides the documented one (``hints.torch.loop``).
LOOPS = ("stepped_first",)


def _unknown(values: list[str], known: Collection[str]) -> str:
    wrong = [v for v in values if v not in known]
    return f"unknown {wrong}; known: {list(known)}" if wrong else ""


class TorchAdapter(ProgramAdapter):
    """``torch.optim.lr_scheduler`` with ``torch.optim.SGD``."""

    name = "torch"
    distribution = "torch"
    module = "torch"
    namespace = "torch.optim.lr_scheduler"
    kernels = None  # schedulers compute in Python floats; the applied update p - lr * 1 is exactly rounded
    what = "torch scheduler"
    parts_key = "schedulers"
    #: The APIs whose schedulers take no ``last_epoch`` (no resuming through it).
    without_last_epoch: ClassVar[Collection[str]] = WITHOUT_LAST_EPOCH
    bindings = BINDINGS
    hint_only = HINT_ONLY
    hint_keys: ClassVar[HintKeys] = {
        "torch": {
            "api": api_hint(BINDINGS, "the scheduler to use where several express the formula (e.g. LambdaLR)"),
            "loop": HintKey(
                "a list of strings",
                "training loops probed besides the documented one: stepped_first",
                lambda v: _unknown(v, LOOPS),
            ),
            "resume": HintKey(
                "a list of strings",
                "the ways of resuming at the case's resume points, instead of restored and last_epoch",
                lambda v: _unknown(v, ("restored", *_WAYS)),
            ),
        }
    }

    def context(self, case: Case) -> TorchCtx:
        return TorchCtx(int(case.steps[-1]), self.hint(case), self)

    def imports(self, call: Call) -> str:
        """What the program imports to make ``call`` (besides torch)."""
        return "from torch.optim import lr_scheduler"

    def render(self, call: Call, indent: str = "") -> str:
        if not call.parts:
            return f"lr_scheduler.{call.api}(optimizer, {call.arguments()})"
        inner = "".join(f"{indent}        {self.render(c, indent + '    ')},\n" for c in call.parts)
        tail = f", {call.arguments()}" if call.kwargs else ""
        head = "optimizer, " if call.api == "SequentialLR" else ""
        foot = ", optimizer=optimizer" if call.api == "ChainedScheduler" else ""
        return f"lr_scheduler.{call.api}(\n{indent}    {head}schedulers=[\n{inner}{indent}    ]{tail}{foot},\n{indent})"

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        last, lr, every = ctx.last_step, lr_of(mapped), every_of(mapped)
        metrics = case.params.get("metrics") if case.formula == "reduce_on_plateau" else None
        if metrics is not None and last > len(metrics):
            raise NotExpressible(f"ReduceLROnPlateau needs a metric per epoch: {len(metrics)} metrics for {last} steps")
        metrics_source = f"\nmetrics = {py(metrics)}\n" if metrics is not None else ""
        step_call = "scheduler.step(metrics[step - 1])" if metrics is not None else "scheduler.step()"
        loops = self.hint(case).get("loop", [])
        if loops and metrics is not None:
            raise HintError("hints.torch.loop", "ReduceLROnPlateau steps on the last epoch's metric: no other order")
        scheduler = self.render(mapped.call)
        names = ", ".join(f'"{name}"' for name in self.probe_names(case, mapped))
        source = TORCH.program(
            imports=f"import torch\n{self.imports(mapped.call)}",
            block=f"# probes {names}: the training loop torch documents\n" if loops else "",
            prologue=RESUME_PROLOGUE.format(points=list(case.resume)) if case.resume else "",
            metrics=metrics_source,
            lr=py(lr),
            scheduler=scheduler,
            count=last + 1,
            steps=steps_source(case.steps),
            every=every,
            step_call=step_call,
            save=bool(case.resume),
        )
        if case.resume:
            ways = self.ways(case, mapped)
            source += resume_epilogue(case, ways, self.restore(mapped, ways, metrics_source, step_call), "applied")
        if loops:
            tick = "True" if every == 1 else f"step % {every} == 0"
            source += _STEPPED_FIRST.format(lr=py(lr), scheduler=scheduler, steps=steps_source(case.steps),
                                            count=last + 1, tick=tick)  # fmt: skip
        setup = {
            "optimizer": "torch.optim.SGD",
            "optimizer_kwargs": {"lr": lr},
            "parameter": "one float64 scalar, gradient 1, zeroed before each update",
            "read": f"scheduler.step() before every {'update' if every == 1 else 'epoch'} but the first; at compared "
            "steps scheduler.get_last_lr()[0], then optimizer.step()",
            **({} if every == 1 else {"steps_per_epoch": every}),
            **({} if metrics is None else {"metrics": list(metrics)}),
        }
        probes = (*PROBES, *resume_probes(case, self.ways(case, mapped)), *(Probe(name) for name in loops))
        return source, setup, probes if case.resume or loops else PROBES, mapped.note

    def probe_names(self, case: Case, mapped: Mapped) -> tuple[str, ...]:
        """The probes of the documented loop: the schedule, the applied rate and the resumed runs."""
        return (*(p.name for p in PROBES), *(p.name for p in resume_probes(case, self.ways(case, mapped))))

    def ways(self, case: Case, mapped: Mapped) -> tuple[str, ...]:
        """The ways of resuming the case's scheduler: those its hint names, else both of :data:`RESUME_WAYS` that
        apply (``ReduceLROnPlateau`` and ``ChainedScheduler`` have no ``last_epoch``)."""
        if not case.resume:
            return ()
        hinted = self.hint(case).get("resume")
        without = mapped.call.api in self.without_last_epoch
        if hinted is None:
            return RESUME_WAYS[:1] if without else RESUME_WAYS
        if without and any(way.startswith("last_epoch") for way in hinted):
            raise HintError("hints.torch.resume", f"{mapped.call.api} has no last_epoch")
        return tuple(hinted)

    def restore(self, mapped: Mapped, ways: tuple[str, ...], metrics_source: str, step_call: str) -> str:
        """The restoring source: ``restored`` and the functions of the other ``ways`` (:data:`_WAYS`)."""
        every = every_of(mapped)
        epoch = Code("k - 1") if every == 1 else Code(f"k // {every} - 1")
        resumed = replace(mapped.call, kwargs={**mapped.call.kwargs, "last_epoch": epoch})
        scheduler = self.render(mapped.call, "    ")
        built = {"scheduler": scheduler, "resumed": self.render(resumed, "    ")}
        others = "".join(_WAYS[way].format(**built) for way in ways if way in _WAYS)
        return TORCH.restore(
            imports=f"import torch\n{self.imports(mapped.call)}",
            metrics=metrics_source,
            lr=py(lr_of(mapped)),
            step_call=step_call,
            every=every,
            scheduler=scheduler,
            ways=others,
        )
