"""MLX: the schedules of ``mlx.optimizers`` (README, "mlx": the APIs, the probes, the step convention, the findings).

MLX's schedules are, like optax's, pure functions of the step that an optimizer calls with its own count:
``step_decay``, ``exponential_decay``, ``cosine_decay`` (with ``end``), ``linear_schedule`` and
``join_schedules``. Every case becomes one standalone program that builds the schedule with ``make_schedule()`` and
records four probes, each compared in the dtype it came out in (MLX computes in float32: Python floats become
float32 arrays):

* ``schedule``: the whole step array in one call, ``schedule(mx.array(steps))``; ``python``: one call per Python
  ``int``, as MLX's own tests call a schedule (``exponential_decay`` and ``step_decay`` then never touch MLX and
  return Python floats; left out beyond :data:`PYTHON_PROBE_MAX_STEPS` steps, like optax's).
* ``learning_rate``: ``optimizer.learning_rate`` of ``mlx.optimizers.SGD(learning_rate=schedule)`` after update
  ``t``, the value SGD read for it: ``Optimizer.apply_gradients`` sets ``state["learning_rate"] =
  schedule(state["step"])`` and then increments the ``uint64`` step, which starts at 0, so update ``t`` uses
  ``schedule(t)``.
* ``applied``: how far update ``t`` moved a float32 parameter held at 0 whose gradient is 1 (exactly its rate).

Resume: after ``k`` updates the program saves the optimizer's state as MLX users do,
``mx.save_safetensors(path, dict(tree_flatten(optimizer.state)))``; a new interpreter builds a new ``SGD`` on the
same schedule and sets ``optimizer.state = tree_unflatten(list(mx.load(path).items()))`` (``restored``), or also
calls ``optimizer.init(params)`` on the restored state, which keeps the keys it finds (``reinit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from model.adapter import NotExpressible, Probe
from model.case import Case
from model.hints import HintKeys
from reference import identities

from ._base import (
    RESUME_PROLOGUE,
    Binding,
    Call,
    Ctx,
    Mapped,
    ProgramAdapter,
    Renamed,
    api_hint,
    as_int,
    resume_epilogue,
    resume_probes,
    steps_source,
)
from .optax_adapter import PYTHON_PROBE_MAX_STEPS, RESUME_PREFIX, join_schedules

__all__ = ["MlxAdapter"]

#: Each compared in the dtype it came out in; ``learning_rate`` and ``applied`` are recorded per update 0..last.
PROBES = (
    *(Probe(name, dtype="float32", measured=True) for name in ("schedule", "python")),
    *(Probe(name, per="update", dtype="float32", measured=True) for name in ("learning_rate", "applied")),
)


def _integer(api: str, name: str, parameter: str) -> Any:
    """A keyword whose value the API documents as an ``int``, from the reference ``parameter``."""
    return lambda p: as_int(p[parameter], api, name)


# --- one binding per mlx.optimizers schedule; each raises NotExpressible with the reason it cannot ------------

step_decay = Renamed(
    "step_decay",
    {"init": "init_lr", "decay_rate": "gamma", "step_size": _integer("step_decay", "step_size", "step_size")},
    refuse=((lambda p, ctx: p["offset"], "step_decay counts from step 0: it has no offset"),),
)


def exponential_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """``init * decay_rate**step``: one decay per step; ``decay_steps`` other than 1 becomes the per-step rate."""
    if p["staircase"]:
        raise NotExpressible("exponential_decay decays every step: a staircase is step_decay")
    _unbounded("exponential_decay", p)
    d, r = p["decay_steps"], p["decay_rate"]
    kwargs = {"init": p["init_lr"], "decay_rate": r if d == 1 else r ** (1 / d)}
    note = "" if d == 1 else f"decay_rate**(1/decay_steps) = {r!r}**(1/{d!r}), rounded: MLX decays once per step"
    return Mapped(Call("exponential_decay", kwargs), note)


def staircase_step_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """A staircase ``exponential`` is ``step_decay`` with ``step_size = decay_steps``."""
    if not p["staircase"]:
        raise NotExpressible("step_decay decays in whole multiples of step_size: only a staircase")
    _unbounded("step_decay", p)
    spec = {"init_lr": p["init_lr"], "gamma": p["decay_rate"], "step_size": p["decay_steps"], "offset": 0}
    return step_decay(spec, ctx)


def _unbounded(api: str, p: Mapping[str, Any]) -> None:
    """MLX's decays start at step 0 and have no floor: NotExpressible for a delayed or bounded ``exponential``."""
    if p["transition_begin"]:
        raise NotExpressible(f"{api} starts decaying at step 0: it has no transition_begin")
    if p["end_lr"] is not None:
        raise NotExpressible(f"{api} has no floor or ceiling (end_lr)")


