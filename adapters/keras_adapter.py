"""Keras 3 (and Keras 2.15): ``keras.optimizers.schedules``, ``SGD`` and the rate callbacks.

One adapter per Keras backend (README, "Keras"); they differ only in their :class:`Backend`: the
``KERAS_BACKEND`` they require (checked at run time) and how a compiled call, a gradient and an update are
written. Each case becomes one standalone program (the reproducer, run by the harness). Step ``t`` is the
update made after ``t`` updates (Keras' ``iterations``), or epoch ``t`` (0-based) for callbacks; Keras
computes in ``floatx()`` = float32. The TensorFlow programs also run on Keras 2.15.

- A schedule object: ``schedule`` is the whole step array in one eager call; a schedule that takes only a
  scalar step is called once per step, with a warning in the run's record (on JAX with the persistent
  compilation cache and ``jax.clear_caches()`` every 100 steps: clearing once per program, env ``keras-jax``
  peaked at 2.5 GB, every 100 steps at 0.47 GB, the same numbers at 25 to 40 ms a step). ``tf_function`` /
  ``jit``: the schedule compiled once as ``model.fit`` compiles its train step on a CPU (``tf.function``
  without XLA, ``jax.jit``; eager torch has none), called on the step array as a backend tensor, else on each
  step as a scalar tensor. ``applied``: before each compared step ``t`` the optimizer's counter is set to
  ``t``, then one ``SGD`` update (no momentum) moves a float32 variable at 0 with gradient 1 by exactly
  ``-lr``; on TensorFlow all in one ``tf.function``'s ``tf.while_loop``, as ``model.fit`` with
  ``steps_per_execution > 1`` loops (``multi_step_on_iterator`` in ``keras/src/backend/tensorflow/trainer.py``).
- ``SGD``'s own arguments: ``schedule`` is ``optimizer.learning_rate`` read eagerly with the counter at ``t``,
  ``applied`` as above.
- A callback runs a real ``model.fit`` with one update per epoch (probes per update): ``schedule`` is the
  optimizer's rate at the epoch's update, ``applied`` how far it moved the zeroed bias (gradient exactly 1);
  ``ReduceLROnPlateau`` reads the case's metric from the epoch's logs, as ``scripted``.
"""

from __future__ import annotations

import importlib
import textwrap
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from model.adapter import Plan, Probe, Trajectory, py
from model.case import Case

from ._base import RESUME_PROLOGUE, Call, Ctx, Mapped, resume_epilogue, resume_probes, steps_source
from .keras_resume import (
    CALLBACK_WAYS,
    CHECKPOINTER,
    SCHEDULE_WAYS,
    block_line,
    callback_restore,
    embeddable,
    schedule_restore,
    schedule_save,
)
from .keras_schedules import CALLBACKS, KerasMapping

__all__ = ["Backend", "KerasAdapter", "KerasJaxAdapter", "KerasTorchAdapter"]


_STEP_BY_STEP = "return [float(fn(step)) for step in steps]"


@dataclass(frozen=True)
class Backend:
    """What differs between Keras backends in the programs."""

    name: str  # the KERAS_BACKEND value
    imports: str
    counter_dtype: str  # expression: the dtype of optimizer.iterations, as NumPy takes it
    compiled_probe: str | None  # probe name of the compiled call; None when not probed
    compiled: str  # how `lr_schedule` is compiled (once, as `compiled_schedule`), or why it is not
    compiled_call: str  # the call of `compiled_schedule` on `s`, a NumPy step or step array
    updates: str  # the updates as model.fit makes them: the list `applied`, one rate per step in `steps`
    detach: str = ""  # appended to a trainable tensor before float(): torch warns on one with a gradient
    stdlib: tuple[str, ...] = ()  # standard modules the setup imports
    setup: str = ""  # run after the imports
    step_by_step: str = _STEP_BY_STEP  # evaluates `fn` on each of `steps`, returns the list
    #: defines ``make_update(optimizer, variables)``: a function making one update as model.fit makes it, of
    #: every variable from 0 with gradient 1, and returning the rate applied (the resume points' training)
    resume_update: str = ""


