"""Types shared by the reference package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Schedule", "Spec", "as_steps"]

#: A schedule maps an array of 0-based integer steps to float64 learning rates.
#: Step ``t`` is "the learning rate used by the update with index ``t``".
Schedule = Callable[[npt.ArrayLike], np.ndarray]

#: A schedule as case data: ``{"formula": name, **params}``, parameters possibly nested specs.
Spec = dict[str, Any]


def as_steps(steps: npt.ArrayLike) -> np.ndarray:
    """Steps as a float64 array (integers up to 2**53 are exact)."""
    return np.asarray(steps, dtype=np.float64)
