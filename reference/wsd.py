"""Warmup-stable-decay (WSD): a linear warm-up, a plateau at the peak, then a decay to the final rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._numeric import ramp
from ._types import Schedule, as_steps
from ._validate import check_choice, check_lr, check_non_negative, check_positive
from .constant import constant
from .cosine import cosine
from .join import join
from .polynomial import linear, polynomial

__all__ = ["warmup_stable_decay"]


def _sqrt_decay(peak: float, final: float, d: float) -> Schedule:
    """``final + (peak - final) (1 - sqrt(min(t, D) / D))``, both ends exact."""

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        root = np.sqrt(np.clip(as_steps(steps), 0.0, d) / d)  # join also evaluates parts before their start
        return ramp(peak, final, 1.0 - root, root)

    return schedule


#: decay -> the decay part from the peak, as a function of (peak, final, decay_steps).
_DECAYS: dict[str, Callable[[float, float, float], Schedule]] = {
    "linear": lambda peak, final, d: polynomial(init_lr=peak, decay_steps=d, end_lr=final),
    "cosine": lambda peak, final, d: cosine(init_lr=peak, decay_steps=d, final_lr=final),
    "1-sqrt": _sqrt_decay,
}


def warmup_stable_decay(
    *,
    peak_lr: float,
    warmup_steps: float,
    stable_steps: float,
    decay_steps: float,
    init_lr: float = 0.0,
    final_lr: float = 0.0,
    decay: Literal["linear", "cosine", "1-sqrt"] = "linear",
) -> Schedule:
    r"""Linear warm-up over ``warmup_steps``, ``peak_lr`` for ``stable_steps``, then a decay to ``final_lr``.

    .. math::
       \eta_t = \begin{cases}
         \eta_0 + (\eta_p - \eta_0)\, t / W & t < W \\
         \eta_p & W \le t < W + S \\
         \eta_{\min} + (\eta_p - \eta_{\min})\, g\!\left(\min(t - W - S, D) / D\right) & t \ge W + S
       \end{cases}

    with :math:`g(u) = 1 - u` (``decay="linear"``), :math:`\tfrac12(1 + \cos \pi u)` (``"cosine"``) or
    :math:`1 - \sqrt{u}` (``"1-sqrt"``), and ``final_lr`` held after the decay.

    Documented as: Hugging Face transformers ``get_wsd_schedule(optimizer, num_warmup_steps, num_decay_steps,
    num_stable_steps, decay_type, min_lr_ratio)`` (relative to the optimizer's rate; in 5.x the warm-up starts at
    ``min_lr_ratio * peak`` too: ``init_lr = final_lr = min_lr_ratio * peak``); MiniCPM (Hu et al. 2024,
    arXiv:2404.06395, section 4); the 1-sqrt cool-down of Hägele et al. 2024 (arXiv:2405.18392).

    Examples:
      >>> wsd = warmup_stable_decay(peak_lr=1.0, warmup_steps=2, stable_steps=2, decay_steps=4, final_lr=0.2)
      >>> wsd([0, 1, 2, 3, 4, 6, 8, 9]).tolist()
      [0.0, 0.5, 1.0, 1.0, 1.0, 0.6, 0.2, 0.2]
      >>> warmup_stable_decay(peak_lr=1.0, warmup_steps=0, stable_steps=0, decay_steps=4, decay="1-sqrt")([1]).tolist()
      [0.5]
    """
    name = "warmup_stable_decay"
    peak = check_lr(name, "peak_lr", peak_lr)
    w = check_non_negative(name, "warmup_steps", warmup_steps)
    s = check_non_negative(name, "stable_steps", stable_steps)
    d = check_positive(name, "decay_steps", decay_steps)
    eta0 = check_lr(name, "init_lr", init_lr)
    final = check_lr(name, "final_lr", final_lr)
    kind = check_choice(name, "decay", decay, tuple(_DECAYS))
    parts: list[Schedule] = []
    if w:
        parts.append(linear(init_lr=eta0, end_lr=peak, transition_steps=w))
    if s:
        parts.append(constant(value=peak))
    boundaries = np.cumsum([length for length in (w, s) if length]).tolist()
    return join([*parts, _DECAYS[kind](peak, final, d)], boundaries, formula=name)
