"""Float64 defects of the reference, each pinned by numbers derived by hand or by an independent computation.

- factor_decay is the recursion it documents, also for a growth factor (> 1) and below the floor;
- powers that leave the float64 range on their own no longer turn a finite rate into inf or 0;
- interpolation holds its knot values exactly, past the last knot too;
- ramps give both ends exactly, rising or falling, and rising ones do not cancel at the low end;
- restart steps come from the exact quotient of the step and the period, not a rounded one;
- none of it warns: the edges (a complete rise, a power beyond the range, 0 * inf) are handled, not noise.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import reference

pytestmark = pytest.mark.filterwarnings("error")


def evaluate(formula: str, steps: list[int] | np.ndarray, **params: object) -> np.ndarray:
    return reference.build({"formula": formula, **params})(np.asarray(steps))


def d2l_factor_scheduler(base_lr: Fraction, factor: Fraction, stop: Fraction, offset: int, count: int) -> list:
    """The documented recursion, as d2l's FactorScheduler steps it: ``lr = max(stop, lr * factor)`` per call."""
    lr, rates = base_lr, []
    for _ in range(offset):
        lr = max(stop, lr * factor)
    for _ in range(count):
        rates.append(lr)
        lr = max(stop, lr * factor)
    return rates


@pytest.mark.parametrize(
    ("init_lr", "factor", "min_lr", "offset"),
    [("1/2", "3/2", "1", 0), ("1/2", "3/2", "1", 1), ("1/2", "3/2", "1", 3), ("1/2", "3/2", "1/10", 0),
     ("2", "9/10", "1/100", 1), ("1/20", "1/2", "1/10", 0), ("1/20", "1/2", "1/10", 2), ("1", "1", "2", 0),
     ("1", "2", "1", 0)],
)  # fmt: skip
def test_factor_decay_is_the_documented_recursion(init_lr: str, factor: str, min_lr: str, offset: int) -> None:
    eta0, f, floor = Fraction(init_lr), Fraction(factor), Fraction(min_lr)
    expected = [float(v) for v in d2l_factor_scheduler(eta0, f, floor, offset, 60)]
    got = evaluate("factor_decay", range(60), init_lr=float(eta0), factor=float(f), min_lr=float(floor), offset=offset)
    assert got.tolist() == pytest.approx(expected, rel=4e-16)


def test_growth_factor_lifted_by_the_floor_grows_from_it() -> None:
    """Base 0.5, factor 1.5, floor 1.0: 0.5, then max(1.0, 0.75) = 1.0, then 1.5, 2.25 (not 1.125, 1.6875)."""
    got = evaluate("factor_decay", [0, 1, 2, 3], init_lr=0.5, factor=1.5, min_lr=1.0)
    assert got.tolist() == [0.5, 1.0, 1.5, 2.25]


@pytest.mark.parametrize(
    ("formula", "params"),
    [("factor_decay", {"init_lr": 1e-10, "factor": 10.0}),
     ("exponential", {"init_lr": 1e-10, "decay_steps": 1, "decay_rate": 10.0}),
     ("step_decay", {"init_lr": 1e-10, "step_size": 1, "gamma": 10.0}),
     ("multi_step", {"init_lr": 1e-10, "milestones": list(range(1, 315)), "gamma": 10.0})],
)  # fmt: skip
def test_power_beyond_the_range_with_a_finite_rate_stays_finite(formula: str, params: dict) -> None:
    """10.0**314 is inf in float64, yet 1e-10 * 10^314 = 1e304 is a float: the rate must be it (within 3 ulps)."""
    with np.errstate(over="ignore"):
        assert np.float64(10.0) ** 314 == np.inf
    got = evaluate(formula, [0, 300, 314], **params)
    assert got.tolist() == pytest.approx([1e-10, 1e290, 1e304], rel=3 * 2.2e-16)


def test_power_below_the_range_with_a_normal_rate_stays_normal() -> None:
    """0.5**2000 underflows to 0, yet 1e300 * 2^-2000 is the normal float ldexp(1e300, -2000)."""
    assert 0.5**2000 == 0.0
    got = evaluate("exponential", [2000], init_lr=1e300, decay_steps=1, decay_rate=0.5)
    assert got.tolist() == [math.ldexp(1e300, -2000)]


def test_power_of_a_zero_rate_is_zero_not_nan() -> None:
    """0 * 10^400 is 0, though 10.0**400 is inf and 0 * inf is nan; so is 0 * 10^700, whose square root is inf too."""
    assert evaluate("factor_decay", [0, 400, 700], init_lr=0.0, factor=10.0).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("kind", ["linear", "cos"])
def test_interpolation_holds_the_last_value_exactly(kind: str) -> None:
    """1.0 + (1e-12 - 1.0) * 1 is 9.99978e-13: at and past the last knot the value is 1e-12 itself."""
    assert 1.0 + (1e-12 - 1.0) * 1.0 != 1e-12
    got = evaluate("interpolate", [4, 5, 10**6], knots=[0, 4], values=[1.0, 1e-12], kind=kind)
    assert got.tolist() == [1e-12] * 3


