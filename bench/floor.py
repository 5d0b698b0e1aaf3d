"""An env's import floor: the time a fresh interpreter takes to import the env's framework(s), pytest and numpy.

No run of the env can take less (every adapter's worker and pytest import these), so the run is judged
against it. Best of ``repeats`` fresh interpreters, each timing only its imports (``time.perf_counter``
around them, not the interpreter's own start-up).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .process import timed
from .toxenvs import FLOOR_MODULES, ToxEnv

__all__ = ["floor_program", "measure_floor"]


def floor_program(modules: tuple[str, ...]) -> str:
    """A ``python -c`` program that imports ``modules``, pytest and numpy and prints the seconds it took."""
    imports = ", ".join((*modules, "pytest", "numpy"))
    return f"import time; t = time.perf_counter(); import {imports}; print(time.perf_counter() - t)"


def measure_floor(env: ToxEnv, root: Path, *, repeats: int = 3, timeout: float = 600) -> dict[str, Any]:
    """The floor of ``env``: ``{"modules", "seconds" (best), "all_s"}``, or ``{"modules", "error"}``."""
    modules = FLOOR_MODULES[env.name]
    environ = env.environ(os.environ, measuring=True)
    times = []
    for _ in range(repeats):
        done = timed([str(env.python), "-c", floor_program(modules)], env=environ, cwd=root, timeout=timeout)
        if done.failure:
            return {"modules": list(modules), "error": done.failure}
        times.append(float(done.stdout.split()[-1]))
    return {"modules": list(modules), "seconds": min(times), "all_s": times}
