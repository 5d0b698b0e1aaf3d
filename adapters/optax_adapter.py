"""JAX/optax: every schedule in ``optax.schedules``, evaluated the ways training code uses it.

Every case becomes one standalone program (the reproducer, which the harness runs) that builds the schedule
with ``make_schedule()`` and records six probes, each compared in the dtype it came out in:

* ``schedule``: eagerly, the whole step array in one call through ``jax.vmap`` (optax schedules are written
  for a scalar count, and ``piecewise_interpolate_schedule`` cannot broadcast an array); ``jit``: the same
  under ``jax.jit``; ``python``: one call per Python ``int``, as optax's docstrings call a schedule (before
  optax 0.2.7 this path ran on NumPy and gave NaN: google-deepmind/optax#1403).
* ``x64``: ``jit`` inside ``with jax.enable_x64(True):``, with everything it uses built inside the block
  (optax 0.2.6 failed on a schedule built outside with ``RuntimeProgramInputMismatch``: a cached int32 buffer
  fed to an int64 executable); compiled because eager dispatch compiles every primitive for every new shape
  (it doubled the run time). The count stays int32, as optax's optimizers keep it: the float32 and mixed
  results this gives are in the README's optax section.
* ``applied`` and ``injected``: ``optax.sgd(schedule)`` and ``optax.inject_hyperparams(optax.sgd)`` step a
  float32 parameter held at 0 whose gradient is 1 inside one jitted ``lax.scan``: how far update ``t`` moved
  the parameter (exactly its rate), and ``state.hyperparams["learning_rate"]`` after it. Both say which
  step's value update ``t`` uses (the Flax guide logs ``learning_rate_fn(state.step)``, the pre-update step).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from model.adapter import NotExpressible, Probe
from model.case import Case
from model.hints import HintError, HintKey, HintKeys, keyword_arguments, keyword_table
from reference import identities, unrolled

from ._base import (
    RESUME_PROLOGUE,
    Binding,
    Call,
    Ctx,
    Mapped,
    ProgramAdapter,
    Renamed,
    Rewrite,
    api_hint,
    resume_epilogue,
    resume_probes,
    steps_source,
    via,
)

__all__ = ["OptaxAdapter"]

#: Each compared in the dtype it came out in (the one given here is reported when it recorded nothing);
#: ``applied`` and ``injected`` are recorded per update 0..last, the others at the compared steps.
PROBES = (
    *(Probe(name, dtype="float32", measured=True) for name in ("schedule", "jit", "python")),
    Probe("x64", dtype="float64", measured=True),
    *(Probe(name, per="update", dtype="float32", measured=True) for name in ("applied", "injected")),
)
#: beyond this many steps the ``python`` probe (one eager call per step) is left out: seed 003's
#: 93,700-step cyclic case, a 100-knot interpolation, took 510 s that way; every other probe still
#: covers every step.
PYTHON_PROBE_MAX_STEPS = 2000
#: The most pieces (boundaries, knots, restart cycles) a mapping writes into one schedule: more would not
#: compile in reasonable time, and a tiny period would keep the loop that lists them running.
MAX_PIECES = 10_000
#: The Flax guide's recipe, called where a case asks for it (``hints.optax.api``); see :data:`FLAX_GUIDE`.
FLAX_GUIDE_API = "create_learning_rate_fn"


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


def _pieces(count: float, what: str) -> int:
    """``count`` pieces of a schedule as an int, or NotExpressible beyond :data:`MAX_PIECES`."""
    if count > MAX_PIECES:
        raise NotExpressible(f"{what}: {count:.0f} within the compared steps, more than the {MAX_PIECES:,} written out")
    return int(count)


# --- one binding per optax API; each raises NotExpressible with the reason it cannot --------
# The Renamed ones pass every keyword of their API (KEYWORDS lists them from here), optional ones only when the
# case sets them to other than the reference's default, which is optax's default too.

constant_schedule = Renamed("constant_schedule", {"value": "value"})
exponential_decay = Renamed(
    "exponential_decay",
    {"init_value": "init_lr", "transition_steps": "decay_steps", "decay_rate": "decay_rate",
     "transition_begin": "transition_begin", "staircase": "staircase", "end_value": "end_lr"},
    unless_default=("transition_begin", "staircase", "end_lr"), formula="exponential",
)  # fmt: skip
polynomial_schedule = Renamed(
    "polynomial_schedule",
    {"init_value": "init_lr", "end_value": "end_lr", "power": "power", "transition_steps": "decay_steps",
     "transition_begin": "transition_begin"},
    refuse=((lambda p, ctx: p["cycle"], "polynomial_schedule holds end_value after transition_steps; it has no "
                                        "cycling"),),
    unless_default=("transition_begin",), formula="polynomial",
)  # fmt: skip
linear_schedule = Renamed(
    "linear_schedule",
    {"init_value": "init_lr", "end_value": "end_lr", "transition_steps": "transition_steps",
     "transition_begin": "transition_begin"},
    unless_default=("transition_begin",), formula="linear",
)  # fmt: skip
warmup_constant_schedule = Renamed(
    "warmup_constant_schedule", {"init_value": "init_lr", "peak_value": "peak_lr", "warmup_steps": "warmup_steps"}
)
warmup_cosine_decay_schedule = Renamed(
    "warmup_cosine_decay_schedule",
    {"init_value": "init_lr", "peak_value": "peak_lr", "warmup_steps": "warmup_steps",
     "decay_steps": lambda p: p["warmup_steps"] + p["decay_steps"], "end_value": "final_lr", "exponent": "exponent"},
    note=lambda p: f"optax's decay_steps includes the warm-up: {p['warmup_steps']!r} + {p['decay_steps']!r}",
    unless_default=("exponent",), formula="warmup_cosine",
)  # fmt: skip


def cosine_decay_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    init, final, d = p["init_lr"], p["final_lr"], p["decay_steps"]
    if p["past_end"] == "periodic" and ctx.last_step > d:
        raise NotExpressible("cosine_decay_schedule holds alpha * init_value after decay_steps; it never climbs back")
    if init == 0 and final != 0:
        raise NotExpressible("cosine_decay_schedule's end value is alpha * init_value: nothing but 0 from init_value 0")
    alpha = {"alpha": final / init} if final else {}  # optax's default alpha is 0, like the reference's final_lr
    exponent = {"exponent": p["exponent"]} if p["exponent"] != 1 else {}
    kwargs = {"init_value": init, "decay_steps": d, **alpha, **exponent}
    return Mapped(Call("cosine_decay_schedule", kwargs), "alpha is the final rate as a fraction of init_value")


def step_piecewise_constant(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """floor((t + offset) / k) grows at t = k*i - offset: one boundary per drop within the run."""
    k, offset = p["step_size"], p["offset"]
    drops = _pieces((ctx.last_step + offset) // k, "piecewise_constant_schedule boundaries")
    scales = {_key(k * i - offset): p["gamma"] for i in range(1, drops + 1)}
    return Mapped(Call("piecewise_constant_schedule", {"init_value": p["init_lr"], "boundaries_and_scales": scales}))


def multi_step_piecewise_constant(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    scales = {_key(m): p["gamma"] for m in p["milestones"]}
    return Mapped(Call("piecewise_constant_schedule", {"init_value": p["init_lr"], "boundaries_and_scales": scales}))


def _boundaries(p: Mapping[str, Any]) -> list[float]:
    """optax switches *at* a boundary: "previous" boundaries move to the next integer step."""
    spec = identities.piecewise_at_boundary({"formula": "piecewise_constant", **p}, "next")
    if spec is None:
        raise NotExpressible(f"optax switches at a boundary: boundaries {p['boundaries']} share an integer step")
    return spec["boundaries"]


def piecewise_constant_scales(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    scales = _ratio_scales(_boundaries(p), p["values"], "piecewise_constant_schedule")
    return Mapped(Call("piecewise_constant_schedule", {"init_value": p["values"][0], "boundaries_and_scales": scales}))


def piecewise_constant_join(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    parts = tuple(Call("constant_schedule", {"value": v}) for v in p["values"])
    return Mapped(Call("join_schedules", {"boundaries": [_key(m) for m in _boundaries(p)]}, parts))


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
    wrong = ", ".join(f"{k}={v!r} (case: {p[k]!r})" for k, v in implied.items() if v != p[k])
    if wrong:
        raise HintError("hints.optax.config", f"with steps_per_epoch={spe!r} it implies {wrong}")
    items = ", ".join(f"{k}={v!r}" for k, v in config.items())
    prelude = f"import types\n\n{FLAX_GUIDE}\nconfig = types.SimpleNamespace({items})\n"
    kwargs = {"config": dict(config), "base_learning_rate": p["peak_lr"], "steps_per_epoch": spe}
    note = "the Flax guide's create_learning_rate_fn: join_schedules([linear_schedule, cosine_decay_schedule])"
    return Mapped(Call(FLAX_GUIDE_API, kwargs), note, {"prelude": prelude})


def sgdr_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """One cycle per restart the run reaches, each a cosine from its peak (reference.unrolled)."""
    restarts = unrolled.cosine_restarts_as_sequential({"formula": "cosine_restarts", **p}, last_step=ctx.last_step)
    cycles = restarts["schedules"]
    _pieces(len(cycles), "sgdr_schedule cycles")
    cosine_kwargs = [{"init_value": c["init_lr"], "peak_value": c["init_lr"], "warmup_steps": 0,
                      "decay_steps": _key(c["decay_steps"]), "end_value": c["final_lr"]} for c in cycles]  # fmt: skip
    note = "one warmup_cosine_decay_schedule per cycle (warmup_steps=0), as many as the compared steps reach"
    return Mapped(Call("sgdr_schedule", {"cosine_kwargs": cosine_kwargs}), note)


def piecewise_interpolate_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    knots, values = list(p["knots"]), list(p["values"])
    if knots[0] > 0:  # optax's first piece starts at step 0: hold the first value until the first knot
        knots, values = [0, *knots], [values[0], *values]
    scales = _ratio_scales(knots[1:], values, "piecewise_interpolate_schedule")
    kind = "cosine" if p["kind"] == "cos" else "linear"
    kwargs = {"interpolate_type": kind, "init_value": values[0], "boundaries_and_scales": scales}
    return Mapped(Call("piecewise_interpolate_schedule", kwargs), "knot values as running products of scales")


def _onecycle(api: str, shape: int, p: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    knots, values = list(p["knots"]), list(p["values"])
    kind = "cos" if api.startswith("cosine") else "linear"
    if len(knots) != shape or knots[0] != 0 or p["kind"] != kind:
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
    note = "knots int(pct_start*T) and T, final value peak/(div*final_div)"
    return Mapped(Call("cosine_onecycle_schedule", kwargs), note)


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
        mapped = ctx.nested(spec, last_step=int(max(end - start, 0)))
        parts.append(mapped.call)
        if mapped.note:
            notes.append(f"part {index}: {mapped.note}")
    return Mapped(Call("join_schedules", {"boundaries": [_key(b) for b in bounds]}, tuple(parts)), "; ".join(notes))


def _linear_warmup_part(spec: Mapping[str, Any], boundary: float) -> tuple[float, float]:
    """(init, peak) of a linear warm-up part ending at ``boundary``, else NotExpressible."""
    ramp = identities.linear_as_polynomial(spec) or identities.linear_warmup_as_polynomial(spec) or spec
    if ramp["formula"] != "polynomial" or ramp["power"] != 1 or ramp["transition_begin"]:
        raise NotExpressible("the first part is not a linear warm-up")
    if ramp["decay_steps"] != boundary:
        raise NotExpressible("the warm-up does not end at the boundary")
    return ramp["init_lr"], ramp["end_lr"]


def warmup_exponential_decay_schedule(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if len(p["schedules"]) != 2 or p["schedules"][1]["formula"] != "exponential":
        raise NotExpressible("not a warm-up followed by exponential_decay")
    init, peak = _linear_warmup_part(p["schedules"][0], p["boundaries"][0])
    decay = exponential_decay(p["schedules"][1], ctx).call.kwargs
    if decay["init_value"] != peak:
        raise NotExpressible("the decay does not start at the warm-up's peak")
    kwargs = {"init_value": init, "peak_value": peak, "warmup_steps": p["boundaries"][0]}
    kwargs |= {k: v for k, v in decay.items() if k != "init_value"}
    note = "transition_begin counts from the end of the warm-up"
    return Mapped(Call("warmup_exponential_decay_schedule", kwargs), note)


def sgdr_of_warmup_cosines(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    parts, cycles, end = p["schedules"], [], 0.0
    for spec, boundary in zip(parts, [*p["boundaries"], None], strict=True):
        if spec["formula"] != "warmup_cosine":
            raise NotExpressible("sgdr_schedule joins warmup_cosine_decay_schedule cycles only")
        kwargs = warmup_cosine_decay_schedule(spec, ctx).call.kwargs
        end += kwargs["decay_steps"]
        if boundary is not None and boundary != end:
            raise NotExpressible("sgdr_schedule starts each cycle where the previous one's decay_steps end")
        cycles.append(dict(kwargs))
    return Mapped(Call("sgdr_schedule", {"cosine_kwargs": cycles}), "each cycle's decay_steps includes its warm-up")


def cyclic_knots(spec: Mapping[str, Any], ctx: Ctx) -> Mapping[str, Any] | None:
    """A cycle whose amplitude is constant is linear between its start, peak and end (reference.unrolled), up to
    :data:`MAX_PIECES` cycles. ``exp_range`` with ``scale_mode="cycle"`` (peaks ``gamma**c``) would unroll too but is
    left unmapped: mapping it adds results, and its ``x64`` probe needs the expectation the other cycles have."""
    if spec["mode"] == "exp_range":
        return None
    _pieces(ctx.last_step // (spec["step_size_up"] + spec["step_size_down"]), "cyclic cycles")
    return unrolled.cyclic_as_interpolate(spec, last_step=ctx.last_step)


#: formula -> optax APIs in order of preference (closest first); the ``via`` ones map the formula through a
#: reference identity. HINT_ONLY APIs are used only when a case asks for them (``hints.optax.api``).
# fmt: off
BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "constant": (("constant_schedule", constant_schedule),),
    "step_decay": (
        ("exponential_decay", via("step_decay", lambda s, ctx: identities.step_decay_as_exponential(s),
                                  refusal="exponential_decay's staircase counts from step 0 (transition_begin cannot "
                                  "be negative) and its decay_rate must not be zero")),
        ("piecewise_constant_schedule", step_piecewise_constant),
    ),
    "multi_step": (("piecewise_constant_schedule", multi_step_piecewise_constant),),
    "piecewise_constant": (
        ("piecewise_constant_schedule", piecewise_constant_scales),
        ("join_schedules", piecewise_constant_join),
    ),
    "exponential": (("exponential_decay", exponential_decay),),
    "natural_exp": (
        ("exponential_decay", via("natural_exp", lambda s, ctx: identities.natural_exp_as_exponential(s),
                                  "exp(-r t/D) is exponential_decay with decay_rate = exp(-r)",
                                  "exp(-decay_rate) underflows to 0, a decay_rate exponential_decay refuses")),
    ),
    "factor_decay": (
        ("exponential_decay", via("factor_decay",
                                  lambda s, ctx: unrolled.factor_decay_as_exponential(s, last_step=ctx.last_step),
                                  refusal="exponential_decay's end_value bounds a decay (decay_rate < 1) from below, "
                                  "from an init_value at or above it; the case's floor is another bound")),
    ),
    "polynomial": (("polynomial_schedule", polynomial_schedule),),
    "linear": (("linear_schedule", linear_schedule),),
    "linear_warmup": (("warmup_constant_schedule", warmup_constant_schedule),),
    "cosine": (("cosine_decay_schedule", cosine_decay_schedule),),
    "warmup_cosine": (
        ("warmup_cosine_decay_schedule", warmup_cosine_decay_schedule),
        (FLAX_GUIDE_API, create_learning_rate_fn),
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
# fmt: on
HINT_ONLY = {
    ("warmup_cosine", FLAX_GUIDE_API),
    ("interpolate", "cosine_onecycle_schedule"),
    ("interpolate", "linear_onecycle_schedule"),
}
#: Formulas optax has no schedule for, and why (``cyclic`` where its cycles do not unroll).
UNMAPPED = {
    "inverse_time": "optax has no inverse-time schedule",
    "inverse_sqrt": "optax has no inverse-square-root schedule",
    "product": "optax has no product of schedules",
    "reduce_on_plateau": "optax.contrib.reduce_on_plateau scales updates from reported losses; it is no schedule",
    "cyclic": "optax has no cyclic schedule; cycles unroll into knots only where their amplitude is constant "
    "(triangular, or triangular2 with scale_mode 'cycle')",
}
#: The keyword parameters of every optax API a case can reach (optax 0.2.8's signatures; 0.2.6 has the
#: same): the Renamed bindings' keywords, and the others'. ``hints.optax.kwargs`` may pass only these: its
#: keys are pasted into the program. Checked against the installed optax by ``cases/test_hint_keywords.py``.
KEYWORDS = {
    b.api: frozenset(b.kwargs)
    for b in (constant_schedule, exponential_decay, polynomial_schedule, linear_schedule, warmup_constant_schedule,
              warmup_cosine_decay_schedule)
} | keyword_table(
    {
        "piecewise_constant_schedule": "init_value boundaries_and_scales",
        "join_schedules": "schedules boundaries",
        "cosine_decay_schedule": "init_value decay_steps alpha exponent",
        "sgdr_schedule": "cosine_kwargs",
        "piecewise_interpolate_schedule": "interpolate_type init_value boundaries_and_scales",
        "cosine_onecycle_schedule": "transition_steps peak_value pct_start div_factor final_div_factor",
        "linear_onecycle_schedule": "transition_steps peak_value pct_start pct_final div_factor final_div_factor",
        "warmup_exponential_decay_schedule": "init_value peak_value warmup_steps transition_steps decay_rate "
        "transition_begin staircase end_value",
    }
)  # fmt: skip


def _config_problem(config: dict[str, Any]) -> str:
    counts = all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < math.inf for v in config.values())
    if set(config) != {"warmup_epochs", "num_epochs"} or not counts:
        return f"must be {{warmup_epochs, num_epochs}}, numbers >= 0, got {config!r}"
    return ""


_PROGRAM = """\
import jax
import jax.numpy as jnp
import numpy as np
import optax
{prologue}{prelude}

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
        return (sgd_state, injected_state), (moved, injected_state.hyperparams["learning_rate"]{kept})

    _, rates = jax.lax.scan(update, (sgd.init(params), injected.init(params)), length={updates})
    return rates


