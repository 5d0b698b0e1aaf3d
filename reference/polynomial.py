"""Power-law families: polynomial decay, linear ramps, linear warm-up, inverse square root."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._numeric import power_rise, ramp
from ._types import Schedule, as_steps
from ._validate import check_bool, check_lr, check_non_negative, check_positive

__all__ = ["inverse_sqrt", "linear", "linear_warmup", "polynomial"]


def polynomial(
    *,
    init_lr: float,
    decay_steps: float,
    end_lr: float = 0.0,
    power: float = 1.0,
    cycle: bool = False,
    transition_begin: float = 0,
) -> Schedule:
    r"""Polynomial decay from ``init_lr`` to ``end_lr`` over ``decay_steps``.

    .. math::
       \eta_t = (\eta_0 - \eta_e)\left(1 - \frac{c}{D'}\right)^{p} + \eta_e

    with :math:`s = \max(t - B, 0)`. Without cycling :math:`c = \min(s, D)` and :math:`D' = D`:
    the rate holds at ``end_lr`` after the decay. With ``cycle=True`` :math:`c = s` and
    :math:`D' = D \max(1, \lceil s/D \rceil)`: a saw-tooth that returns to ``end_lr`` at every
    multiple of :math:`D` and jumps back up (to a lower peak) right after. ``init_lr`` and
    ``end_lr`` come out exactly, whichever is larger (:func:`reference._numeric.ramp`).

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      decay_steps: :math:`D` (> 0).
      end_lr: :math:`\eta_e` (>= 0); may exceed ``init_lr`` (an increasing ramp).
      power: :math:`p` (> 0).
      cycle: restart with a stretched horizon instead of holding.
      transition_begin: :math:`B`, steps to hold ``init_lr`` first (>= 0).

    Documented as: Keras ``PolynomialDecay(initial_learning_rate, decay_steps,
    end_learning_rate=1e-4, power=1.0, cycle=False)``; torch ``PolynomialLR(total_iters,
    power)`` (``end_lr = 0``); optax ``polynomial_schedule(init_value, end_value, power,
    transition_steps, transition_begin)``; MindSpore ``PolynomialDecayLR(..,
    update_decay_steps)`` / ``polynomial_decay_lr(.., update_decay_epoch)``.

    Examples:
      >>> polynomial(init_lr=0.1, end_lr=0.01, decay_steps=4, power=0.5)([0, 2, 4, 6]).tolist()
      [0.1, 0.07363961, 0.01, 0.01]
      >>> polynomial(init_lr=1.0, decay_steps=2, cycle=True)([0, 1, 2, 3, 4]).tolist()
      [1.0, 0.5, 0.0, 0.25, 0.0]
    """
    name = "polynomial"
    eta0 = check_lr(name, "init_lr", init_lr)
    eta_e = check_lr(name, "end_lr", end_lr)
    d = check_positive(name, "decay_steps", decay_steps)
    p = check_positive(name, "power", power)
    begin = check_non_negative(name, "transition_begin", transition_begin)
    cycle = check_bool(name, "cycle", cycle)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        s = np.maximum(as_steps(steps) - begin, 0.0)
        done = s / (d * np.maximum(1.0, np.ceil(s / d))) if cycle else np.minimum(s, d) / d
        return ramp(eta0, eta_e, (1.0 - done) ** p, power_rise(done, p))

    return schedule


def linear(*, init_lr: float, end_lr: float, transition_steps: float, transition_begin: float = 0) -> Schedule:
    r"""Linear ramp from ``init_lr`` to ``end_lr``, then hold: :func:`polynomial` with ``power=1``.

    .. math:: \eta_t = \eta_0 + (\eta_e - \eta_0)\,\frac{\min(\max(t - B, 0), T)}{T}

    Documented as: torch ``LinearLR(start_factor, end_factor, total_iters)`` (as factors of
    the optimizer's rate); optax ``linear_schedule(init_value, end_value, transition_steps,
    transition_begin)``.

    Examples:
      >>> linear(init_lr=0.0, end_lr=1.0, transition_steps=4)([0, 1, 4, 9]).tolist()
      [0.0, 0.25, 1.0, 1.0]
      >>> linear(init_lr=1e-5, end_lr=0.1, transition_steps=4)([0, 4]).tolist()
      [1e-05, 0.1]
    """
    name = "linear"
    return polynomial(
        init_lr=check_lr(name, "init_lr", init_lr),
        end_lr=check_lr(name, "end_lr", end_lr),
        decay_steps=check_positive(name, "transition_steps", transition_steps),
        transition_begin=check_non_negative(name, "transition_begin", transition_begin),
    )


def linear_warmup(*, peak_lr: float, warmup_steps: float, init_lr: float = 0.0) -> Schedule:
    r"""Linear warm-up from ``init_lr`` to ``peak_lr`` over ``warmup_steps``, then hold.

    .. math:: \eta_t = \eta_0 + (\eta_p - \eta_0)\,\min(t, W)/W

    Documented as: MindSpore ``WarmUpLR(learning_rate, warmup_steps)`` and ``warmup_lr``
    (``init_lr = 0``); optax ``warmup_constant_schedule``; the warm-up half of
    Keras ``CosineDecay(warmup_target, warmup_steps)``.

    Examples:
      >>> linear_warmup(peak_lr=0.1, warmup_steps=2)([0, 1, 2, 3]).tolist()
      [0.0, 0.05, 0.1, 0.1]
    """
    name = "linear_warmup"
    return linear(
        init_lr=check_lr(name, "init_lr", init_lr),
        end_lr=check_lr(name, "peak_lr", peak_lr),
        transition_steps=check_positive(name, "warmup_steps", warmup_steps),
    )


def inverse_sqrt(*, init_lr: float, offset: float = 1.0) -> Schedule:
    r"""Inverse-square-root decay.

    .. math:: \eta_t = \eta_0\,(t + o)^{-1/2}

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      offset: :math:`o` (> 0); the d2l chapter uses ``o = 1`` so that :math:`\eta_0` is the
        rate at step 0.

    Documented as: d2l chapter 12.11 ``SquareRootScheduler(lr)``:
    :math:`\eta = \eta_0 (t + 1)^{-1/2}`.

    Examples:
      >>> inverse_sqrt(init_lr=0.1)([0, 3]).tolist()
      [0.1, 0.05]
    """
    eta0 = check_lr("inverse_sqrt", "init_lr", init_lr)
    o = check_positive("inverse_sqrt", "offset", offset)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        return eta0 / np.sqrt(as_steps(steps) + o)

    return schedule