def cosine_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    d = as_int(p["decay_steps"], "cosine_decay", "decay_steps")
    if p["exponent"] != 1:
        raise NotExpressible("cosine_decay is a half cosine: it has no exponent")
    if p["past_end"] == "periodic" and ctx.last_step > d:
        raise NotExpressible("cosine_decay holds end after decay_steps; it never climbs back")
    end = {"end": p["final_lr"]} if p["final_lr"] else {}  # MLX's default end is 0, like the reference's final_lr
    return Mapped(Call("cosine_decay", {"init": p["init_lr"], "decay_steps": d, **end}))


def linear_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """A ``polynomial`` of power 1 from step 0 without cycling (``linear`` and ``linear_warmup`` reach it through
    their reference identities)."""
    if p["power"] != 1 or p["cycle"]:
        raise NotExpressible("linear_schedule is a linear ramp, then holds end: no power other than 1, no cycling")
    if p["transition_begin"]:
        raise NotExpressible("linear_schedule starts its ramp at step 0: it has no transition_begin")
    steps = as_int(p["decay_steps"], "linear_schedule", "steps")
    return Mapped(Call("linear_schedule", {"init": p["init_lr"], "end": p["end_lr"], "steps": steps}))


def constant_linear(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """MLX has no constant schedule (a fixed rate is a float ``learning_rate``): a ramp from the value to itself."""
    note = "MLX has no constant schedule: linear_schedule from the value to itself"
    return Mapped(Call("linear_schedule", {"init": p["value"], "end": p["value"], "steps": 1}), note)


def piecewise_constant_join(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """Constant pieces joined at the boundaries, each switching *at* its boundary as ``join_schedules`` does."""
    spec = identities.piecewise_at_boundary({"formula": "piecewise_constant", **p}, "next")
    if spec is None:
        raise NotExpressible(
            f"join_schedules switches at a boundary: boundaries {p['boundaries']} share an integer step"
        )
    parts = [{"formula": "constant", "value": v} for v in p["values"]]
    return join_schedules({"schedules": parts, "boundaries": spec["boundaries"]}, ctx)


#: formula -> mlx.optimizers schedules in order of preference (closest first). ``linear``, ``linear_warmup``,
#: ``multi_step``, ``warmup_cosine`` and ``warmup_stable_decay`` reach these through their reference identities.
# fmt: off
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "constant": (("linear_schedule", constant_linear),),
    "step_decay": (("step_decay", step_decay),),
    "exponential": (("exponential_decay", exponential_decay), ("step_decay", staircase_step_decay)),
    "polynomial": (("linear_schedule", linear_schedule),),
    "cosine": (("cosine_decay", cosine_decay),),
    "piecewise_constant": (("join_schedules", piecewise_constant_join),),
    "sequential": (("join_schedules", join_schedules),),
}
# fmt: on
#: Formulas MLX has no schedule for, and why.
UNMAPPED = {
    "inverse_time": "mlx.optimizers has no inverse-time schedule",
    "inverse_sqrt": "mlx.optimizers has no inverse-square-root schedule",
    "natural_exp": "mlx.optimizers has no natural-exponential schedule",
    "product": "mlx.optimizers has no product of schedules",
    "interpolate": "mlx.optimizers has no piecewise interpolation",
    "cyclic": "mlx.optimizers has no cyclic schedule",
    "cosine_restarts": "mlx.optimizers has no cosine with restarts",
    "reduce_on_plateau": "mlx.optimizers has no plateau schedule (it reads no losses)",
}

_PROGRAM = """\
import mlx.core as mx
import mlx.optimizers as optim
import numpy as np
{prologue}

def make_schedule():
    return {schedule}


steps = {steps}  # compared steps
schedule = np.array(make_schedule()(mx.array(steps)))  # the whole step array in one call
{python}
optimizer = optim.SGD(learning_rate=make_schedule())
grads, params = {{"w": mx.ones((), mx.float32)}}, {{"w": mx.zeros((), mx.float32)}}
moved, read = [], []
for t in range({updates}):  # update t; the parameter stays at 0, so it moves by exactly the rate update t used
    new = optimizer.apply_gradients(grads, params)
    mx.eval(new, optimizer.state)
    moved.append(-new["w"].item())  # a Python float holds the float32 exactly
    read.append(optimizer.learning_rate.item())  # state["learning_rate"]: schedule(step) before the step's increment
{save}learning_rate = np.array(read, np.float32)
applied = np.array(moved, np.float32)
"""

#: One call per Python int, as MLX's own tests call a schedule: exponential_decay and step_decay then compute in
#: Python floats (float64), the others return float32 arrays; ``np.array`` keeps whichever came out.
_PYTHON_PROBE = """\
per_step = make_schedule()
python = np.array([np.array(per_step(int(t))) for t in steps])
"""

#: A program that resumes saves the optimizer's state after k updates, as MLX users do.
_SAVE = """\
    if t + 1 in resume_at:  # a checkpoint after k = t + 1 updates
        mx.save_safetensors(os.path.join(checkpoints, f"{t + 1}.safetensors"), dict(tree_flatten(optimizer.state)))
"""

#: Both ways build a new SGD on the same schedule in the new interpreter and continue from update k to the last.
_RESTORE = """
import mlx.core as mx
import mlx.optimizers as optim
from mlx.utils import tree_unflatten


def make_schedule():
    return {schedule}


grads, params = {{"w": mx.ones((), mx.float32)}}, {{"w": mx.zeros((), mx.float32)}}


def checkpoint(k):
    '''A new SGD whose state is the one saved after k updates.'''
    optimizer = optim.SGD(learning_rate=make_schedule())
    optimizer.state = tree_unflatten(list(mx.load(os.path.join(folder, f"{{k}}.safetensors")).items()))
    return optimizer


def rates_from(k, optimizer):
    '''The rates SGD applies at the compared steps from update k on; its learning_rate must read the same (else this
    raises, naming the first step that differs).'''
    rates = []
    for t in range(k, last + 1):
        new = optimizer.apply_gradients(grads, params)
        mx.eval(new, optimizer.state)
        rate, read = -new["w"].item(), optimizer.learning_rate.item()
        if read != rate:
            raise AssertionError(f"optimizer.learning_rate reads {{read!r}} at step {{t}}, SGD applies {{rate!r}}")
        if t in compared:
            rates.append(rate)
    return rates


def restored(k):
    '''The optimizer's state as mx.load reads it: the schedule continues from the restored step.'''
    return rates_from(k, checkpoint(k))


def reinit(k):
    '''The restored state, then optimizer.init(params) called again, as MLX's docs show to see the state before the
    first update: init adds only the keys it does not find.'''
    optimizer = checkpoint(k)
    optimizer.init(params)
    return rates_from(k, optimizer)
"""
#: The ways of resuming: the state restored, and ``init`` called again on the restored state.
RESUME_WAYS = ("restored", "reinit")

SETUP = {
    "schedule": "schedule: one call on mx.array(steps) (int64); python: one call per Python int",
    "optimizer": "mlx.optimizers.SGD(learning_rate=schedule), its step a uint64 array from 0",
    "parameter": "one float32 scalar held at 0, gradient 1: optimizer.apply_gradients({'w': 1}, {'w': 0}) per update",
    "read": "applied: -(the parameter apply_gradients returns for update t); learning_rate: optimizer.learning_rate "
    "after update t",
}
RESUME_SETUP = (
    "after k updates mx.save_safetensors of dict(tree_flatten(optimizer.state)); in a new interpreter a new SGD on the "
    "same schedule, optimizer.state = tree_unflatten(list(mx.load(path).items())) (restored), then also "
    "optimizer.init(params) (reinit); the probe is the applied rate, optimizer.learning_rate must read the same"
)


class MlxAdapter(ProgramAdapter):
    """``mlx.optimizers`` schedules on MLX's CPU backend."""

    name = "mlx"
    distribution = "mlx"
    module = "mlx.optimizers"
    namespace = "mlx.optimizers"
    what = "mlx.optimizers schedule"
    bindings = BINDINGS
    unmapped = UNMAPPED
    hint_keys: ClassVar[HintKeys] = {
        "mlx": {"api": api_hint(BINDINGS, "the schedule to call where several express the formula (e.g. step_decay)")}
    }

    def render(self, call: Call, indent: str = "") -> str:
        if not call.parts:
            return f"optim.{call.api}({call.arguments()})"
        inner = "".join(f"{indent}        {self.render(p, indent + '    ')},\n" for p in call.parts)
        return f"optim.{call.api}(\n{indent}    [\n{inner}{indent}    ],\n{indent}    {call.arguments()},\n{indent})"

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        probes, python, skipped = PROBES, _PYTHON_PROBE, ""
        if case.steps.size > PYTHON_PROBE_MAX_STEPS:
            probes, python = tuple(p for p in PROBES if p.name != "python"), ""
            skipped = f"no python probe: {case.steps.size} steps exceed {PYTHON_PROBE_MAX_STEPS} one-by-one calls"
        schedule = self.render(mapped.call, "    ")
        source = _PROGRAM.format(
            prologue=f"{RESUME_PROLOGUE.format(points=list(case.resume))}from mlx.utils import tree_flatten\n"
            if case.resume
            else "",
            schedule=schedule,
            steps=steps_source(case.steps),
            python=python,
            updates=ctx.last_step + 1,
            save=_SAVE if case.resume else "",
        )
        setup = dict(SETUP)
        if case.resume:
            source += resume_epilogue(case, RESUME_WAYS, _RESTORE.format(schedule=schedule), prefix=RESUME_PREFIX)
            probes = (*probes, *(replace(p, dtype="float32") for p in resume_probes(case, RESUME_WAYS)))
            setup["resume"] = RESUME_SETUP
        return source, setup, probes, "; ".join(n for n in (mapped.note, skipped) if n)
