"""What an adapter must return, checked before anything is judged.

``adapter.run(case, plan)`` must return one :class:`~adapters._base.Trajectory` per probe of the
plan: a 1-D float32 or float64 array with one value per compared step (NaN after a failure), the
name of the dtype the framework computed in, an error text or ``None``, and the warnings as text.
Anything else (a missing or extra probe, a wrong length, a 2-D or integer array, strings,
``None``) is the adapter's bug: :func:`checked_run` raises :class:`ContractError` with the
precise reason, and the harness records it as outcome ``error``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from model.adapter import Plan, Trajectory
from model.errors import kind_problem

__all__ = ["ContractError", "checked_run"]

#: Array dtypes a trajectory may hold; other floats (float16, longdouble) would hide or invent digits.
VALUE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class ContractError(Exception):
    """An adapter returned something that is not a trajectory per probe; the message says what."""


def checked_run(result: Any, steps: int, plan: Plan) -> dict[str, Trajectory]:
    """``result`` as ``{probe: Trajectory}`` with float64 values, or :class:`ContractError`.

    ``steps`` is the number of compared steps; the probes must be exactly the plan's.
    """
    if not isinstance(result, Mapping):
        raise ContractError(f"run returned {type(result).__name__}, expected a mapping of probe name to Trajectory")
    names = plan.probe_names
    missing = [p for p in names if p not in result]
    extra = sorted(str(p) for p in result if p not in names)
    if missing or extra:
        raise ContractError(f"run returned probes {sorted(map(str, result))}, the plan has {list(names)}")
    return {probe: _checked(probe, result[probe], steps) for probe in names}


def _checked(probe: str, run: Any, steps: int) -> Trajectory:
    where = f"probe {probe!r}"
    if not isinstance(run, Trajectory):
        raise ContractError(f"{where}: got {type(run).__name__}, expected a Trajectory")
    values = run.values
    if not isinstance(values, np.ndarray):
        raise ContractError(f"{where}: values are {type(values).__name__}, expected a NumPy array")
    if values.dtype not in VALUE_DTYPES:
        raise ContractError(f"{where}: values have dtype {values.dtype}, expected float32 or float64")
    if values.shape != (steps,):
        raise ContractError(f"{where}: values have shape {values.shape}, expected ({steps},): one per compared step")
    if not isinstance(run.dtype, str) or not run.dtype:
        raise ContractError(f"{where}: dtype is {run.dtype!r}, expected the name of the dtype computed in")
    if run.error is not None and not isinstance(run.error, str):
        raise ContractError(f"{where}: error is {type(run.error).__name__}, expected text or None")
    if not isinstance(run.warnings, (tuple, list)) or not all(isinstance(w, str) for w in run.warnings):
        raise ContractError(f"{where}: warnings must be a tuple of strings, got {run.warnings!r}")
    if run.raised_in not in ("", "construction"):
        raise ContractError(f"{where}: raised_in is {run.raised_in!r}, expected 'construction' or ''")
    if run.reached is not None and (kind_problem(run.reached, "an integer") or not 0 <= run.reached <= steps):
        raise ContractError(f"{where}: reached is {run.reached!r}, expected a count of compared steps or None")
    return replace(run, values=values.astype(np.float64), warnings=tuple(run.warnings))
