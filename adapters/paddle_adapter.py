"""PaddlePaddle: ``paddle.optimizer.lr`` driven as a Paddle training loop drives it.

Every case becomes one standalone program: the scheduler its binding builds, passed as the ``learning_rate`` of
``paddle.optimizer.SGD`` over one float64 parameter whose gradient is 1 (kept: the loop never clears it). The loop
calls ``scheduler.step()`` after each update, as Paddle documents ("``step`` should be called after
``optimizer.step``"): after ``k`` calls the rate is the reference at step ``k``. At each compared step it records
``scheduler.last_lr`` (probe ``schedule``), ``optimizer.get_lr()`` (probe ``get_lr``: what the optimizer reads from
the scheduler) and the rate ``optimizer.step()`` applied to the zeroed parameter (probe ``applied``). Paddle's
schedulers compute in Python floats and SGD applies a float64 rate to a float64 parameter: rates compare tightly.

Schedulers without a formula of their own (``LambdaDecay``) take the factor of torch's ``LambdaLR`` transcriptions
(``adapters.torch_adapter``): both call ``lr_lambda(last_epoch)`` on a base rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from model.adapter import Code, NotExpressible, Probe, py
from model.case import Case
from model.hints import HintError, HintKey, HintKeys, one_of

from . import torch_adapter
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

__all__ = ["PaddleAdapter"]


@dataclass(frozen=True)
class PaddleCtx(Ctx):
    """Besides the last step: whether the call is the scheduler a ``LinearWarmup`` wraps (``inner``), which it
    steps with an explicit epoch after its warm-up (and which cannot be stepped per epoch on its own)."""

    inner: bool = False


def integer(api: str, **names: str) -> dict[str, Callable[[Mapping[str, Any]], int]]:
    """Keywords passed as integers (Paddle checks ``isinstance(.., int)``): keyword -> reference parameter."""
    return {k: (lambda p, k=k, s=s: as_int(p[s], api, k)) for k, s in names.items()}


def renamed(api: str, kwargs: Mapping[str, Any], *refuse: tuple[Callable[..., Any], str]) -> tuple[str, Binding]:
    return api, Renamed(api, kwargs, refuse=refuse)


def _boundaries(p: Mapping[str, Any]) -> list[int]:
    """Paddle changes the rate when ``last_epoch`` reaches a boundary (``last_epoch < b`` keeps the value before
    it); a boundary that keeps the previous value moves to the next whole step."""
    marks = [math.floor(b) + 1 if p["at_boundary"] == "previous" else math.ceil(b) for b in p["boundaries"]]
    return [as_int(m, "PiecewiseDecay", "boundary") for m in marks]


def multi_step_decay(p: Mapping[str, Any], ctx: PaddleCtx) -> Mapped:
    if not p["gamma"] < 1:
        raise NotExpressible(f"MultiStepDecay refuses gamma >= 1, the case has gamma={p['gamma']!r}")
    ints = [as_int(m, "MultiStepDecay", "milestone") for m in p["milestones"]]
    return Mapped(Call("MultiStepDecay", {"learning_rate": p["init_lr"], "milestones": ints, "gamma": p["gamma"]}))


def linear_warmup(p: Mapping[str, Any], ctx: PaddleCtx) -> Mapped:
    """``LinearWarmup`` around a float: the ramp from ``init_lr`` to ``peak_lr``, then the float."""
    w = as_int(p["warmup_steps"], "LinearWarmup", "warmup_steps")
    if not p["init_lr"] < p["peak_lr"]:
        raise NotExpressible("LinearWarmup asserts end_lr > start_lr: a warm-up that rises")
    kwargs = {"learning_rate": p["peak_lr"], "warmup_steps": w, "start_lr": p["init_lr"], "end_lr": p["peak_lr"]}
    return Mapped(Call("LinearWarmup", kwargs))


def warmup_around(p: Mapping[str, Any], ctx: PaddleCtx) -> Mapped:
    """``LinearWarmup`` around a scheduler: a sequence of a rising linear ramp from step 0 and one other schedule,
    which ``LinearWarmup`` steps with ``step(epoch - warmup_steps)`` from the ramp's end."""
    if len(p["schedules"]) != 2:
        raise NotExpressible("LinearWarmup wraps one scheduler after one warm-up: two parts")
    ramp, after = p["schedules"]
    w = p["boundaries"][0]
    rising = ramp["formula"] == "linear_warmup" and ramp["warmup_steps"] == w
    if not rising or ctx.inner:
        raise NotExpressible("the first part is no linear warm-up ending at the boundary")
    head = linear_warmup(ramp, ctx)
    wrapped = ctx.nested(after, last_step=max(ctx.last_step - int(w), 0), inner=True)
    if wrapped.call.api == "LinearWarmup" or wrapped.extra.get("every", 1) != 1:
        raise NotExpressible("LinearWarmup wraps a scheduler stepped every update")
    kwargs = {k: v for k, v in head.call.kwargs.items() if k != "learning_rate"}
    return Mapped(Call("LinearWarmup", kwargs, (wrapped.call,)), wrapped.note)