_UPDATE_LOOP = """
applied = []
for step in steps:
    optimizer.iterations.assign(step)  # updates already applied: what the schedule reads
"""

TENSORFLOW = Backend(
    name="tensorflow",
    imports="import tensorflow as tf",
    counter_dtype="tf.as_dtype(optimizer.iterations.dtype).as_numpy_dtype",
    compiled_probe="tf_function",
    compiled="tf.function(lr_schedule)",
    compiled_call="compiled_schedule(tf.constant(s))",  # a tensor: a NumPy scalar would retrace on every value
    updates="""
variable = tf.Variable(0.0)
optimizer.build([variable])  # before the compiled loop, which cannot create variables


@tf.function(autograph=False)  # model.fit updates inside tf.function; here all of them in one tf.while_loop
def train(steps):
    def update(i, applied):
        optimizer.iterations.assign(steps[i])  # updates already applied: what the schedule reads
        variable.assign(0.0)
        optimizer.apply_gradients([(tf.ones(()), variable)])  # moves the variable by exactly -lr
        return i + 1, applied.write(i, -variable)

    count = tf.size(steps)
    _, applied = tf.while_loop(lambda i, _: i < count, update, [0, tf.TensorArray(tf.float32, size=count)])
    return applied.stack()


applied = train(tf.constant(steps)).numpy().tolist()
""",
    resume_update="""
def make_update(optimizer, variables):
    '''One update of every variable from 0 with gradient 1, in a tf.function as model.fit makes it.'''
    optimizer.build(variables)  # before the tf.function, which cannot create variables

    @tf.function(autograph=False)
    def update():
        for variable in variables:
            variable.assign(tf.zeros_like(variable))
        optimizer.apply_gradients([(tf.ones_like(variable), variable) for variable in variables])
        return -variables[-1][0]  # the bias moved by exactly -lr

    return lambda: float(update())
""",
)
JAX = Backend(
    name="jax",
    imports="import jax\nimport jax.numpy as jnp",
    stdlib=("tempfile",),
    setup="""
# Called eagerly, jax.lax.cond (Keras' ops.cond) traces, lowers and compiles its branches anew on every
# call (~65 ms, ~50 of them compiling); JAX's persistent compilation cache hands back the identical executable
jax.config.update("jax_compilation_cache_dir", os.path.join(tempfile.gettempdir(), "lrconform-jax-cache"))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
""",
    step_by_step="""\
values = []
for i, step in enumerate(steps):
    if i % 100 == 0:
        # JAX keeps what every eager call compiled (~1.6 MB a lax.cond), and each call slows down with their
        # number (~50 ms a step after 500 calls, ~100 ms after 2,000): drop them every 100 steps
        jax.clear_caches()
    values.append(float(fn(step)))
return values""",
    counter_dtype="optimizer.iterations.dtype",
    compiled_probe="jit",
    compiled="jax.jit(lr_schedule)",
    compiled_call="compiled_schedule(jnp.asarray(s))",
    updates="""
variable = keras.Variable(0.0)
optimizer.build([variable])
update = jax.jit(optimizer.stateless_apply)  # model.fit updates with a jitted stateless_apply
"""
    + _UPDATE_LOOP
    + """\
    (moved,), _ = update([v.value for v in optimizer.variables], [jnp.ones(())], [jnp.zeros(())])
    applied.append(-float(moved))  # the variable, from 0, moved by exactly -lr
""",
    resume_update="""
def make_update(optimizer, variables):
    '''One update of every variable from 0 with gradient 1, a jitted stateless_apply as model.fit makes it; the
    optimizer's variables then hold its new state (its counter), as model.fit leaves them.'''
    optimizer.build(variables)
    apply = jax.jit(optimizer.stateless_apply)
    gradients, zeros = [jnp.ones(v.shape) for v in variables], [jnp.zeros(v.shape) for v in variables]

    def update():
        moved, state = apply([v.value for v in optimizer.variables], gradients, zeros)
        for variable, value in zip(optimizer.variables, state):
            variable.assign(value)
        return -float(moved[-1][0])  # the bias moved by exactly -lr

    return update
""",
)
TORCH = Backend(
    name="torch",
    imports="import torch",
    counter_dtype="optimizer.iterations.dtype",
    compiled_probe=None,
    compiled=(
        "not probed: Keras' torch backend trains eagerly unless compile(jit_compile=True), which uses "
        "torch.compile; compiling one CosineDecay that way took 40 s on 2 CPU cores, too slow for every case"
    ),
    compiled_call="",
    updates="""
variable = keras.Variable(0.0)
"""
    + _UPDATE_LOOP
    + """\
    variable.assign(0.0)
    optimizer.apply_gradients([(torch.ones(()), variable)])  # eager, as model.fit on torch
    applied.append(-float(variable.value.detach()))  # moved by exactly -lr
""",
    detach=".detach()",
    resume_update="""
def make_update(optimizer, variables):
    '''One update of every variable from 0 with gradient 1, eager as model.fit on torch makes it.'''
    gradients = [torch.ones(v.shape) for v in variables]

    def update():
        for variable in variables:
            variable.assign(torch.zeros(variable.shape))
        optimizer.apply_gradients(zip(gradients, variables))
        return -float(variables[-1].value.detach()[0])  # the bias moved by exactly -lr

    return update
""",
)

