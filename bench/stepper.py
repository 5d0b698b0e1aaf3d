"""Run inside a framework env (``python -m bench.stepper`` with a JSON request on stdin): time one program's
whole-trajectory call against a Python loop of one call per step; print the figures as one JSON line.

The program (see :data:`bench.vector.APIS`) defines ``vector(n)``, the rates of steps ``0 .. n-1`` in one
call, and/or ``step(t)``, the rate at step ``t``. Both results are turned into NumPy float64 values inside
the timing, so lazy or asynchronous frameworks (JAX) finish their work before the clock stops. Only the
standard library and NumPy are imported here: this module runs in every framework env.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["main", "measure"]


def _seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


def measure(program: str, *, steps: int, loop_steps: int, repeats: int) -> dict[str, Any]:
    """Figures for ``program``: ``vector`` (first call, best of ``repeats`` for ``steps`` steps), ``loop``
    (``loop_steps`` calls, after one warm-up call), and where there are both, the largest difference between
    their values over the loop's steps (they must agree: a fast wrong call measures nothing)."""
    namespace: dict[str, Any] = {}
    exec(program, namespace)
    vector, step = namespace.get("vector"), namespace.get("step")
    figures: dict[str, Any] = {}
    if vector is not None:
        call = lambda: np.asarray(vector(steps), dtype=np.float64)  # noqa: E731
        first_s, values = _seconds(call)
        best = min(_seconds(call)[0] for _ in range(repeats))
        figures["vector"] = {"steps": steps, "first_call_s": first_s, "seconds": best, "steps_per_s": steps / best}
    if step is not None:
        step(0)
        loop_s, looped = _seconds(lambda: [float(step(t)) for t in range(loop_steps)])
        figures["loop"] = {"steps": loop_steps, "seconds": loop_s, "steps_per_s": loop_steps / loop_s}
    if vector is not None and step is not None:
        figures["max_abs_diff"] = float(np.max(np.abs(values[:loop_steps] - np.asarray(looped))))
    return figures


def main() -> int:
    request = json.load(sys.stdin)
    print(json.dumps(measure(**request)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
