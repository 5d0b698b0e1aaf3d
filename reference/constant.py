"""Constant learning rate."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import check_lr

__all__ = ["constant"]


def constant(*, value: float) -> Schedule:
    r"""The same learning rate at every step.

    .. math:: \eta_t = v

    Args:
      value: the learning rate :math:`v` (>= 0).

    Documented as: optax ``constant_schedule(value)``; a plain float ``learning_rate`` in
    Keras, MindSpore and torch optimizers.

    Examples:
      >>> constant(value=0.1)([0, 5, 10]).tolist()
      [0.1, 0.1, 0.1]
    """
    v = check_lr("constant", "value", value)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        return np.full(as_steps(steps).shape, v)

    return schedule
