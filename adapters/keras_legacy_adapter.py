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
  ``decay=`` and its documented replacement are checked against one reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from model.adapter import NotExpressible, Plan, Trajectory, py
from model.case import Case
from model.hints import HintKeys

from ._tf import Program, update_loop

__all__ = ["KerasLegacyAdapter"]

API = "tf.keras.optimizers.legacy.SGD"
REPLACEMENT = "tf.keras.optimizers.schedules.InverseTimeDecay"


def optimizer_kwargs(formula: str, p: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """``learning_rate`` and ``decay`` for a constant or continuous inverse-time case, and a mapping note."""
    if formula == "constant":
        return {"learning_rate": p["value"], "decay": 0.0}, ""
    if formula != "inverse_time":
        raise NotExpressible(
            f"the legacy optimizer's own decay= is inverse-time decay only; {formula!r} needs a schedule object "
            "as learning_rate (adapter keras)"
        )
    if p.get("staircase"):
        raise NotExpressible("the legacy optimizer's decay= is continuous in the update count; a staircase is not")
    steps, rate = p["decay_steps"], p["decay_rate"]
    if steps == 1:
        return {"learning_rate": p["init_lr"], "decay": rate}, ""
    note = f"decay = decay_rate / decay_steps = {rate!r} / {steps!r}: the optimizer's decay counts single updates"
    return {"learning_rate": p["init_lr"], "decay": rate / steps}, note


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


class KerasLegacyAdapter:
    """``tf.keras.optimizers.legacy.SGD(learning_rate, decay=...)`` (Keras 2, TensorFlow <= 2.15)."""

    name = "keras-legacy"
    distribution = "keras"
    module = "tensorflow"
    kernels = None  # TensorFlow's element-wise kernels are compiled for AVX, with no runtime choice
    hint_keys: ClassVar[HintKeys] = {}  # reads no hints

    def plan(self, case: Case) -> Plan:
        kwargs, note = optimizer_kwargs(case.formula, case.params)
        lr, decay = kwargs["learning_rate"], kwargs["decay"]
        count = int(case.steps[-1]) + 1
        legacy = f"{API}(learning_rate={py(lr)}, decay={py(decay)})"
        migration = f"{REPLACEMENT}({py(lr)}, decay_steps=1, decay_rate={py(decay)})"
        replacement = f"tf.keras.optimizers.SGD(learning_rate={migration})"
        program = Program(
            _PREAMBLE,
            (
                (
                    ("schedule", "applied"),
                    _LEGACY + update_loop(legacy, count, rate=("schedule", "optimizer._decayed_lr(tf.float32)")),
                    True,
                ),
                (
                    ("inverse_time_decay",),
                    _REPLACEMENT + update_loop(replacement, count, applied="inverse_time_decay"),
                    True,
                ),
            ),
        )
        setup = {
            "optimizer": API,
            "optimizer_kwargs": kwargs,
            "parameter": "one float32 scalar, gradient 1, zeroed before each update",
            "read": "optimizer._decayed_lr(tf.float32) before each update; applied rate = -parameter after it; "
            "updates run in one tf.function",
            "replacement": f"tf.keras.optimizers.SGD({migration})",
        }
        return Plan(API, kwargs, setup, program.source, program.probes, note=note, private=program)

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        return plan.private.run(f"keras-legacy repro {case.id}", case.steps)