_HEADER = """\
import os

os.environ.setdefault("KERAS_BACKEND", "{backend}")
{stdlib}
import numpy as np
import keras
{imports}
{setup}
assert keras.backend.backend() == "{backend}", f"keras runs on {{keras.backend.backend()}}, not {backend}"
"""

_SCHEDULE = """
lr_schedule = {call}
optimizer = keras.optimizers.SGD(learning_rate=lr_schedule)  # no momentum
steps = np.asarray({steps}, dtype={counter_dtype})  # the step counter's dtype


def evaluate(fn, steps):
    \"\"\"fn on the whole step array in one call; step by step if it takes only a scalar step.\"\"\"
    try:
        return np.asarray(fn(steps), dtype=np.float64).tolist()
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0]
        warnings.warn(f"a step array raised {{type(exc).__name__}} ({{first_line}}): evaluated one step at a time")
{step_by_step}


schedule = evaluate(lr_schedule, steps)
{compiled}"""

_COMPILED = """compiled_schedule = {compile}  # one compiled function: traced for the step array, else for a scalar step
{probe} = evaluate(lambda s: {call}, steps)
"""

_OPTIMIZER = """
optimizer = {call}  # no momentum
steps = np.asarray({steps}, dtype={counter_dtype})
schedule = []
for step in steps:
    optimizer.iterations.assign(step)  # updates already applied
    schedule.append(float(optimizer.learning_rate))  # the rate the next update uses
"""

_DATA = """
x = np.zeros(({epochs}, 1), "float32")  # one sample per epoch: fit keeps one data iterator
y = np.full(({epochs}, 1), -1.0, "float32")  # bias > -1: d|bias - y|/d bias = 1
"""

_FIT = """{data}model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate={lr}), loss="mean_absolute_error")
{recorder}{checkpointer}
{callback}"""

_RECORDER = """schedule, applied = [], []


class Recorder(keras.callbacks.Callback):
    \"\"\"Per epoch: the rate of its one update, and how far that update moved the zeroed bias.\"\"\"

    def on_epoch_begin(self, epoch, logs=None):
        self.model.layers[-1].bias.assign(np.zeros(1, "float32"))

    def on_train_batch_begin(self, batch, logs=None):
        schedule.append(float(self.model.optimizer.learning_rate))

    def on_epoch_end(self, epoch, logs=None):
        applied.append(-float(self.model.layers[-1].bias[0]{detach}))
"""

#: One model.fit of one update per epoch, from epoch ``start`` (a program's first epoch is 0).
_FIT_CALL = """model.fit(x, y, batch_size=1, steps_per_epoch=1, {start}epochs={epochs}, shuffle=False, verbose=0,
          callbacks=[{callbacks}])
"""

_SCHEDULER = """
callback = {call}
{fit}"""

