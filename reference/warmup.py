"""Linear warm-up, then a decay the other families do not express: a cosine of several waves that goes on past its
end, a cosine with hard restarts that stops at 0, an inverse square root with a time scale.

Each is the shape of a Hugging Face transformers schedule (``transformers.optimization``), written as its
documentation and source give the formula, in absolute rates (transformers scales the optimizer's rate).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._numeric import ramp
from ._types import Schedule, as_steps
from ._validate import check_lr, check_non_negative, check_positive
from .join import join
from .polynomial import linear

__all__ = ["warmup_cosine_cycles", "warmup_cosine_hard_restarts", "warmup_inverse_sqrt"]


def _after_warmup(eta0: float, peak: float, w: float, decay: Schedule, formula: str) -> Schedule:
    """``decay`` (its step counted from the warm-up's end) after a linear warm-up from ``eta0`` to ``peak``."""
    if w == 0:
        return decay
    return join([linear(init_lr=eta0, end_lr=peak, transition_steps=w), decay], [w], formula=formula)


def warmup_cosine_cycles(
    *,
    peak_lr: float,
    warmup_steps: float,
    decay_steps: float,
    num_cycles: float = 0.5,
    init_lr: float = 0.0,
    final_lr: float = 0.0,
) -> Schedule:
    r"""Linear warm-up from ``init_lr`` to ``peak_lr``, then ``num_cycles`` cosine waves between ``peak_lr`` and
    ``final_lr`` over ``decay_steps``, continued past them.

    .. math::
       \eta_t = \begin{cases}
         \eta_0 + (\eta_p - \eta_0)\, t / W & t < W \\
         \eta_{\min} + (\eta_p - \eta_{\min})\,\tfrac12\left(1 + \cos\left(2\pi c\, \frac{t - W}{D}\right)\right)
           & t \ge W
       \end{cases}

    ``num_cycles`` :math:`c` counts whole waves: the default 0.5 is one half-wave, from the peak down to
    ``final_lr`` at :math:`t = W + D`; :math:`c = 1` comes back up to the peak at :math:`W + D`. Nothing clamps
    the cosine: past :math:`W + D` it goes on (with :math:`c = 0.5` it climbs back to the peak at :math:`W + 2D`).

    Documented as: transformers ``get_cosine_schedule_with_warmup(optimizer, num_warmup_steps,
    num_training_steps, num_cycles=0.5)`` (:math:`W` = ``num_warmup_steps``, :math:`D` = ``num_training_steps -
    num_warmup_steps``, ``init_lr = final_lr = 0``); ``get_cosine_with_min_lr_schedule_with_warmup(...,
    min_lr | min_lr_rate)`` (``final_lr = min_lr = min_lr_rate * lr``); and
    ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate(..., warmup_lr_rate)``, whose warm-up reaches the peak
    one step earlier (at ``num_warmup_steps - 1``, from ``warmup_lr_rate * lr``, by default ``lr /
    num_warmup_steps``): :math:`W` = ``num_warmup_steps - 1``, :math:`D` = ``num_training_steps -
    num_warmup_steps``. https://huggingface.co/docs/transformers/main_classes/optimizer_schedules

    Examples:
      >>> warmup_cosine_cycles(peak_lr=1.0, warmup_steps=2, decay_steps=4, final_lr=0.5)([0, 1, 2, 4, 6, 10]).tolist()
      [0.0, 0.5, 1.0, 0.75, 0.5, 1.0]
      >>> warmup_cosine_cycles(peak_lr=1.0, warmup_steps=0, decay_steps=4, num_cycles=1.0)([0, 1, 2, 4]).tolist()
      [1.0, 0.5, 0.0, 1.0]
    """
    name = "warmup_cosine_cycles"
    peak = check_lr(name, "peak_lr", peak_lr)
    w = check_non_negative(name, "warmup_steps", warmup_steps)
    d = check_positive(name, "decay_steps", decay_steps)
    c = check_positive(name, "num_cycles", num_cycles)
    eta0 = check_lr(name, "init_lr", init_lr)
    eta_min = check_lr(name, "final_lr", final_lr)

    def waves(steps: npt.ArrayLike) -> np.ndarray:
        return ramp(peak, eta_min, 0.5 * (1.0 + np.cos(2.0 * np.pi * c * as_steps(steps) / d)))

    return _after_warmup(eta0, peak, w, waves, name)


def warmup_cosine_hard_restarts(
    *, peak_lr: float, warmup_steps: float, decay_steps: float, num_cycles: float = 1.0
) -> Schedule:
    r"""Linear warm-up from 0 to ``peak_lr``, then ``num_cycles`` cosine half-waves from the peak towards 0, each
    restarting at the peak, over ``decay_steps``; 0 from :math:`W + D` on.

    .. math::
       \eta_t = \begin{cases}
         \eta_p\, t / W & t < W \\
         \eta_p\,\tfrac12\left(1 + \cos\left(\pi\,\left(c\,p \bmod 1\right)\right)\right),
           \ p = \frac{t - W}{D} & W \le t < W + D \\
         0 & t \ge W + D
       \end{cases}

    Each cycle lasts :math:`D / c` steps and never reaches 0 at an integer step inside it; the rate drops to 0
    at :math:`W + D`, where the next cycle would restart.

    Documented as: transformers ``get_cosine_with_hard_restarts_schedule_with_warmup(optimizer,
    num_warmup_steps, num_training_steps, num_cycles=1)`` (:math:`W` = ``num_warmup_steps``, :math:`D` =
    ``num_training_steps - num_warmup_steps``). https://huggingface.co/docs/transformers/main_classes/optimizer_schedules

    Examples:
      >>> restarts = warmup_cosine_hard_restarts(peak_lr=1.0, warmup_steps=2, decay_steps=4, num_cycles=2)
      >>> restarts([0, 1, 2, 3, 4, 5, 6, 9]).tolist()
      [0.0, 0.5, 1.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    name = "warmup_cosine_hard_restarts"
    peak = check_lr(name, "peak_lr", peak_lr)
    w = check_non_negative(name, "warmup_steps", warmup_steps)
    d = check_positive(name, "decay_steps", decay_steps)
    c = check_positive(name, "num_cycles", num_cycles)

    def cycles(steps: npt.ArrayLike) -> np.ndarray:
        p = as_steps(steps) / d
        wave = ramp(peak, 0.0, 0.5 * (1.0 + np.cos(np.pi * np.mod(c * p, 1.0))))
        return np.where(p >= 1.0, 0.0, wave)

    return _after_warmup(0.0, peak, w, cycles, name)


def warmup_inverse_sqrt(*, peak_lr: float, warmup_steps: float, timescale: float) -> Schedule:
    r"""Linear warm-up from 0 to ``peak_lr``, then an inverse square root of the steps since, in units of
    ``timescale``.

    .. math::
       \eta_t = \begin{cases}
         \eta_p\, t / W & t < W \\
         \eta_p \Big/ \sqrt{1 + (t - W) / \tau} & t \ge W
       \end{cases}

    The rate halves when :math:`t - W = 3\tau`. Unlike :func:`reference.polynomial.inverse_sqrt` (d2l's
    :math:`\eta_0 (t + o)^{-1/2}`) the peak is the rate at the warm-up's end, whatever :math:`\tau`.

    Documented as: transformers ``get_inverse_sqrt_schedule(optimizer, num_warmup_steps, timescale=None)``
    (``timescale`` defaults to ``num_warmup_steps``, or 10,000 without a warm-up; computed as
    ``1 / sqrt((t + timescale - num_warmup_steps) / timescale)``), adapted from big_vision's ``rsqrt`` schedule.
    https://huggingface.co/docs/transformers/main_classes/optimizer_schedules

    Examples:
      >>> warmup_inverse_sqrt(peak_lr=1.0, warmup_steps=2, timescale=2)([0, 1, 2, 8]).tolist()
      [0.0, 0.5, 1.0, 0.5]
      >>> warmup_inverse_sqrt(peak_lr=0.3, warmup_steps=0, timescale=1)([0, 3, 15]).tolist()
      [0.3, 0.15, 0.075]
    """
    name = "warmup_inverse_sqrt"
    peak = check_lr(name, "peak_lr", peak_lr)
    w = check_non_negative(name, "warmup_steps", warmup_steps)
    tau = check_positive(name, "timescale", timescale)

    def decay(steps: npt.ArrayLike) -> np.ndarray:
        return peak / np.sqrt(1.0 + np.maximum(as_steps(steps), 0.0) / tau)  # join evaluates it before W too

    return _after_warmup(0.0, peak, w, decay, name)
