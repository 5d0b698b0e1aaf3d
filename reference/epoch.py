"""Epoch granularity: a schedule that only changes at epoch boundaries."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import check_count, check_positive

__all__ = ["per_epoch"]


def per_epoch(*, steps_per_epoch: int, schedule: Schedule) -> Schedule:
    r"""Evaluate a schedule at the epoch index: constant within each epoch.

    .. math:: \eta_t = s\left(\left\lfloor t / S \right\rfloor\right)

    ``schedule``'s step unit is the epoch: its ``decay_steps``, ``warmup_steps``, ... count
    epochs. In a case it is a table ``{"formula": name, **params}``, which
    :func:`reference.build` builds before calling this.

    Args:
      steps_per_epoch: :math:`S`, an integer (> 0).
      schedule: the schedule of epochs, :math:`s`.

    Documented as: MindSpore ``nn.dynamic_lr`` (``exponential_decay_lr``, ``cosine_decay_lr``,
    ``polynomial_decay_lr``, ``warmup_lr``, ...): "current_epoch = floor(i / step_per_epoch)",
    with ``decay_epoch`` in epochs; Keras ``LearningRateScheduler`` and torch schedulers
    stepped once per epoch.

    Examples:
      >>> from reference.step import step_decay
      >>> halve = step_decay(init_lr=1.0, step_size=1, gamma=0.5)
      >>> per_epoch(steps_per_epoch=2, schedule=halve)([0, 1, 2, 3, 4]).tolist()
      [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    name = "per_epoch"
    size = check_count(name, "steps_per_epoch", check_positive(name, "steps_per_epoch", steps_per_epoch))

    def evaluate(steps: npt.ArrayLike) -> np.ndarray:
        return schedule(np.floor(as_steps(steps) / size))

    return evaluate
