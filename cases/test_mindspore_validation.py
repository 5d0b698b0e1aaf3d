"""MindSpore's argument validation, as installed: which invalid input raises what.

Collected with the conformance tests; without MindSpore (every env but ``mindspore``) the whole
module is skipped with the import error as the reason. Each row names the
exception type and a substring naming the argument (the wording changed between 1.x and 2.x, so
whole messages are not compared). Rows expecting ``None`` pin inputs that are accepted although
the documentation says otherwise, or that a reader might expect to be rejected: if MindSpore
starts rejecting them, the row fails and the table (and the README) must be updated.

The adapters pass exact Python ``float`` and ``int`` values because of the strictness shown here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

ms = pytest.importorskip("mindspore", reason="mindspore not importable: its validation cannot be checked")
nn = ms.nn
C, L = nn.learning_rate_schedule, nn.dynamic_lr
PARAM = [ms.Parameter(ms.Tensor(np.zeros(1), ms.float32), name="param")]
Raises = type[Exception] | None


def row(call: Callable[..., Any], what: str, args: tuple, raises: Raises, names: str = "", **kw: Any) -> Any:
    """``call(*args, **kw)`` raises ``raises`` (``None``: is accepted) with ``names`` in its message."""
    return pytest.param(call, args, kw, raises, names, id=f"{call.__name__}-{what}")


ROWS = [
    # learning_rate_schedule Cells: exact float rates, exact int step counts, bool flags
    row(C.ExponentialDecayLR, "int-learning_rate", (1, 0.9, 4), TypeError, "'learning_rate'"),
    row(C.ExponentialDecayLR, "float32-learning_rate", (np.float32(0.1), 0.9, 4), TypeError, "'learning_rate'"),
    # np.float64 is a float subclass, so it passes the exact-float check
    row(C.ExponentialDecayLR, "float64-learning_rate", (np.float64(0.1), 0.9, 4), None),
    row(C.ExponentialDecayLR, "float-decay_steps", (0.1, 0.9, 4.0), TypeError, "'decay_steps'"),
    row(C.ExponentialDecayLR, "int64-decay_steps", (0.1, 0.9, np.int64(4)), TypeError, "'decay_steps'"),
    row(C.ExponentialDecayLR, "bool-decay_steps", (0.1, 0.9, True), TypeError, "'decay_steps'"),
    row(C.ExponentialDecayLR, "zero-decay_steps", (0.1, 0.9, 0), ValueError, "'decay_steps'"),
    row(C.ExponentialDecayLR, "zero-learning_rate", (0.0, 0.9, 4), ValueError, "'learning_rate'"),
    row(C.ExponentialDecayLR, "nan-learning_rate", (float("nan"), 0.9, 4), ValueError, "'learning_rate'"),
    row(C.ExponentialDecayLR, "int-is_stair", (0.1, 0.9, 4, 1), TypeError, "'is_stair'"),
    row(C.NaturalExpDecayLR, "negative-decay_rate", (0.1, -0.9, 4), ValueError, "'decay_rate'"),
    row(C.NaturalExpDecayLR, "zero-decay_rate", (0.1, 0.0, 4), ValueError, "'decay_rate'"),
    row(C.InverseDecayLR, "int-decay_rate", (0.1, 1, 4), TypeError, "'decay_rate'"),
    row(C.CosineDecayLR, "int-min_lr", (0, 0.1, 4), TypeError, "'min_lr'"),
    row(C.CosineDecayLR, "int-max_lr", (0.0, 1, 4), TypeError, "'max_lr'"),
    row(C.CosineDecayLR, "negative-min_lr", (-0.01, 0.1, 4), ValueError, "'min_lr'"),
    row(C.CosineDecayLR, "min_lr-equals-max_lr", (0.1, 0.1, 4), ValueError, "'max_lr'"),
    row(C.PolynomialDecayLR, "int-end_learning_rate", (0.1, 0, 4, 0.5), TypeError, "'end_learning_rate'"),
    row(C.PolynomialDecayLR, "int-power", (0.1, 0.01, 4, 1), TypeError, "'power'"),
    row(C.PolynomialDecayLR, "zero-power", (0.1, 0.01, 4, 0.0), ValueError, "'power'"),
    row(C.PolynomialDecayLR, "int-update_decay_steps", (0.1, 0.01, 4, 0.5, 1), TypeError, "'update_decay_steps'"),
    # the only Cell check called without cls_name: its message has no "For 'PolynomialDecayLR'" prefix
    row(C.PolynomialDecayLR, "zero-learning_rate", (0.0, 0.01, 4, 0.5), ValueError, "The 'learning_rate'"),
    # an increasing polynomial is accepted
    row(C.PolynomialDecayLR, "end-above-learning_rate", (0.01, 0.1, 4, 0.5), None),
    row(C.WarmUpLR, "int-learning_rate", (1, 2), TypeError, "'learning_rate'"),
    # documented "ValueError: If learning_rate is less than or equal to 0"; the code checks >= 0
    row(C.WarmUpLR, "zero-learning_rate", (0.0, 2), None),
    row(C.WarmUpLR, "zero-warmup_steps", (0.1, 0), ValueError, "'warmup_steps'"),
    # dynamic_lr functions: the same strictness; most messages do not name the function
    row(L.piecewise_constant_lr, "int-learning_rates", ([2, 5], [0.1, 1]), TypeError, "'learning_rates[1]'"),
    row(L.piecewise_constant_lr, "float-milestone", ([2.0, 5], [0.1, 0.01]), TypeError, "'milestone[0]'"),
    row(L.piecewise_constant_lr, "zero-milestone", ([0, 2], [0.1, 0.2]), ValueError, "'milestone[0]'"),
    # documented as "not monotonically decreasing"; it means increasing
    row(L.piecewise_constant_lr, "decreasing-milestone", ([5, 2], [0.1, 0.01]), ValueError, "milestone[1]"),
    # an empty piece is accepted: its rate never appears
    row(L.piecewise_constant_lr, "equal-milestones", ([2, 2, 5], [0.1, 0.05, 0.01]), None),
    # rates are only type-checked: a negative rate is accepted
    row(L.piecewise_constant_lr, "negative-learning_rates", ([2], [-0.1]), None),
    row(L.piecewise_constant_lr, "length-mismatch", ([2, 5], [0.1]), ValueError, "'milestone'"),
    row(L.piecewise_constant_lr, "int-milestone", (5, [0.1]), TypeError, "'milestone'"),
    row(L.exponential_decay_lr, "int-learning_rate", (1, 0.9, 6, 1, 1), TypeError, "'learning_rate'"),
    row(L.exponential_decay_lr, "zero-total_step", (0.1, 0.9, 0, 1, 1), ValueError, "'total_step'"),
    row(L.exponential_decay_lr, "bool-step_per_epoch", (0.1, 0.9, 6, True, 1), TypeError, "'step_per_epoch'"),
    row(L.exponential_decay_lr, "float-decay_epoch", (0.1, 0.9, 6, 1, 1.0), TypeError, "'decay_epoch'"),
    row(L.exponential_decay_lr, "int-is_stair", (0.1, 0.9, 6, 1, 1, 1), TypeError, "'is_stair'"),
    row(L.natural_exp_decay_lr, "negative-decay_rate", (0.1, -0.9, 6, 1, 1), ValueError, "'decay_rate'"),
    row(L.inverse_decay_lr, "zero-decay_rate", (0.1, 0.0, 6, 1, 1), ValueError, "'decay_rate'"),
    row(L.cosine_decay_lr, "int-min_lr", (0, 0.1, 6, 1, 2), TypeError, "'min_lr'"),
    row(L.cosine_decay_lr, "min_lr-equals-max_lr", (0.1, 0.1, 6, 1, 2), ValueError, "'max_lr'"),
    row(L.polynomial_decay_lr, "int-end_learning_rate", (0.1, 0, 6, 1, 2, 0.5), TypeError, "'end_learning_rate'"),
    row(L.polynomial_decay_lr, "zero-power", (0.1, 0.01, 6, 1, 2, 0.0), ValueError, "'power'"),
    row(L.polynomial_decay_lr, "int-update_decay_epoch", (0.1, 0.01, 6, 1, 2, 0.5, 1), TypeError, "update_decay_epoch"),
    row(L.warmup_lr, "int-learning_rate", (1, 6, 1, 2), TypeError, "'learning_rate'"),
    # documented: ValueError only if < 0
    row(L.warmup_lr, "zero-learning_rate", (0.0, 6, 1, 2), None),
    row(L.warmup_lr, "zero-warmup_epoch", (0.1, 6, 1, 0), ValueError, "'warmup_epoch'"),
    # optimizers: a fixed rate is checked and converted, a list is converted unchecked
    row(nn.SGD, "negative-learning_rate", (PARAM,), ValueError, "'learning rate'", learning_rate=-0.1),
    row(nn.SGD, "int-learning_rate", (PARAM,), None, learning_rate=1),
    # a fixed negative rate raises, a negative rate in a dynamic list is accepted
    row(nn.SGD, "negative-rate-in-list", (PARAM,), None, learning_rate=[0.1, -0.1]),
    row(nn.SGD, "2d-tensor-learning_rate", (PARAM,), ValueError, "dimension", learning_rate=ms.Tensor(np.ones([2, 2]))),
    # documented TypeError for a learning_rate of another type; a str is an Iterable, converted with NumPy
    row(nn.SGD, "str-learning_rate", (PARAM,), ValueError, "could not convert string to float", learning_rate="a"),
    row(nn.Momentum, "int-momentum", (PARAM, 0.1, 1), TypeError, "'momentum'"),
    row(nn.Momentum, "negative-momentum", (PARAM, 0.1, -0.1), ValueError, "'momentum'"),
    row(nn.Momentum, "unknown-group-key", ([{"params": PARAM, "lrate": 0.1}], 0.1, 0.9), KeyError, "'lrate'"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "args", "kw", "raises", "names"), ROWS)
def test_validation(call: Callable[..., Any], args: tuple, kw: dict[str, Any], raises: Raises, names: str) -> None:
    if raises is None:
        call(*args, **kw)
        return
    with pytest.raises(raises) as caught:
        call(*args, **kw)
    assert names in str(caught.value), f"{type(caught.value).__name__}: {caught.value}"
