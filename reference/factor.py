"""Factor decay: multiply by a constant factor at every step, above a floor."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._numeric import scaled_power
from ._types import Schedule, as_steps
from ._validate import check_count, check_lr, check_positive

__all__ = ["factor_decay"]


def factor_decay(*, init_lr: float, factor: float, min_lr: float = 0.0, offset: int = 0) -> Schedule:
    r"""Multiply by ``factor`` at every step, never going below ``min_lr``: the recursion

    .. math::
       \eta^{(0)} = \eta_0, \qquad \eta^{(n)} = \max(\eta_{\min},\; \eta^{(n-1)} f), \qquad
       \eta_t = \eta^{(t + o)}

    in closed form: :math:`\eta^{(n)} = \max(\eta_{\min}, \eta_0 f^{\,n})` for :math:`n \ge 1`, except
    when a growing rate (:math:`f > 1`) starts below the floor (:math:`\eta_0 f < \eta_{\min}`):
    the floor binds at the first multiplication only, and the rate grows from there,
    :math:`\eta^{(n)} = \eta_{\min} f^{\,n-1}`. :math:`\eta^{(0)} = \eta_0` is never clamped.

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      factor: :math:`f` (> 0). ``f > 1`` is accepted: d2l's ``FactorScheduler`` does not check
        it, and torch ``ExponentialLR(gamma)`` and Keras ``ExponentialDecay(decay_rate)`` grow
        with it (MXNet's ``FactorScheduler`` refuses it).
      min_lr: :math:`\eta_{\min}` (>= 0).
      offset: :math:`o`, multiplications already applied at step 0 (>= 0). The d2l chapter's
        ``FactorScheduler`` multiplies before returning its first value, so ``o = 1``.

    Documented as: d2l chapter 12.11 ``FactorScheduler(factor, stop_factor_lr, base_lr)``,
    :math:`\eta_{t+1} \leftarrow \max(\eta_{\min}, \eta_t \cdot \alpha)`; MXNet
    ``FactorScheduler`` with ``step=1``.

    Examples:
      >>> factor_decay(init_lr=2.0, factor=0.5, min_lr=0.3, offset=1)([0, 1, 2, 3]).tolist()
      [1.0, 0.5, 0.3, 0.3]
      >>> factor_decay(init_lr=0.5, factor=1.5, min_lr=1.0)([0, 1, 2, 3]).tolist()
      [0.5, 1.0, 1.5, 2.25]
    """
    name = "factor_decay"
    eta0 = check_lr(name, "init_lr", init_lr)
    f = check_positive(name, "factor", factor)
    floor = check_lr(name, "min_lr", min_lr)
    o = check_count(name, "offset", offset)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        n = as_steps(steps) + o
        if f <= 1 or eta0 * f >= floor:
            applied = np.maximum(floor, scaled_power(eta0, f, n))
        else:
            applied = scaled_power(floor, f, n - 1)
        return np.where(n == 0, eta0, applied)

    return schedule