def one_cycle_lr(p: Mapping[str, Any], ctx: PaddleCtx) -> Mapped:
    """``OneCycleLR`` takes the final rate itself (``end_learning_rate``), not torch's ``final_div_factor``."""
    kwargs = {
        "max_learning_rate": p["max_lr"],
        "total_steps": as_int(p["total_steps"], "OneCycleLR", "total_steps"),
        "divide_factor": p["div_factor"],
        "end_learning_rate": p["max_lr"] / p["div_factor"] / p["final_div_factor"],
        "phase_pct": float(p["pct_start"]),
        "anneal_strategy": p["anneal"],
        "three_phase": p["three_phase"],
    }
    return Mapped(Call("OneCycleLR", kwargs))


def cyclic_lr(p: Mapping[str, Any], ctx: PaddleCtx) -> Mapped:
    """``CyclicLR`` forces its modes' scale mode as torch's does; another is passed with the mode's ``scale_fn``."""
    forced = "iterations" if p["mode"] == "exp_range" else "cycle"
    down = p["step_size_down"]
    kwargs = {
        "base_learning_rate": p["base_lr"],
        "max_learning_rate": p["max_lr"],
        "step_size_up": as_int(p["step_size_up"], "CyclicLR", "step_size_up"),
        **({} if down == p["step_size_up"] else {"step_size_down": as_int(down, "CyclicLR", "step_size_down")}),
        "mode": p["mode"],
        "exp_gamma": float(p["gamma"]),
    }
    if p["scale_mode"] not in (None, forced):
        scale_fn = {"triangular": "lambda x: 1.0", "triangular2": "lambda x: 1 / (2.0 ** (x - 1))",
                    "exp_range": f"lambda x: {p['gamma']!r} ** x"}[p["mode"]]  # fmt: skip
        kwargs.update(scale_fn=Code(scale_fn), scale_mode=p["scale_mode"])
    return Mapped(Call("CyclicLR", kwargs))


def per_epoch(p: Mapping[str, Any], ctx: PaddleCtx) -> Mapped:
    """The schedule's scheduler, stepped once per epoch (every ``steps_per_epoch`` updates)."""
    if ctx.inner:
        raise NotExpressible("LinearWarmup steps the scheduler it wraps every update, not per epoch")
    return torch_adapter.stepped_per_epoch(p, ctx)


def lambda_decay(formula: str) -> tuple[str, Binding]:
    """``LambdaDecay`` with the factor of the torch adapter's ``LambdaLR`` for ``formula``, on the same base rate."""
    (_, torch_binding), *_ = (pair for pair in torch_adapter.BINDINGS[formula] if pair[0] == "LambdaLR")

    def bind(p: Mapping[str, Any], ctx: PaddleCtx) -> Mapped:
        mapped = torch_binding(p, torch_adapter.TorchCtx(ctx.last_step))
        return Mapped(Call("LambdaDecay", {"learning_rate": mapped.extra["lr"], **mapped.call.kwargs}), mapped.note)

    return "LambdaDecay", bind


def _continuous(p: Mapping[str, Any], ctx: Any) -> bool:
    return bool(p["staircase"])