{read}"""

_READ = "applied, injected = (np.asarray(rates) for rates in train())\n"

#: A program that resumes also has the scan yield the training state after each update, and saves it after k
#: updates as optax users without Flax do: the leaves of ``(params, opt_state)``, in order, through ``np.savez``.
_KEPT = ", (params, sgd_state, injected_state)"
_SAVE = """\
applied, injected, after = train()  # after[t]: the training state (params, both optimizers' states) after update t
applied, injected = np.asarray(applied), np.asarray(injected)
for k in resume_at:  # a checkpoint after k updates: the state's leaves as plain NumPy arrays
    state = jax.tree_util.tree_map(lambda stacked: np.asarray(stacked[k - 1]), after)
    np.savez(os.path.join(checkpoints, f"{k}.npz"), *jax.tree_util.tree_leaves(state))
"""

#: Both ways build new optimizers in the new interpreter and continue the jitted scan from ``k`` to the last step.
_RESTORE = """
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
{prelude}

def make_schedule():
    return {schedule}


grads = jnp.ones((), jnp.float32)
sgd = optax.sgd(make_schedule())
injected = optax.inject_hyperparams(optax.sgd)(learning_rate=make_schedule())


@functools.partial(jax.jit, static_argnames="length")
def continued(params, states, length):
    '''`length` more updates of both optimizers from their states, made as the first run's scan makes them.'''

    def update(states, _):
        updates, sgd_state = sgd.update(grads, states[0], params)
        injected_updates, injected_state = injected.update(grads, states[1], params)
        moved = -optax.apply_updates(params, updates)
        injected_moved = -optax.apply_updates(params, injected_updates)
        return (sgd_state, injected_state), (moved, injected_moved, injected_state.hyperparams["learning_rate"])

    return jax.lax.scan(update, states, length=length)[1]


