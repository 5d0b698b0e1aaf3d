"""JAX/optax: every schedule in ``optax.schedules``, evaluated the ways training code uses it.

Every case becomes one standalone program (the reproducer) that builds the schedule with
``make_schedule()`` and records six trajectories (probes); the harness runs that very program:

* ``schedule``: eagerly, the whole step array in one call (``jax.vmap``: optax schedules are
  written for a scalar count, and ``piecewise_interpolate_schedule`` cannot broadcast an array);
* ``jit``: the same under ``jax.jit``;
* ``python``: one call per step with a Python ``int``, as optax's docstring examples call a
  schedule (in optax < 0.2.7 this path ran on NumPy and gave NaN: google-deepmind/optax#1403);
* ``x64``: ``jit`` inside ``with jax.enable_x64(True):``, the documented config context
  manager. Everything it uses is built inside the block: with optax 0.2.6 a schedule built
  outside and called inside failed with ``RuntimeProgramInputMismatch`` (a cached int32 buffer
  fed to an int64 executable). Compiled rather than eager because eager dispatch compiles every
  primitive for every new shape (it doubled the run time). The count stays int32, as optax's
  optimizers keep it, and JAX turns int32 / int into float32 even with x64 on: polynomial,
  linear, exponential and warm-up schedules return float32 (compared as float32), and
  ``piecewise_interpolate_schedule`` float64 values with float32 fractions (an expectation);
* ``applied`` and ``injected``: ``optax.sgd(schedule)`` and
  ``optax.inject_hyperparams(optax.sgd)(learning_rate=schedule)`` stepping a float32 parameter
  held at 0 whose gradient is 1 inside one jitted ``lax.scan``: ``applied`` is how far update
  ``t`` moved the parameter (exactly its rate), ``injected`` the rate the wrapper reports after
  update ``t`` (``state.hyperparams["learning_rate"]``). Both say which step's value update
  ``t`` uses (the Flax guide logs ``learning_rate_fn(state.step)`` with the pre-update step).

Each trajectory is compared in the dtype it came out in (recorded per probe).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from model.adapter import NotExpressible, Plan, Trajectory, py
from model.case import Case
from model.hints import HintError, HintKey, HintKeys, keyword_arguments, keyword_table

from ._base import api_hint, at_steps, first_fit, run_program, select, steps_source

__all__ = ["OptaxAdapter"]

PROBES = ("schedule", "jit", "python", "x64", "applied", "injected")
#: beyond this many steps the ``python`` probe (one eager call per step) is left out: seed 003's
#: 93,700-step cyclic case, a 100-knot interpolation, took 510 s that way; every other probe still
#: covers every step.
PYTHON_PROBE_MAX_STEPS = 2000
#: The most pieces (boundaries, knots, restart cycles) a mapping writes into one schedule: more would not
#: compile in reasonable time, and a tiny period would keep the loop that lists them running.
MAX_PIECES = 10_000
_PER_STEP = ("applied", "injected")  # recorded for updates 0..last, not at the case's steps
#: The keyword parameters of every optax API a case can reach (optax 0.2.8's signatures; 0.2.6 has the
#: same). ``hints.optax.kwargs`` may pass only these: its keys are pasted into the program. Checked
#: against the installed optax by ``cases/test_hint_keywords.py``.
KEYWORDS = keyword_table(
    {
        "constant_schedule": "value",
        "exponential_decay": "init_value transition_steps decay_rate transition_begin staircase end_value",
        "piecewise_constant_schedule": "init_value boundaries_and_scales",
        "join_schedules": "schedules boundaries",
        "polynomial_schedule": "init_value end_value power transition_steps transition_begin",
        "linear_schedule": "init_value end_value transition_steps transition_begin",
        "warmup_constant_schedule": "init_value peak_value warmup_steps",
        "cosine_decay_schedule": "init_value decay_steps alpha exponent",
        "warmup_cosine_decay_schedule": "init_value peak_value warmup_steps decay_steps end_value exponent",
        "sgdr_schedule": "cosine_kwargs",
        "piecewise_interpolate_schedule": "interpolate_type init_value boundaries_and_scales",
        "cosine_onecycle_schedule": "transition_steps peak_value pct_start div_factor final_div_factor",
        "linear_onecycle_schedule": "transition_steps peak_value pct_start pct_final div_factor final_div_factor",
        "warmup_exponential_decay_schedule": "init_value peak_value warmup_steps transition_steps decay_rate "
        "transition_begin staircase end_value",
    }
)


@dataclass(frozen=True)
class Call:
    """One schedule constructor call; ``parts`` are ``join_schedules``' schedules."""

    api: str
    kwargs: Mapping[str, Any]
    parts: tuple[Call, ...] = ()

    def source(self, indent: str = "") -> str:
        if self.api == "create_learning_rate_fn":
            base, spe = self.kwargs["base_learning_rate"], self.kwargs["steps_per_epoch"]
            return f"create_learning_rate_fn(config, {base!r}, {spe!r})"
        args = ", ".join(f"{k}={py(v)}" for k, v in self.kwargs.items())
        if not self.parts:
            return f"optax.{self.api}({args})"
        inner = "".join(f"{indent}        {p.source(indent + '    ')},\n" for p in self.parts)
        return f"optax.{self.api}(\n{indent}    schedules=[\n{inner}{indent}    ],\n{indent}    {args},\n{indent})"

    def record(self) -> dict[str, Any]:
        kwargs = dict(self.kwargs)
        if self.parts:
            kwargs["schedules"] = [{"api": p.qualified, "kwargs": p.record()} for p in self.parts]
        return kwargs

    @property
    def qualified(self) -> str:
        return "flax guide create_learning_rate_fn" if self.api == "create_learning_rate_fn" else f"optax.{self.api}"


