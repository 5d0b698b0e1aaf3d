"""An env's conformance run, timed: the command tox runs in it, serial and on ``jobs`` pytest-xdist workers.

Each run writes to a temporary folder (never ``reports/out``), and its result file is read back to count
its records and to check that the parallel run judged the same tests alike (ids and outcomes, in order).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .process import timed
from .toxenvs import ToxEnv

__all__ = ["measure_run", "time_conformance"]


def time_conformance(env: ToxEnv, root: Path, posargs: list[str], *, timeout: float) -> dict[str, Any]:
    """One run of ``env``'s conformance command: ``{"seconds", "exit_status", "records"}`` (+ ``"error"``).

    ``outcomes`` (test id, outcome) pairs travel under ``"_outcomes"`` for :func:`measure_run` to compare.
    Exit status 1 (failed tests) is a finished run: the suite reports divergences that way.
    """
    with tempfile.TemporaryDirectory(prefix=f"lrconform-bench-{env.name}-") as out:
        command = env.conformance(Path(out), root, posargs)
        done = timed(command, env=env.environ(os.environ), cwd=root, timeout=timeout)
        result: dict[str, Any] = {"seconds": done.seconds, "exit_status": done.status}
        results = Path(out) / env.name / "results.json"
        if done.status not in (0, 1) or not results.exists():
            return {**result, "error": done.failure or f"exit status {done.status} but no {results.name} written"}
        records = json.loads(results.read_text())["results"]
    return {**result, "records": len(records), "_outcomes": [(r["id"], r["outcome"]) for r in records]}


def measure_run(env: ToxEnv, root: Path, *, jobs: int = 2, timeout: float = 3600) -> dict[str, Any]:
    """Serial and ``-n jobs`` runs of ``env``: each one's figures, the speed-up and whether they agree."""
    serial = time_conformance(env, root, [], timeout=timeout)
    parallel = time_conformance(env, root, ["-n", str(jobs)], timeout=timeout)
    measured: dict[str, Any] = {"serial": serial, "parallel": parallel, "jobs": jobs}
    if "error" not in serial and "error" not in parallel:
        measured["speedup"] = serial["seconds"] / parallel["seconds"]
        measured["same_outcomes"] = serial["_outcomes"] == parallel["_outcomes"]
    for one in (serial, parallel):
        one.pop("_outcomes", None)
    return measured
