"""timm: ``timm.scheduler`` driven both ways timm's ``train.py`` drives it.

timm's schedulers are stateless in ``t``: the training loop passes the epoch to ``step(epoch)`` (built with
``t_in_epochs=True``) at the end of each epoch, or the number of updates to ``step_update(num_updates)``
(``t_in_epochs=False``) after each update, and the scheduler sets the optimizer's rate from that ``t`` alone.
Every case becomes one program (the reproducer) on plain SGD over one float64 parameter whose gradient is 1:

- ``schedule``: built with ``t_in_epochs=True``, ``step(t)`` before epoch ``t`` (none before epoch 0: the
  constructor sets its rate), the optimizer's ``param_groups[0]["lr"]`` read at each compared step;
- ``updates``: the same with ``t_in_epochs=False`` and ``step_update(t)``; ``applied``: the update
  ``optimizer.step()`` then makes (the parameter moves by exactly ``-lr``);
- ``shuffled``: statelessness: a new scheduler stepped at the compared steps in a shuffled order, each twice;
  the value for ``t`` is read after its second call and must equal the first (else the first is recorded);
- ``noise`` (with ``hints.timm.noise``): two runs with the same ``noise_seed`` must agree, each rate must lie
  within ``noise_pct`` of the rate without noise inside ``noise_range_t`` and equal it outside; where all
  holds the noiseless rate is recorded (so it is compared with the reference), else the noisy one.

``PlateauLRScheduler`` has no per-update drive (``step_update`` does nothing): its ``applied`` probe follows
the epochs, stepped with ``step(epoch, metric)`` as ``train.py`` does. Resume points (``resume = [k]``): a
checkpoint of the optimizer's and the scheduler's ``state_dict`` after ``k`` updates, restored in a new
interpreter two ways: ``restored`` (new objects, both ``load_state_dict``, stepping on from ``k + 1``) and
``rebuilt`` (as ``train.py`` resumes: the optimizer restored, the scheduler built anew on it, then stepped at
``k``; timm keeps the base rate in the optimizer's ``initial_lr``, so this is where a resume can go wrong).
"""

from __future__ import annotations

from collections.abc import Mapping
from textwrap import indent
from typing import Any, ClassVar

from model.adapter import NotExpressible, Probe, py
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
    api_hint,
    as_int,
    resume_epilogue,
    resume_probes,
    steps_source,
)

__all__ = ["TimmAdapter"]

#: The keys of ``hints.timm.noise`` and the scheduler arguments they become.
NOISE_KEYS = {"range_t": "noise_range_t", "pct": "noise_pct", "seed": "noise_seed"}


def _int(key: str, api: str) -> Any:
    return lambda p: as_int(p[key], api, key)


def _cycles(api: str, formula: str, shape: Mapping[str, str]) -> tuple[str, Binding]:
    """A cycle scheduler (cosine, tanh, poly): the case's parameters renamed, those at their defaults left out."""
    kwargs = {"t_initial": _int("first_period", api), **shape, "lr_min": "final_lr", "cycle_mul": "cycle_mul",
              "cycle_decay": "cycle_decay", "cycle_limit": "cycle_limit", "warmup_t": _int("warmup_steps", api),
              "warmup_lr_init": "init_lr", "warmup_prefix": "warmup_prefix"}  # fmt: skip
    defaults = {"lr_min": "final_lr", "cycle_mul": "cycle_mul", "cycle_decay": "cycle_decay", **shape}
    skip = [*defaults.values(), "cycle_limit", "init_lr", "warmup_prefix"]
    binding = Renamed(api, kwargs, unless_default=skip, formula=formula)
    return api, lambda p, ctx: _peak(binding(p, ctx), p["peak_lr"], p["warmup_steps"])


def _peak(mapped: Mapped, lr: float, warmup: float = 0) -> Mapped:
    """The call, relative to the optimizer rate ``lr`` (timm's base value); ``warmup_t`` left out when 0."""
    kwargs = {k: v for k, v in mapped.call.kwargs.items() if not (k == "warmup_t" and not warmup)}
    return Mapped(Call(mapped.call.api, kwargs), mapped.note, {"lr": lr})


