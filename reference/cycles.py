"""Annealing in cycles with a linear warm-up: timm's cosine, tanh and polynomial schedules.

Each formula anneals from a peak to ``final_lr`` within cycles that grow by ``cycle_mul`` and whose peaks decay
by ``cycle_decay``; after ``cycle_limit`` cycles the rate holds ``final_lr``. A linear warm-up from ``init_lr``
comes first: with ``warmup_prefix`` the cycles start after it (their step is ``t - W``), without it they run on
the same clock (step ``t``), so the warm-up covers their first ``W`` steps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ._numeric import power_rise, ramp
from ._types import Schedule, as_steps
from ._validate import check_bool, check_count, check_lr, check_non_negative, check_positive, check_real
from .cosine import half_cosine, half_cosine_rise
from .polynomial import linear
from .restarts import restart_cycles

__all__ = ["cosine_cycles", "poly_cycles", "tanh_cycles"]

#: A cycle's shape: (fraction of the cycle done, in [0, 1)) -> (weight of the peak, weight of final_lr).
Shape = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def _cycles(
    name: str,
    shape: Shape,
    *,
    peak_lr: float,
    first_period: float,
    final_lr: float,
    cycle_mul: float,
    cycle_decay: float,
    cycle_limit: int,
) -> Schedule:
    """The cycles without warm-up: cycle ``i`` starts at ``S_i`` (:func:`reference.restarts.restart_cycles`),
    lasts ``P_i = T_0 m^i``, anneals from ``peak_lr * d^i`` to ``final_lr`` by ``shape((t - S_i) / P_i)``."""
    peak = check_lr(name, "peak_lr", peak_lr)
    t0 = check_positive(name, "first_period", first_period)
    floor = check_lr(name, "final_lr", final_lr)
    growth = check_positive(name, "cycle_mul", cycle_mul)
    if growth < 1:
        raise ValueError(f"{name}: cycle_mul must be >= 1, got cycle_mul={cycle_mul!r}")
    decay = check_non_negative(name, "cycle_decay", cycle_decay)
    limit = check_count(name, "cycle_limit", cycle_limit)
    if limit < 1:
        raise ValueError(f"{name}: cycle_limit must be >= 1, got cycle_limit={cycle_limit!r}")

    def schedule(t: np.ndarray) -> np.ndarray:
        starts, periods = restart_cycles(first_period=t0, t_mult=growth, last_step=float(np.max(t, initial=0.0)))
        index = np.searchsorted(starts, t, side="right") - 1
        out = np.full(t.shape, floor)
        for i in np.unique(index[index < limit]):  # one ramp per cycle: its peak is a scalar, its ends exact
            inside = index == i
            fall, rise = shape((t[inside] - starts[i]) / periods[i])
            out[inside] = ramp(peak * decay**i, floor, fall, rise)
        return out

    return schedule


def _warmed(
    name: str, cycles: Schedule, *, warmup_steps: float, init_lr: float, prefix: bool, target: float
) -> Schedule:
    """``cycles`` after a linear warm-up from ``init_lr`` to ``target`` over ``warmup_steps``."""
    w = check_non_negative(name, "warmup_steps", warmup_steps)
    start = check_lr(name, "init_lr", init_lr)
    warm = linear(init_lr=start, end_lr=target, transition_steps=w) if w else None

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        if warm is None:
            return cycles(t)
        return np.where(t < w, warm(t), cycles(np.maximum(t - w, 0.0) if prefix else t))

    return schedule


def cosine_cycles(
    *,
    peak_lr: float,
    first_period: float,
    final_lr: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    k_decay: float = 1.0,
    warmup_steps: float = 0,
    init_lr: float = 0.0,
    warmup_prefix: bool = False,
) -> Schedule:
    r"""Cosine annealing in cycles (SGDR) with k-decay, a cycle limit and a linear warm-up.

    After the warm-up, at cycle step :math:`u` (:math:`u = t - W` with ``warmup_prefix``, else :math:`u = t`),
    cycle :math:`i` starts at :math:`S_i = \sum_{j<i} T_0 m^j` and lasts :math:`P_i = T_0 m^i`:

    .. math::
       \eta_t = \begin{cases}
         \eta_0 + (\eta_p - \eta_0)\, t / W & t < W \\
         \eta_{\min} + (\eta_p d^{\,i} - \eta_{\min})\,
            \tfrac12\left(1 + \cos \pi \left(\frac{u - S_i}{P_i}\right)^{k}\right) & i < L \\
         \eta_{\min} & i \ge L
       \end{cases}

    Args:
      peak_lr: :math:`\eta_p` (>= 0), the optimizer's rate in timm.
      first_period: :math:`T_0` (> 0), timm's ``t_initial``.
      final_lr: :math:`\eta_{\min}` (>= 0), timm's ``lr_min``; not scaled by the cycle decay.
      cycle_mul: :math:`m` (>= 1), the growth of each cycle.
      cycle_decay: :math:`d` (>= 0), the decay of each cycle's peak.
      cycle_limit: :math:`L` (>= 1), the number of cycles before the rate holds ``final_lr``.
      k_decay: :math:`k` (> 0), the k-decay exponent of arXiv:2004.05909 (``t^k / T^k``).
      warmup_steps: :math:`W` (>= 0), timm's ``warmup_t``.
      init_lr: :math:`\eta_0` (>= 0), where the warm-up starts (timm's ``warmup_lr_init``).
      warmup_prefix: start the cycles after the warm-up (else the warm-up covers their first ``W`` steps).

    Documented as: timm ``CosineLRScheduler(t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t,
    warmup_lr_init, warmup_prefix, k_decay)`` and ``create_scheduler_v2(sched="cosine")``
    (https://huggingface.co/docs/timm/reference/schedulers). With ``cycle_limit = 1``, ``k = 1`` and a prefixed
    warm-up it is :func:`reference.cosine.warmup_cosine`.

    Examples:
      >>> cosine_cycles(peak_lr=1.0, first_period=4, cycle_limit=2, cycle_decay=0.5)([0, 2, 4, 6, 8]).tolist()
      [1.0, 0.5, 0.5, 0.25, 0.0]
      >>> cosine_cycles(peak_lr=1.0, first_period=4, k_decay=2.0)([2]).tolist()  # (1 + cos(pi / 4)) / 2
      [0.8535533905932737]
      >>> cosine_cycles(peak_lr=1.0, first_period=4, warmup_steps=2)([0, 1, 2, 3]).tolist()
      [0.0, 0.5, 0.5, 0.1464466094067262]
      >>> cosine_cycles(peak_lr=1.0, first_period=4, warmup_steps=2, warmup_prefix=True)([0, 1, 2, 4]).tolist()
      [0.0, 0.5, 1.0, 0.5]
    """
    name = "cosine_cycles"
    k = check_positive(name, "k_decay", k_decay)

    def shape(fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f = fraction**k
        return half_cosine(f), half_cosine_rise(f, 1.0)

    cycles = _cycles(name, shape, peak_lr=peak_lr, first_period=first_period, final_lr=final_lr, cycle_mul=cycle_mul,
                     cycle_decay=cycle_decay, cycle_limit=cycle_limit)  # fmt: skip
    prefix = check_bool(name, "warmup_prefix", warmup_prefix)
    return _warmed(name, cycles, warmup_steps=warmup_steps, init_lr=init_lr, prefix=prefix, target=peak_lr)


def poly_cycles(
    *,
    peak_lr: float,
    first_period: float,
    power: float = 0.5,
    final_lr: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    k_decay: float = 1.0,
    warmup_steps: float = 0,
    init_lr: float = 0.0,
    warmup_prefix: bool = False,
) -> Schedule:
    r"""Polynomial decay in cycles with k-decay, a cycle limit and a linear warm-up: :func:`cosine_cycles` with
    the cosine replaced by :math:`(1 - ((u - S_i) / P_i)^{k})^{p}`.

    .. math::
       \eta_t = \eta_{\min} + (\eta_p d^{\,i} - \eta_{\min})\left(1 - \left(\frac{u - S_i}{P_i}\right)^{k}\right)^{p}
       \quad (t \ge W,\ i < L)

    and the warm-up and the hold after :math:`L` cycles as in :func:`cosine_cycles`.

    Args:
      power: :math:`p` (> 0); timm's default 0.5 (``create_scheduler_v2(sched="poly")`` passes its
        ``decay_rate`` as the power).
      The others: as :func:`cosine_cycles`.

    Documented as: timm ``PolyLRScheduler(t_initial, power, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t,
    warmup_lr_init, warmup_prefix, k_decay)``. With ``cycle_limit = 1``, ``k = 1`` and no warm-up it is
    :func:`reference.polynomial.polynomial` (``decay_steps = T_0``, ``end_lr = final_lr``).

    Examples:
      >>> poly_cycles(peak_lr=1.0, first_period=4, power=2.0)([0, 2, 4, 5]).tolist()
      [1.0, 0.25, 0.0, 0.0]
      >>> poly_cycles(peak_lr=1.0, first_period=4, power=1.0, k_decay=2.0, cycle_limit=2)([2, 4, 6]).tolist()
      [0.75, 1.0, 0.75]
    """
    name = "poly_cycles"
    k = check_positive(name, "k_decay", k_decay)
    p = check_positive(name, "power", power)

    def shape(fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        done = fraction**k
        return (1.0 - done) ** p, power_rise(done, p)

    cycles = _cycles(name, shape, peak_lr=peak_lr, first_period=first_period, final_lr=final_lr, cycle_mul=cycle_mul,
                     cycle_decay=cycle_decay, cycle_limit=cycle_limit)  # fmt: skip
    prefix = check_bool(name, "warmup_prefix", warmup_prefix)
    return _warmed(name, cycles, warmup_steps=warmup_steps, init_lr=init_lr, prefix=prefix, target=peak_lr)


def tanh_cycles(
    *,
    peak_lr: float,
    first_period: float,
    lower: float = -7.0,
    upper: float = 3.0,
    final_lr: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_steps: float = 0,
    init_lr: float = 0.0,
    warmup_prefix: bool = False,
) -> Schedule:
    r"""Hyperbolic-tangent decay (HTD, arXiv:1806.01593) in cycles with a cycle limit and a linear warm-up.

    With :math:`f = (u - S_i) / P_i` in cycle :math:`i` (as in :func:`cosine_cycles`):

    .. math:: \eta_t = \eta_{\min} + (\eta_p d^{\,i} - \eta_{\min})\,\tfrac12\left(1 - \tanh(L (1 - f) + U f)\right)
       \quad (t \ge W,\ i < L_c)

    so the rate starts just below the peak (:math:`\tfrac12(1 - \tanh L)`: 0.99999917 of it for :math:`L = -7`) and
    ends above ``final_lr``. The warm-up rises linearly from ``init_lr`` to the cycle's rate at the warm-up's end:
    ``peak_lr`` with ``warmup_prefix``, else the tanh curve's value at step :math:`W` (so no jump at :math:`W`).

    Args:
      lower: :math:`L`, timm's ``lb`` (default -7), the argument of tanh at a cycle's start.
      upper: :math:`U > L`, timm's ``ub`` (default 3), its argument at a cycle's end.
      The others: as :func:`cosine_cycles` (no k-decay).

    Documented as: timm ``TanhLRScheduler(t_initial, lb, ub, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t,
    warmup_lr_init, warmup_prefix)`` and ``create_scheduler_v2(sched="tanh")``.

    Examples:
      >>> tanh_cycles(peak_lr=1.0, first_period=4, lower=-1.0, upper=1.0)([2, 4]).tolist()  # tanh(0) = 0
      [0.5, 0.0]
      >>> tanh_cycles(peak_lr=1.0, first_period=4, lower=-1.0, upper=1.0)([0]).round(9).tolist()  # (1 + tanh 1) / 2
      [0.880797078]
      >>> tanh_cycles(peak_lr=1.0, first_period=4, lower=-1.0, upper=1.0, warmup_steps=2)([0, 1, 2]).tolist()
      [0.0, 0.25, 0.5]
    """
    name = "tanh_cycles"
    lb, ub = check_real(name, "lower", lower), check_real(name, "upper", upper)
    if lb >= ub:
        raise ValueError(f"{name}: lower must be < upper, got lower={lower!r}, upper={upper!r}")

    def shape(fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = lb * (1.0 - fraction) + ub * fraction
        return 0.5 * (1.0 - np.tanh(x)), 0.5 * (1.0 + np.tanh(x))

    cycles = _cycles(name, shape, peak_lr=peak_lr, first_period=first_period, final_lr=final_lr, cycle_mul=cycle_mul,
                     cycle_decay=cycle_decay, cycle_limit=cycle_limit)  # fmt: skip
    prefix = check_bool(name, "warmup_prefix", warmup_prefix)
    w = check_non_negative(name, "warmup_steps", warmup_steps)
    target = peak_lr if prefix or not w else float(cycles(np.array([w]))[0])
    return _warmed(name, cycles, warmup_steps=w, init_lr=init_lr, prefix=prefix, target=target)
