"""Program pieces shared by the TensorFlow-based adapters (``tfa``, ``keras-legacy``).

A TensorFlow reproducer is a preamble (imports, the schedule) and one block per group of probes,
each starting with a ``# probe "name":`` line: the run executes the preamble with each block
separately (:func:`adapters._base.program_blocks`), so a block that raises (for instance
TF-Addons' ``TypeError`` on an int64 step) does not hide the numbers of the other probes.

Per-update probes run the optimizer inside one ``tf.function`` (a ``tf.while_loop``): about
15 us an update on 2 cores, against 1.2 ms in eager mode, so 93,700 updates take ~1.5 s.
"""

from __future__ import annotations

__all__ = ["update_loop"]


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