def create_scheduler_v2(sched: str, *, power: bool = False, k_decay: bool = True) -> tuple[str, Binding]:
    """timm's factory for a cycle scheduler: every argument passed (its defaults differ from the classes':
    ``warmup_lr=1e-5``, ``cycle_decay=0.1``); epochs are the case's steps (``updates_per_epoch=1``)."""

    def bind(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
        if sched == "tanh" and (p["lower"], p["upper"]) != (-7.0, 3.0):
            raise NotExpressible("create_scheduler_v2 leaves TanhLRScheduler's lb and ub at -7 and 3")
        api = "create_scheduler_v2"
        kwargs = {"sched": sched, "num_epochs": as_int(p["first_period"], api, "num_epochs"),
                  **({"decay_rate": p["power"]} if power else {}), "min_lr": p["final_lr"], "warmup_lr": p["init_lr"],
                  "warmup_epochs": as_int(p["warmup_steps"], api, "warmup_epochs"), "warmup_prefix": p["warmup_prefix"],
                  "cycle_mul": p["cycle_mul"], "cycle_decay": p["cycle_decay"], "cycle_limit": p["cycle_limit"],
                  **({"k_decay": p["k_decay"]} if k_decay else {})}  # fmt: skip
        return Mapped(Call(api, kwargs), extra={"lr": p["peak_lr"]})

    return "create_scheduler_v2", bind


def cosine(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """A single clamped cosine: ``CosineLRScheduler`` holds ``lr_min`` after its one cycle (``cycle_limit=1``)."""
    if p["exponent"] != 1:
        raise NotExpressible("CosineLRScheduler has no exponent")
    if p["past_end"] != "clamp" and ctx.last_step > p["decay_steps"]:
        raise NotExpressible("CosineLRScheduler restarts at the peak after t_initial; the case climbs back (periodic)")
    t = as_int(p["decay_steps"], "CosineLRScheduler", "t_initial")
    kwargs = {"t_initial": t, **({"lr_min": p["final_lr"]} if p["final_lr"] else {})}
    return Mapped(Call("CosineLRScheduler", kwargs), extra={"lr": p["init_lr"]})


def warmup_cosine(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """A linear warm-up, then a clamped cosine: ``CosineLRScheduler(warmup_prefix=True)``."""
    if p["exponent"] != 1:
        raise NotExpressible("CosineLRScheduler has no exponent")
    api = "CosineLRScheduler"
    kwargs = {"t_initial": as_int(p["decay_steps"], api, "t_initial"), "lr_min": p["final_lr"],
              "warmup_t": as_int(p["warmup_steps"], api, "warmup_t"), "warmup_lr_init": p["init_lr"],
              "warmup_prefix": True}  # fmt: skip
    return Mapped(Call(api, kwargs), extra={"lr": p["peak_lr"]})


def polynomial(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p["cycle"] or p["transition_begin"]:
        raise NotExpressible("PolyLRScheduler decays from step 0 and then holds lr_min (no cycle, no delay)")
    api = "PolyLRScheduler"
    kwargs = {"t_initial": as_int(p["decay_steps"], api, "t_initial"), "power": p["power"], "lr_min": p["end_lr"]}
    return Mapped(Call(api, kwargs), extra={"lr": p["init_lr"]})


def step_decay(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    if p["offset"]:
        raise NotExpressible("StepLRScheduler counts decay_t from step 0 (no offset)")
    return Mapped(
        Call("StepLRScheduler", {"decay_t": p["step_size"], "decay_rate": p["gamma"]}), extra={"lr": p["init_lr"]}
    )


def multi_step(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    milestones = [as_int(m, "MultiStepLRScheduler", "decay_t") for m in p["milestones"]]
    return Mapped(
        Call("MultiStepLRScheduler", {"decay_t": milestones, "decay_rate": p["gamma"]}), extra={"lr": p["init_lr"]}
    )


def plateau(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """torch's ``ReduceLROnPlateau`` inside, built with ``threshold_mode='rel'`` and ``eps=1e-8`` (not passed on)."""
    if p["threshold_mode"] != "rel" or p["eps"] != 1e-8:
        raise NotExpressible("PlateauLRScheduler passes neither threshold_mode (torch's 'rel') nor eps (1e-8)")
    api = "PlateauLRScheduler"
    kwargs = {"decay_rate": p["factor"], "patience_t": as_int(p["patience"], api, "patience_t"),
              "threshold": p["threshold"], "cooldown_t": as_int(p["cooldown"], api, "cooldown_t"),
              "lr_min": p["min_lr"], "mode": p["mode"]}  # fmt: skip
    return Mapped(Call(api, kwargs), extra={"lr": p["init_lr"]})


BINDINGS: dict[str, tuple[tuple[str, Binding], ...]] = {
    "cosine_cycles": (
        _cycles("CosineLRScheduler", "cosine_cycles", {"k_decay": "k_decay"}),
        create_scheduler_v2("cosine"),
    ),
    "tanh_cycles": (
        _cycles("TanhLRScheduler", "tanh_cycles", {"lb": "lower", "ub": "upper"}),
        create_scheduler_v2("tanh", k_decay=False),
    ),
    "poly_cycles": (
        _cycles("PolyLRScheduler", "poly_cycles", {"power": "power", "k_decay": "k_decay"}),
        create_scheduler_v2("poly", power=True),
    ),
    "cosine": (("CosineLRScheduler", cosine),),
    "warmup_cosine": (("CosineLRScheduler", warmup_cosine),),
    "polynomial": (("PolyLRScheduler", polynomial),),
    "step_decay": (("StepLRScheduler", step_decay),),
    "multi_step": (("MultiStepLRScheduler", multi_step),),
    "reduce_on_plateau": (("PlateauLRScheduler", plateau),),
}
HINT_ONLY = {(formula, "create_scheduler_v2") for formula in ("cosine_cycles", "tanh_cycles", "poly_cycles")}


def _noise_problem(value: Mapping[str, Any]) -> str:
    unknown = sorted(set(value) - set(NOISE_KEYS))
    if unknown or "range_t" not in value:
        return f"takes range_t (required), pct and seed; got {sorted(value)}"
    return ""


#: How a program imports timm.scheduler: without timm's package ``__init__``, which imports timm's models and
#: layers and with them torchvision; timm.scheduler itself needs only torch and NumPy. The only torchvision 0.28.0
#: (the release for torch 2.13.0) on PyPI for Linux is a CUDA build, which cannot load beside the CPU torch
#: (``RuntimeError: operator torchvision::nms does not exist``); the scheduler code under test is unchanged.
IMPORT = """\
import importlib.util
import sys
import types

if "timm" not in sys.modules:  # timm's __init__ imports its models (torchvision): only timm.scheduler is needed
    timm = types.ModuleType("timm")
    timm.__path__ = list(importlib.util.find_spec("timm").submodule_search_locations)
    sys.modules["timm"] = timm
"""

_PROGRAM = """\
import random

import numpy as np
import torch
{import_timm}from timm.scheduler import {api}
{prologue}{metrics}
compared = {steps}.tolist()
last = {last}


def build(t_in_epochs, state=None, **noise):
    '''SGD on one float64 parameter (gradient 1) and the scheduler; the optimizer restored from `state` first.'''
    param = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
    param.grad = torch.ones_like(param)
    optimizer = torch.optim.SGD([param], lr={lr})
    if state is not None:
        optimizer.load_state_dict(state)
    scheduler = {scheduler}
    return param, optimizer, scheduler


def rate(optimizer):
    return optimizer.param_groups[0]["lr"]


def update(param, optimizer):
    '''One update of the zeroed parameter: it moves by exactly -lr.'''
    with torch.no_grad():
        param.zero_()
    optimizer.step()
    return -param.item()


def per_epoch(**noise):
    '''step(epoch) before every epoch but the first, as timm's train.py calls it at the end of the one before.'''
    param, optimizer, scheduler = build(t_in_epochs=True, **noise)
    rates, applied = [], []
    for epoch in range(last + 1):
        if epoch:
            {epoch_call}
{save_epochs}        if epoch in compared:
            rates.append(rate(optimizer))
            applied.append(update(param, optimizer))
    return rates, applied


schedule, epoch_applied = per_epoch()
{drives}"""

_UPDATES = """
# probes updates and applied: t_in_epochs=False, step_update(num_updates) after every update
param, optimizer, scheduler = build(t_in_epochs=False)
updates, applied = [], []
for step in range(last + 1):
    if step:
        scheduler.step_update(step)
{save}    if step in compared:
        updates.append(rate(optimizer))
        applied.append(update(param, optimizer))
"""

_EPOCH_APPLIED = """
# probe applied: the updates of the epochs above
applied = epoch_applied
"""

_SHUFFLED = """
# probe shuffled: the compared steps in a shuffled order, each twice; the value for t after its second call
param, optimizer, scheduler = build(t_in_epochs=True)
first, second = {}, {}
for visit in (first, second):
    order = list(compared)
    random.Random(len(visit) + 1).shuffle(order)
    for t in order:
        scheduler.step(t)
        visit[t] = rate(optimizer)
shuffled = [second[t] if second[t] == first[t] else first[t] for t in compared]
"""

_NOISE = """
# probe noise: two runs with noise_seed agree; each rate within noise_pct of the noiseless one inside noise_range_t
NOISE = {noise}
noisy, again = per_epoch(**NOISE)[0], per_epoch(**NOISE)[0]
bounds = NOISE["noise_range_t"] if isinstance(NOISE["noise_range_t"], list) else [NOISE["noise_range_t"], last + 1]
noise = []
for t, a, b, clean in zip(compared, noisy, again, schedule):
    if bounds[0] <= t < bounds[1]:
        held = a == b and abs(a - clean) < {pct} * clean
    else:
        held = a == b == clean
    noise.append(clean if held else a)
"""

_SAVE = """\
    if {var} in resume_at:  # a checkpoint after `{var}` updates
        state = {{"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}}
        torch.save(state, os.path.join(checkpoints, f"{{{var}}}.pt"))
"""

_RESTORE = """
import random

import torch
{import_timm}from timm.scheduler import {api}
{metrics}
{build}

def continued(k, param, optimizer, scheduler):
    '''The rates the optimizer applies at the compared steps from k on, stepped as the training loop does.'''
    rates = []
    for step in range(k, last + 1):
        if step > k:
            {step_call}
        if step in compared:
            rates.append(update(param, optimizer))
    return rates


def restored(k):
    '''New objects, then optimizer.load_state_dict and scheduler.load_state_dict of what torch.load reads.'''
    param, optimizer, scheduler = build({epochs})
    state = torch.load(os.path.join(folder, f"{{k}}.pt"))
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return continued(k, param, optimizer, scheduler)


def rebuilt(k):
    '''As timm's train.py resumes: the optimizer restored, the scheduler built on it, then stepped at k.'''
    state = torch.load(os.path.join(folder, f"{{k}}.pt"))
    param, optimizer, scheduler = build({epochs}, state=state["optimizer"])
    {resume_call}
    return continued(k, param, optimizer, scheduler)
"""
RESUME_WAYS = ("restored", "rebuilt")


class TimmAdapter(ProgramAdapter):
    """``timm.scheduler`` with ``torch.optim.SGD``."""

    name = "timm"
    distribution = "timm"
    module = "timm.scheduler"
    import_source = f"{IMPORT}import timm.scheduler\n"
    namespace = "timm.scheduler"
    kernels = None  # timm computes in Python floats (math.cos, math.tanh), applied exactly by float64 SGD
    what = "timm scheduler"
    bindings = BINDINGS
    hint_only = HINT_ONLY
    hint_keys: ClassVar[HintKeys] = {
        "timm": {
            "api": api_hint(BINDINGS, "the scheduler to use where several express the formula (create_scheduler_v2)"),
            "noise": HintKey("a table", "noise_range_t (range_t), noise_pct (pct), noise_seed (seed)", _noise_problem),
        }
    }

    def render(self, call: Call, indent: str = "") -> str:
        if call.api == "create_scheduler_v2":
            return f"{call.api}(optimizer, {call.arguments()}, step_on_epochs=t_in_epochs, updates_per_epoch=1)[0]"
        if call.api == "PlateauLRScheduler":  # per epoch only: it takes no t_in_epochs
            return f"{call.api}(optimizer, {call.arguments()})"
        return f"{call.api}(optimizer, {call.arguments()}, t_in_epochs=t_in_epochs, **noise)"

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        api, last, lr = mapped.call.api, ctx.last_step, mapped.extra["lr"]
        per_epoch_only = api == "PlateauLRScheduler"
        metrics = case.params.get("metrics") if case.formula == "reduce_on_plateau" else None
        if metrics is not None and last > len(metrics):
            raise NotExpressible(
                f"PlateauLRScheduler needs a metric per epoch: {len(metrics)} metrics for {last} steps"
            )
        noise = self._noise(case, api)
        epoch_call = "scheduler.step(epoch, metrics[epoch - 1])" if metrics is not None else "scheduler.step(epoch)"
        save_epochs = indent(_SAVE.format(var="epoch"), "    ") if case.resume and per_epoch_only else ""
        drives = (
            _EPOCH_APPLIED if per_epoch_only else _UPDATES.format(save=_SAVE.format(var="step") if case.resume else "")
        )
        probes = [Probe("schedule")] + ([] if per_epoch_only else [Probe("updates")]) + [Probe("applied")]
        if not per_epoch_only:
            drives += _SHUFFLED
            probes.append(Probe("shuffled"))
        if noise:
            drives += _NOISE.format(noise=py(noise), pct=noise.get("noise_pct", 0.67))
            probes.append(Probe("noise"))
        metrics_source = f"\nmetrics = {py(metrics)}\n" if metrics is not None else ""
        source = _PROGRAM.format(
            api=api,
            import_timm=IMPORT,
            prologue=RESUME_PROLOGUE.format(points=list(case.resume)) if case.resume else "",
            metrics=metrics_source,
            steps=steps_source(case.steps),
            last=last,
            lr=py(lr),
            scheduler=self.render(mapped.call),
            epoch_call=epoch_call,
            save_epochs=save_epochs,
            drives=drives,
        )
        if case.resume:
            build = source[source.index("def build(") : source.index("def per_epoch(")]
            step_call = epoch_call.replace("epoch", "step") if per_epoch_only else "scheduler.step_update(step)"
            resume_call = "scheduler.step(k)" if per_epoch_only else "scheduler.step_update(k)"
            restore = _RESTORE.format(api=api, import_timm=IMPORT, metrics=metrics_source, build=build,
                                      step_call=step_call, epochs=f"t_in_epochs={per_epoch_only}",
                                      resume_call=resume_call)  # fmt: skip
            source += resume_epilogue(case, RESUME_WAYS, restore, prefix="applied")
            probes += resume_probes(case, RESUME_WAYS)
        setup = {
            "optimizer": "torch.optim.SGD",
            "optimizer_kwargs": {"lr": lr},
            "parameter": "one float64 scalar, gradient 1, zeroed before each update",
            "read": "optimizer.param_groups[0]['lr'] after step(epoch) (t_in_epochs=True) or step_update(num_updates) "
            "(t_in_epochs=False), none before t = 0; then optimizer.step()",
            **({} if metrics is None else {"metrics": list(metrics)}),
            **({"noise": noise} if noise else {}),
        }
        return source, setup, tuple(probes), mapped.note

    def _noise(self, case: Case, api: str) -> dict[str, Any]:
        """The scheduler's noise arguments from ``hints.timm.noise`` (none without it)."""
        hint = self.hint(case).get("noise")
        if not hint:
            return {}
        if api in ("create_scheduler_v2", "PlateauLRScheduler"):
            raise HintError("hints.timm.noise", f"is for the stateless scheduler classes, not {api}")
        return {NOISE_KEYS[k]: v for k, v in hint.items()}