@dataclass(frozen=True)
class Mapped:
    """A schedule call, source it needs defined first, and why closer APIs were not used."""

    call: Call
    note: str = ""
    prelude: str = ""


@dataclass(frozen=True)
class Ctx:
    """What a mapping may depend on besides the parameters."""

    last_step: int  # last step this schedule is evaluated at (local to it)
    hint: Mapping[str, Any] = field(default_factory=dict)  # hints.optax, top-level call only


Binding = Callable[[Mapping[str, Any], Ctx], Mapped]


def _ratio_scales(marks: list[float], values: list[float], api: str) -> dict[float, float]:
    """``{mark_i: v_i / v_(i-1)}``: optax multiplies the running value by a scale at each boundary."""
    scales: dict[float, float] = {}
    for mark, before, after in zip(marks, values[:-1], values[1:], strict=True):
        if before == 0 and after != 0:
            raise NotExpressible(f"{api} multiplies by scales: nothing follows a zero value ({values})")
        scales[_key(mark)] = after / before if before else 0.0
    return scales


def _key(x: float) -> int | float:
    """Integral boundaries as ``int`` keys (as users write them), others unchanged."""
    return int(x) if float(x).is_integer() else x


def _optional(p: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """optax keyword -> value for the case parameters that are present (``names``: reference -> optax)."""
    return {keyword: p[name] for name, keyword in names.items() if p.get(name) is not None}


# --- one function per optax API; each raises NotExpressible with the reason it cannot --------


def constant_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    return Mapped(Call("constant_schedule", {"value": p["value"]}))


def step_exponential_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("offset", 0):
        raise NotExpressible("exponential_decay's staircase counts from step 0 (transition_begin cannot be negative)")
    if p["gamma"] == 0:
        raise NotExpressible("exponential_decay documents decay_rate 'must not be zero' (0 gives a constant)")
    kwargs = {
        "init_value": p["init_lr"],
        "transition_steps": p["step_size"],
        "decay_rate": p["gamma"],
        "staircase": True,
    }
    return Mapped(Call("exponential_decay", kwargs))


def _pieces(count: float, what: str) -> int:
    """``count`` pieces of a schedule as an int, or NotExpressible beyond :data:`MAX_PIECES`."""
    if count > MAX_PIECES:
        raise NotExpressible(f"{what}: {count:.0f} within the compared steps, more than the {MAX_PIECES:,} written out")
    return int(count)


def step_piecewise_constant(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """floor((t + offset) / k) grows at t = k*i - offset: one boundary per drop within the run."""
    k, offset = p["step_size"], p.get("offset", 0)
    _pieces((ctx.last_step + offset) // k, "piecewise_constant_schedule boundaries")
    marks = [k * i - offset for i in range(1, int((ctx.last_step + offset) // k) + 1)]
    scales = {_key(m): p["gamma"] for m in marks}
    return Mapped(Call("piecewise_constant_schedule", {"init_value": p["init_lr"], "boundaries_and_scales": scales}))


def multi_step_piecewise_constant(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    scales = {_key(m): p["gamma"] for m in p["milestones"]}
    return Mapped(Call("piecewise_constant_schedule", {"init_value": p["init_lr"], "boundaries_and_scales": scales}))


def _marks(p: Mapping[str, Any]) -> list[float]:
    """optax switches *at* a boundary; for "previous" the switch moves to the next integer step."""
    if p.get("at_boundary", "next") == "previous":
        return [math.floor(b) + 1 for b in p["boundaries"]]
    return list(p["boundaries"])


def piecewise_constant_scales(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    scales = _ratio_scales(_marks(p), p["values"], "piecewise_constant_schedule")
    return Mapped(Call("piecewise_constant_schedule", {"init_value": p["values"][0], "boundaries_and_scales": scales}))


def piecewise_constant_join(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    parts = tuple(Call("constant_schedule", {"value": v}) for v in p["values"])
    return Mapped(Call("join_schedules", {"boundaries": [_key(m) for m in _marks(p)]}, parts))


def exponential_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    kwargs = {"init_value": p["init_lr"], "transition_steps": p["decay_steps"], "decay_rate": p["decay_rate"]}
    kwargs |= _optional(p, {"transition_begin": "transition_begin", "staircase": "staircase", "end_lr": "end_value"})
    return Mapped(Call("exponential_decay", kwargs))


def natural_exp_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    kwargs = {
        "init_value": p["init_lr"],
        "transition_steps": p["decay_steps"],
        "decay_rate": math.exp(-p["decay_rate"]),
    }
    kwargs |= _optional(p, {"staircase": "staircase"})
    return Mapped(Call("exponential_decay", kwargs), "exp(-r t/D) is exponential_decay with decay_rate = exp(-r)")


def factor_exponential_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    factor, floor = p["factor"], p.get("min_lr", 0.0)
    start = p["init_lr"] * factor ** p.get("offset", 0)
    kwargs: dict[str, Any] = {"init_value": start, "transition_steps": 1, "decay_rate": factor}
    if factor < 1 and floor > 0:
        kwargs["end_value"] = floor  # a lower bound because decay_rate < 1
    elif floor > start:
        raise NotExpressible(
            "exponential_decay's end_value is an upper bound when decay_rate >= 1, the case has a floor"
        )
    return Mapped(Call("exponential_decay", kwargs))


def polynomial_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p.get("cycle"):
        raise NotExpressible("polynomial_schedule holds end_value after transition_steps; it has no cycling")
    kwargs = {"init_value": p["init_lr"], "end_value": p.get("end_lr", 0.0), "power": p.get("power", 1.0),
              "transition_steps": p["decay_steps"]}  # fmt: skip
    return Mapped(Call("polynomial_schedule", kwargs | _optional(p, {"transition_begin": "transition_begin"})))


def linear_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    kwargs = {"init_value": p["init_lr"], "end_value": p["end_lr"], "transition_steps": p["transition_steps"]}
    return Mapped(Call("linear_schedule", kwargs | _optional(p, {"transition_begin": "transition_begin"})))


def warmup_constant_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    kwargs = {"init_value": p.get("init_lr", 0.0), "peak_value": p["peak_lr"], "warmup_steps": p["warmup_steps"]}
    return Mapped(Call("warmup_constant_schedule", kwargs))


def cosine_decay_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    init, final, d = p["init_lr"], p.get("final_lr", 0.0), p["decay_steps"]
    if p.get("past_end", "clamp") == "periodic" and ctx.last_step > d:
        raise NotExpressible("cosine_decay_schedule holds alpha * init_value after decay_steps; it never climbs back")
    if init == 0 and final != 0:
        raise NotExpressible("cosine_decay_schedule's end value is alpha * init_value: nothing but 0 from init_value 0")
    kwargs: dict[str, Any] = {"init_value": init, "decay_steps": d}
    if final:
        kwargs["alpha"] = final / init
    kwargs |= _optional(p, {"exponent": "exponent"})
    return Mapped(Call("cosine_decay_schedule", kwargs), "alpha is the final rate as a fraction of init_value")


def warmup_cosine_decay_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    w = p["warmup_steps"]
    kwargs = {"init_value": p.get("init_lr", 0.0), "peak_value": p["peak_lr"], "warmup_steps": w,
              "decay_steps": w + p["decay_steps"], "end_value": p.get("final_lr", 0.0)}  # fmt: skip
    kwargs |= _optional(p, {"exponent": "exponent"})
    note = f"optax's decay_steps includes the warm-up: {w!r} + {p['decay_steps']!r}"
    return Mapped(Call("warmup_cosine_decay_schedule", kwargs), note)


FLAX_GUIDE = '''\
def create_learning_rate_fn(config, base_learning_rate, steps_per_epoch):
  """Creates learning rate schedule."""
  warmup_fn = optax.linear_schedule(
      init_value=0., end_value=base_learning_rate,
      transition_steps=config.warmup_epochs * steps_per_epoch)
  cosine_epochs = max(config.num_epochs - config.warmup_epochs, 1)
  cosine_fn = optax.cosine_decay_schedule(
      init_value=base_learning_rate,
      decay_steps=cosine_epochs * steps_per_epoch)
  schedule_fn = optax.join_schedules(
      schedules=[warmup_fn, cosine_fn],
      boundaries=[config.warmup_epochs * steps_per_epoch])
  return schedule_fn

'''


def create_learning_rate_fn(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """The Flax learning-rate guide's recipe, verbatim; its config comes from the case's hint."""
    config, spe = ctx.hint.get("config"), ctx.hint.get("steps_per_epoch")
    for key, value in (("config", config), ("steps_per_epoch", spe)):
        if value is None:
            raise HintError(f"hints.optax.{key}", "create_learning_rate_fn needs config and steps_per_epoch")
    implied = {"init_lr": 0.0, "final_lr": 0.0, "exponent": 1.0, "warmup_steps": config["warmup_epochs"] * spe,
               "decay_steps": max(config["num_epochs"] - config["warmup_epochs"], 1) * spe}  # fmt: skip
    wrong = {k: (v, p.get(k, 0.0 if k != "exponent" else 1.0)) for k, v in implied.items()}
    wrong = {k: pair for k, pair in wrong.items() if pair[0] != pair[1]}
    if wrong:
        implied = ", ".join(f"{k}={v!r} (case: {c!r})" for k, (v, c) in wrong.items())
        raise HintError("hints.optax.config", f"with steps_per_epoch={spe!r} it implies {implied}")
    items = ", ".join(f"{k}={v!r}" for k, v in config.items())
    prelude = f"import types\n\n{FLAX_GUIDE}\nconfig = types.SimpleNamespace({items})\n"
    kwargs = {"config": dict(config), "base_learning_rate": p["peak_lr"], "steps_per_epoch": spe}
    note = "the Flax guide's create_learning_rate_fn: join_schedules([linear_schedule, cosine_decay_schedule])"
    return Mapped(Call("create_learning_rate_fn", kwargs), note, prelude)


def _periods(first: float, growth: float, last_step: float) -> list[float]:
    """Lengths of the restart cycles that start at or before ``last_step``."""
    _pieces(last_step / first if growth == 1 else math.log1p(last_step * (growth - 1) / first) / math.log(growth),
            "sgdr_schedule cycles")  # fmt: skip
    periods, start = [first], first
    while start <= last_step:
        periods.append(periods[-1] * growth)
        start += periods[-1]
    return periods


def sgdr_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    init, final, m = p["init_lr"], p.get("final_lr", 0.0), p.get("m_mul", 1.0)
    cycles = []
    for i, period in enumerate(_periods(p["first_period"], p.get("t_mult", 1.0), ctx.last_step)):
        peak = final + (init - final) * m**i
        cycles.append(
            {"init_value": peak, "peak_value": peak, "warmup_steps": 0, "decay_steps": period, "end_value": final}
        )
    note = "one warmup_cosine_decay_schedule per cycle (warmup_steps=0), as many as the compared steps reach"
    return Mapped(Call("sgdr_schedule", {"cosine_kwargs": cycles}), note)


def piecewise_interpolate_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    knots, values = list(p["knots"]), list(p["values"])
    if knots[0] > 0:  # optax's first piece starts at step 0: hold the first value until the first knot
        knots, values = [0, *knots], [values[0], *values]
    scales = _ratio_scales(knots[1:], values, "piecewise_interpolate_schedule")
    kind = "cosine" if p.get("kind", "linear") == "cos" else "linear"
    kwargs = {"interpolate_type": kind, "init_value": values[0], "boundaries_and_scales": scales}
    return Mapped(Call("piecewise_interpolate_schedule", kwargs), "knot values as running products of scales")


def _onecycle(api: str, shape: int, p: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    knots, values = list(p["knots"]), list(p["values"])
    kind = "cos" if api.startswith("cosine") else "linear"
    if len(knots) != shape or knots[0] != 0 or p.get("kind", "linear") != kind:
        raise NotExpressible(f"{api} interpolates ({kind}) through {shape} knots starting at 0, the case has {knots}")
    return knots, values


def cosine_onecycle_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """Knots ``0, int(pct_start*T), T``; values ``peak/div, peak, peak/(div*final_div)``.

    Two knots ``0, T`` are a one-cycle whose warm-up is empty (``int(pct_start*T) == 0``): it
    starts at its peak, and ``div_factor`` (optax's default 25 here) is unobservable.
    """
    if len(p["knots"]) == 2 and p["knots"][0] == 0:
        p = {**p, "knots": [0, 0, p["knots"][1]], "values": [p["values"][0] / 25.0, *p["values"]]}
    (_, up, total), (start, peak, end) = _onecycle("cosine_onecycle_schedule", 3, p)
    kwargs = {"transition_steps": _key(total), "peak_value": peak, "pct_start": up / total,
              "div_factor": peak / start, "final_div_factor": start / end}  # fmt: skip
    return Mapped(
        Call("cosine_onecycle_schedule", kwargs), "knots int(pct_start*T) and T, final value peak/(div*final_div)"
    )


def linear_onecycle_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """Knots ``0, int(pct_start*T), int(pct_final*T), T``; values ``i, peak, i, i/final_div`` (``i = peak/div``)."""
    (_, up, down, total), (start, peak, back, end) = _onecycle("linear_onecycle_schedule", 4, p)
    if back != start:
        raise NotExpressible(
            f"linear_onecycle_schedule returns to peak/div_factor={start!r} at pct_final, the case to {back!r}"
        )
    kwargs = {"transition_steps": _key(total), "peak_value": peak, "pct_start": up / total, "pct_final": down / total,
              "div_factor": peak / start, "final_div_factor": start / end}  # fmt: skip
    return Mapped(Call("linear_onecycle_schedule", kwargs), "knots int(pct*T), final value peak/(div*final_div)")


def join_schedules(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """Each part restarts from its own step 0 at its boundary, like the reference's join."""
    bounds = list(p["boundaries"])
    ends = [b - 1 for b in bounds] + [ctx.last_step]
    parts, notes = [], []
    for index, (spec, start, end) in enumerate(zip(p["schedules"], [0, *bounds], ends, strict=True)):
        mapped = _map_spec(spec, Ctx(int(max(end - start, 0))))
        parts.append(mapped.call)
        if mapped.note:
            notes.append(f"part {index}: {mapped.note}")
    return Mapped(Call("join_schedules", {"boundaries": [_key(b) for b in bounds]}, tuple(parts)), "; ".join(notes))


def _linear_warmup_part(spec: Mapping[str, Any], boundary: float) -> tuple[float, float]:
    """(init, peak) of a linear warm-up part ending at ``boundary``, else NotExpressible."""
    lowered = _lower(spec)
    if lowered["formula"] != "polynomial" or lowered.get("power", 1.0) != 1 or lowered.get("transition_begin", 0):
        raise NotExpressible("the first part is not a linear warm-up")
    if lowered["decay_steps"] != boundary:
        raise NotExpressible("the warm-up does not end at the boundary")
    return lowered["init_lr"], lowered.get("end_lr", 0.0)


def warmup_exponential_decay_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if len(p["schedules"]) != 2 or p["schedules"][1]["formula"] != "exponential":
        raise NotExpressible("not a warm-up followed by exponential_decay")
    init, peak = _linear_warmup_part(p["schedules"][0], p["boundaries"][0])
    decay = exponential_decay(p["schedules"][1], ctx).call.kwargs
    if decay["init_value"] != peak:
        raise NotExpressible("the decay does not start at the warm-up's peak")
    kwargs = {"init_value": init, "peak_value": peak, "warmup_steps": p["boundaries"][0]}
    kwargs |= {k: v for k, v in decay.items() if k != "init_value"}
    return Mapped(
        Call("warmup_exponential_decay_schedule", kwargs), "transition_begin counts from the end of the warm-up"
    )


def sgdr_of_warmup_cosines(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    parts, cycles, end = p["schedules"], [], 0.0
    for spec, boundary in zip(parts, [*p["boundaries"], None], strict=True):
        if spec["formula"] != "warmup_cosine":
            raise NotExpressible("sgdr_schedule joins warmup_cosine_decay_schedule cycles only")
        kwargs = warmup_cosine_decay_schedule({k: v for k, v in spec.items() if k != "formula"}, ctx).call.kwargs
        end += kwargs["decay_steps"]
        if boundary is not None and boundary != end:
            raise NotExpressible("sgdr_schedule starts each cycle where the previous one's decay_steps end")
        cycles.append(dict(kwargs))
    return Mapped(Call("sgdr_schedule", {"cosine_kwargs": cycles}), "each cycle's decay_steps includes its warm-up")


# --- formulas optax reaches through another formula (identities of the reference) ----------


def _one_cycle_knots(p: Mapping[str, Any], ctx: Ctx) -> dict[str, Any]:
    """torch's 1cycle: phase ends at pct*T - 1 (and 2*that for three phases) and T - 1."""
    total, peak = p["total_steps"], p["max_lr"]
    start = peak / p.get("div_factor", 25.0)
    low, up = start / p.get("final_div_factor", 1e4), p.get("pct_start", 0.3) * total - 1.0
    if p.get("three_phase"):
        knots, values = [0.0, up, 2 * up, total - 1.0], [start, peak, start, low]
    else:
        knots, values = [0.0, up, total - 1.0], [start, peak, low]
    return {"formula": "interpolate", "knots": knots, "values": values, "kind": p.get("anneal", "cos")}


def _cyclic_knots(p: Mapping[str, Any], ctx: Ctx) -> dict[str, Any]:
    """A triangular cycle is linear between (cycle start, base) and (start + up, base + amplitude)."""
    mode, by = p.get("mode", "triangular"), p.get("scale_mode")
    if mode == "exp_range" or by == "iterations":
        raise NotExpressible("optax has no cyclic schedule; an amplitude varying with the step is not piecewise linear")
    up = p["step_size_up"]
    length = up + (p.get("step_size_down") or up)
    base, top = p["base_lr"], p["max_lr"]
    knots, values = [0.0], [base]
    for c in range(1, _pieces(ctx.last_step // length, "cyclic cycles") + 2):
        amplitude = 1.0 if mode == "triangular" else 1.0 / 2.0 ** (c - 1)
        knots += [(c - 1) * length + up, c * length]
        values += [base + (top - base) * amplitude, base]
    return {"formula": "interpolate", "knots": knots, "values": values, "kind": "linear"}


def _lower(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Reference identities: ``linear``/``linear_warmup`` are polynomials of power 1."""
    p = {k: v for k, v in spec.items() if k != "formula"}
    if spec["formula"] == "linear":
        return {"formula": "polynomial", "init_lr": p["init_lr"], "end_lr": p["end_lr"],
                "decay_steps": p["transition_steps"], "transition_begin": p.get("transition_begin", 0)}  # fmt: skip
    if spec["formula"] == "linear_warmup":
        return {
            "formula": "polynomial",
            "init_lr": p.get("init_lr", 0.0),
            "end_lr": p["peak_lr"],
            "decay_steps": p["warmup_steps"],
        }
    return dict(spec)


#: formula -> a formula optax has an API for, with the case's parameters translated.
LOWERINGS: dict[str, Callable[[Mapping[str, Any], Ctx], dict[str, Any]]] = {
    "one_cycle": _one_cycle_knots,
    "cyclic": _cyclic_knots,
}

#: formula -> optax APIs in order of preference (closest first). HINT_ONLY APIs are used only
#: when a case asks for them (``hints.optax.api``).
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "constant": (("constant_schedule", constant_schedule),),
    "step_decay": (
        ("exponential_decay", step_exponential_decay),
        ("piecewise_constant_schedule", step_piecewise_constant),
    ),
    "multi_step": (("piecewise_constant_schedule", multi_step_piecewise_constant),),
    "piecewise_constant": (
        ("piecewise_constant_schedule", piecewise_constant_scales),
        ("join_schedules", piecewise_constant_join),
    ),
    "exponential": (("exponential_decay", exponential_decay),),
    "natural_exp": (("exponential_decay", natural_exp_decay),),
    "factor_decay": (("exponential_decay", factor_exponential_decay),),
    "polynomial": (("polynomial_schedule", polynomial_schedule),),
    "linear": (("linear_schedule", linear_schedule),),
    "linear_warmup": (("warmup_constant_schedule", warmup_constant_schedule),),
    "cosine": (("cosine_decay_schedule", cosine_decay_schedule),),
    "warmup_cosine": (
        ("warmup_cosine_decay_schedule", warmup_cosine_decay_schedule),
        ("create_learning_rate_fn", create_learning_rate_fn),
    ),
    "cosine_restarts": (("sgdr_schedule", sgdr_schedule),),
    "interpolate": (
        ("piecewise_interpolate_schedule", piecewise_interpolate_schedule),
        ("cosine_onecycle_schedule", cosine_onecycle_schedule),
        ("linear_onecycle_schedule", linear_onecycle_schedule),
    ),
    "sequential": (
        ("warmup_exponential_decay_schedule", warmup_exponential_decay_schedule),
        ("sgdr_schedule", sgdr_of_warmup_cosines),
        ("join_schedules", join_schedules),
    ),
}
HINT_ONLY = {
    ("warmup_cosine", "create_learning_rate_fn"),
    ("interpolate", "cosine_onecycle_schedule"),
    ("interpolate", "linear_onecycle_schedule"),
}
#: Formulas optax has no schedule for, and why.
UNMAPPED = {
    "inverse_time": "optax has no inverse-time schedule",
    "inverse_sqrt": "optax has no inverse-square-root schedule",
    "product": "optax has no product of schedules",
    "reduce_on_plateau": "optax.contrib.reduce_on_plateau scales updates from reported losses; it is no schedule",
}


def _map_spec(spec: Mapping[str, Any], ctx: Ctx, api: str | None = None) -> Mapped:
    formula = spec["formula"]
    params = {k: v for k, v in spec.items() if k != "formula"}
    if formula in LOWERINGS:
        return _map_spec(LOWERINGS[formula](params, ctx), ctx, api)
    if formula in UNMAPPED:
        raise NotExpressible(UNMAPPED[formula])
    return first_fit(
        BINDINGS, formula, api, HINT_ONLY, lambda fn: fn(params, ctx), "optax schedule", hint_field="hints.optax.api"
    )


def _config_problem(config: dict[str, Any]) -> str:
    if set(config) != {"warmup_epochs", "num_epochs"} or not all(_is_count(v) for v in config.values()):
        return f"must be {{warmup_epochs, num_epochs}}, numbers >= 0, got {config!r}"
    return ""


def _is_count(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < math.inf


def _with_hinted_kwargs(call: Call, extra: Mapping[str, Any]) -> Call:
    """``hints.optax.kwargs`` passed over the translated keyword arguments: keywords of the API only."""
    accepted = KEYWORDS.get(call.api, frozenset())
    foreign = sorted(set(extra) - accepted)
    if foreign:
        raise HintError("hints.optax.kwargs", f"{foreign} are no keywords of {call.qualified}: {sorted(accepted)}")
    return replace(call, kwargs={**call.kwargs, **extra}) if extra else call


_PROGRAM = """\
import jax
import jax.numpy as jnp
import numpy as np
import optax
{prelude}

def make_schedule():
    return {schedule}


steps = {steps}  # compared steps
count = jnp.asarray(steps, dtype=jnp.int32)  # optax's update counter is an int32

schedule = np.asarray(jax.vmap(make_schedule())(count))  # eager, the whole array in one call
jit = np.asarray(jax.jit(jax.vmap(make_schedule()))(count))
{python}with jax.enable_x64(True):  # everything used inside is built inside
    x64 = np.asarray(jax.jit(jax.vmap(make_schedule()))(jnp.asarray(steps, dtype=jnp.int32)))


@jax.jit
def train():
    \"\"\"{updates} SGD updates of a float32 parameter held at 0 whose gradient is 1.\"\"\"
    params, grads = jnp.zeros((), jnp.float32), jnp.ones((), jnp.float32)
    sgd = optax.sgd(make_schedule())
    injected = optax.inject_hyperparams(optax.sgd)(learning_rate=make_schedule())

    def update(states, _):
        updates, sgd_state = sgd.update(grads, states[0], params)
        _, injected_state = injected.update(grads, states[1], params)
        moved = -optax.apply_updates(params, updates)  # exactly the rate this update used
        return (sgd_state, injected_state), (moved, injected_state.hyperparams["learning_rate"])

    _, rates = jax.lax.scan(update, (sgd.init(params), injected.init(params)), length={updates})
    return rates


applied, injected = (np.asarray(rates) for rates in train())
"""


_PYTHON_PROBE = """\
per_step = make_schedule()
python = np.array([np.asarray(per_step(int(t))) for t in steps])  # a Python int, as in optax's docstrings
"""


class OptaxAdapter:
    """``optax.schedules`` on jax (CPU)."""

    name = "optax"
    distribution = "optax"
    module = "optax"
    kernels = "jax"
    hint_keys: ClassVar[HintKeys] = {
        "optax": {
            "api": api_hint(
                BINDINGS, "the schedule to call where several express the formula (e.g. cosine_onecycle_schedule)"
            ),
            "kwargs": HintKey(
                "a table",
                "keyword arguments passed verbatim over the translated ones",
                keyword_arguments(frozenset().union(*KEYWORDS.values()), "optax schedule"),
            ),
            "config": HintKey(
                "a table", "create_learning_rate_fn's config = {warmup_epochs, num_epochs}", _config_problem
            ),
            "steps_per_epoch": HintKey(
                "an integer",
                "create_learning_rate_fn's steps_per_epoch (> 0)",
                lambda v: "" if v > 0 else "must be > 0",
            ),
        }
    }

    def plan(self, case: Case) -> Plan:
        hint = case.hint("optax")
        ctx = Ctx(int(case.steps[-1]), hint)
        mapped = _map_spec({"formula": case.formula, **case.params}, ctx, hint.get("api"))
        call = _with_hinted_kwargs(mapped.call, hint.get("kwargs", {}))
        probes, python, skipped = PROBES, _PYTHON_PROBE, ""
        if case.steps.size > PYTHON_PROBE_MAX_STEPS:
            probes, python = tuple(p for p in PROBES if p != "python"), ""
            skipped = f"no python probe: {case.steps.size} steps exceed {PYTHON_PROBE_MAX_STEPS} one-by-one eager calls"
        program = _PROGRAM.format(
            python=python,
            prelude=f"\n{mapped.prelude}" if mapped.prelude else "",
            schedule=call.source("    "),
            steps=steps_source(case.steps),
            updates=int(case.steps[-1]) + 1,
        )
        hinted = f"kwargs from hints.optax: {dict(hint['kwargs'])}" if hint.get("kwargs") else ""
        note = "; ".join(n for n in (mapped.note, hinted, skipped) if n)
        setup = {
            "count": "int32 steps; schedule: jax.vmap eager, jit: jax.jit(jax.vmap), python: one call per Python int, "
            "x64: jax.jit(jax.vmap) inside jax.enable_x64(True)",
            "optimizer": "optax.sgd(schedule) and optax.inject_hyperparams(optax.sgd)(learning_rate=schedule)",
            "parameter": "one float32 scalar held at 0, gradient 1, updates inside one jitted lax.scan",
            "read": "applied: -(parameter after update t); injected: state.hyperparams['learning_rate'] after update t",
        }
        return Plan(api=call.qualified, kwargs=call.record(), setup=setup, repro=program, probes=probes, note=note)

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        lists, error, warned = run_program(plan.repro, f"<optax repro {case.id}>", plan.probes)
        expected = {probe: case.steps.size for probe in plan.probes} | {p: int(case.steps[-1]) + 1 for p in _PER_STEP}
        out = {}
        for probe, values in lists.items():
            complete = len(values) == expected[probe]
            dtype = str(np.asarray(values).dtype) if values else ("float64" if probe == "x64" else "float32")
            pick = select if probe in _PER_STEP else at_steps  # per-step probes recorded steps 0, 1, 2, ...
            trajectory = pick(values, case.steps) if complete else np.full(case.steps.size, np.nan)
            out[probe] = Trajectory(trajectory, dtype, None if complete else error, warned)
        return out
