"""Program pieces shared by the TensorFlow-based adapters (``tfa``, ``keras-legacy``).

A TensorFlow reproducer is a preamble (imports, the schedule) and one block per group of probes,
each starting with a ``# probe "name":`` line: the run executes the preamble with each block
separately (:func:`adapters._base.program_blocks`), so a block that raises (for instance
TF-Addons' ``TypeError`` on an int64 step) does not hide the numbers of the other probes.

Per-update probes run the optimizer inside one ``tf.function`` (a ``tf.while_loop``): about
15 us an update on 2 cores, against 1.2 ms in eager mode, so 93,700 updates take ~1.5 s.

A case with resume points adds a block (:func:`checkpoint_resume`) that trains the optimizer eagerly, update
by update, to the last resume point (at most a few hundred updates), saving a ``tf.train.Checkpoint`` of it and
its parameter after each, as a training script does; a new interpreter restores each into new objects.
"""

from __future__ import annotations

from dataclasses import replace

from model.adapter import Probe
from model.case import Case

from ._base import RESUME_PROLOGUE, resume_epilogue, resume_probes, steps_source
from .keras_resume import block_line

__all__ = ["checkpoint_resume", "update_loop"]


_LOOP = """\
param = tf.Variable(0.0)  # float32, gradient 1, zeroed before each update: it moves by exactly -lr
optimizer = {optimizer}


def update(step, {names}):
{read}    param.assign(0.0)
    optimizer.apply_gradients([(tf.ones_like(param), param)])
    return step + 1, {written}


@tf.function(autograph=False)  # one tf.while_loop of `count` updates
def train(count):
    empty = [tf.TensorArray(tf.float32, size=count) for _ in range({n})]
    _, *rates = tf.while_loop(lambda step, *_: step < count, update, [0, *empty])
    return [r.stack() for r in rates]


{outputs} = (rates.numpy().tolist() for rates in train({count}))
"""


def update_loop(optimizer: str, count: int, applied: str = "applied", rate: tuple[str, str] | None = None) -> str:
    """Source of ``count`` optimizer updates in one ``tf.while_loop``.

    The list ``applied`` holds the rate each update applied; ``rate = (name, expression)``
    also records ``expression`` (the optimizer's own rate) just before each update. The loop
    is written out rather than left to AutoGraph, which needs the source file of the function
    and so cannot convert a program run from a string.
    """
    names = [rate[0], applied] if rate else [applied]
    read = f"    {rate[0]} = {rate[0]}.write(step, {rate[1]})  # the rate of the coming update\n" if rate else ""
    written = ", ".join([*names[:-1], f"{applied}.write(step, -param)"])
    outputs = ", ".join(names) + ("," if len(names) == 1 else "")
    return _LOOP.format(
        optimizer=optimizer,
        names=", ".join(names),
        read=read,
        written=written,
        n=len(names),
        outputs=outputs,
        count=count,
    )


_SAVE = """
param = tf.Variable(0.0)
optimizer = {optimizer}
checkpoint = tf.train.Checkpoint(optimizer=optimizer, param=param)
compared = set({steps}.tolist())
trained = []  # the rates this training applied at the compared steps
for step in range(max(resume_at)):
    param.assign(0.0)
    optimizer.apply_gradients([(tf.ones_like(param), param)])
    if step in compared:
        trained.append(-float(param.numpy()))
    if step + 1 in resume_at:  # after step + 1 updates, as a training script saves
        checkpoint.save(os.path.join(checkpoints, str(step + 1), "ckpt"))
"""

_RESTORE = """{preamble}

def checkpoint(k):
    '''A new parameter and optimizer, restored from the tf.train.Checkpoint saved after k updates; the rates
    the optimizer applies at the compared steps from k on, counting its own updates.'''
    param = tf.Variable(0.0)
    optimizer = {optimizer}
    saved = tf.train.latest_checkpoint(os.path.join(folder, str(k)))
    tf.train.Checkpoint(optimizer=optimizer, param=param).restore(saved)
    rates = []
    for step in range(k, last + 1):
        param.assign(0.0)
        optimizer.apply_gradients([(tf.ones_like(param), param)])
        if step in compared:
            rates.append(-float(param.numpy()))
    return rates
"""

#: The one way of resuming a TensorFlow optimizer: ``tf.train.Checkpoint`` of the optimizer and the parameter.
WAYS = ("checkpoint",)


def checkpoint_resume(case: Case, preamble: str, optimizer: str) -> tuple[str, tuple[Probe, ...]]:
    """The block of a program that trains ``optimizer`` (source) update by update, saves a ``tf.train.Checkpoint``
    of it and its parameter after each resume point and restores it into new objects in a new interpreter
    (``preamble``: the program's imports and definitions), and its ``checkpoint_at_<k>`` probes (float32)."""
    probes = tuple(replace(p, dtype="float32") for p in resume_probes(case, WAYS))
    restore = _RESTORE.format(preamble=preamble, optimizer=optimizer)
    block = (
        f"{block_line([p.name for p in probes])} a tf.train.Checkpoint, saved and restored\n"
        + RESUME_PROLOGUE.format(points=list(case.resume))
        + _SAVE.format(optimizer=optimizer, steps=steps_source(case.steps))
        + resume_epilogue(case, WAYS, restore, prefix="trained")
    )
    return block, probes
