"""PyTorch: ``torch.optim.lr_scheduler`` driven exactly as a training loop drives it.

Every case becomes one standalone program (the reproducer): plain SGD without momentum on
one float64 parameter whose gradient is 1, and a scheduler built from the mapping below.
Each iteration records ``scheduler.get_last_lr()[0]`` (probe ``schedule``), runs
``optimizer.step()`` on the zeroed parameter so that it moves by exactly ``-lr`` (probe
``applied``), then calls ``scheduler.step()``. The harness executes that same program, so
the reproducer in the results is the code that produced the numbers.

Step convention: after ``k`` calls to ``scheduler.step()`` the rate is the reference at
step ``k``. Rates are Python floats (float64), compared tightly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

from model.adapter import Code, NotExpressible, Plan, Trajectory, py
from model.case import Case
from model.hints import HintKeys

from ._base import api_hint, as_int, first_fit, run_program, select

__all__ = ["TorchAdapter"]

MODULE = "torch.optim.lr_scheduler"
_REL = 1e-12  # two rates closer than this are the same optimizer rate


@dataclass(frozen=True)
class Sched:
    """One scheduler constructor call; ``children`` for SequentialLR / ChainedScheduler."""

    cls: str
    kwargs: Mapping[str, Any]
    children: tuple[Sched, ...] = ()

    def source(self, indent: str = "") -> str:
        args = ", ".join(f"{k}={py(v)}" for k, v in self.kwargs.items())
        if not self.children:
            return f"lr_scheduler.{self.cls}(optimizer, {args})"
        inner = "".join(f"{indent}        {c.source(indent + '    ')},\n" for c in self.children)
        tail = f", {args}" if args else ""
        head = "optimizer, " if self.cls == "SequentialLR" else ""
        foot = ", optimizer=optimizer" if self.cls == "ChainedScheduler" else ""
        return f"lr_scheduler.{self.cls}(\n{indent}    {head}schedulers=[\n{inner}{indent}    ]{tail}{foot},\n{indent})"

    def record(self) -> dict[str, Any]:
        kwargs = dict(self.kwargs)
        if self.children:
            kwargs["schedulers"] = [{"api": f"{MODULE}.{c.cls}", "kwargs": c.record()} for c in self.children]
        return kwargs


@dataclass(frozen=True)
class Mapped:
    """A scheduler, the optimizer learning rate it is relative to, and why closer APIs were not used."""

    sched: Sched
    lr: float
    note: str = ""


@dataclass(frozen=True)
class Ctx:
    """What a mapping may depend on besides the parameters."""

    base: float | None  # optimizer rate imposed by an enclosing SequentialLR, else free
    last_step: int  # last step this scheduler runs (local to it)


Binding = Callable[[Mapping[str, Any], Ctx], Mapped]


def _base(natural: float, ctx: Ctx, api: str) -> float:
    if ctx.base is None or math.isclose(ctx.base, natural, rel_tol=_REL):
        return natural
    raise NotExpressible(f"{api} starts from the optimizer's rate {ctx.base!r}, the case starts at {natural!r}")


def _lambda(body: str, ctx: Ctx, natural: float, note: str = "") -> Mapped:
    """``LambdaLR`` whose factor is ``body`` (an expression in ``step``) times ``natural / base``."""
    base = natural if ctx.base is None else ctx.base
    scale = natural / base if base else 0.0
    expr = body if scale == 1.0 else f"{scale!r} * ({body})"
    return Mapped(Sched("LambdaLR", {"lr_lambda": Code(f"lambda step: {expr}")}), base)


def _shifted(begin: float) -> str:
    return "step" if begin == 0 else f"max(step - {begin!r}, 0)"


# --- one function per torch API; each raises NotExpressible with the reason it cannot -----


def constant_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    return _lambda("1.0", ctx, p["value"])


def step_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("offset", 0):
        raise NotExpressible("StepLR counts step_size from step 0 (no offset)")
    size = as_int(p["step_size"], "StepLR", "step_size")
    return Mapped(Sched("StepLR", {"step_size": size, "gamma": p["gamma"]}), _base(p["init_lr"], ctx, "StepLR"))


def step_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    body = f"{p['gamma']!r} ** ((step + {p.get('offset', 0)!r}) // {p['step_size']!r})"
    return _lambda(body, ctx, p["init_lr"])


def exponential_step_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if not p.get("staircase") or p.get("transition_begin", 0) or p.get("end_lr") is not None:
        raise NotExpressible("StepLR decays in whole steps from step 0, without a floor")
    return step_lr({"init_lr": p["init_lr"], "step_size": p["decay_steps"], "gamma": p["decay_rate"]}, ctx)


def multi_step_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if "milestones" in p:
        milestones, gamma, init = p["milestones"], p["gamma"], p["init_lr"]
    else:  # piecewise values that happen to be geometric
        values, init = p["values"], p["values"][0]
        ratios = [b / a if a else math.nan for a, b in pairwise(values)]
        if not all(math.isclose(r, ratios[0], rel_tol=_REL) for r in ratios):
            raise NotExpressible(f"MultiStepLR needs values in a geometric progression, got {values}")
        milestones, gamma = _milestones(p), ratios[0]
    ints = [as_int(m, "MultiStepLR", "milestone") for m in milestones]
    return Mapped(Sched("MultiStepLR", {"milestones": ints, "gamma": gamma}), _base(init, ctx, "MultiStepLR"))


def _milestones(p: Mapping[str, Any]) -> list[float]:
    """Torch changes the rate *at* a milestone; boundaries that keep the previous value move by one."""
    shift = 1 if p.get("at_boundary", "next") == "previous" else 0
    return [b + shift for b in p["boundaries"]]


def constant_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    values = p["values"]
    if len(values) != 2 or not 0 <= values[0] <= values[1] or values[1] == 0:
        raise NotExpressible("ConstantLR holds base*factor (0 <= factor <= 1) and then base: two values, rising")
    total = as_int(_milestones(p)[0], "ConstantLR", "total_iters")
    base = _base(values[1], ctx, "ConstantLR")
    return Mapped(Sched("ConstantLR", {"factor": values[0] / base, "total_iters": total}), base)


def piecewise_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    values, marks = p["values"], _milestones(p)
    base = max(values) if ctx.base is None else ctx.base
    expr = repr(values[-1] / base if base else 0.0)
    for value, mark in reversed(list(zip(values[:-1], marks, strict=True))):
        expr = f"{value / base if base else 0.0!r} if step < {mark!r} else {expr}"
    return Mapped(Sched("LambdaLR", {"lr_lambda": Code(f"lambda step: {expr}")}), base)


def exponential_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("staircase") or p.get("transition_begin", 0) or p.get("end_lr") is not None:
        raise NotExpressible("ExponentialLR decays continuously from step 0, without a floor")
    gamma = p["decay_rate"] if p["decay_steps"] == 1 else p["decay_rate"] ** (1.0 / p["decay_steps"])
    return Mapped(Sched("ExponentialLR", {"gamma": gamma}), _base(p["init_lr"], ctx, "ExponentialLR"))


def multiplicative_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("staircase") or p.get("transition_begin", 0) or p.get("end_lr") is not None or p["decay_steps"] != 1:
        raise NotExpressible("MultiplicativeLR with a constant factor is continuous decay every step")
    sched = Sched("MultiplicativeLR", {"lr_lambda": Code(f"lambda step: {p['decay_rate']!r}")})
    return Mapped(sched, _base(p["init_lr"], ctx, "MultiplicativeLR"))


def exponential_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    div = "//" if p.get("staircase") else "/"
    body = f"{p['decay_rate']!r} ** ({_shifted(p.get('transition_begin', 0))} {div} {p['decay_steps']!r})"
    if p.get("end_lr") is not None:
        bound = "max" if p["decay_rate"] < 1 else "min"
        body = f"{bound}({p['end_lr'] / p['init_lr']!r}, {body})"
    return _lambda(body, ctx, p["init_lr"])


def natural_exp_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("staircase"):
        return step_lr(
            {"init_lr": p["init_lr"], "step_size": p["decay_steps"], "gamma": math.exp(-p["decay_rate"])}, ctx
        )
    gamma = math.exp(-p["decay_rate"] / p["decay_steps"])
    return Mapped(Sched("ExponentialLR", {"gamma": gamma}), _base(p["init_lr"], ctx, "ExponentialLR"))


def inverse_time_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    div = "//" if p.get("staircase") else "/"
    return _lambda(f"1.0 / (1.0 + {p['decay_rate']!r} * (step {div} {p['decay_steps']!r}))", ctx, p["init_lr"])


def factor_exponential_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    offset, factor = p.get("offset", 0), p["factor"]
    start = p["init_lr"] * factor**offset
    if min(start, start * factor**ctx.last_step) < p.get("min_lr", 0.0):
        raise NotExpressible("no torch scheduler bounds the decay from below; the floor is reached within the run")
    return Mapped(Sched("ExponentialLR", {"gamma": factor}), _base(start, ctx, "ExponentialLR"))


def factor_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    body = f"max({p.get('min_lr', 0.0) / p['init_lr']!r}, {p['factor']!r} ** (step + {p.get('offset', 0)!r}))"
    return _lambda(body, ctx, p["init_lr"])


def polynomial_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("end_lr", 0.0) != 0 or p.get("cycle") or p.get("transition_begin", 0):
        raise NotExpressible("PolynomialLR always decays to 0 from step 0 and then holds (no end_lr, no cycle)")
    total = as_int(p["decay_steps"], "PolynomialLR", "total_iters")
    sched = Sched("PolynomialLR", {"total_iters": total, "power": p.get("power", 1.0)})
    return Mapped(sched, _base(p["init_lr"], ctx, "PolynomialLR"))


def linear_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("power", 1.0) != 1 or p.get("cycle") or p.get("transition_begin", 0):
        raise NotExpressible("LinearLR is a single linear ramp from step 0")
    start, end = p["init_lr"], p.get("end_lr", 0.0)
    base = max(start, end) if ctx.base is None else ctx.base
    if not 0 < start <= base or not 0 <= end <= base:
        raise NotExpressible(
            f"LinearLR needs 0 < start_factor <= 1 and 0 <= end_factor <= 1 (a warm-up from 0 is impossible); "
            f"here start={start!r}, end={end!r}, optimizer rate {base!r}"
        )
    total = as_int(p["decay_steps"], "LinearLR", "total_iters")
    return Mapped(
        Sched("LinearLR", {"start_factor": start / base, "end_factor": end / base, "total_iters": total}), base
    )


def polynomial_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    start, end, d = p["init_lr"], p.get("end_lr", 0.0), p["decay_steps"]
    s = _shifted(p.get("transition_begin", 0))
    frac = f"(1 - {s} / ({d!r} * max(1, -(-{s} // {d!r}))))" if p.get("cycle") else f"(1 - min({s}, {d!r}) / {d!r})"
    peak = max(start, end)
    body = f"{(start - end) / peak!r} * {frac} ** {p.get('power', 1.0)!r} + {end / peak!r}"
    return _lambda(body, ctx, peak)


def cosine_annealing_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("exponent", 1.0) != 1:
        raise NotExpressible("CosineAnnealingLR has no exponent")
    t_max = as_int(p["decay_steps"], "CosineAnnealingLR", "T_max")
    if p.get("past_end", "clamp") == "clamp" and ctx.last_step > t_max:
        raise NotExpressible("CosineAnnealingLR rises again after T_max (period 2*T_max); the case holds final_lr")
    sched = Sched("CosineAnnealingLR", {"T_max": t_max, "eta_min": p.get("final_lr", 0.0)})
    return Mapped(sched, _base(p["init_lr"], ctx, "CosineAnnealingLR"))


def cosine_then_constant(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """Clamped cosine: SequentialLR([CosineAnnealingLR, ConstantLR(factor=final/init)], [T_max])."""
    if p.get("past_end", "clamp") != "clamp" or p.get("exponent", 1.0) != 1:
        raise NotExpressible("only a clamped, exponent-1 cosine is a cosine followed by a constant")
    t_max = as_int(p["decay_steps"], "CosineAnnealingLR", "T_max")
    cos = cosine_annealing_lr({**p, "past_end": "periodic"}, Ctx(ctx.base, t_max))
    final = p.get("final_lr", 0.0)
    if final > cos.lr:
        raise NotExpressible("ConstantLR's factor must be <= 1")
    hold = Sched("ConstantLR", {"factor": final / cos.lr, "total_iters": max(ctx.last_step - t_max, 0) + 1})
    return Mapped(Sched("SequentialLR", {"milestones": [t_max]}, (cos.sched, hold)), cos.lr)


def cosine_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    d, init, final = p["decay_steps"], p["init_lr"], p.get("final_lr", 0.0)
    c = f"min(step, {d!r})" if p.get("past_end", "clamp") == "clamp" else "step"
    peak = max(init, final)  # relative to the larger end: a cosine may rise from init_lr = 0
    low, span = (final / peak, (init - final) / peak) if peak else (0.0, 0.0)
    body = f"{low!r} + {span!r} * ((1 + math.cos(math.pi * {c} / {d!r})) / 2) ** {p.get('exponent', 1.0)!r}"
    return _lambda(body, ctx, peak)


def warm_restarts(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("m_mul", 1.0) != 1:
        raise NotExpressible("CosineAnnealingWarmRestarts has no peak decay per restart (m_mul)")
    kwargs = {
        "T_0": as_int(p["first_period"], "CosineAnnealingWarmRestarts", "T_0"),
        "T_mult": as_int(p.get("t_mult", 1.0), "CosineAnnealingWarmRestarts", "T_mult"),
        "eta_min": p.get("final_lr", 0.0),
    }
    return Mapped(Sched("CosineAnnealingWarmRestarts", kwargs), _base(p["init_lr"], ctx, "CosineAnnealingWarmRestarts"))


_TORCH_SCALE_MODE = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}
_SCALE_FN = {
    "triangular": "lambda x: 1.0",
    "triangular2": "lambda x: 1 / (2.0 ** (x - 1))",
    "exp_range": "lambda x: {gamma!r} ** x",
}


def cyclic_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    mode = p.get("mode", "triangular")
    kwargs: dict[str, Any] = {"base_lr": p["base_lr"], "max_lr": p["max_lr"], "step_size_up": p["step_size_up"]}
    if p.get("step_size_down") is not None:
        kwargs["step_size_down"] = p["step_size_down"]
    kwargs.update(mode=mode, gamma=p.get("gamma", 1.0))
    scale_mode = p.get("scale_mode") or _TORCH_SCALE_MODE[mode]
    if scale_mode != _TORCH_SCALE_MODE[mode]:  # torch forces the built-in modes' scale_mode; pass the function
        kwargs.update(scale_fn=Code(_SCALE_FN[mode].format(gamma=p.get("gamma", 1.0))), scale_mode=scale_mode)
    kwargs["cycle_momentum"] = False  # SGD without momentum: nothing to cycle
    return Mapped(Sched("CyclicLR", kwargs), _base(p["base_lr"], ctx, "CyclicLR"))


def one_cycle_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    kwargs = {
        "max_lr": p["max_lr"],
        "total_steps": as_int(p["total_steps"], "OneCycleLR", "total_steps"),
        "pct_start": float(p.get("pct_start", 0.3)),
        "anneal_strategy": p.get("anneal", "cos"),
        "div_factor": p.get("div_factor", 25.0),
        "final_div_factor": p.get("final_div_factor", 1e4),
        "three_phase": p.get("three_phase", False),
        "cycle_momentum": False,
    }
    return Mapped(Sched("OneCycleLR", kwargs), _base(p["max_lr"], ctx, "OneCycleLR"))


def inverse_sqrt_lambda(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    return _lambda(f"(step + {p.get('offset', 1.0)!r}) ** -0.5", ctx, p["init_lr"])


def plateau_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if ctx.base is not None:
        raise NotExpressible("ReduceLROnPlateau cannot be part of SequentialLR or ChainedScheduler")
    keys = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps")
    defaults = {"mode": "min", "factor": 0.1, "patience": 10, "threshold": 1e-4, "threshold_mode": "rel",
                "cooldown": 0, "min_lr": 0.0, "eps": 1e-8}  # fmt: skip
    return Mapped(Sched("ReduceLROnPlateau", {k: p.get(k, defaults[k]) for k in keys}), p["init_lr"])


def sequential_lr(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """SequentialLR restarts each scheduler at its milestone, all relative to one optimizer rate."""
    parts, bounds = p["schedules"], [as_int(b, "SequentialLR", "milestone") for b in p["boundaries"]]
    ends = [b - 1 for b in bounds] + [ctx.last_step]
    starts = [0, *bounds]
    children: list[Sched] = []
    milestones: list[int] = []
    notes: list[str] = []
    base = ctx.base
    for index, (part, start, end) in enumerate(zip(parts, starts, ends, strict=True)):
        mapped = _map_spec(part, Ctx(base, max(end - start, 0)))
        base = mapped.lr
        if mapped.note:
            notes.append(f"part {index}: {mapped.note}")
        if index:
            milestones.append(start)
        if mapped.sched.cls == "SequentialLR":  # flatten: torch nests poorly, one level reads better
            children.extend(mapped.sched.children)
            milestones.extend(start + m for m in mapped.sched.kwargs["milestones"])
        else:
            children.append(mapped.sched)
    return Mapped(Sched("SequentialLR", {"milestones": milestones}, tuple(children)), base, "; ".join(notes))


def _lowered_warmup_cosine(p: Mapping[str, Any]) -> dict[str, Any]:
    cos = {"formula": "cosine", "init_lr": p["peak_lr"], "decay_steps": p["decay_steps"],
           "final_lr": p.get("final_lr", 0.0), "exponent": p.get("exponent", 1.0)}  # fmt: skip
    if not p["warmup_steps"]:
        return cos
    warm = {"formula": "polynomial", "init_lr": p.get("init_lr", 0.0), "end_lr": p["peak_lr"],
            "decay_steps": p["warmup_steps"]}  # fmt: skip
    return {"formula": "sequential", "schedules": [warm, cos], "boundaries": [p["warmup_steps"]]}


def _scaled(spec: Mapping[str, Any], k: float) -> dict[str, Any]:
    """A unit-rate factor spec scaled to absolute rates (every ``*_lr`` and ``values`` times ``k``)."""
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if key.endswith("_lr") and value is not None:
            out[key] = value * k
        elif key == "values":
            out[key] = [v * k for v in value]
        elif key in ("schedules", "factors"):
            out[key] = [_scaled(s, k) for s in value]
        else:
            out[key] = value
    return out


def chained_scheduler(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    base = _base(p["init_lr"], ctx, "ChainedScheduler")
    children = tuple(_map_spec(_scaled(f, base), Ctx(base, ctx.last_step)).sched for f in p["factors"])
    return Mapped(Sched("ChainedScheduler", {}, children), base)


#: formula -> lowering into another formula's parameters (exact identities of the reference).
LOWERINGS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "linear": lambda p: {"formula": "polynomial", "init_lr": p["init_lr"], "end_lr": p["end_lr"],
                         "decay_steps": p["transition_steps"], "transition_begin": p.get("transition_begin", 0)},
    "linear_warmup": lambda p: {"formula": "polynomial", "init_lr": p.get("init_lr", 0.0), "end_lr": p["peak_lr"],
                                "decay_steps": p["warmup_steps"]},
    "warmup_cosine": _lowered_warmup_cosine,
}  # fmt: skip

#: formula -> torch APIs in order of preference ("closest built-in first, LambdaLR last").
#: An API listed only under HINT_ONLY is used when a case asks for it (hints.torch.api).
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "constant": (("LambdaLR", constant_lambda),),
    "step_decay": (("StepLR", step_lr), ("LambdaLR", step_lambda)),
    "multi_step": (("MultiStepLR", multi_step_lr),),
    "piecewise_constant": (("MultiStepLR", multi_step_lr), ("ConstantLR", constant_lr), ("LambdaLR", piecewise_lambda)),
    "exponential": (
        ("ExponentialLR", exponential_lr),
        ("StepLR", exponential_step_lr),
        ("MultiplicativeLR", multiplicative_lr),
        ("LambdaLR", exponential_lambda),
    ),
    "natural_exp": (("ExponentialLR", natural_exp_lr),),
    "inverse_time": (("LambdaLR", inverse_time_lambda),),
    "factor_decay": (("ExponentialLR", factor_exponential_lr), ("LambdaLR", factor_lambda)),
    "polynomial": (("PolynomialLR", polynomial_lr), ("LinearLR", linear_lr), ("LambdaLR", polynomial_lambda)),
    "inverse_sqrt": (("LambdaLR", inverse_sqrt_lambda),),
    "cosine": (
        ("CosineAnnealingLR", cosine_annealing_lr),
        ("SequentialLR", cosine_then_constant),
        ("LambdaLR", cosine_lambda),
    ),
    "cosine_restarts": (("CosineAnnealingWarmRestarts", warm_restarts),),
    "cyclic": (("CyclicLR", cyclic_lr),),
    "one_cycle": (("OneCycleLR", one_cycle_lr),),
    "sequential": (("SequentialLR", sequential_lr),),
    "product": (("ChainedScheduler", chained_scheduler),),
    "reduce_on_plateau": (("ReduceLROnPlateau", plateau_lr),),
}
HINT_ONLY = {("exponential", "MultiplicativeLR")}


def _map_spec(spec: Mapping[str, Any], ctx: Ctx, api: str | None = None) -> Mapped:
    formula = spec["formula"]
    params = {k: v for k, v in spec.items() if k != "formula"}
    if formula in LOWERINGS:
        return _map_spec(LOWERINGS[formula](params), ctx, api)
    return first_fit(
        BINDINGS, formula, api, HINT_ONLY, lambda fn: fn(params, ctx), "torch scheduler", hint_field="hints.torch.api"
    )


_PROGRAM = """\
import math
import torch
from torch.optim import lr_scheduler
{metrics}
param = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
optimizer = torch.optim.SGD([param], lr={lr})
scheduler = {scheduler}
schedule, applied = [], []
for step in range({count}):
    if step:
        {step_call}  # after the previous update, as a training loop does
    schedule.append(scheduler.get_last_lr()[0])
    with torch.no_grad():
        param.zero_()
    param.grad = torch.ones_like(param)
    optimizer.step()  # the parameter moves by exactly -lr
    applied.append(-param.item())
