"""A deliberately tiny "framework" and its adapter, to test the harness without a real framework.

``Scheduler`` is stateful like torch's (read the rate, then advance) and can be asked, through
case hints, to misbehave the ways real frameworks do: one step late, a wrong formula from some
step on, or an exception part-way. ``FakeAdapter`` maps the ``step_decay`` and ``constant``
formulas to it, the way a real adapter maps formulas to its framework's API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from adapters._base import run_program, select
from model.adapter import NotExpressible, Plan, Probe, Trajectory
from model.case import Case
from model.hints import HintError, HintKey, HintKeys, one_of

_PROGRAM = """\
from tests.fake_framework import Scheduler
scheduler = Scheduler(**{kwargs!r})
schedule = []
for step in range({count}):
    if step:
        scheduler.advance()
    schedule.append(scheduler.rate())
"""


class Scheduler:
    """``init_lr * gamma ** (t // step_size)``, with optional, named misbehaviour."""

    def __init__(
        self,
        init_lr: float,
        step_size: int = 1,
        gamma: float = 1.0,
        bug: str | None = None,
        raise_at: int | None = None,
    ):
        self.init_lr, self.step_size, self.gamma = init_lr, step_size, gamma
        self.bug, self.raise_at, self.t = bug, raise_at, 0

    def rate(self) -> float:
        t = max(self.t - 1, 0) if self.bug == "late" else self.t
        lr = self.init_lr * self.gamma ** (t // self.step_size)
        return 2 * lr if self.bug == "double" and t >= 3 else lr

    def advance(self) -> None:
        self.t += 1
        if self.raise_at is not None and self.t >= self.raise_at:
            raise ValueError(f"cannot step to {self.t}")


class FakeAdapter:
    """Adapter for :class:`Scheduler`; ``hints.fake`` selects misbehaviour (``bug``, ``raise_at``, ``crash``)."""

    name = "fake"
    distribution = "pytest"  # any installed distribution: its version is recorded
    module = "tests.fake_framework"
    import_source = ""
    kernels: str | None = None
    hint_keys: ClassVar[HintKeys] = {
        "fake": {
            "bug": HintKey(
                "a string", "the scheduler misbehaves: one step late or doubled", one_of({"late", "double"})
            ),
            "raise_at": HintKey(
                "an integer",
                "the scheduler raises when advanced to this step",
                lambda v: "" if v > 0 else "must be > 0",
            ),
            "crash": HintKey("a string", "the adapter raises in plan() or run()", one_of({"plan", "run"})),
        }
    }
    runs = 0  # counts run() calls, to check that probes share one run

    def plan(self, case: Case) -> Plan:
        hint = case.hint("fake")
        if hint.get("crash") == "plan":
            raise RuntimeError("mapping bug")
        if case.formula == "constant":
            if "bug" in hint:  # as a real adapter refuses a hint that does not fit the case
                raise HintError("hints.fake.bug", f"a constant rate has no {hint['bug']!r} bug to show")
            kwargs: dict[str, Any] = {"init_lr": case.params["value"]}
        elif case.formula == "step_decay":
            kwargs = {k: case.params[k] for k in ("init_lr", "step_size", "gamma")}
        else:
            raise NotExpressible(f"the fake framework has no scheduler for {case.formula!r}")
        kwargs.update({k: hint[k] for k in ("bug", "raise_at") if k in hint})
        program = _PROGRAM.format(kwargs=kwargs, count=int(case.steps[-1]) + 1)
        return Plan(
            api="tests.fake_framework.Scheduler",
            kwargs=kwargs,
            setup={},
            repro=program,
            probes=(Probe("schedule"), Probe("twice")),
        )

    def run(self, case: Case, plan: Plan) -> Mapping[str, Trajectory]:
        type(self).runs += 1
        if case.hint("fake").get("crash") == "run":
            raise RuntimeError("the framework crashed")
        lists, error, warned, _ = run_program(plan.repro, f"<fake {case.id}>", ("schedule",))
        values = select(lists["schedule"], case.steps)
        return {probe: Trajectory(values, "float64", error, warned) for probe in plan.probe_names}


class MissingAdapter(FakeAdapter):
    """The same adapter for a framework that is not installed."""

    name = "missing"
    module = "lrconform_no_such_framework"