def checkpoint(k):
    '''The state saved after k updates: np.load's arrays in the structure of new (params, sgd.init, injected.init).'''
    params = jnp.zeros((), jnp.float32)
    template = (params, sgd.init(params), injected.init(params))
    with np.load(os.path.join(folder, f"{{k}}.npz")) as saved:
        leaves = [saved[f"arr_{{i}}"] for i in range(len(saved.files))]
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(template), leaves)


def rates_from(k, params, sgd_state, injected_state):
    '''The rates optax.sgd applies at the compared steps from k on; inject_hyperparams(optax.sgd), continued from
    its own state, must apply and report the same ones (else this raises, naming the first step that differs).'''
    applied, *others = (np.asarray(r) for r in continued(params, (sgd_state, injected_state), last + 1 - k))
    for what, other in zip(("applies", "reports"), others):
        off = np.flatnonzero(other != applied)
        if off.size:
            raise AssertionError(
                f"inject_hyperparams(optax.sgd) {{what}} {{float(other[off[0]])!r}} at step {{k + int(off[0])}}, "
                f"optax.sgd applies {{float(applied[off[0]])!r}}"
            )
    return [float(rate) for step, rate in enumerate(applied, start=k) if step in compared]


def restored(k):
    '''Both optimizers' states as np.load reads them: the schedule continues from the restored count.'''
    return rates_from(k, *checkpoint(k))


