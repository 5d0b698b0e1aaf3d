"""TF-Addons: ``tfa.optimizers.CyclicalLearningRate`` and its three subclasses.

TF-Addons (end of life, TensorFlow < 2.16) computes, in the dtype of
``initial_learning_rate`` (float32 for a Python float)::

    cycle = floor(1 + step / (2 * step_size))
    x = |step / step_size - 2 * cycle + 1|
    lr = initial + (maximal - initial) * max(0, 1 - x) * scale_fn(cycle or step)

which is the reference ``cyclic`` with ``step_size_up = step_size_down = step_size``
(``tensorflow_addons/optimizers/cyclical_learning_rate.py``). ``scale_fn`` gets the cycle
(``scale_mode="cycle"``) or the raw, uncast step (``"iterations"``).

Probes, each run separately (see ``adapters._tf``):

- ``schedule``: the schedule called once on the case's steps as a NumPy int64 array, as
  seed 003 plots it (``lr = clr(np.arange(...))``);
- ``applied``: ``tf.keras.optimizers.SGD(clr)`` as seed 003 trains, one update per step on a
  float32 parameter whose gradient is 1. This optimizer passes its int64 ``iterations``.
- ``checkpoint_at_<k>`` (cases with resume points): that optimizer and its parameter saved in a
  ``tf.train.Checkpoint`` after ``k`` updates, restored into new ones in a new interpreter, which continue
  (:func:`adapters._tf.checkpoint_resume`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import reference
from model.adapter import Code, NotExpressible, OtherVariant, Probe, py
from model.case import Case
from model.hints import HintError, HintKey, HintKeys, one_of

from ._base import Binding, Call, Ctx, Mapped, ProgramAdapter, steps_source
from ._tf import checkpoint_resume, update_loop

__all__ = ["TfaAdapter"]

BASE = "CyclicalLearningRate"
#: reference mode -> the TF-Addons subclass that fixes its scale_fn
SUBCLASSES = {
    "triangular": "TriangularCyclicalLearningRate",
    "triangular2": "Triangular2CyclicalLearningRate",
    "exp_range": "ExponentialCyclicalLearningRate",
}
#: the subclasses' default scale_mode (the base class defaults to "cycle")
DEFAULT_SCALE_MODE = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}
#: reference mode -> scale_fn source for the base class, spelled as seed 003 and the TF-Addons docs do
SCALE_FN = {
    "triangular": "lambda x: 1.",
    "triangular2": "lambda x: 1/(2.**(x-1))",
    "exp_range": "lambda x: {gamma!r}**x",
}


def binding(api: str) -> Binding:
    """The binding of TF-Addons class ``api``: its keyword arguments for completed ``cyclic`` parameters."""

    def bind(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
        mode, gamma = p["mode"], p["gamma"]
        if api not in (BASE, SUBCLASSES[mode]):
            problem = f"tfa.optimizers.{api} does not compute mode {mode!r} (use {SUBCLASSES[mode]} or {BASE})"
            if ctx.hint.get("api") == api:
                raise HintError("hints.tfa.api", problem)
            raise OtherVariant(problem)
        if p["step_size_down"] != p["step_size_up"]:
            raise NotExpressible(
                f"TF-Addons cycles are symmetric (one step_size for the rise and the fall); "
                f"the case rises for {p['step_size_up']!r} steps and falls for {p['step_size_down']!r}"
            )
        kwargs: dict[str, Any] = {
            "initial_learning_rate": p["base_lr"],
            "maximal_learning_rate": p["max_lr"],
            "step_size": p["step_size_up"],
        }
        if api == BASE:
            kwargs["scale_fn"] = Code(SCALE_FN[mode].format(gamma=gamma))
        scale_mode = p["scale_mode"] or DEFAULT_SCALE_MODE[mode]
        if scale_mode != ("cycle" if api == BASE else DEFAULT_SCALE_MODE[mode]):
            kwargs["scale_mode"] = scale_mode
        if mode == "exp_range" and api != BASE:
            kwargs["gamma"] = gamma
        return Mapped(Call(api, kwargs))

    return bind


_PREAMBLE = """\
import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa

clr = tfa.optimizers.{cls}(
{args}
)
"""

_SCHEDULE = """\
# probe "schedule": one call on the whole step array (NumPy int64), as seed 003 plots it
steps = {steps}
schedule = clr(steps).numpy().tolist()
"""

_APPLIED = """\
# probe "applied": tf.keras.optimizers.SGD(clr), as seed 003 trains; it passes its int64 iterations
"""

#: Both computed in float32: the schedule at the compared steps, the applied rate per update.
PROBES = (Probe("schedule", dtype="float32"), Probe("applied", per="update", dtype="float32"))


class TfaAdapter(ProgramAdapter):
    """``tfa.optimizers.*CyclicalLearningRate`` (TF-Addons 0.23, Keras 2)."""

    name = "tfa"
    distribution = "tensorflow-addons"
    module = "tensorflow_addons"
    namespace = "tfa.optimizers"
    kernels = None  # TensorFlow's element-wise kernels are compiled for AVX, with no runtime choice
    what = "TF-Addons schedule"
    bindings: ClassVar[Mapping[str, Any]] = {
        "cyclic": tuple((api, binding(api)) for api in (*SUBCLASSES.values(), BASE))
    }
    hint_only = frozenset({("cyclic", BASE)})
    unmapped: ClassVar[Mapping[str, str]] = {
        formula: f"TF-Addons schedules only cyclical rates (CyclicalLearningRate), not {formula!r}"
        for formula in reference.FORMULAS
        if formula != "cyclic"
    }
    hint_keys: ClassVar[HintKeys] = {
        "tfa": {
            "api": HintKey(
                "a string",
                f"the class to call: {BASE} (the base class, with seed 003's scale_fn) or the mode's subclass",
                one_of({BASE, *SUBCLASSES.values()}),
            )
        }
    }

    def render(self, call: Call, indent: str = "") -> str:
        args = "\n".join(f"    {k}={py(v)}," for k, v in call.kwargs.items())
        return _PREAMBLE.format(cls=call.api, args=args)

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        schedule = _SCHEDULE.format(steps=steps_source(case.steps))
        applied = _APPLIED + update_loop("tf.keras.optimizers.SGD(learning_rate=clr)", ctx.last_step + 1)
        setup = {
            "schedule": "clr(steps) once, steps a NumPy int64 array",
            "optimizer": "tf.keras.optimizers.SGD",
            "optimizer_kwargs": {"learning_rate": "the schedule"},
            "parameter": "one float32 scalar, gradient 1, zeroed before each update",
            "read": "applied rate = -parameter after each update, updates run in one tf.function",
        }
        blocks, probes = [self.render(mapped.call), schedule, applied], PROBES
        if case.resume:
            block, resumed = checkpoint_resume(
                case, self.render(mapped.call), "tf.keras.optimizers.SGD(learning_rate=clr)"
            )
            blocks, probes = [*blocks, block], probes + resumed
        return "\n".join(blocks), setup, probes, mapped.note
