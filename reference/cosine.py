"""Cosine families: single cosine decay and cosine with linear warm-up."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ._numeric import power_rise, ramp
from ._types import Schedule, as_steps
from ._validate import check_choice, check_lr, check_non_negative, check_positive
from .join import join
from .polynomial import linear

__all__ = ["cosine", "half_cosine", "half_cosine_rise", "warmup_cosine"]


def half_cosine(fraction: np.ndarray) -> np.ndarray:
    """``(1 + cos(pi * fraction)) / 2``: 1 at fraction 0, 0 at fraction 1."""
    return 0.5 * (1.0 + np.cos(np.pi * fraction))


def half_cosine_rise(fraction: np.ndarray, exponent: float) -> np.ndarray:
    """``1 - half_cosine(fraction) ** exponent`` without cancelling near fraction 0.

    ``1 - half_cosine(f) = sin(pi f / 2) ** 2``, then :func:`reference._numeric.power_rise`.
    """
    return power_rise(np.sin(np.pi * fraction / 2.0) ** 2, exponent)


def cosine(
    *,
    init_lr: float,
    decay_steps: float,
    final_lr: float = 0.0,
    exponent: float = 1.0,
    past_end: Literal["clamp", "periodic"] = "clamp",
) -> Schedule:
    r"""Cosine annealing from ``init_lr`` to ``final_lr`` over ``decay_steps``.

    .. math::
       \eta_t = \eta_{\min} + (\eta_0 - \eta_{\min})
                \left[\tfrac12\left(1 + \cos\frac{\pi c}{D}\right)\right]^{e}

    with :math:`c = \min(t, D)` for ``past_end="clamp"`` (hold ``final_lr`` after the
    decay) or :math:`c = t` for ``past_end="periodic"`` (climb back to ``init_lr`` at
    :math:`2D`, period :math:`2D`). ``init_lr`` and ``final_lr`` come out exactly, also when the
    cosine rises (``final_lr > init_lr``).

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      decay_steps: :math:`D` (> 0).
      final_lr: :math:`\eta_{\min}` (>= 0). Keras and optax give it as the fraction
        ``alpha = final_lr / init_lr``; torch and MindSpore as an absolute rate.
      exponent: :math:`e` (> 0), optax's ``exponent``.
      past_end: behaviour for :math:`t > D`.

    Documented as: torch ``CosineAnnealingLR(T_max, eta_min)`` (periodic: its closed form
    has no clamp); Keras ``CosineDecay(initial_learning_rate, decay_steps, alpha)`` and
    optax ``cosine_decay_schedule(init_value, decay_steps, alpha, exponent)`` (clamped);
    MindSpore ``CosineDecayLR(min_lr, max_lr, decay_steps)`` / ``cosine_decay_lr``; d2l
    chapter 12.11 ``CosineScheduler(max_update, base_lr, final_lr)`` ("for t > T we simply
    pin the value to the target rate").

    Examples:
      >>> cosine(init_lr=0.3, final_lr=0.01, decay_steps=20)([0, 10, 20, 30]).tolist()
      [0.3, 0.155, 0.01, 0.01]
      >>> cosine(init_lr=1.0, decay_steps=2, past_end="periodic")([0, 2, 4]).tolist()
      [1.0, 0.0, 1.0]
    """
    name = "cosine"
    eta0 = check_lr(name, "init_lr", init_lr)
    d = check_positive(name, "decay_steps", decay_steps)
    eta_min = check_lr(name, "final_lr", final_lr)
    e = check_positive(name, "exponent", exponent)
    mode = check_choice(name, "past_end", past_end, ("clamp", "periodic"))

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        c = np.minimum(t, d) if mode == "clamp" else t
        return ramp(eta0, eta_min, half_cosine(c / d) ** e, half_cosine_rise(c / d, e))

    return schedule


def warmup_cosine(
    *,
    peak_lr: float,
    warmup_steps: float,
    decay_steps: float,
    init_lr: float = 0.0,
    final_lr: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    r"""Linear warm-up to ``peak_lr``, then a clamped :func:`cosine` down to ``final_lr``.

    .. math::
       \eta_t = \begin{cases}
         \eta_0 + (\eta_p - \eta_0)\, t / W & t < W \\
         \eta_{\min} + (\eta_p - \eta_{\min})
            \left[\tfrac12\left(1 + \cos\frac{\pi \min(t - W, D)}{D}\right)\right]^{e} & t \ge W
       \end{cases}

    ``decay_steps`` (:math:`D`) counts the cosine part only. optax's and d2l's
    ``decay_steps``/``max_update`` include the warm-up (:math:`W + D`); Keras's does not.

    Documented as: Keras ``CosineDecay(initial_learning_rate, decay_steps, alpha,
    warmup_target, warmup_steps)``; optax ``warmup_cosine_decay_schedule(init_value,
    peak_value, warmup_steps, decay_steps, end_value, exponent)``; d2l chapter 12.11
    ``CosineScheduler(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr)``; the
    Flax guide's ``create_learning_rate_fn`` (``init_lr = final_lr = 0``).

    Examples:
      >>> warmup_cosine(peak_lr=0.3, warmup_steps=5, decay_steps=15, final_lr=0.01)([0, 1, 5, 20, 25]).tolist()
      [0.0, 0.06, 0.3, 0.01, 0.01]
    """
    name = "warmup_cosine"
    peak = check_lr(name, "peak_lr", peak_lr)
    w = check_non_negative(name, "warmup_steps", warmup_steps)
    d = check_positive(name, "decay_steps", decay_steps)
    eta0 = check_lr(name, "init_lr", init_lr)
    eta_min = check_lr(name, "final_lr", final_lr)
    e = check_positive(name, "exponent", exponent)
    decay = cosine(init_lr=peak, decay_steps=d, final_lr=eta_min, exponent=e)
    if w == 0:
        return decay
    return join([linear(init_lr=eta0, end_lr=peak, transition_steps=w), decay], [w])