#: formula -> Paddle schedulers, closest first; LambdaDecay (torch's LambdaLR factors) last.
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "noam": (renamed("NoamDecay", {"d_model": "d_model", "warmup_steps": "warmup_steps", "learning_rate": "scale"}),),
    "piecewise_constant": (renamed("PiecewiseDecay", {"boundaries": _boundaries, "values": "values"}),),
    "multi_step": (("MultiStepDecay", multi_step_decay),),
    "step_decay": (
        renamed("StepDecay",
                {"learning_rate": "init_lr", **integer("StepDecay", step_size="step_size"), "gamma": "gamma"},
                (lambda p, ctx: p["offset"], "StepDecay counts step_size from step 0 (no offset)"),
                (lambda p, ctx: p["gamma"] >= 1, "StepDecay refuses gamma >= 1")),
        lambda_decay("step_decay"),
    ),
    "natural_exp": (
        renamed("NaturalExpDecay", {"learning_rate": "init_lr", "gamma": lambda p: p["decay_rate"] / p["decay_steps"]},
                (_continuous, "NaturalExpDecay decays every step (lr * exp(-gamma * epoch)): no staircase")),
        renamed("StepDecay", {"learning_rate": "init_lr", **integer("StepDecay", step_size="decay_steps"),
                              "gamma": lambda p: math.exp(-p["decay_rate"])},
                (lambda p, ctx: not p["staircase"], "StepDecay decays in stairs")),
    ),
    "inverse_time": (
        renamed("InverseTimeDecay", {"learning_rate": "init_lr",
                                     "gamma": lambda p: p["decay_rate"] / p["decay_steps"]},
                (_continuous, "InverseTimeDecay decays every step (lr / (1 + gamma * epoch)): no staircase")),
        lambda_decay("inverse_time"),
    ),
    "exponential": (
        renamed("ExponentialDecay", {"learning_rate": "init_lr",
                                     "gamma": lambda p: p["decay_rate"] ** (1.0 / p["decay_steps"])},
                (lambda p, ctx: p["staircase"] or p["transition_begin"] or p["end_lr"] is not None,
                 "ExponentialDecay decays continuously from step 0, without a floor")),
        renamed("StepDecay", {"learning_rate": "init_lr", **integer("StepDecay", step_size="decay_steps"),
                              "gamma": "decay_rate"},
                (lambda p, ctx: not p["staircase"] or p["transition_begin"] or p["end_lr"] is not None
                 or p["decay_rate"] >= 1, "StepDecay decays in whole steps from step 0 (gamma < 1), without a floor")),
        renamed("MultiplicativeDecay", {"learning_rate": "init_lr",
                                        "lr_lambda": lambda p: Code(f"lambda epoch: {p['decay_rate']!r}")},
                (lambda p, ctx: p["staircase"] or p["transition_begin"] or p["end_lr"] is not None
                 or p["decay_steps"] != 1, "MultiplicativeDecay with a constant factor decays every step")),
        lambda_decay("exponential"),
    ),
    "factor_decay": (lambda_decay("factor_decay"),),
    "polynomial": (
        renamed("PolynomialDecay", {"learning_rate": "init_lr", **integer("PolynomialDecay", decay_steps="decay_steps"),
                                    "end_lr": "end_lr", "power": "power", "cycle": "cycle"},
                (lambda p, ctx: p["transition_begin"], "PolynomialDecay starts at step 0 (no transition_begin)")),
        renamed("LinearLR", {"learning_rate": lambda p: max(p["init_lr"], p["end_lr"]),
                             **integer("LinearLR", total_steps="decay_steps"),
                             "start_factor": lambda p: p["init_lr"] / max(p["init_lr"], p["end_lr"]),
                             "end_factor": lambda p: p["end_lr"] / max(p["init_lr"], p["end_lr"])},
                (lambda p, ctx: p["power"] != 1 or p["cycle"] or p["transition_begin"] or not p["init_lr"],
                 "LinearLR is one linear ramp from step 0 with 0 < start_factor")),
        lambda_decay("polynomial"),
    ),
    "linear_warmup": (("LinearWarmup", linear_warmup),),
    "sequential": (("LinearWarmup", warmup_around),),
    "cosine": (
        renamed("CosineAnnealingDecay",
                {"learning_rate": "init_lr", **integer("CosineAnnealingDecay", T_max="decay_steps"),
                 "eta_min": "final_lr"},
                (lambda p, ctx: p["exponent"] != 1, "CosineAnnealingDecay has no exponent"),
                (lambda p, ctx: p["past_end"] == "clamp" and ctx.last_step > p["decay_steps"],
                 "CosineAnnealingDecay rises again after T_max (period 2*T_max); the case holds final_lr")),
        lambda_decay("cosine"),
    ),
    "cosine_restarts": (
        renamed("CosineAnnealingWarmRestarts",
                {"learning_rate": "init_lr", **integer("CosineAnnealingWarmRestarts", T_0="first_period",
                                                       T_mult="t_mult"), "eta_min": "final_lr"},
                (lambda p, ctx: p["m_mul"] != 1, "CosineAnnealingWarmRestarts has no peak decay per restart")),
    ),
    "one_cycle": (("OneCycleLR", one_cycle_lr),),
    "cyclic": (("CyclicLR", cyclic_lr),),
    "reduce_on_plateau": (
        renamed("ReduceOnPlateau", {"learning_rate": "init_lr", "mode": "mode", "factor": "factor",
                                    "patience": "patience", "threshold": "threshold",
                                    "threshold_mode": "threshold_mode", "cooldown": "cooldown", "min_lr": "min_lr",
                                    "epsilon": "eps"},
                (lambda p, ctx: ctx.inner, "LinearWarmup cannot wrap ReduceOnPlateau (it steps on a metric)")),
    ),
    "per_epoch": (("per epoch", per_epoch),),
    **{
        formula: (lambda_decay(formula),)
        for formula in ("constant", "inverse_sqrt", "warmup_stable_decay", "warmup_cosine_cycles",
                        "warmup_cosine_hard_restarts", "warmup_inverse_sqrt")
    },
}  # fmt: skip
HINT_ONLY = {
    ("polynomial", "LinearLR"),
    ("exponential", "MultiplicativeDecay"),
}

