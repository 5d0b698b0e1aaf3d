"""Reduce-on-plateau, driven by a metric sequence given in the case."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ._types import Schedule, as_steps
from ._validate import check_choice, check_count, check_list, check_lr, check_non_negative, check_positive, check_real

__all__ = ["reduce_on_plateau"]


def reduce_on_plateau(
    *,
    init_lr: float,
    metrics: list[float],
    mode: Literal["min", "max"] = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: Literal["rel", "abs"] = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> Schedule:
    r"""Multiply the rate by ``factor`` when the metric stops improving.

    Step :math:`t` is epoch :math:`t`; ``metrics[t]`` is observed at its end and decides the
    rate of epoch :math:`t + 1`. Per observation :math:`a`:

    1. improvement: ``min``/``rel`` :math:`a < b(1 - \delta)`, ``min``/``abs`` :math:`a < b - \delta`,
       ``max``/``rel`` :math:`a > b(1 + \delta)`, ``max``/``abs`` :math:`a > b + \delta`
       (best :math:`b` starts at :math:`\pm\infty`); on improvement :math:`b \leftarrow a` and
       the bad-epoch count resets, else it grows by one;
    2. during cool-down the counter is decremented and the bad-epoch count reset;
    3. when the bad-epoch count exceeds ``patience``: :math:`\eta' = \max(\eta f, \eta_{\min})`,
       applied only if :math:`\eta - \eta' > \epsilon`; then cool-down starts and the count resets.

    The rate holds after the last metric.

    Args:
      init_lr: the rate of epoch 0 (>= 0).
      metrics: one observation per epoch.
      mode: ``min`` when lower is better.
      factor: :math:`f`, in (0, 1).
      patience: bad epochs tolerated before a reduction (>= 0).
      threshold: :math:`\delta` (>= 0).
      threshold_mode: relative or absolute improvement test.
      cooldown: epochs to wait after a reduction (>= 0).
      min_lr: :math:`\eta_{\min}` (>= 0).
      eps: :math:`\epsilon` (>= 0), the smallest reduction applied.

    Documented as: torch ``ReduceLROnPlateau(optimizer, mode, factor, patience, threshold,
    threshold_mode, cooldown, min_lr, eps)``. Keras ``callbacks.ReduceLROnPlateau`` counts
    patience and cool-down differently and has only absolute ``min_delta``.

    Examples:
      >>> reduce_on_plateau(init_lr=1.0, metrics=[3, 2, 2, 2, 2], patience=1, factor=0.5)(range(6)).tolist()
      [1.0, 1.0, 1.0, 1.0, 0.5, 0.5]
    """
    name = "reduce_on_plateau"
    lr = check_lr(name, "init_lr", init_lr)
    if not check_list(name, "metrics", metrics):
        raise ValueError(f"{name}: metrics must be a non-empty list, got metrics={metrics!r}")
    observed = [check_real(name, f"metrics[{i}]", m) for i, m in enumerate(metrics)]
    check_choice(name, "mode", mode, ("min", "max"))
    f = check_positive(name, "factor", factor)
    if f >= 1:
        raise ValueError(f"{name}: factor must be < 1, got factor={factor!r}")
    wait = check_count(name, "patience", patience)
    delta = check_non_negative(name, "threshold", threshold)
    check_choice(name, "threshold_mode", threshold_mode, ("rel", "abs"))
    rest = check_count(name, "cooldown", cooldown)
    floor = check_lr(name, "min_lr", min_lr)
    smallest = check_non_negative(name, "eps", eps)

    def improves(a: float, best: float) -> bool:
        if mode == "min":
            return a < (best * (1.0 - delta) if threshold_mode == "rel" else best - delta)
        return a > (best * (1.0 + delta) if threshold_mode == "rel" else best + delta)

    best, bad, cooling, rates = (np.inf if mode == "min" else -np.inf), 0, 0, [lr]
    for a in observed:
        if improves(a, best):
            best, bad = a, 0
        else:
            bad += 1
        if cooling > 0:
            cooling, bad = cooling - 1, 0
        if bad > wait:
            reduced = max(lr * f, floor)
            if lr - reduced > smallest:
                lr = reduced
            cooling, bad = rest, 0
        rates.append(lr)
    table = np.array(rates)

    def schedule(steps: npt.ArrayLike) -> np.ndarray:
        return table[np.minimum(as_steps(steps).astype(np.int64), len(table) - 1)]

    return schedule
