"""What a framework did with invalid parameters: the behaviour class of one run of an invalid-parameter case.

The reference rejects the case's parameters, so there is nothing to compare with; instead each probe's run is
classed (:data:`model.outcomes.BEHAVIOURS`), in the order the run shows it:

- ``non_finite``: a value recorded before any error is NaN or infinite (from the step named);
- ``rejects``: the API's constructor (or the setup it takes, e.g. the optimizer whose rate it scales) raised:
  the program's lines up to its rendered call (``Trajectory.raised_in``);
- ``raises_late``: the constructor accepted the parameters and a later call raised: at the first call (no value
  recorded; the step named is the first compared step), at step t (the first compared step without a value), or
  after a value at every compared step (no step named);
- ``silent``: finite rates at every compared step (the first few are kept in the description).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.adapter import Trajectory

__all__ = ["Behaviour", "classify"]

#: How many of a silent run's first values its description shows.
SHOWN = 4


@dataclass(frozen=True)
class Behaviour:
    """A run's class, the step it shows from (``None`` for ``rejects`` and ``silent``) and one line saying it."""

    name: str
    step: int | None
    detail: str


def _reached(steps: np.ndarray, run: Trajectory) -> int:
    """How many compared steps got a value: the run's own count, else all without an error, else the leading
    values that are not NaN (an adapter that pads with NaN after a failure and does not count)."""
    if run.reached is not None:
        return run.reached
    if run.error is None:
        return steps.size
    missing = np.flatnonzero(np.isnan(run.values))
    return int(missing[0]) if missing.size else steps.size


def classify(steps: np.ndarray, run: Trajectory) -> Behaviour:
    """The behaviour class of one probe's run of an invalid-parameter case (see the module docstring)."""
    reached = _reached(steps, run)
    values = run.values[:reached]
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        first = int(bad[0])
        after = f"; then raised {run.error}" if run.error else ""
        return Behaviour("non_finite", int(steps[first]), f"returned {values[first]} from step {steps[first]}{after}")
    if run.error is not None:
        if run.raised_in == "construction":
            return Behaviour("rejects", None, f"rejected at construction: {run.error}")
        if reached == 0:
            return Behaviour("raises_late", int(steps[0]), f"accepted; the first call raised {run.error}")
        if reached == steps.size:
            return Behaviour("raises_late", None, f"accepted; a rate at every step, then raised {run.error}")
        return Behaviour("raises_late", int(steps[reached]), f"accepted; raised {run.error} at step {steps[reached]}")
    shown = ", ".join(f"{v:.6g}" for v in values[:SHOWN]) + (", ..." if values.size > SHOWN else "")
    return Behaviour("silent", None, f"accepted; finite rates at every step: {shown}")
