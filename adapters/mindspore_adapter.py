"""MindSpore: ``nn.learning_rate_schedule`` Cells, ``nn.dynamic_lr`` lists, and the optimizers applying them.

Two adapters (two columns: a case can run through both APIs), one mapping. Their names carry no
dot, which separates the probe in test ids (``<case>-<adapter>[.<probe>]``); ``only =
["mindspore"]`` selects both:

- ``mindspore`` builds a ``LearningRateSchedule`` Cell (``ExponentialDecayLR``, ...,
  ``WarmUpLR``). The Cells are elementwise, so probe ``schedule`` is one PYNATIVE call on a
  vector Tensor of steps 0..last (the program checks that scalar calls at the first, middle and
  last step give the same numbers, and raises if not); probe ``graph`` is the same call in
  GRAPH mode. Cells compute in float32.
- ``mindspore-dynamic`` builds a ``dynamic_lr`` list (``piecewise_constant_lr``, ...,
  ``warmup_lr``; sequential schedules are lists concatenated, as MindSpore users do). Probe
  ``schedule`` is the list itself (Python floats). Its ``step_per_epoch`` comes from a
  ``per_epoch`` case: every list function is constant within an epoch.

Both have probe ``applied``: the rate an optimizer really uses. By default ``nn.SGD`` without
momentum on one float32 parameter whose gradient is 1, zeroed before every update, so the
update is exactly ``-lr``. ``hints.mindspore`` may ask for parameter groups and another
optimizer (seed 004's ``nn.Momentum`` example)::

    hints.mindspore.optimizer = { api = "Momentum", learning_rate = 0.1, momentum = 0.9 }
    hints.mindspore.groups = [ { lr = "case", weight_decay = 0.01 }, { lr = { formula = ... } } ]

``lr = "case"`` marks the group whose rate is measured; the other groups' rates are schedule
tables mapped the same way (a ``constant`` is a fixed float rate; a case whose own rate is fixed
has only probe ``applied``). The optimizer's ``learning_rate`` is its default for groups, so it
is only allowed with ``groups``. With ``nn.Momentum`` the
update is ``lr * moment`` (``moment = momentum * moment + gradient``), so the rate is the
update divided by the optimizer's own moment. ``hints."mindspore-dynamic".length`` sets the
list length (default: every step of the case), to run past the end of the list.

Step convention: ``Optimizer.get_lr()`` reads ``lr(global_step)`` / ``lr[global_step]`` with
``global_step`` starting at 0 and incremented after the read, so update ``t`` uses the
reference at step ``t``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import reference
from model.adapter import Code, NotExpressible, Plan, Trajectory, py
from model.case import MAX_STEP, Case
from model.errors import kind_problem, short_repr
from model.hints import HintError, HintKey, HintKeys, one_of

from ._base import as_int, at_steps, run_program, select, steps_source

__all__ = ["MindSporeAdapter", "MindSporeDynamicAdapter"]

CELLS = "mindspore.nn.learning_rate_schedule"
LISTS = "mindspore.nn.dynamic_lr"

#: Cell -> dynamic_lr function computing the same family, and the Cell's step-count
#: arguments renamed for the list function (which counts epochs).
LIST_OF = {
    "ExponentialDecayLR": "exponential_decay_lr",
    "NaturalExpDecayLR": "natural_exp_decay_lr",
    "InverseDecayLR": "inverse_decay_lr",
    "CosineDecayLR": "cosine_decay_lr",
    "PolynomialDecayLR": "polynomial_decay_lr",
    "WarmUpLR": "warmup_lr",
}
EPOCH_NAMES = {"decay_steps": "decay_epoch", "warmup_steps": "warmup_epoch", "update_decay_steps": "update_decay_epoch"}


@dataclass(frozen=True)
class Call:
    """One MindSpore call, ``<module>.<api>(**kwargs)``, or a literal list ``[value] * count``."""

    module: str
    api: str
    kwargs: Mapping[str, Any]

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.api}" if self.module else "[value] * count"

    def source(self) -> str:
        if not self.module:
            return f"[{self.kwargs['value']!r}] * {self.kwargs['count']}"
        args = ", ".join(f"{k}={py(v)}" for k, v in self.kwargs.items())
        return f"nn.{self.module.rsplit('.', 1)[1]}.{self.api}({args})"

    def record(self) -> dict[str, Any]:
        return {"api": self.qualified, "kwargs": dict(self.kwargs)}


@dataclass(frozen=True)
class Rate:
    """A learning rate as MindSpore takes it: a fixed float, or Cell/list calls (lists concatenate)."""

    calls: tuple[Call, ...] = ()
    fixed: float | None = None
    note: str = ""

    def source(self) -> str:
        return repr(self.fixed) if self.fixed is not None else " + ".join(c.source() for c in self.calls)

    @property
    def api(self) -> str:
        return "float" if self.fixed is not None else " + ".join(c.qualified for c in self.calls)

    def kwargs(self) -> dict[str, Any]:
        """The arguments exactly as passed (a concatenation lists each call)."""
        if self.fixed is not None:
            return {"learning_rate": self.fixed}
        if len(self.calls) == 1:
            return dict(self.calls[0].kwargs)
        return {"concatenated": [c.record() for c in self.calls]}

    def record(self) -> Any:
        return self.fixed if self.fixed is not None else {"api": self.api, "kwargs": self.kwargs()}


@dataclass(frozen=True)
class Form:
    """What the rate must be: a Cell, or a list of ``total_step`` entries with ``step_per_epoch``."""

    cells: bool
    last: int  # last step (Cells) or epoch (lists) the rate is needed at
    total_step: int = 0
    step_per_epoch: int = 1

    def name(self, cell: str) -> str:
        """The API this form uses for a Cell's family."""
        return cell if self.cells else LIST_OF[cell]

    def schedule(self, cell: str, **kwargs: Any) -> Rate:
        """``cell(**kwargs)``, or the dynamic_lr function of the same family with epoch arguments."""
        if self.cells:
            return Rate((Call(CELLS, cell, kwargs),))
        listed: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in ("decay_steps", "warmup_steps"):
                listed.update(total_step=self.total_step, step_per_epoch=self.step_per_epoch)
            listed[EPOCH_NAMES.get(key, key)] = value
        return Rate((Call(LISTS, LIST_OF[cell], listed),))

    def per_step_list(self, what: str) -> None:
        """Only lists without epochs can express ``what``."""
        if self.cells:
            raise NotExpressible(f"no LearningRateSchedule Cell computes {what} (only a dynamic_lr list)")
        if self.step_per_epoch != 1:
            raise NotExpressible(f"{what} has no step_per_epoch argument")