def test_interpolation_gives_every_knot_exactly() -> None:
    """A rising cosine segment's start, end + (start - end) / 2 * 2, cancels: 0.1 + (1e-5 - 0.1) is not 1e-5."""
    knots, values = [0, 10, 25, 30], [1e-5, 0.1, 3e-3, 1e-7]
    for kind in ("linear", "cos"):
        assert evaluate("interpolate", knots, knots=knots, values=values, kind=kind).tolist() == values
    assert evaluate("one_cycle", [0], max_lr=0.1, total_steps=100).tolist() == [0.1 / 25.0]


def test_restart_steps_use_the_exact_quotient() -> None:
    """first_period=0.1 is the double 0.1000000000000000055...: ten periods end just after step 1, so step 1 is the
    last instant of the tenth cycle (a rate of about 0), not the restart of the eleventh (1.0), though 1 / 0.1 rounds
    to 10.0."""
    assert Fraction(0.1) * 10 > 1 and 1 / 0.1 == 10.0
    got = evaluate("cosine_restarts", [0, 1], init_lr=1.0, first_period=0.1)
    assert got[0] == 1.0 and 0.0 <= got[1] < 1e-30


RAMPS = [  # (formula, parameters with "S" and "E" for the two ends, steps, the end each step gives exactly)
    ("polynomial", {"init_lr": "S", "end_lr": "E", "decay_steps": 7, "power": 2.0}, [0, 7, 100], "SEE"),
    ("polynomial", {"init_lr": "S", "end_lr": "E", "decay_steps": 3, "cycle": True}, [0, 3, 6, 99], "SEEE"),
    ("linear", {"init_lr": "S", "end_lr": "E", "transition_steps": 10, "transition_begin": 2}, [0, 2, 12, 99], "SSEE"),
    ("linear_warmup", {"init_lr": "S", "peak_lr": "E", "warmup_steps": 5}, [0, 5, 99], "SEE"),
    ("cosine", {"init_lr": "S", "final_lr": "E", "decay_steps": 9, "exponent": 1.5}, [0, 9, 99], "SEE"),
    ("cosine", {"init_lr": "S", "final_lr": "E", "decay_steps": 9, "past_end": "periodic"}, [0, 9, 18, 27], "SESE"),
    ("warmup_cosine", {"init_lr": "S", "peak_lr": "E", "final_lr": "S", "warmup_steps": 4, "decay_steps": 6},
     [0, 4, 10, 99], "SESS"),
    ("cosine_restarts", {"init_lr": "S", "final_lr": "E", "first_period": 5, "t_mult": 2.0}, [0, 5, 15, 35], "SSSS"),
    ("warmup_cosine_cycles", {"init_lr": "S", "peak_lr": "E", "final_lr": "S", "warmup_steps": 4, "decay_steps": 6},
     [0, 4, 10, 16], "SESE"),
]  # fmt: skip
ENDS = [(1e-5, 0.1), (0.1, 1e-5), (0.08896911572963954, 0.009194583816614997), (0.0, 0.3), (3e-3, 3e-3)]


@pytest.mark.parametrize(
    ("formula", "template", "steps", "ends"), RAMPS, ids=[f"{r[0]}-{i}" for i, r in enumerate(RAMPS)]
)
@pytest.mark.parametrize(("start", "end"), ENDS + [(b, a) for a, b in ENDS], ids=str)
def test_ramps_give_both_ends_exactly(
    formula: str, template: dict, steps: list, ends: str, start: float, end: float
) -> None:
    """(1e-5 - 0.1) * 1 + 0.1 is 9.999999999996e-06, and (a - b) + b misses a by one ulp for the third pair."""
    value = {"S": start, "E": end}
    params = {k: value.get(v, v) if isinstance(v, str) else v for k, v in template.items()}
    assert evaluate(formula, steps, **params).tolist() == [value[e] for e in ends]


def test_rising_ramps_do_not_cancel() -> None:
    """A warm-up from 0 is peak * t / W (d2l's CosineScheduler prints 0.06 at t=1 of W=5 to 0.3), and a
    rising cosine is init + (final - init) * sin^2(pi t / 2D), without the cancellation of 1 - (1 + cos) / 2."""
    assert evaluate("warmup_cosine", [1], peak_lr=0.3, warmup_steps=5, decay_steps=15).tolist() == [0.06]
    steps = np.arange(1, 1000)
    got = evaluate("linear", steps, init_lr=1e-5, end_lr=0.1, transition_steps=10**6)
    exact = [float(Fraction(1e-5) + (Fraction(0.1) - Fraction(1e-5)) * Fraction(int(t), 10**6)) for t in steps]
    assert np.max(np.abs(got - exact) / np.spacing(exact)) <= 1.0
    got = evaluate("cosine", steps, init_lr=0.0, final_lr=0.05, decay_steps=10**6)
    rise = np.sin(np.pi * steps / 2e6) ** 2  # (1 - cos x) / 2 = sin(x/2)^2, without the cancellation of 1 - cos x
    # each within 4 ulps of the exact value (mpmath: 4 and 5); 0.05 + (0 - 0.05) * half was 1.4e11 ulps off
    assert np.max(np.abs(got - 0.05 * rise) / np.spacing(got)) <= 9