PROBES = (Probe("schedule"), Probe("get_lr"), Probe("applied"))
PADDLE = SgdLoop(
    framework="Paddle",
    parameter='param = paddle.create_parameter([], dtype="float64")\nparam.sum().backward()',
    gradient_note="its gradient: 1, kept for every update (plain SGD only reads it)",
    optimizer="paddle.optimizer.SGD(learning_rate=scheduler, parameters=[param])",
    zero='param.set_value(paddle.zeros([], dtype="float64"))',
    reads=(("schedule", "scheduler.last_lr"), ("get_lr", "optimizer.get_lr()")),
    save="paddle.save",
    load="paddle.load",
    suffix="pdopt",
    load_state="set_state_dict",
    scheduler_first=True,
)
IMPORTS = "import paddle\nfrom paddle.optimizer import lr"
#: The other way of resuming, a function of the new interpreter (``{new}``: the objects, the scheduler built with
#: ``last_epoch`` at the last scheduler step before k, so that its constructor's step reaches k).
_LAST_EPOCH = """

def last_epoch(k):
    '''A new scheduler built with last_epoch=k - 1: its constructor steps once, to k (SGD has no other state).'''
{new}
    return continued(k, param, optimizer, scheduler)
"""
#: Paddle's schedulers without ``last_epoch``: ReduceOnPlateau (it starts at epoch 0 and steps on metrics).
WITHOUT_LAST_EPOCH = ("ReduceOnPlateau",)
#: How the loop steps the scheduler (``hints.paddle.step``): ``step()`` as documented, or ``step(epoch)``.
STEPS = ("step()", "step(epoch)")