# --- one function per formula; each raises NotExpressible with the reason it cannot --------


def _lr(value: float, api: str, name: str = "learning_rate") -> float:
    """A rate MindSpore documents as a float > 0 (ExponentialDecayLR, PolynomialDecayLR, ...)."""
    if value <= 0:
        raise NotExpressible(f"{api} needs {name} > 0 (documented), the case has {value!r}")
    return float(value)


def _absent(p: Mapping[str, Any], what: str, **defaults: Any) -> None:
    for key, default in defaults.items():
        if p.get(key, default) != default:
            raise NotExpressible(f"{what} has no {key} (the case has {key}={p[key]!r})")


def constant(p: Mapping[str, Any], form: Form) -> Rate:
    return Rate(fixed=float(p["value"]))


def _decay(cell: str, p: Mapping[str, Any], form: Form, decay_rate: float) -> Rate:
    """The families taking (learning_rate, decay_rate, decay_steps, is_stair)."""
    api = form.name(cell)
    return form.schedule(
        cell,
        learning_rate=_lr(p["init_lr"], api),
        decay_rate=_lr(decay_rate, api, "decay_rate"),
        decay_steps=as_int(p["decay_steps"], api, "decay_steps"),
        is_stair=bool(p.get("staircase", False)),
    )


def exponential(p: Mapping[str, Any], form: Form) -> Rate:
    _absent(p, form.name("ExponentialDecayLR"), transition_begin=0, end_lr=None)
    return _decay("ExponentialDecayLR", p, form, p["decay_rate"])


def step_decay(p: Mapping[str, Any], form: Form) -> Rate:
    if p.get("offset", 0):
        raise NotExpressible(f"{form.name('ExponentialDecayLR')} counts its staircase from step 0 (offset)")
    return exponential({"init_lr": p["init_lr"], "decay_rate": p["gamma"], "decay_steps": p["step_size"],
                        "staircase": True}, form)  # fmt: skip


