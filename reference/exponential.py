"""Exponential families: exponential, natural-exponential, inverse-time."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._numeric import scaled_power
from ._types import Schedule, as_steps
from ._validate import check_bool, check_lr, check_non_negative, check_positive

__all__ = ["exponential", "inverse_time", "natural_exp"]


def _progress(steps: np.ndarray, decay_steps: float, staircase: bool) -> np.ndarray:
    p = steps / decay_steps
    return np.floor(p) if staircase else p


def exponential(
    *,
    init_lr: float,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
    transition_begin: float = 0,
    end_lr: float | None = None,
) -> Schedule:
    r"""Exponential decay, optionally delayed, stepped and bounded.

    .. math::
       p = \frac{\max(t - B, 0)}{D} \;(\lfloor p \rfloor \text{ if staircase}), \qquad
       \eta_t = \operatorname{clip}(\eta_0\, r^{p})

    where the clip is ``max(., end_lr)`` when :math:`r < 1` (a floor) and ``min(., end_lr)``
    when :math:`r \ge 1` (a ceiling), applied at every step.

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      decay_steps: :math:`D` (> 0).
      decay_rate: :math:`r` (> 0).
      staircase: decay in whole multiples of ``decay_steps``.
      transition_begin: :math:`B`, steps to hold ``init_lr`` first (>= 0).
      end_lr: optional floor (``r < 1``) or ceiling (``r >= 1``).

    Documented as: Keras ``ExponentialDecay(initial_learning_rate, decay_steps, decay_rate,
    staircase)``; optax ``exponential_decay(init_value, transition_steps, decay_rate,
    transition_begin, staircase, end_value)``; MindSpore ``ExponentialDecayLR`` /
    ``exponential_decay_lr``; torch ``ExponentialLR(gamma)`` is ``D=1``.

    Examples:
      >>> exponential(init_lr=1.0, decay_steps=2, decay_rate=0.25)([0, 1, 2]).tolist()
      [1.0, 0.5, 0.25]
      >>> exponential(init_lr=1.0, decay_steps=1, decay_rate=0.5, end_lr=0.2)([0, 1, 2, 3]).tolist()
      [1.0, 0.5, 0.25, 0.2]
    """
    name = "exponential"
    eta0 = check_lr(name, "init_lr", init_lr)
    d = check_positive(name, "decay_steps", decay_steps)
    r = check_positive(name, "decay_rate", decay_rate)
    begin = check_non_negative(name, "transition_begin", transition_begin)
    end = None if end_lr is None else check_lr(name, "end_lr", end_lr)
    staircase = check_bool(name, "staircase", staircase)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = np.maximum(as_steps(steps) - begin, 0.0)
        lr = scaled_power(eta0, r, _progress(t, d, staircase))
        if end is None:
            return lr
        return np.maximum(lr, end) if r < 1 else np.minimum(lr, end)

    return schedule


def natural_exp(*, init_lr: float, decay_steps: float, decay_rate: float, staircase: bool = False) -> Schedule:
    r"""Natural-exponential decay.

    .. math:: \eta_t = \eta_0 \, e^{-r\,p}, \qquad p = t / D \;(\lfloor t/D \rfloor \text{ if staircase})

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      decay_steps: :math:`D` (> 0).
      decay_rate: :math:`r` (>= 0).
      staircase: use :math:`\lfloor t/D \rfloor`.

    Documented as: MindSpore ``NaturalExpDecayLR`` ("decayed_learning_rate = learning_rate *
    e^{-decay_rate * p}", ``p = current_step / decay_steps``) and ``natural_exp_decay_lr``;
    TF 1.x ``tf.compat.v1.train.natural_exp_decay``.

    Examples:
      >>> natural_exp(init_lr=1.0, decay_steps=2, decay_rate=2.0)([0, 1]).tolist()
      [1.0, 0.36787944]
    """
    name = "natural_exp"
    eta0 = check_lr(name, "init_lr", init_lr)
    d = check_positive(name, "decay_steps", decay_steps)
    r = check_non_negative(name, "decay_rate", decay_rate)
    staircase = check_bool(name, "staircase", staircase)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        return eta0 * np.exp(-r * _progress(as_steps(steps), d, staircase))

    return schedule


def inverse_time(*, init_lr: float, decay_steps: float, decay_rate: float, staircase: bool = False) -> Schedule:
    r"""Inverse-time decay.

    .. math:: \eta_t = \frac{\eta_0}{1 + r\,p}, \qquad p = t / D \;(\lfloor t/D \rfloor \text{ if staircase})

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      decay_steps: :math:`D` (> 0).
      decay_rate: :math:`r` (>= 0).
      staircase: use :math:`\lfloor t/D \rfloor`.

    Documented as: Keras ``InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate,
    staircase)``; MindSpore ``InverseDecayLR`` / ``inverse_decay_lr``; the legacy Keras
    optimizer argument ``decay=d`` is ``D=1, r=d``.

    Examples:
      >>> inverse_time(init_lr=0.1, decay_steps=1.0, decay_rate=0.5)([0, 1, 2]).tolist()
      [0.1, 0.06666667, 0.05]
    """
    name = "inverse_time"
    eta0 = check_lr(name, "init_lr", init_lr)
    d = check_positive(name, "decay_steps", decay_steps)
    r = check_non_negative(name, "decay_rate", decay_rate)
    staircase = check_bool(name, "staircase", staircase)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        return eta0 / (1.0 + r * _progress(as_steps(steps), d, staircase))

    return schedule
