"""Vectorized against per-step: each vectorizable scheduling API timed in its env by :mod:`bench.stepper`.

Every entry of :data:`APIS` is a program that defines ``vector(n)`` (one call over steps ``0 .. n-1``)
and/or ``step(t)`` (one call for step ``t``), with the same schedule in both (a cosine decay from 0.1 over
1,000 steps, then flat), so the stepper can check that they agree. torch's schedulers are stateful: they
have only the loop, for scale. MindSpore's ``dynamic_lr`` builds a whole list: it has no per-step call.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .process import last_line, timed
from .toxenvs import ToxEnv

__all__ = ["APIS", "Api", "apis_for", "measure_vector"]


@dataclass(frozen=True)
class Api:
    """A scheduling API as the benchmark calls it: its name in the table, its envs and its program."""

    name: str
    envs: tuple[str, ...]
    program: str


_KERAS = """
import keras
schedule = keras.optimizers.schedules.CosineDecay(0.1, 1000, alpha=0.01)
"""
_OPTAX = """
import jax, jax.numpy as jnp, optax
schedule = optax.cosine_decay_schedule(0.1, 1000, alpha=0.01)
"""

APIS: tuple[Api, ...] = (
    Api(
        "keras.optimizers.schedules.CosineDecay",
        ("keras", "keras-jax", "keras-torch"),
        _KERAS + "vector = lambda n: schedule(keras.ops.arange(n))\nstep = schedule\n",
    ),
    Api(
        "keras.optimizers.schedules.CosineDecay, jax.jit",
        ("keras-jax",),
        _KERAS + "import jax\ncompiled = jax.jit(schedule)\nvector = lambda n: compiled(keras.ops.arange(n))\n"
        "step = compiled\n",
    ),
    Api(
        "optax.cosine_decay_schedule",
        ("optax", "optax-0.2.6"),
        _OPTAX + "vector = lambda n: schedule(jnp.arange(n))\nstep = schedule\n",
    ),
    Api(
        "optax.cosine_decay_schedule, jax.jit(jax.vmap)",
        ("optax", "optax-0.2.6"),
        _OPTAX + "batched = jax.jit(jax.vmap(schedule))\nvector = lambda n: batched(jnp.arange(n))\n"
        "step = jax.jit(schedule)\n",
    ),
    Api(
        "mlx.optimizers.cosine_decay",
        ("mlx",),
        """
import mlx.core as mx, mlx.optimizers as optim, numpy as np
schedule = optim.cosine_decay(0.1, 1000, 0.001)
vector = lambda n: np.array(schedule(mx.arange(n)))
step = lambda t: schedule(mx.array(t)).item()
""",
    ),
    Api(
        "mindspore.nn.CosineDecayLR",
        ("mindspore",),
        """
import numpy as np, mindspore as ms
schedule = ms.nn.CosineDecayLR(0.001, 0.1, 1000)
vector = lambda n: schedule(ms.Tensor(np.arange(n), ms.int32)).asnumpy()
step = lambda t: schedule(ms.Tensor(t, ms.int32)).asnumpy()
""",
    ),
    Api(
        "mindspore.nn.dynamic_lr.cosine_decay_lr",
        ("mindspore",),
        "import mindspore as ms\nvector = lambda n: ms.nn.dynamic_lr.cosine_decay_lr(0.001, 0.1, n, 1, 1000)\n",
    ),
    Api(
        "tfa.optimizers.CyclicalLearningRate",
        ("tfa",),
        """
import tensorflow as tf, tensorflow_addons as tfa
schedule = tfa.optimizers.CyclicalLearningRate(1e-4, 1e-2, step_size=2000, scale_fn=lambda cycle: 1.0)
vector = lambda n: schedule(tf.range(n))
step = schedule
""",
    ),
    Api(
        "torch.optim.lr_scheduler.CosineAnnealingLR, step() + get_last_lr()",
        ("torch",),
        """
import torch
optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, 1000, eta_min=0.001)
def step(t):
    scheduler.step()
    return scheduler.get_last_lr()[0]
""",
    ),
)


def apis_for(env: str) -> list[Api]:
    """The APIs measured in ``env``."""
    return [api for api in APIS if env in api.envs]


def measure_vector(
    env: ToxEnv, root: Path, *, steps: int, loop_steps: int, repeats: int = 3, timeout: float = 600
) -> list[dict[str, Any]]:
    """Each of ``env``'s APIs: ``{"api", **stepper figures}`` or ``{"api", "error"}``, one interpreter each."""
    measured = []
    for api in apis_for(env.name):
        request = json.dumps({"program": api.program, "steps": steps, "loop_steps": loop_steps, "repeats": repeats})
        command = [str(env.python), "-m", "bench.stepper"]
        done = timed(command, env=env.environ(os.environ, measuring=True), cwd=root, timeout=timeout, stdin=request)
        if done.failure:
            measured.append({"api": api.name, "error": done.failure})
            continue
        measured.append({"api": api.name, **json.loads(last_line(done.stdout))})
        print(f"  vector {env.name}: {api.name} done in {done.seconds:.1f} s", file=sys.stderr)
    return measured
