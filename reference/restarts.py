"""Cosine annealing with warm restarts (SGDR), and its table of restart cycles."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._numeric import ramp
from ._types import Schedule, as_steps
from ._validate import check_lr, check_non_negative, check_positive
from .cosine import half_cosine, half_cosine_rise

__all__ = ["MAX_CYCLES", "cosine_restarts", "restart_cycles"]

#: The most restart cycles a trajectory may pass through: each is a table entry (and one loop
#: iteration), so a tiny ``first_period`` must fail rather than exhaust memory or time.
MAX_CYCLES = 1_000_000


def cosine_restarts(
    *,
    init_lr: float,
    first_period: float,
    final_lr: float = 0.0,
    t_mult: float = 1.0,
    m_mul: float = 1.0,
) -> Schedule:
    r"""Cosine annealing with warm restarts (SGDR).

    Cycle :math:`i` lasts :math:`P_i = T_0\, t_{\mathrm{mult}}^{\,i}` steps and starts at
    :math:`S_i = \sum_{j<i} P_j` (:func:`restart_cycles`). Inside it, with
    :math:`f = (t - S_i)/P_i \in [0, 1)`:

    .. math:: \eta_t = \eta_{\min} + (\eta_0 - \eta_{\min})\, m^{i}\, \tfrac12 (1 + \cos \pi f)

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      first_period: :math:`T_0` (> 0).
      final_lr: :math:`\eta_{\min}` (>= 0); never reached at integer steps.
      t_mult: :math:`t_{\mathrm{mult}}` (>= 1), period growth per restart.
      m_mul: :math:`m` (>= 0), peak decay per restart; ``final_lr`` is not scaled.

    Documented as: torch ``CosineAnnealingWarmRestarts(T_0, T_mult=1, eta_min)`` (integer
    ``T_mult``, no ``m_mul``); Keras ``CosineDecayRestarts(initial_learning_rate,
    first_decay_steps, t_mul=2.0, m_mul=1.0, alpha)``; optax ``sgdr_schedule`` (one
    ``warmup_cosine_decay_schedule`` per cycle).

    Examples:
      >>> cosine_restarts(init_lr=1.0, first_period=2, t_mult=2.0, m_mul=0.5)([0, 1, 2, 4, 6]).tolist()
      [1.0, 0.5, 0.5, 0.25, 0.25]
    """
    name = "cosine_restarts"
    eta0 = check_lr(name, "init_lr", init_lr)
    t0 = check_positive(name, "first_period", first_period)
    eta_min = check_lr(name, "final_lr", final_lr)
    growth = check_positive(name, "t_mult", t_mult)
    if growth < 1:
        raise ValueError(f"{name}: t_mult must be >= 1, got t_mult={t_mult!r}")
    m = check_non_negative(name, "m_mul", m_mul)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        t = as_steps(steps)
        starts, periods = restart_cycles(first_period=t0, t_mult=growth, last_step=float(np.max(t, initial=0.0)))
        i = np.searchsorted(starts, t, side="right") - 1
        f, peak = (t - starts[i]) / periods[i], m**i
        return ramp(eta0, eta_min, peak * half_cosine(f), (1.0 - peak) + peak * half_cosine_rise(f, 1.0))

    return schedule


def restart_cycles(*, first_period: float, t_mult: float, last_step: float) -> tuple[np.ndarray, np.ndarray]:
    """Start step and length of every restart cycle that starts at or before ``last_step``.

    Accumulated exactly in order by an integer loop rather than a logarithm: ``log(243, 3)``
    is 4.999..., which would put an exact restart step in the previous cycle. More than
    :data:`MAX_CYCLES` cycles is a ``ValueError``.

    Examples:
      >>> [a.tolist() for a in restart_cycles(first_period=10, t_mult=2.0, last_step=30)]
      [[0.0, 10.0, 30.0], [10.0, 20.0, 40.0]]
      >>> [a.tolist() for a in restart_cycles(first_period=10.0, t_mult=1.0, last_step=30)]
      [[0.0, 10.0, 20.0, 30.0], [10.0, 10.0, 10.0, 10.0]]
    """
    too_many = ValueError(
        f"cosine_restarts: first_period and t_mult must give at most {MAX_CYCLES:,} cycles up to step "
        f"{last_step:g}, got first_period={first_period!r}, t_mult={t_mult!r}"
    )
    if t_mult == 1.0:
        if last_step // first_period >= MAX_CYCLES:
            raise too_many
        count = int(last_step // first_period) + 1
        return np.arange(count) * first_period, np.full(count, float(first_period))
    starts, periods = [0.0], [float(first_period)]
    while starts[-1] + periods[-1] <= last_step:
        if len(starts) >= MAX_CYCLES:
            raise too_many
        starts.append(starts[-1] + periods[-1])
        periods.append(periods[-1] * t_mult)
    return np.array(starts), np.array(periods)
