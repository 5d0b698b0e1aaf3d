"""The legacy tf.keras (Keras 2) optimizer's own ``decay=`` argument.

``tf.keras.optimizers.legacy.SGD(learning_rate, decay=d)`` applies, at the update with
index ``k`` (``k`` = updates already applied, cast to float32)::

    lr_k = learning_rate / (1 + d * k)

(``keras/src/optimizers/legacy/optimizer_v2.py``, ``_decayed_lr``): the reference
``inverse_time`` with ``decay_steps=1, decay_rate=d``. The "new" Keras 2 optimizers
(``tf.keras.optimizers.SGD`` in TF 2.11-2.15) reject ``decay=`` with a ValueError pointing to
the legacy ones, and Keras 3 ignores it with a warning, so a migration replaces it with the
schedule ``InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=d)``.

Probes, from one program (see ``adapters._tf``), all float32, one update per step:

- ``schedule``: ``optimizer._decayed_lr(tf.float32)``, the rate the coming update will use;
- ``applied``: the rate the update applied (a parameter with gradient 1 moves by ``-lr``);
- ``inverse_time_decay``: the rate applied by the migration,
  ``tf.keras.optimizers.SGD(InverseTimeDecay(learning_rate, 1, d))``, so that the legacy
  ``decay=`` and its documented replacement are checked against one reference;
- ``checkpoint_at_<k>`` (cases with resume points): the legacy optimizer and its parameter saved in a
  ``tf.train.Checkpoint`` after ``k`` updates, restored into new ones in a new interpreter, which continue
  (:func:`adapters._tf.checkpoint_resume`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import reference
from model.adapter import NotExpressible, Probe, py
from model.case import Case
from model.hints import HintKeys

from ._base import Call, Ctx, Mapped, ProgramAdapter
from ._tf import checkpoint_resume, update_loop

__all__ = ["KerasLegacyAdapter"]

API = "SGD"
REPLACEMENT = "tf.keras.optimizers.schedules.InverseTimeDecay"


def constant_sgd(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    return Mapped(Call(API, {"learning_rate": p["value"], "decay": 0.0}))


def inverse_time_sgd(p: Mapping[str, Any], ctx: Ctx) -> Mapped:
    """``learning_rate`` and ``decay`` for continuous inverse-time decay (decay counts single updates)."""
    if p["staircase"]:
        raise NotExpressible("the legacy optimizer's decay= is continuous in the update count; a staircase is not")
    steps, rate = p["decay_steps"], p["decay_rate"]
    if steps == 1:
        return Mapped(Call(API, {"learning_rate": p["init_lr"], "decay": rate}))
    note = f"decay = decay_rate / decay_steps = {rate!r} / {steps!r}: the optimizer's decay counts single updates"
    return Mapped(Call(API, {"learning_rate": p["init_lr"], "decay": rate / steps}), note)


_PREAMBLE = """\
import numpy as np
import tensorflow as tf
"""

_LEGACY = """\
# probes "schedule" and "applied": the legacy optimizer with its own decay=
"""

_REPLACEMENT = """\
# probe "inverse_time_decay": the documented replacement of decay=, in the new tf.keras optimizer
"""

#: float32, one value per update.
PROBES = tuple(Probe(name, per="update", dtype="float32") for name in ("schedule", "applied", "inverse_time_decay"))


class KerasLegacyAdapter(ProgramAdapter):
    """``tf.keras.optimizers.legacy.SGD(learning_rate, decay=...)`` (Keras 2, TensorFlow <= 2.15)."""

    name = "keras-legacy"
    distribution = "keras"
    module = "tensorflow"
    namespace = "tf.keras.optimizers.legacy"
    kernels = None  # TensorFlow's element-wise kernels are compiled for AVX, with no runtime choice
    hint_keys: ClassVar[HintKeys] = {}  # reads no hints
    what = "legacy optimizer decay"
    bindings: ClassVar[Mapping[str, Any]] = {
        "constant": ((API, constant_sgd),),
        "inverse_time": ((API, inverse_time_sgd),),
    }
    unmapped: ClassVar[Mapping[str, str]] = {
        formula: f"the legacy optimizer's own decay= is inverse-time decay only; {formula!r} needs a schedule object "
        "as learning_rate (adapter keras)"
        for formula in reference.FORMULAS
        if formula not in ("constant", "inverse_time")
    }

    def render(self, call: Call, indent: str = "") -> str:
        return f"{self.qualified(call)}({call.arguments()})"

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        lr, decay, count = mapped.call.kwargs["learning_rate"], mapped.call.kwargs["decay"], ctx.last_step + 1
        migration = f"{REPLACEMENT}({py(lr)}, decay_steps=1, decay_rate={py(decay)})"
        legacy = _LEGACY + update_loop(
            self.render(mapped.call), count, rate=("schedule", "optimizer._decayed_lr(tf.float32)")
        )
        replacement = _REPLACEMENT + update_loop(
            f"tf.keras.optimizers.SGD(learning_rate={migration})", count, applied="inverse_time_decay"
        )
        setup = {
            "optimizer": self.qualified(mapped.call),
            "optimizer_kwargs": dict(mapped.call.kwargs),
            "parameter": "one float32 scalar, gradient 1, zeroed before each update",
            "read": "optimizer._decayed_lr(tf.float32) before each update; applied rate = -parameter after it; "
            "updates run in one tf.function",
            "replacement": f"tf.keras.optimizers.SGD({migration})",
        }
        blocks, probes = [_PREAMBLE, legacy, replacement], PROBES
        if case.resume:
            block, resumed = checkpoint_resume(case, _PREAMBLE, self.render(mapped.call))
            blocks, probes = [*blocks, block], probes + resumed
        return "\n".join(blocks), setup, probes, mapped.note