def factor_decay(p: Mapping[str, Any], form: Form) -> Rate:
    start = p["init_lr"] * p["factor"] ** p.get("offset", 0)
    if min(start, start * p["factor"] ** form.last) < p.get("min_lr", 0.0):
        raise NotExpressible("MindSpore's exponential decay has no floor, and the case reaches min_lr")
    return exponential({"init_lr": start, "decay_rate": p["factor"], "decay_steps": 1}, form)


def natural_exp(p: Mapping[str, Any], form: Form) -> Rate:
    """Each API mapped by its own documentation, which differ.

    NaturalExpDecayLR documents ``lr * e^(-decay_rate * current_step / decay_steps)``;
    natural_exp_decay_lr documents ``lr * e^(-decay_rate * current_epoch)``: no decay_epoch,
    which only sets the stair width (its code: ``floor(epoch / decay_epoch) * decay_epoch``).
    """
    rate = p["decay_rate"] if form.cells else p["decay_rate"] / p["decay_steps"]
    mapped = _decay("NaturalExpDecayLR", p, form, rate)
    if form.cells:
        return replace(mapped, note="mapped by the documented formula: p = current_step / decay_steps")
    return replace(mapped, note="decay_rate = r / decay_epoch: documented as e^(-decay_rate * current_epoch)")


def inverse_time(p: Mapping[str, Any], form: Form) -> Rate:
    return _decay("InverseDecayLR", p, form, p["decay_rate"])


def cosine(p: Mapping[str, Any], form: Form) -> Rate:
    api = form.name("CosineDecayLR")
    _absent(p, api, exponent=1.0)
    d = as_int(p["decay_steps"], api, "decay_steps")
    if p.get("past_end", "clamp") == "periodic" and form.last > d:
        raise NotExpressible(f"{api} holds min_lr after the decay; the case's cosine climbs again")
    init, final = p["init_lr"], p.get("final_lr", 0.0)
    if not final < init:
        raise NotExpressible(f"{api} needs min_lr < max_lr (documented), the case has {final!r} -> {init!r}")
    return form.schedule("CosineDecayLR", min_lr=float(final), max_lr=float(init), decay_steps=d)


def polynomial(p: Mapping[str, Any], form: Form) -> Rate:
    api = form.name("PolynomialDecayLR")
    _absent(p, api, transition_begin=0)
    return form.schedule(
        "PolynomialDecayLR",
        learning_rate=_lr(p["init_lr"], api),
        end_learning_rate=float(p.get("end_lr", 0.0)),
        decay_steps=as_int(p["decay_steps"], api, "decay_steps"),
        power=float(p.get("power", 1.0)),
        update_decay_steps=bool(p.get("cycle", False)),
    )


def linear(p: Mapping[str, Any], form: Form) -> Rate:
    return polynomial({"init_lr": p["init_lr"], "end_lr": p["end_lr"], "decay_steps": p["transition_steps"],
                       "transition_begin": p.get("transition_begin", 0)}, form)  # fmt: skip


def linear_warmup(p: Mapping[str, Any], form: Form) -> Rate:
    """WarmUpLR / warmup_lr start at 0; a warm-up from a non-zero rate is an increasing polynomial."""
    warmup = as_int(p["warmup_steps"], form.name("WarmUpLR"), "warmup_steps")
    if p.get("init_lr", 0.0) == 0:
        return form.schedule("WarmUpLR", learning_rate=float(p["peak_lr"]), warmup_steps=warmup)
    mapped = linear({"init_lr": p["init_lr"], "end_lr": p["peak_lr"], "transition_steps": warmup}, form)
    return replace(mapped, note=f"{form.name('WarmUpLR')} starts at 0: an increasing polynomial of power 1")