_SCRIPTED = """
metrics = {metrics}


class ScriptedMetric(keras.callbacks.Callback):
    \"\"\"Reports the case's metric for the epoch in its logs, where ReduceLROnPlateau reads it.\"\"\"

    def on_epoch_end(self, epoch, logs=None):
        logs["scripted"] = metrics[epoch]
"""

_PLATEAU = """

callback = {call}
{fit}"""

_LAST_EPOCH = """\
# the epoch after the last metric: only its rate is read
{fit}"""


#: What every program's setup records; the updates' or model.fit's
_SETUP = {"dtype": "float32 (keras.config.floatx())", "optimizer": "keras.optimizers.SGD"}
_UPDATES_SETUP = {
    "parameter": "one float32 scalar, gradient 1, zeroed before each update",
    "read": "counter set to the step, then one update; the schedule on the whole step array",
}
_FIT_SETUP = {
    "model": "Dense(1) on zero inputs, mean absolute error against -1: bias gradient 1, one update per epoch",
    "read": "optimizer.learning_rate at the epoch's update; the zeroed bias after it",
}


def _kind(call: Call) -> str:
    """How the program drives the call: a ``schedule`` object, ``SGD``'s own arguments, or a ``callback``."""
    return "callback" if call.api in CALLBACKS else "optimizer" if call.api == "SGD" else "schedule"


