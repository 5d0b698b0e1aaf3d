"""Cosine families: single cosine decay, cosine with linear warm-up, cosine with warm restarts."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import check_choice, check_lr, check_non_negative, check_positive
from .join import join
from .polynomial import linear

__all__ = ["cosine", "cosine_restarts", "warmup_cosine"]


def _half_cosine(fraction: np.ndarray) -> np.ndarray:
    """``(1 + cos(pi * fraction)) / 2``: 1 at fraction 0, 0 at fraction 1."""
    return 0.5 * (1.0 + np.cos(np.pi * fraction))


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
    :math:`2D`, period :math:`2D`).

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
        return eta_min + (eta0 - eta_min) * _half_cosine(c / d) ** e

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
    :math:`S_i = \sum_{j<i} P_j`. Inside it, with :math:`f = (t - S_i)/P_i \in [0, 1)`:

    .. math:: \eta_t = \eta_{\min} + (\eta_0 - \eta_{\min})\, m^{i}\, \tfrac12 (1 + \cos \pi f)

    Args:
      init_lr: :math:`\eta_0` (>= 0).
      first_period: :math:`T_0` (> 0).
      final_lr: :math:`\eta_{\min}` (>= 0); never reached at integer steps.
      t_mult: :math:`t_{\mathrm{mult}}` (>= 1), period growth per restart.
      m_mul: :math:`m` (>= 0), peak decay per restart; ``final_lr`` is not scaled.

    Documented as: torch ``CosineAnnealingWarmRestarts(T_0, T_mult=1, eta_min)`` (integer
    ``T_mult``, no ``m_mul``); Keras ``CosineDecayRestarts(initial_learning_rate,
    first_decay_steps, t_mul=2.0, m_mul=1.0, alpha)``.

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
        starts, periods = _cycle_table(t0, growth, float(np.max(t, initial=0.0)))
        i = np.searchsorted(starts, t, side="right") - 1
        f = (t - starts[i]) / periods[i]
        return eta_min + (eta0 - eta_min) * m**i * _half_cosine(f)

    return schedule


#: The most restart cycles a trajectory may pass through: each is a table entry (and one loop
#: iteration), so a tiny ``first_period`` must fail rather than exhaust memory or time.
MAX_CYCLES = 1_000_000


def _cycle_table(first: float, growth: float, last_step: float) -> tuple[np.ndarray, np.ndarray]:
    """Start step and length of every cycle up to ``last_step``, accumulated exactly in order.

    An integer loop rather than a logarithm: ``log(243, 3)`` is 4.999..., which puts an
    exact restart step in the previous cycle.
    """
    too_many = ValueError(
        f"cosine_restarts: first_period and t_mult must give at most {MAX_CYCLES:,} cycles up to step "
        f"{last_step:g}, got first_period={first!r}, t_mult={growth!r}"
    )
    if growth == 1.0:
        if last_step // first >= MAX_CYCLES:
            raise too_many
        count = int(last_step // first) + 1
        return np.arange(count) * first, np.full(count, first)
    starts, periods = [0.0], [first]
    while starts[-1] + periods[-1] <= last_step:
        if len(starts) >= MAX_CYCLES:
            raise too_many
        starts.append(starts[-1] + periods[-1])
        periods.append(periods[-1] * growth)
    return np.array(starts), np.array(periods)