def piecewise_constant(p: Mapping[str, Any], form: Form) -> Rate:
    """piecewise_constant_lr uses ``learning_rates[k]`` for list indices in ``[M_{k-1}, M_k)``."""
    form.per_step_list("piecewise constant rates")
    shift = 1 if p.get("at_boundary", "next") == "previous" else 0
    marks = [as_int(b, "piecewise_constant_lr", "milestone") + shift for b in p["boundaries"]]
    milestone = [min(m, form.total_step) for m in marks] + [form.total_step]
    if milestone[0] <= 0:
        raise NotExpressible(f"piecewise_constant_lr needs milestones > 0, the case has boundaries {p['boundaries']}")
    rates = [float(v) for v in p["values"]]
    return Rate((Call(LISTS, "piecewise_constant_lr", {"milestone": milestone, "learning_rates": rates}),))


def multi_step(p: Mapping[str, Any], form: Form) -> Rate:
    values = [p["init_lr"] * p["gamma"] ** k for k in range(len(p["milestones"]) + 1)]
    mapped = piecewise_constant({"boundaries": p["milestones"], "values": values}, form)
    return replace(mapped, note="learning_rates = init_lr * gamma**k, computed here: MindSpore has no multi-step decay")


def sequential(p: Mapping[str, Any], form: Form) -> Rate:
    """Lists concatenated: each part restarts at its own step 0, as ``join`` does."""
    form.per_step_list("a sequence of schedules")
    starts = [0] + [as_int(b, "list concatenation", "boundary") for b in p["boundaries"]]
    ends = [*starts[1:], form.total_step]
    calls: list[Call] = []
    for part, start, end in zip(p["schedules"], starts, ends, strict=True):
        length = min(end, form.total_step) - start
        if length <= 0:
            continue
        part_form = Form(False, length - 1, length)
        calls.extend((constant_part(part, part_form) if part["formula"] == "constant" else _map(part, part_form)).calls)
    return Rate(tuple(calls), note="no dynamic_lr function joins schedules: their lists are concatenated")


def constant_part(p: Mapping[str, Any], form: Form) -> Rate:
    """A constant inside a concatenation is a repeated Python float."""
    return Rate((Call("", "repeat", {"value": float(p["value"]), "count": form.total_step}),))


def warmup_cosine(p: Mapping[str, Any], form: Form) -> Rate:
    cos = {"formula": "cosine", "init_lr": p["peak_lr"], "decay_steps": p["decay_steps"],
           "final_lr": p.get("final_lr", 0.0), "exponent": p.get("exponent", 1.0)}  # fmt: skip
    warm = {"formula": "linear_warmup", "peak_lr": p["peak_lr"], "warmup_steps": p["warmup_steps"],
            "init_lr": p.get("init_lr", 0.0)}  # fmt: skip
    return sequential({"schedules": [warm, cos], "boundaries": [p["warmup_steps"]]}, form)


Mapper = Callable[[Mapping[str, Any], Form], Rate]
MAPPINGS: dict[str, Mapper] = {
    "constant": constant,
    "exponential": exponential,
    "step_decay": step_decay,
    "factor_decay": factor_decay,
    "natural_exp": natural_exp,
    "inverse_time": inverse_time,
    "cosine": cosine,
    "polynomial": polynomial,
    "linear": linear,
    "linear_warmup": linear_warmup,
    "piecewise_constant": piecewise_constant,
    "multi_step": multi_step,
    "sequential": sequential,
    "warmup_cosine": warmup_cosine,
}


def _map(spec: Mapping[str, Any], form: Form) -> Rate:
    formula = spec["formula"]
    params = {k: v for k, v in spec.items() if k != "formula"}
    if formula not in MAPPINGS:
        raise NotExpressible(f"MindSpore has no {'Cell' if form.cells else 'dynamic_lr list'} for {formula!r}")
    return MAPPINGS[formula](params, form)


# --- the program: rates, probes, optimizer ----------------------------------------------

_HEADER = """\
import numpy as np
import mindspore as ms
from mindspore import Parameter, Tensor, nn, ops

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

_LIST_PROBES = """\
schedule = list(lr)
"""

_APPLIED = """\
params = [Parameter(Tensor(np.zeros(1), ms.float32), name=f"param{{i}}") for i in range({groups})]
optimizer = {optimizer}
gradients = tuple(Tensor(np.ones(1), ms.float32) for _ in params)
zero = Tensor(np.zeros(1), ms.float32)
applied = []
expected = 0  # the optimizer's global_step after the updates so far
for step in {steps}:  # the compared steps
    if step != expected:  # a gap in sparse steps: start the update with index `step` there
        ops.assign(optimizer.global_step, Tensor([step], ms.int32))
    for param in params:
        ops.assign(param, zero)  # with Parameter.set_data the compiled optimizer's updates stop showing
    optimizer(gradients)
    applied.append({read})
    expected = step + 1