class KerasAdapter(KerasMapping):
    """Keras on TensorFlow (``KERAS_BACKEND=tensorflow``)."""

    backend: ClassVar[Backend] = TENSORFLOW
    name = "keras"
    distribution = "keras"
    module = "keras"
    kernels = None  # TensorFlow's element-wise kernels are compiled for AVX, with no runtime choice

    def render(self, call: Call, indent: str = "") -> str:
        return f"{self.qualified(call)}({call.arguments()})"

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, dict[str, Any], tuple[Probe, ...], str]:
        b, kind = self.backend, _kind(mapped.call)
        modules = {*b.stdlib, "warnings"} if kind == "schedule" else set(b.stdlib)
        stdlib = "".join(f"import {m}\n" for m in sorted(modules))
        header = _HEADER.format(backend=b.name, stdlib=stdlib, imports=b.imports, setup=b.setup)
        names = ("schedule", b.compiled_probe, "applied") if kind == "schedule" and b.compiled_probe else ()
        per = "update" if kind == "callback" else "step"  # callbacks record epochs 0, 1, 2, ...
        probes = tuple(Probe(n, per=per, dtype="float32") for n in names or ("schedule", "applied"))
        body = self._body(kind, mapped, case)
        if not case.resume:
            return header + body, self._setup(kind, mapped), probes, mapped.note
        # the resume points' training saves files, with the framework's warnings: a block of its own
        ways, save, restore, prefix = self._resume(case, kind, mapped, header)
        resumed = tuple(replace(p, dtype="float32") for p in resume_probes(case, ways))
        source = (
            f"{header}\n{block_line([p.name for p in probes])} the case's own probes\n{body}"
            f"\n{block_line([p.name for p in resumed])} trained, saved and restored\n"
            f"{RESUME_PROLOGUE.format(points=list(case.resume))}{save}{resume_epilogue(case, ways, restore, prefix)}"
        )
        return source, self._setup(kind, mapped), probes + resumed, mapped.note

    def _resume(self, case: Case, kind: str, mapped: Mapped, header: str) -> tuple[tuple[str, ...], str, str, str]:
        """(the ways, the first program's saving part, the restoring source, the probes' rates before ``k``)."""
        b = self.backend
        if kind == "callback":
            epochs = int(case.steps[-1]) + 1
            definitions, training = self._training(mapped, epochs, resumed=True, saving=False)
            source = mapped.extra.get("source")
            definitions = _DATA.format(epochs=epochs) + _RECORDER.format(detach=b.detach) + definitions
            own = f"\n{source}\n" if source else ""
            restore = callback_restore(header, embeddable(own + definitions), textwrap.indent(training, " " * 4))
            save = self._body(kind, mapped, case, saving=True)  # the case's model.fit, saving after epoch k
            return CALLBACK_WAYS, save, restore, "[applied[step] for step in compared_steps]"
        call = self.render(mapped.call)
        optimizer = call if kind == "optimizer" else f"keras.optimizers.SGD(learning_rate={call})"
        save = schedule_save(optimizer, b.resume_update, steps_source(case.steps))
        return SCHEDULE_WAYS, save, schedule_restore(header, optimizer, b.resume_update), "trained"

    def _body(self, kind: str, mapped: Mapped, case: Case, saving: bool = False) -> str:
        b, call, epochs = self.backend, self.render(mapped.call), int(case.steps[-1]) + 1
        if kind != "callback":
            compiled = _COMPILED.format(probe=b.compiled_probe, compile=b.compiled, call=b.compiled_call)
            template = _SCHEDULE if kind == "schedule" else _OPTIMIZER
            body = template.format(
                call=call,
                steps=steps_source(case.steps),
                counter_dtype=b.counter_dtype,
                step_by_step=textwrap.indent(b.step_by_step, " " * 8),
                compiled=compiled if b.compiled_probe else "",
            )
            return body + b.updates
        definitions, training = self._training(mapped, epochs, resumed=False, saving=saving)
        recorder = _RECORDER.format(detach=b.detach)
        fit = _FIT.format(
            data=_DATA.format(epochs=epochs),
            lr=py(mapped.extra["lr"]),
            recorder=recorder,
            checkpointer=CHECKPOINTER if saving else "",
            callback=definitions + training,
        )
        source = mapped.extra.get("source")
        return (f"\n{source}\n" if source else "") + fit

    def _training(self, mapped: Mapped, epochs: int, resumed: bool, saving: bool) -> tuple[str, str]:
        """A callback's definitions (ReduceLROnPlateau's metrics) and its ``model.fit`` calls, from epoch 0 or,
        ``resumed``, from epoch ``first``; ``saving``: with the ``Checkpointer`` (the resume points' files)."""
        start, save = "initial_epoch=first, " if resumed else "", ", Checkpointer()" if saving else ""
        call = self.render(mapped.call)
        if "metrics" not in mapped.extra:  # LearningRateScheduler
            fit = _FIT_CALL.format(start=start, epochs=epochs, callbacks=f"callback, Recorder(){save}")
            return "", _SCHEDULER.format(call=call, fit=fit)
        metrics = mapped.extra["metrics"]
        observed = min(epochs, len(metrics))
        callbacks = f"ScriptedMetric(), callback, Recorder(){save}"
        training = _PLATEAU.format(call=call, fit=_FIT_CALL.format(start=start, epochs=observed, callbacks=callbacks))
        if epochs > observed:  # the epoch after the last metric
            start = f"initial_epoch=max(first, {observed}), " if resumed else f"initial_epoch={observed}, "
            training += _LAST_EPOCH.format(fit=_FIT_CALL.format(start=start, epochs=epochs, callbacks="Recorder()"))
        return _SCRIPTED.format(metrics=py(list(metrics))), training

    def _setup(self, kind: str, mapped: Mapped) -> dict[str, Any]:
        setup = {"backend": self.backend.name, **_SETUP}
        if kind != "callback":
            return setup | _UPDATES_SETUP | ({"compiled": self.backend.compiled} if kind == "schedule" else {})
        metrics = {"metrics": list(mapped.extra["metrics"])} if "metrics" in mapped.extra else {}
        return setup | {"optimizer_kwargs": {"learning_rate": mapped.extra["lr"]}} | _FIT_SETUP | metrics

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        keras = importlib.import_module("keras")
        actual = keras.backend.backend()
        if actual != self.backend.name:
            raise RuntimeError(
                f"the {self.name} adapter needs keras on {self.backend.name!r} but keras runs on {actual!r}: "
                f"set KERAS_BACKEND={self.backend.name} before keras is first imported (tox -e {self.name} does)"
            )
        return super().run(case, plan)


class KerasJaxAdapter(KerasAdapter):
    """Keras on JAX (``KERAS_BACKEND=jax``)."""

    backend = JAX
    name = "keras-jax"
    kernels = "jax"


class KerasTorchAdapter(KerasAdapter):
    """Keras on torch (``KERAS_BACKEND=torch``)."""

    backend = TORCH
    name = "keras-torch"
    kernels = "torch"