class PaddleAdapter(ProgramAdapter):
    """``paddle.optimizer.lr`` with ``paddle.optimizer.SGD``."""

    name = "paddle"
    distribution = "paddlepaddle"
    module = "paddle"
    namespace = "paddle.optimizer.lr"
    kernels = None  # schedulers compute in Python floats; SGD's float64 update p - lr * 1 is exactly rounded
    what = "Paddle scheduler"
    parts_key = "learning_rate"
    bindings = BINDINGS
    hint_only = HINT_ONLY
    hint_keys: ClassVar[HintKeys] = {
        "paddle": {
            "api": api_hint(BINDINGS, "the scheduler to use where several express the formula (e.g. LinearLR)"),
            "step": HintKey(
                "a string",
                "how the loop steps the scheduler: step() (documented) or step(epoch) with the epoch's index",
                one_of(set(STEPS)),
            ),
        }
    }

    def context(self, case: Case) -> PaddleCtx:
        return PaddleCtx(int(case.steps[-1]), self.hint(case), self)

    def render(self, call: Call, indent: str = "") -> str:
        inner = f"learning_rate={self.render(call.parts[0], indent)}, " if call.parts else ""
        return f"lr.{call.api}({inner}{call.arguments()})"

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        last, every = ctx.last_step, torch_adapter.every_of(mapped)
        metrics = case.params.get("metrics") if case.formula == "reduce_on_plateau" else None
        if metrics is not None and last > len(metrics):
            raise NotExpressible(f"ReduceOnPlateau needs a metric per epoch: {len(metrics)} metrics for {last} steps")
        by_epoch = self.hint(case).get("step") == "step(epoch)"
        if by_epoch and metrics is not None:
            raise HintError("hints.paddle.step", "ReduceOnPlateau steps on a metric: step(metrics, epoch) is not asked")
        epoch = "step" if every == 1 else f"step // {every}"
        step_call = (
            "scheduler.step(metrics[step - 1])"
            if metrics is not None
            else f"scheduler.step({epoch})"
            if by_epoch
            else "scheduler.step()"
        )
        metrics_source = f"\nmetrics = {py(metrics)}\n" if metrics is not None else ""
        source = PADDLE.program(
            imports=IMPORTS,
            prologue=RESUME_PROLOGUE.format(points=list(case.resume)) if case.resume else "",
            metrics=metrics_source,
            scheduler=self.render(mapped.call),
            count=last + 1,
            steps=steps_source(case.steps),
            every=every,
            step_call=step_call,
            save=bool(case.resume),
        )
        ways = self.ways(case, mapped)
        if case.resume:
            source += resume_epilogue(case, ways, self.restore(mapped, ways, metrics_source, step_call), "applied")
        setup = {
            "optimizer": "paddle.optimizer.SGD",
            "optimizer_kwargs": {"learning_rate": "the scheduler"},
            "parameter": "one float64 scalar, gradient 1, zeroed before each update",
            "read": f"scheduler.{step_call.removeprefix('scheduler.')} after every "
            f"{'update' if every == 1 else 'epoch'}; at compared steps scheduler.last_lr, optimizer.get_lr(), "
            "then optimizer.step()",
            **({} if every == 1 else {"steps_per_epoch": every}),
            **({} if metrics is None else {"metrics": list(metrics)}),
        }
        return source, setup, (*PROBES, *resume_probes(case, ways)), mapped.note

    def ways(self, case: Case, mapped: Mapped) -> tuple[str, ...]:
        """``restored`` (the state dicts) and ``last_epoch`` (the constructor), but ReduceOnPlateau has none."""
        if not case.resume:
            return ()
        return ("restored",) if mapped.call.api in WITHOUT_LAST_EPOCH else ("restored", "last_epoch")

    def restore(self, mapped: Mapped, ways: tuple[str, ...], metrics_source: str, step_call: str) -> str:
        """The restoring source: ``restored`` (the state dicts) and, if among ``ways``, ``last_epoch``."""
        every = torch_adapter.every_of(mapped)
        epoch = Code("k - 1") if every == 1 else Code(f"k // {every} - 1")
        resumed = replace(mapped.call, kwargs={**mapped.call.kwargs, "last_epoch": epoch})
        return PADDLE.restore(
            imports=IMPORTS,
            metrics=metrics_source,
            step_call=step_call,
            every=every,
            scheduler=self.render(mapped.call),
            ways=_LAST_EPOCH.format(new=PADDLE.new(self.render(resumed))) if "last_epoch" in ways else "",
        )
