"""MindSpore: ``nn.learning_rate_schedule`` Cells, ``nn.dynamic_lr`` lists, and the optimizers applying them
(README, "MindSpore": the APIs, the probes, the hints, what the installed version does differently).

Two adapters, two columns (``only = ["mindspore"]`` selects both; their names carry no dot, which separates the
probe in test ids), one set of bindings, each written for a Cell; in a list context (:class:`MsCtx`) it calls the
``dynamic_lr`` function of the same family, whose counts are epochs. ``mindspore``'s Cells compute in float32,
elementwise: probe ``schedule`` is one PYNATIVE call on a vector Tensor of steps 0..last (the program raises if
scalar calls at the first, middle and last step give other numbers), ``graph`` the same in GRAPH mode.
``mindspore-dynamic``'s lists hold Python floats (probe ``schedule``): sequences are lists concatenated, as
MindSpore users do; a ``per_epoch`` case gives its ``step_per_epoch`` (every list function is constant within an
epoch); ``hints."mindspore-dynamic".length`` sets the length (default: every step of the case), to train past it.

Probe ``applied`` (both), the rate an optimizer really uses: ``nn.SGD`` without momentum, or
``hints.mindspore.optimizer`` (``api``, ``momentum``, ..., and ``learning_rate``, the groups' default: only with
``groups``), on one float32 parameter per group, gradient 1, zeroed before every update, so the update is exactly
``-lr``. ``hints.mindspore.groups`` (seed 004's example): ``lr = "case"`` is the measured group, the other groups'
rates are schedule tables mapped the same way; a ``constant`` is a fixed float rate (a case whose own rate is
fixed has only probe ``applied``). ``nn.Momentum`` updates by ``lr * moment`` (``moment = momentum * moment +
gradient``): the rate is the update divided by the optimizer's own moment.

Step convention: ``Optimizer.get_lr()`` reads ``lr(global_step)`` / ``lr[global_step]`` with ``global_step``
starting at 0 and incremented after the read, so update ``t`` uses the reference at step ``t``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import reference
from model.adapter import Code, NotExpressible, Probe, py
from model.case import MAX_STEP, Case
from model.errors import kind_problem, short_repr
from model.hints import HintError, HintKey, HintKeys, one_of
from reference import identities, unrolled

from ._base import (
    RESUME_PROLOGUE,
    Binding,
    Call,
    Ctx,
    Mapped,
    ProgramAdapter,
    Rewrite,
    as_int,
    resume_epilogue,
    resume_probes,
    steps_source,
    via,
)

__all__ = ["MindSporeAdapter", "MindSporeDynamicAdapter"]

#: Cell -> the dynamic_lr function computing the same family.
LIST_OF = {
    "ExponentialDecayLR": "exponential_decay_lr",
    "NaturalExpDecayLR": "natural_exp_decay_lr",
    "InverseDecayLR": "inverse_decay_lr",
    "CosineDecayLR": "cosine_decay_lr",
    "PolynomialDecayLR": "polynomial_decay_lr",
    "WarmUpLR": "warmup_lr",
}
#: The Cells' step counts, and their arguments renamed for the list functions (which count epochs).
STEP_COUNTS = ("decay_steps", "warmup_steps")
EPOCH_NAMES = {"decay_steps": "decay_epoch", "warmup_steps": "warmup_epoch", "update_decay_steps": "update_decay_epoch"}
#: The optimizers that may apply the rate, and how the rate is read from their update.
OPTIMIZERS = {"SGD": "the update is -lr", "Momentum": "the update is -lr * moment: divided by optimizer.moments"}
#: The pseudo-APIs of lists built in Python: a repeated float, lists joined by ``+``.
REPEAT, CONCATENATION = "[value] * count", "list concatenation"
CELL, ONLY = "LearningRateSchedule Cell", "only a dynamic_lr list"
MULTI_STEP = "learning_rates = init_lr * gamma**k, computed here: MindSpore has no multi-step decay"


@dataclass(frozen=True)
class MsCtx(Ctx):
    """Besides the last step (or epoch, in a per-epoch list): whether the rate is a Cell or a list, the
    list's length and steps per epoch, and the optimizer a fixed rate is the ``learning_rate`` of."""

    cells: bool = True
    total_step: int = 0
    step_per_epoch: int = 1
    optimizer: str = "SGD"

    def call(self, cell: str, **kwargs: Any) -> Mapped:
        """``cell(**kwargs)``, or the dynamic_lr function of the same family with epoch arguments (the list's
        length and steps per epoch first); step counts are integers."""
        api = cell if self.cells else LIST_OF[cell]
        kwargs = {key: as_int(value, api, key) if key in STEP_COUNTS else value for key, value in kwargs.items()}
        if self.cells:
            return Mapped(Call(api, kwargs))
        listed: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in STEP_COUNTS:
                listed.update(total_step=self.total_step, step_per_epoch=self.step_per_epoch)
            listed[EPOCH_NAMES.get(key, key)] = value
        return Mapped(Call(api, listed))

    def per_step_list(self, what: str) -> None:
        """Only lists without epochs can express ``what`` (Cells have no binding for it)."""
        if self.step_per_epoch != 1:
            raise NotExpressible(f"{what} has no step_per_epoch argument")


