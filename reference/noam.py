"""The Transformer's schedule (Vaswani et al. 2017, "Attention is all you need", section 5.3): a linear warm-up, then
the inverse square root of the step, both scaled by the model width."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import check_lr, check_positive

__all__ = ["noam"]


def noam(*, d_model: float, warmup_steps: float, scale: float = 1.0) -> Schedule:
    r"""Noam decay: the rate rises linearly for ``warmup_steps`` steps, then falls as :math:`t^{-1/2}`.

    .. math:: \eta_t = s\, d^{-1/2} \min\left(t^{-1/2},\; t\, W^{-3/2}\right)

    The two meet at :math:`t = W`, the peak :math:`s\,(d W)^{-1/2}`. At :math:`t = 0` the rate is 0 (the
    warm-up's line; :math:`t^{-1/2}` is infinite there): Paddle's ``get_lr`` takes ``a = 1`` instead of
    :math:`0^{-1/2}` at ``last_epoch == 0``, so ``min(1, 0) = 0``. For :math:`t \ge W` it is
    :func:`reference.warmup.warmup_inverse_sqrt` with ``timescale = W`` (``reference.identities``).

    Args:
      d_model: :math:`d`, the model width (> 0).
      warmup_steps: :math:`W` (> 0).
      scale: :math:`s` (>= 0), Paddle's ``learning_rate`` (default 1.0).

    Documented as: Paddle ``paddle.optimizer.lr.NoamDecay(d_model, warmup_steps, learning_rate=1.0)``
    (https://www.paddlepaddle.org.cn/documentation/docs/en/api/paddle/optimizer/lr/NoamDecay_en.html); the paper's
    :math:`d_{model}^{-0.5} \min(step^{-0.5}, step \cdot warmup\_steps^{-1.5})` (https://arxiv.org/abs/1706.03762).

    Examples:
      With :math:`d = 16`, :math:`W = 4`, :math:`s = 8`: :math:`s d^{-1/2} = 2`, the warm-up line is
      :math:`2 t / 8 = t / 4` and the decay :math:`2 / \sqrt{t}` (1 at 4, 0.5 at 16).

      >>> noam(d_model=16, warmup_steps=4, scale=8.0)([0, 1, 2, 4, 16]).tolist()
      [0.0, 0.25, 0.5, 1.0, 0.5]
      >>> noam(d_model=1, warmup_steps=1)([0, 1, 4, 100]).tolist()
      [0.0, 1.0, 0.5, 0.1]
    """
    name = "noam"
    d = check_positive(name, "d_model", d_model)
    w = check_positive(name, "warmup_steps", warmup_steps)
    s = check_lr(name, "scale", scale)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        decay = 1.0 / np.sqrt(np.maximum(t, 1.0))  # t = 0 takes the warm-up's 0 below, as Paddle does
        return s * d**-0.5 * np.minimum(decay, t * w**-1.5)

    return schedule
