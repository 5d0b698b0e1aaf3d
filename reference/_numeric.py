"""Float64 evaluation that stays exact where the formulas are: ramp ends, and powers near the range's edge."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["power_rise", "ramp", "scaled_power"]


def ramp(start: float, end: float, fall: npt.ArrayLike, rise: npt.ArrayLike | None = None) -> np.ndarray:
    r"""From ``start`` (``fall = 1``) to ``end`` (``fall = 0``), both exactly: :math:`e + (s - e)\,w`.

    ``fall`` is the weight of ``start``; ``rise`` is ``1 - fall``, passed when the caller can
    compute it more accurately than the subtraction (default ``1 - fall``). The form is chosen by
    direction so that nothing cancels: the documented ``end + (start - end) * fall`` when the ramp
    falls (``start >= end``), ``start + (end - start) * rise`` when it rises, since
    ``0.1 + (1e-5 - 0.1) * 1`` is 9.999999999996e-06, not 1e-05. Even without cancellation,
    adding back a rounded difference can miss by one ulp (``(a - b) + b`` is not ``a`` for
    ``a, b = 0.08896911572963954, 0.009194583816614997``), so the ends are set exactly.

    Examples:
      >>> ramp(1e-5, 0.1, np.array([1.0, 0.5, 0.0])).tolist()
      [1e-05, 0.050005, 0.1]
    """
    fall = np.asarray(fall, dtype=np.float64)
    rise = 1.0 - fall if rise is None else np.asarray(rise, dtype=np.float64)
    value = end + (start - end) * fall if start >= end else start + (end - start) * rise
    return np.where(fall == 1.0, start, np.where(fall == 0.0, end, value))


def power_rise(x: npt.ArrayLike, p: float) -> np.ndarray:
    r"""``1 - (1 - x)**p`` without cancelling near ``x = 0``: ``x`` itself for ``p = 1``, else ``-expm1(p log1p(-x))``.

    Examples:
      >>> power_rise(np.array([0.0, 0.2, 1.0]), 1.0).tolist(), power_rise(np.array([0.0, 0.75, 1.0]), 0.5).tolist()
      ([0.0, 0.2, 1.0], [0.0, 0.5, 1.0])
    """
    x = np.asarray(x, dtype=np.float64)
    if p == 1.0:
        return x
    with np.errstate(divide="ignore"):  # log1p(-1) = -inf: the rise is complete
        return -np.expm1(p * np.log1p(-x))


def scaled_power(scale: float, base: float, exponent: npt.ArrayLike) -> np.ndarray:
    r"""``scale * base ** exponent``, finite whenever the exact product is (for a normal ``scale``).

    The plain product, as frameworks compute it, wherever ``base ** exponent`` is a normal float.
    Where the power alone leaves the range but the product need not (``1e-10 * 10.0 ** 314`` is
    1e304, ``10.0 ** 314`` is ``inf``), it is computed as ``(scale * h) * h`` with
    ``h = base ** (exponent / 2)``: each partial product lies between ``scale`` and the result, and
    the error stays within a few ulps.

    Examples:
      >>> scaled_power(1e-10, 10.0, np.array([2.0, 314.0])).tolist()
      [1e-08, 1e+304]
      >>> scaled_power(1e300, 0.5, np.array([2000.0])).tolist()
      [8.709809816217217e-303]
    """
    e = np.asarray(exponent, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        power = np.power(base, e)
        outside = (base > 0) & ((power == np.inf) | (power < np.finfo(np.float64).tiny))
        half = np.power(base, e / 2.0)
        rescued = np.where(scale == 0, 0.0, (scale * half) * half)
        return np.where(outside, rescued, scale * power)