"""

_GROUP_KEYS = {"lr", "weight_decay"}
_OPTIMIZER_KEYS = {"api", "learning_rate", "momentum", "weight_decay"}
_OPTIMIZERS = {"SGD": "the update is -lr", "Momentum": "the update is -lr * moment: divided by optimizer.moments"}


@dataclass(frozen=True)
class Optimizer:
    """The optimizer that applies the rate: its API, keyword arguments and parameter groups."""

    api: str
    kwargs: Mapping[str, Any]
    groups: tuple[tuple[Rate | None, Mapping[str, Any]], ...]  # (rate, options); None: the case's

    @property
    def measured(self) -> int:
        return next(i for i, (rate, _) in enumerate(self.groups) if rate is None)

    def source(self) -> str:
        kwargs = dict(self.kwargs)
        if len(self.groups) == 1 and not self.groups[0][1]:
            args = ", ".join(f"{k}={py(v)}" for k, v in {"learning_rate": Code("lr"), **kwargs}.items())
            return f"nn.{self.api}(params, {args})"
        rows = []
        for index, (rate, options) in enumerate(self.groups):
            entries = [f'"params": [params[{index}]]', f'"lr": {"lr" if rate is None else rate.source()}']
            entries += [f'"{k}": {py(v)}' for k, v in options.items()]
            rows.append("        {" + ", ".join(entries) + "},\n")
        rows.append('        {"order_params": params},\n')
        tail = ", ".join(f"{k}={py(v)}" for k, v in kwargs.items())
        return f"nn.{self.api}(\n    [\n{''.join(rows)}    ],\n    {tail},\n)"

    def read(self) -> str:
        update = f"-float(params[{self.measured}].asnumpy()[0])"
        if self.api == "Momentum":
            return f"{update} / float(optimizer.moments[{self.measured}].asnumpy()[0])"
        return update

    def record(self) -> dict[str, Any]:
        groups = [{"lr": "the case's rate" if r is None else r.record(), **options} for r, options in self.groups]
        return {"optimizer": f"mindspore.nn.{self.api}", "optimizer_kwargs": dict(self.kwargs), "groups": groups,
                "measured_group": self.measured}  # fmt: skip


def _optimizer_problem(options: dict[str, Any]) -> str:
    """What is wrong with ``hints.mindspore.optimizer`` ("" when nothing is)."""
    unknown = sorted(set(options) - _OPTIMIZER_KEYS)
    if unknown:
        return f"unknown key {unknown[0]!r}; keys: {sorted(_OPTIMIZER_KEYS)}"
    if problem := one_of(_OPTIMIZERS)(options.get("api", "SGD")):
        return f"api {problem}"
    return next(
        (f"{k} {p}" for k, v in options.items() if k != "api" and (p := kind_problem(v, "a finite number"))), ""
    )


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
        f"the optimizer: api ({' or '.join(_OPTIMIZERS)}), momentum, weight_decay, learning_rate (with groups only)",
        _optimizer_problem,
    ),
    "groups": HintKey(
        "a list of tables",
        'parameter groups: {lr = "case"} (the measured one) or {lr = <schedule table>}, optional weight_decay',
        _groups_problem,
    ),
}


def _optimizer(case: Case, form: Form) -> Optimizer:
    """The optimizer asked for by ``hints.mindspore`` (default: plain SGD, one parameter)."""
    hint = case.hint("mindspore")
    options = dict(hint.get("optimizer", {}))
    if "learning_rate" in options and "groups" not in hint:
        raise HintError("hints.mindspore.optimizer", "learning_rate is the groups' default rate: only with groups")
    api = options.pop("api", "SGD")
    groups: list[tuple[Rate | None, Mapping[str, Any]]] = []
    for group in hint.get("groups", [{"lr": "case"}]):
        rest = {k: float(v) for k, v in group.items() if k != "lr"}
        groups.append((None, rest) if group["lr"] == "case" else (_map(group["lr"], form), rest))
    return Optimizer(api, {k: float(v) for k, v in options.items()}, tuple(groups))


def _form(case: Case, cells: bool, length: int) -> tuple[Form, Mapping[str, Any]]:
    """The form the case's rate takes, and the schedule spec to map (unwrapping ``per_epoch``)."""
    spec: Mapping[str, Any] = {"formula": case.formula, **case.params}
    if spec["formula"] != "per_epoch":
        return Form(cells, length - 1, length), spec
    if cells:
        raise NotExpressible("a LearningRateSchedule Cell takes the global step: it has no epochs")
    spe = as_int(spec["steps_per_epoch"], "dynamic_lr", "step_per_epoch")
    return Form(False, (length - 1) // spe, length, spe), spec["schedule"]


def _plan(case: Case, cells: bool, length: int) -> Plan:
    form, spec = _form(case, cells, length)
    rate = _map(spec, form)
    optimizer = _optimizer(case, Form(cells, length - 1, length))  # other groups' rates are per step
    rates = [rate, *(other for other, _ in optimizer.groups if other is not None)]
    if not cells and all(r.fixed is not None for r in rates):
        raise NotExpressible("no dynamic_lr list: fixed rates are floats (the mindspore column applies them)")
    count = int(case.steps[-1]) + 1
    program = _HEADER.format(rate=rate.source())
    probes: tuple[str, ...] = ("applied",)
    if rate.fixed is None:
        sample = sorted({0, count // 2, count - 1})
        program += _CELL_PROBES.format(count=count, sample=sample) if cells else _LIST_PROBES
        probes = ("schedule", "graph", "applied") if cells else ("schedule", "applied")
    program += _APPLIED.format(groups=len(optimizer.groups), optimizer=optimizer.source(),
                               steps=steps_source(case.steps), read=optimizer.read())  # fmt: skip
    setup = {
        **optimizer.record(),
        "parameter": "one float32 parameter of shape [1] per group, gradient 1, zeroed before each update",
        "read": f"{_OPTIMIZERS[optimizer.api]}; mode PYNATIVE (the optimizer's construct is jit-compiled); "
        "one update per compared step, global_step set where sparse steps jump",
    }
    if cells and rate.fixed is None:
        setup["schedule"] = "one call on Tensor(np.arange(count), int32); probe 'graph': the same in GRAPH mode"
    return Plan(
        api=rate.api if rate.fixed is None else f"mindspore.nn.{optimizer.api}",
        kwargs=rate.kwargs(),
        setup=setup,
        repro=program,
        probes=probes,
        note=rate.note,
    )


class MindSporeAdapter:
    """``mindspore.nn.learning_rate_schedule`` Cells, applied by ``nn.SGD`` (or the hinted optimizer)."""

    name = "mindspore"
    distribution = "mindspore"
    module = "mindspore"
    kernels = None  # nnacl's kernels are one AVX2+FMA path with no switch (AVX-512 changes nothing)
    hint_keys: ClassVar[HintKeys] = {"mindspore": OPTIMIZER_HINTS}
    cells = True
    schedule_dtype = "float32"  # Cells compute in float32; optimizers keep float32 rates and parameters

    def plan(self, case: Case) -> Plan:
        return _plan(case, self.cells, self._length(case))

    def _length(self, case: Case) -> int:
        return int(case.steps[-1]) + 1

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        lists, error, warned = run_program(plan.repro, f"<{self.name} repro {case.id}>", plan.probes)
        dtypes = {"schedule": self.schedule_dtype, "graph": "float32", "applied": "float32"}
        return {
            p: Trajectory(at_steps(values, case.steps) if p == "applied" else select(values, case.steps), dtypes[p],
                          error, warned)
            for p, values in lists.items()
        }  # fmt: skip


class MindSporeDynamicAdapter(MindSporeAdapter):
    """``mindspore.nn.dynamic_lr`` lists (Python floats), applied by ``nn.SGD`` (float32)."""

    name = "mindspore-dynamic"
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
    cells = False
    schedule_dtype = "float64"  # the lists hold Python floats; the optimizer casts them to float32

    def _length(self, case: Case) -> int:
        return case.hint(self.name).get("length", int(case.steps[-1]) + 1)