# --- one binding per API; each raises NotExpressible with the reason it cannot -------------


def _lr(value: float, name: str = "learning_rate") -> float:
    """A rate MindSpore documents as a float > 0 (ExponentialDecayLR, PolynomialDecayLR, ...)."""
    if value <= 0:
        raise NotExpressible(f"needs {name} > 0 (documented), the case has {value!r}")
    return float(value)


def _without(p: Mapping[str, Any], **computed: Any) -> None:
    """Parameters the API does not have: the case must leave them at the value the API computes with."""
    for key, value in computed.items():
        if p[key] != value:
            raise NotExpressible(f"has no {key} (the case has {key}={p[key]!r})")


def fixed(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    """A constant is a fixed float rate: the optimizer's ``learning_rate``."""
    return Mapped(Call(ctx.optimizer, {"learning_rate": float(p["value"])}))


def _decay(cell: str, p: Mapping[str, Any], ctx: MsCtx, decay_rate: float, note: str = "") -> Mapped:
    """The families taking (learning_rate, decay_rate, decay_steps, is_stair)."""
    mapped = ctx.call(cell, learning_rate=_lr(p["init_lr"]), decay_rate=_lr(decay_rate, "decay_rate"),
                      decay_steps=p["decay_steps"], is_stair=bool(p["staircase"]))  # fmt: skip
    return replace(mapped, note=note)


def exponential(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    _without(p, transition_begin=0, end_lr=None)
    return _decay("ExponentialDecayLR", p, ctx, p["decay_rate"])


def natural_exp(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    """Each API mapped by its own documentation, which differ.

    NaturalExpDecayLR documents ``lr * e^(-decay_rate * current_step / decay_steps)``;
    natural_exp_decay_lr documents ``lr * e^(-decay_rate * current_epoch)``: no decay_epoch,
    which only sets the stair width (its code: ``floor(epoch / decay_epoch) * decay_epoch``).
    """
    if ctx.cells:
        note = "mapped by the documented formula: p = current_step / decay_steps"
        return _decay("NaturalExpDecayLR", p, ctx, p["decay_rate"], note)
    note = "decay_rate = r / decay_epoch: documented as e^(-decay_rate * current_epoch)"
    return _decay("NaturalExpDecayLR", p, ctx, p["decay_rate"] / p["decay_steps"], note)


def inverse_time(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    return _decay("InverseDecayLR", p, ctx, p["decay_rate"])


def cosine(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    _without(p, exponent=1.0)
    init, final = p["init_lr"], p["final_lr"]
    mapped = ctx.call("CosineDecayLR", min_lr=float(final), max_lr=float(init), decay_steps=p["decay_steps"])
    if p["past_end"] == "periodic" and ctx.last_step > p["decay_steps"]:
        raise NotExpressible("holds min_lr after the decay; the case's cosine climbs again")
    if not final < init:
        raise NotExpressible(f"needs min_lr < max_lr (documented), the case has {final!r} -> {init!r}")
    return mapped


def polynomial(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    _without(p, transition_begin=0)
    return ctx.call(
        "PolynomialDecayLR",
        learning_rate=_lr(p["init_lr"]),
        end_learning_rate=float(p["end_lr"]),
        decay_steps=p["decay_steps"],
        power=float(p["power"]),
        update_decay_steps=bool(p["cycle"]),
    )


def warmup(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    if p["init_lr"]:
        raise NotExpressible(f"starts at 0, the case's warm-up at init_lr={p['init_lr']!r}")
    return ctx.call("WarmUpLR", learning_rate=float(p["peak_lr"]), warmup_steps=p["warmup_steps"])


def piecewise_constant_lr(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    """piecewise_constant_lr uses ``learning_rates[k]`` for list indices in ``[M_{k-1}, M_k)``: "next" boundaries."""
    ctx.per_step_list("piecewise constant rates")
    spec = identities.piecewise_at_boundary({"formula": "piecewise_constant", **p}, "next")
    if spec is None:
        raise NotExpressible(f"needs increasing milestones, the boundaries {p['boundaries']} share a step")
    marks = [as_int(b, "piecewise_constant_lr", "milestone") for b in spec["boundaries"]]
    milestone = [min(m, ctx.total_step) for m in marks] + [ctx.total_step]
    if milestone[0] <= 0:
        raise NotExpressible(f"needs milestones > 0, the case has boundaries {p['boundaries']}")
    rates = [float(v) for v in p["values"]]
    return Mapped(Call("piecewise_constant_lr", {"milestone": milestone, "learning_rates": rates}))


def concatenation(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    """Lists concatenated: each part restarts at its own step 0, as ``join`` does; a constant part is a
    repeated float."""
    ctx.per_step_list("a sequence of schedules")
    starts = [0] + [as_int(b, CONCATENATION, "boundary") for b in p["boundaries"]]
    ends = [*starts[1:], ctx.total_step]
    parts: list[Call] = []
    for part, start, end in zip(p["schedules"], starts, ends, strict=True):
        length = min(end, ctx.total_step) - start
        if length <= 0:
            continue
        call = ctx.nested(part, last_step=length - 1, total_step=length).call
        if call.api in OPTIMIZERS:
            call = Call(REPEAT, {"value": call.kwargs["learning_rate"], "count": length})
        parts.extend(call.parts if call.api == CONCATENATION else [call])
    call = parts[0] if len(parts) == 1 else Call(CONCATENATION, {}, tuple(parts))
    return Mapped(call, "no dynamic_lr function joins schedules: their lists are concatenated")


def step_per_epoch(p: Mapping[str, Any], ctx: MsCtx) -> Mapped:
    """The list functions' ``step_per_epoch``: the schedule's arguments count epochs (nested epochs multiply)."""
    spe = ctx.step_per_epoch * as_int(p["steps_per_epoch"], "dynamic_lr", "step_per_epoch")
    return ctx.nested(p["schedule"], last_step=(ctx.total_step - 1) // spe, step_per_epoch=spe)


#: formula -> the Cells expressing it, closest first (a list context calls the same family's list).
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "constant": (("float", fixed),),
    "exponential": (("ExponentialDecayLR", exponential),),
    "natural_exp": (("NaturalExpDecayLR", natural_exp),),
    "inverse_time": (("InverseDecayLR", inverse_time),),
    "cosine": (("CosineDecayLR", cosine),),
    "polynomial": (("PolynomialDecayLR", polynomial),),
    "linear_warmup": (
        ("WarmUpLR", warmup),
        ("PolynomialDecayLR", via("linear_warmup", lambda s, ctx: identities.linear_warmup_as_polynomial(s))),
    ),
}
#: The lists: the Cells' families, and what only lists express.
LIST_BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    formula: tuple((LIST_OF.get(api, api), fn) for api, fn in pairs) for formula, pairs in BINDINGS.items()
} | {
    "piecewise_constant": (("piecewise_constant_lr", piecewise_constant_lr),),
    "multi_step": (
        ("piecewise_constant_lr", via("multi_step", lambda s, ctx: identities.multi_step_as_piecewise(s), MULTI_STEP)),
    ),
    "sequential": ((CONCATENATION, concatenation),),
    "per_epoch": (("step_per_epoch", step_per_epoch),),
}


def _floor_not_reached(spec: Mapping[str, Any], ctx: MsCtx) -> Mapping[str, Any] | None:
    """factor_decay as exponential decay from its step-0 rate while its floor is not reached by the last step."""
    rewritten = unrolled.factor_decay_as_exponential(spec, last_step=ctx.last_step)
    return rewritten if rewritten is not None and rewritten["end_lr"] is None else None


def _warmup_cosine(spec: Mapping[str, Any], ctx: MsCtx) -> Mapping[str, Any]:
    """The warm-up's list and the cosine's, concatenated; without a warm-up still a sequence (of the cosine alone),
    so that it stays a list only, as it has been (CosineDecayLR could compute it)."""
    joined = identities.warmup_cosine_as_sequential(spec)
    alone = {"formula": "sequential", "schedules": [joined], "boundaries": []}
    return joined if joined["formula"] == "sequential" else alone


REWRITES: dict[str, Rewrite] = {
    "step_decay": lambda spec, ctx: identities.step_decay_as_exponential(spec),
    "factor_decay": _floor_not_reached,
    "warmup_cosine": _warmup_cosine,
}


def unmapped(what: str, bindings: Mapping[str, Any], **reasons: str) -> dict[str, str]:
    """Why a formula has no binding, or why its rewrite did not apply."""
    bound = {*bindings, *REWRITES, *identities.BY_FORMULA}  # an identity may find one
    return {
        **{f: f"MindSpore has no {what} for {f!r}" for f in reference.FORMULAS if f not in bound},
        "step_decay": "MindSpore's exponential decay counts its staircase from step 0 (no offset), decay_rate > 0",
        "factor_decay": "MindSpore's exponential decay has no floor, and the case reaches min_lr",
        **reasons,
    }


# --- the program: rate, probes, optimizer ----------------------------------------------------

_HEADER = """\
import numpy as np
import mindspore as ms
from mindspore import Parameter, Tensor, nn, ops
{prologue}
ms.set_context(mode=ms.PYNATIVE_MODE)
lr = {rate}
"""

_CELL_PROBES = """\
steps = np.arange({count})
schedule = lr(Tensor(steps, ms.int32)).asnumpy().astype(float).tolist()  # elementwise: one call for all steps
for step in {sample}:  # the documented scalar call must give the same numbers
    scalar = float(lr(Tensor(step, ms.int32)).asnumpy())
    if scalar != schedule[step]:
        raise AssertionError(f"scalar call at step {{step}} gives {{scalar!r}}, the vector call {{schedule[step]!r}}")
ms.set_context(mode=ms.GRAPH_MODE)
graph = lr(Tensor(steps, ms.int32)).asnumpy().astype(float).tolist()
ms.set_context(mode=ms.PYNATIVE_MODE)
"""

#: The parameters and the optimizer applying the rate (a restored run builds them anew).
_OBJECTS = """\
params = [Parameter(Tensor(np.zeros(1), ms.float32), name=f"param{{i}}") for i in range({groups})]
optimizer = {optimizer}
gradients = tuple(Tensor(np.ones(1), ms.float32) for _ in params)
zero = Tensor(np.zeros(1), ms.float32)
"""

#: The update at compared step ``step`` (the body of a loop over them), its rate appended to ``rates``.
_UPDATE = """\
    if step != expected:  # a gap in sparse steps: start the update with index `step` there
        ops.assign(optimizer.global_step, Tensor([step], ms.int32))
    for param in params:
        ops.assign(param, zero)  # with Parameter.set_data the compiled optimizer's updates stop showing
    optimizer(gradients)
    {rates}.append({read})
    expected = step + 1
"""

_APPLIED = """\
{objects}applied = []
expected = 0  # the optimizer's global_step after the updates so far
for step in {steps}:  # the compared steps
{save}{update}"""

#: A checkpoint after k updates, before the update with index k: global_step is k (with sparse steps, where update
#: k - 1 was not made, set to k as at any gap). The optimizer Cell holds the parameters, so saving it saves them
#: with global_step, the moments and a list's rates.
_SAVE = """\
    for k in [k for k in resume_at if expected <= k <= step]:  # a checkpoint after k updates
        if k != expected:
            ops.assign(optimizer.global_step, Tensor([k], ms.int32))
        ms.save_checkpoint(optimizer, os.path.join(checkpoints, f"{k}.ckpt"))
"""

#: A new rate, parameters and optimizer in the new interpreter, the checkpoint loaded into them, then the updates
#: at the compared steps from k on.
_RESTORE = """
import numpy as np
import mindspore as ms
from mindspore import Parameter, Tensor, nn, ops

ms.set_context(mode=ms.PYNATIVE_MODE)


def checkpoint(k):
    '''load_param_into_net of what load_checkpoint reads, into new objects: the rates they apply from k on.'''
    lr = {rate}
{objects}    unloaded, _ = ms.load_param_into_net(optimizer, ms.load_checkpoint(os.path.join(folder, f"{{k}}.ckpt")))
    if unloaded:
        raise RuntimeError(f"load_param_into_net found no value for {{unloaded}}")
    rates = []
    expected = k  # the restored global_step
    for step in sorted(step for step in compared if step >= k):
{update}    return rates
"""
#: MindSpore's way of resuming: the checkpoint of the optimizer (with the parameters) loaded into new objects.
RESUME_WAYS = ("checkpoint",)
RESUME_SETUP = (
    "after k updates (global_step k) mindspore.save_checkpoint of the optimizer Cell (the parameters, global_step, "
    "moments, a list's rates); in a new interpreter a new rate, parameters and optimizer, load_checkpoint and "
    "load_param_into_net, then the updates at the compared steps from k on"
)

#: The rate the optimizer applied, one value per compared step (float32 parameters and rates).
APPLIED = Probe("applied", dtype="float32")

_GROUP_KEYS = {"lr", "weight_decay"}
_OPTIMIZER_KEYS = {"api", "learning_rate", "momentum", "weight_decay"}


def _optimizer_problem(options: dict[str, Any]) -> str:
    """What is wrong with ``hints.mindspore.optimizer`` ("" when nothing is)."""
    if unknown := sorted(set(options) - _OPTIMIZER_KEYS):
        return f"unknown key {unknown[0]!r}; keys: {sorted(_OPTIMIZER_KEYS)}"
    numbers = (f"{k} {p}" for k, v in options.items() if k != "api" and (p := kind_problem(v, "a finite number")))
    return f"api {p}" if (p := one_of(OPTIMIZERS)(options.get("api", "SGD"))) else next(numbers, "")


def _groups_problem(groups: list[dict[str, Any]]) -> str:
    """What is wrong with ``hints.mindspore.groups`` ("" when nothing is)."""
    for index, group in enumerate(groups):
        if "lr" not in group or set(group) - _GROUP_KEYS:
            return f"[{index}] must be a table with 'lr' and optional 'weight_decay', got {short_repr(group)}"
        if problem := kind_problem(group.get("weight_decay", 0.0), "a finite number"):
            return f"[{index}].weight_decay {problem}"
        if group["lr"] != "case":
            try:
                reference.build(group["lr"], where=f"[{index}].lr")  # a schedule table: a clear error if it is not one
            except ValueError as exc:
                return f'{exc} (or lr = "case": the measured group)'
    if sum(group["lr"] == "case" for group in groups) != 1:
        return 'exactly one group must have lr = "case"'
    return ""


#: What ``hints.mindspore`` may hold (both adapters read it).
OPTIMIZER_HINTS = {
    "optimizer": HintKey(
        "a table",
        f"the optimizer: api ({' or '.join(OPTIMIZERS)}), momentum, weight_decay, learning_rate (with groups only)",
        _optimizer_problem,
    ),
    "groups": HintKey(
        "a list of tables",
        'parameter groups: {lr = "case"} (the measured one) or {lr = <schedule table>}, optional weight_decay',
        _groups_problem,
    ),
}

Group = tuple[Call | None, dict[str, float]]  # (rate, options); None: the case's


class MindSporeAdapter(ProgramAdapter):
    """``mindspore.nn.learning_rate_schedule`` Cells, applied by ``nn.SGD`` (or the hinted optimizer)."""

    name = "mindspore"
    distribution = "mindspore"
    module = "mindspore"
    namespace = "mindspore.nn.learning_rate_schedule"
    kernels = None  # nnacl's kernels are one AVX2+FMA path with no switch (AVX-512 changes nothing)
    what = "Cell"
    hint_section = "mindspore"
    hint_keys: ClassVar[HintKeys] = {"mindspore": OPTIMIZER_HINTS}
    parts_key = "concatenated"
    bindings = BINDINGS
    rewrites: ClassVar[Mapping[str, Rewrite]] = REWRITES
    unmapped: ClassVar[Mapping[str, str]] = unmapped(
        "Cell",
        BINDINGS,
        **dict.fromkeys(["piecewise_constant", "multi_step"], f"no {CELL} computes piecewise constant rates ({ONLY})"),
        sequential=f"no {CELL} computes a sequence of schedules ({ONLY})",
        per_epoch=f"a {CELL} takes the global step: it has no epochs",
    )
    cells = True
    #: Probes of a schedule (not a fixed rate) before ``applied``: Cells compute in float32.
    schedule_probes = (Probe("schedule", per="update", dtype="float32"), Probe("graph", per="update", dtype="float32"))
    schedule_source = _CELL_PROBES
    schedule_setup: ClassVar[Mapping[str, str]] = {
        "schedule": "one call on Tensor(np.arange(count), int32); probe 'graph': the same in GRAPH mode"
    }

    def context(self, case: Case) -> MsCtx:
        """The rate is computed for every step of the case (a list: ``hints."mindspore-dynamic".length`` steps)."""
        hint, length = self.hint(case), case.hint(self.name).get("length", int(case.steps[-1]) + 1)
        optimizer = hint.get("optimizer", {}).get("api", "SGD")
        return MsCtx(length - 1, hint, self, cells=self.cells, total_step=length, optimizer=optimizer)

    def qualified(self, call: Call) -> str:
        if call.api in OPTIMIZERS:
            return f"mindspore.nn.{call.api}"
        if call.parts:
            return " + ".join(self.qualified(part) for part in call.parts)
        return REPEAT if call.api == REPEAT else f"{self.namespace}.{call.api}"

    def render(self, call: Call, indent: str = "") -> str:
        if call.api in OPTIMIZERS:
            return py(call.kwargs["learning_rate"])
        if call.parts:
            return " + ".join(self.render(part) for part in call.parts)
        if call.api == REPEAT:
            return f"[{call.kwargs['value']!r}] * {call.kwargs['count']}"
        return f"nn.{self.namespace.rsplit('.', 1)[1]}.{call.api}({call.arguments()})"

    def optimizer(self, api: str, kwargs: Mapping[str, float], groups: list[Group]) -> str:
        """The optimizer's source: on all parameters, or on parameter groups with their own rates."""
        if len(groups) == 1 and not groups[0][1]:
            return f"nn.{api}(params, {Call(api, {'learning_rate': Code('lr'), **kwargs}).arguments()})"
        rows = []
        for index, (rate, options) in enumerate(groups):
            entries = [f'"params": [params[{index}]]', f'"lr": {"lr" if rate is None else self.render(rate)}']
            entries += [f'"{k}": {py(v)}' for k, v in options.items()]
            rows.append("        {" + ", ".join(entries) + "},\n")
        rows.append('        {"order_params": params},\n')
        return f"nn.{api}(\n    [\n{''.join(rows)}    ],\n    {Call(api, kwargs).arguments()},\n)"

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        options = dict(ctx.hint.get("optimizer", {}))
        if "learning_rate" in options and "groups" not in ctx.hint:
            raise HintError("hints.mindspore.optimizer", "learning_rate is the groups' default rate: only with groups")
        api, kwargs = options.pop("api", "SGD"), {k: float(v) for k, v in options.items()}
        groups: list[Group] = [
            (None if group["lr"] == "case" else ctx.nested(reference.complete(group["lr"])).call,
             {k: float(v) for k, v in group.items() if k != "lr"})
            for group in ctx.hint.get("groups", [{"lr": "case"}])
        ]  # fmt: skip
        fixed = mapped.call.api in OPTIMIZERS
        if not self.cells and fixed and all(rate is None or rate.api in OPTIMIZERS for rate, _ in groups):
            raise NotExpressible("no dynamic_lr list: fixed rates are floats (the mindspore column applies them)")
        measured = next(index for index, (rate, _) in enumerate(groups) if rate is None)
        read = f"-float(params[{measured}].asnumpy()[0])"
        if api == "Momentum":
            read += f" / float(optimizer.moments[{measured}].asnumpy()[0])"
        rate, count = self.render(mapped.call), int(case.steps[-1]) + 1
        prologue = RESUME_PROLOGUE.format(points=list(case.resume)) if case.resume else ""
        source, probes = _HEADER.format(prologue=prologue, rate=rate), (APPLIED,)
        if not fixed:
            source += self.schedule_source.format(count=count, sample=sorted({0, count // 2, count - 1}))
            probes = (*self.schedule_probes, APPLIED)
        objects = _OBJECTS.format(groups=len(groups), optimizer=self.optimizer(api, kwargs, groups))
        source += _APPLIED.format(objects=objects, steps=steps_source(case.steps), save=_SAVE if case.resume else "",
                                  update=_UPDATE.format(rates="applied", read=read))  # fmt: skip
        if case.resume:
            update = textwrap.indent(_UPDATE.format(rates="rates", read=read), "    ")
            restore = _RESTORE.format(rate=rate, objects=textwrap.indent(objects, "    "), update=update)
            source += resume_epilogue(case, RESUME_WAYS, restore, prefix="applied")
            probes = (*probes, *(replace(p, dtype="float32") for p in resume_probes(case, RESUME_WAYS)))
        setup = {
            "optimizer": f"mindspore.nn.{api}",
            "optimizer_kwargs": kwargs,
            "groups": [{"lr": self.rate_record(rate), **group_options} for rate, group_options in groups],
            "measured_group": measured,
            "parameter": "one float32 parameter of shape [1] per group, gradient 1, zeroed before each update",
            "read": f"{OPTIMIZERS[api]}; mode PYNATIVE (the optimizer's construct is jit-compiled); "
            "one update per compared step, global_step set where sparse steps jump",
            **({} if fixed else self.schedule_setup),
            **({"resume": RESUME_SETUP} if case.resume else {}),
        }
        return source, setup, probes, mapped.note

    def rate_record(self, call: Call | None) -> Any:
        """A group's rate as records show it: the case's, the float, or the call."""
        if call is None or call.api in OPTIMIZERS:
            return "the case's rate" if call is None else call.kwargs["learning_rate"]
        return {"api": self.qualified(call), "kwargs": self.record(call)}


class MindSporeDynamicAdapter(MindSporeAdapter):
    """``mindspore.nn.dynamic_lr`` lists (Python floats), applied by ``nn.SGD`` (float32)."""

    name = "mindspore-dynamic"
    namespace = "mindspore.nn.dynamic_lr"
    what = "dynamic_lr list"
    hint_keys: ClassVar[HintKeys] = {
        "mindspore": OPTIMIZER_HINTS,
        "mindspore-dynamic": {
            "length": HintKey(
                "an integer",
                "the list's length (default: every compared step), to train past its end",
                lambda v: "" if 1 <= v <= MAX_STEP else f"must be >= 1 and at most MAX_STEP = {MAX_STEP:,}, got {v}",
            )
        },
    }
    bindings = LIST_BINDINGS
    unmapped: ClassVar[Mapping[str, str]] = unmapped("dynamic_lr list", LIST_BINDINGS)
    cells = False
    schedule_probes = (Probe("schedule", per="update", dtype="float64"),)  # Python floats; the optimizer's are float32
    schedule_source = "schedule = list(lr)\n"
    schedule_setup: ClassVar[Mapping[str, str]] = {}