def reinit(k):
    '''The parameters restored, the optimizers' states from init again: their counts restart at 0.'''
    params = checkpoint(k)[0]
    return rates_from(k, params, sgd.init(params), injected.init(params))
"""
#: The ways of resuming: the optimizers' states restored, and ``init`` called again on the restored parameters.
RESUME_WAYS = ("restored", "reinit")
#: The first run's rates before k: ``applied`` is recorded per update, the probes hold the compared steps.
RESUME_PREFIX = "applied[compared_steps]"


_PYTHON_PROBE = """\
per_step = make_schedule()
python = np.array([np.asarray(per_step(int(t))) for t in steps])  # a Python int, as in optax's docstrings
"""

SETUP = {
    "count": "int32 steps; schedule: jax.vmap eager, jit: jax.jit(jax.vmap), python: one call per Python int, "
    "x64: jax.jit(jax.vmap) inside jax.enable_x64(True)",
    "optimizer": "optax.sgd(schedule) and optax.inject_hyperparams(optax.sgd)(learning_rate=schedule)",
    "parameter": "one float32 scalar held at 0, gradient 1, updates inside one jitted lax.scan",
    "read": "applied: -(parameter after update t); injected: state.hyperparams['learning_rate'] after update t",
}
RESUME_SETUP = (
    "after k updates np.savez of the leaves of (params, sgd state, inject_hyperparams state); in a new interpreter "
    "restored: the leaves unflattened into the structure of a new init, reinit: the params restored and init called "
    "again; then the rest of the jitted scan; the probe is optax.sgd's applied rate, inject_hyperparams' applied "
    "and reported rates must equal it"
)


class OptaxAdapter(ProgramAdapter):
    """``optax.schedules`` on jax (CPU)."""

    name = "optax"
    distribution = "optax"
    module = "optax"
    namespace = "optax"
    kernels = "jax"
    what = "optax schedule"
    bindings = BINDINGS
    hint_only = HINT_ONLY
    unmapped = UNMAPPED
    rewrites: ClassVar[Mapping[str, Rewrite]] = {"cyclic": cyclic_knots}
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

    def qualified(self, call: Call) -> str:
        return f"flax guide {call.api}" if call.api == FLAX_GUIDE_API else super().qualified(call)

    def render(self, call: Call, indent: str = "") -> str:
        if call.api == FLAX_GUIDE_API:
            return f"{call.api}(config, {call.kwargs['base_learning_rate']!r}, {call.kwargs['steps_per_epoch']!r})"
        if not call.parts:
            return f"optax.{call.api}({call.arguments()})"
        inner, args = (
            "".join(f"{indent}        {self.render(p, indent + '    ')},\n" for p in call.parts),
            call.arguments(),
        )
        return f"optax.{call.api}(\n{indent}    schedules=[\n{inner}{indent}    ],\n{indent}    {args},\n{indent})"

    def hinted(self, mapped: Mapped, ctx: Ctx) -> Mapped:
        """``hints.optax.kwargs`` passed over the translated keyword arguments: keywords of the API only."""
        extra = ctx.hint.get("kwargs", {})
        accepted = KEYWORDS.get(mapped.call.api, frozenset())
        foreign = sorted(set(extra) - accepted)
        if foreign:
            raise HintError(
                "hints.optax.kwargs", f"{foreign} are no keywords of {self.qualified(mapped.call)}: {sorted(accepted)}"
            )
        if not extra:
            return mapped
        note = "; ".join(n for n in (mapped.note, f"kwargs from hints.optax: {dict(extra)}") if n)
        return replace(mapped, call=replace(mapped.call, kwargs={**mapped.call.kwargs, **extra}), note=note)

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        probes, python, skipped = PROBES, _PYTHON_PROBE, ""
        if case.steps.size > PYTHON_PROBE_MAX_STEPS:
            probes, python = tuple(p for p in PROBES if p.name != "python"), ""
            skipped = f"no python probe: {case.steps.size} steps exceed {PYTHON_PROBE_MAX_STEPS} one-by-one eager calls"
        prelude = mapped.extra.get("prelude", "")
        prelude = f"\n{prelude}" if prelude else ""
        schedule = self.render(mapped.call, "    ")
        source = _PROGRAM.format(
            prologue=RESUME_PROLOGUE.format(points=list(case.resume)) if case.resume else "",
            python=python,
            prelude=prelude,
            schedule=schedule,
            steps=steps_source(case.steps),
            updates=ctx.last_step + 1,
            kept=_KEPT if case.resume else "",
            read=_SAVE if case.resume else _READ,
        )
        setup = dict(SETUP)
        if case.resume:
            # the Flax guide's docstring would end the string the restoring source is embedded in
            restore = _RESTORE.format(prelude=prelude.replace('"""', "'''"), schedule=schedule)
            source += resume_epilogue(case, RESUME_WAYS, restore, prefix=RESUME_PREFIX)
            probes = (*probes, *(replace(p, dtype="float32") for p in resume_probes(case, RESUME_WAYS)))
            setup["resume"] = RESUME_SETUP
        return source, setup, probes, "; ".join(n for n in (mapped.note, skipped) if n)