"""


class TorchAdapter:
    """``torch.optim.lr_scheduler`` with ``torch.optim.SGD``."""

    name = "torch"
    distribution = "torch"
    module = "torch"
    kernels = None  # schedulers compute in Python floats; the applied update p - lr * 1 is exactly rounded
    hint_keys: ClassVar[HintKeys] = {
        "torch": {"api": api_hint(BINDINGS, "the scheduler to use where several express the formula (e.g. LambdaLR)")}
    }

    def plan(self, case: Case) -> Plan:
        last = int(case.steps[-1])
        mapped = _map_spec({"formula": case.formula, **case.params}, Ctx(None, last), case.hint("torch").get("api"))
        metrics = case.params.get("metrics") if case.formula == "reduce_on_plateau" else None
        if metrics is not None and last > len(metrics):
            raise NotExpressible(f"ReduceLROnPlateau needs a metric per epoch: {len(metrics)} metrics for {last} steps")
        program = _PROGRAM.format(
            metrics=f"\nmetrics = {py(metrics)}\n" if metrics is not None else "",
            lr=py(mapped.lr),
            scheduler=mapped.sched.source(),
            count=last + 1,
            step_call="scheduler.step(metrics[step - 1])" if metrics is not None else "scheduler.step()",
        )
        setup = {
            "optimizer": "torch.optim.SGD",
            "optimizer_kwargs": {"lr": mapped.lr},
            "parameter": "one float64 scalar, gradient 1, zeroed before each update",
            "read": "scheduler.get_last_lr()[0], then optimizer.step(), then scheduler.step() before the next step",
        }
        if metrics is not None:
            setup["metrics"] = list(metrics)
        return Plan(
            api=f"{MODULE}.{mapped.sched.cls}",
            kwargs=mapped.sched.record(),
            setup=setup,
            repro=program,
            probes=("schedule", "applied"),
            note=mapped.note,
        )

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        lists, error, warned = run_program(plan.repro, f"<torch repro {case.id}>", ("schedule", "applied"))
        return {
            name: Trajectory(select(values, case.steps), "float64", error, warned) for name, values in lists.items()
        }
