"""An adapter that misbehaves on demand, the ways a framework or an adapter bug can.

Case hint ``hints.wild.misbehave`` names the behaviour: in ``plan`` (``plan_*``) or in ``run``.
Everything else maps like the fake framework of ``tests.fake_framework``, so a well-behaved case
agrees. ``CrashingImportAdapter`` names a framework module whose import aborts the process.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from model.adapter import Plan, Trajectory
from model.case import Case
from model.hints import HintKey, HintKeys, one_of
from tests.fake_framework import FakeAdapter


def _segfault() -> None:
    ctypes.string_at(0)


def _hang() -> None:
    while True:
        time.sleep(0.05)


def _spin() -> None:
    while True:
        pass


#: Misbehaviour of the process itself, the same in plan and run.
PROCESS: dict[str, Callable[[], Any]] = {
    "hang": _hang,
    "spin": _spin,  # a hang that never sleeps
    "abort": os.abort,
    "segfault": _segfault,
    "exit0": lambda: os._exit(0),
    "exit3": lambda: os._exit(3),
    "sys_exit": lambda: sys.exit(0),
    "sigkill": lambda: os.kill(os.getpid(), signal.SIGKILL),
    "raise": lambda: (_ for _ in ()).throw(RuntimeError("the framework raised")),
}


def _values(case: Case, **changes: Any) -> dict[str, Trajectory]:
    good = Trajectory(case.reference(), "float64")
    return {"schedule": replace(good, **changes), "twice": good}


#: Answers that break the run contract (cases.contract).
GARBAGE: dict[str, Callable[[Case], Any]] = {
    "none": lambda case: None,
    "string": lambda case: "0.1, 0.1",
    "list": lambda case: [case.reference()],
    "array": lambda case: case.reference(),
    "missing_probe": lambda case: {"schedule": Trajectory(case.reference(), "float64")},
    "extra_probe": lambda case: {**_values(case), "other": Trajectory(case.reference(), "float64")},
    "not_trajectory": lambda case: {"schedule": case.reference(), "twice": case.reference()},
    "short": lambda case: _values(case, values=case.reference()[:-1]),
    "long": lambda case: _values(case, values=np.append(case.reference(), 0.1)),
    "empty": lambda case: _values(case, values=np.array([])),
    "2d": lambda case: _values(case, values=case.reference()[None, :]),
    "int": lambda case: _values(case, values=np.zeros(case.steps.size, dtype=np.int64)),
    "float16": lambda case: _values(case, values=case.reference().astype(np.float16)),
    "strings": lambda case: _values(case, values=case.reference().astype(str)),
    "list_values": lambda case: _values(case, values=case.reference().tolist()),
    "unknown_dtype": lambda case: _values(case, dtype="bfloat17"),
    "dtype_none": lambda case: _values(case, dtype=None),
    "error_not_text": lambda case: _values(case, error=ValueError("x")),
    "warnings_not_text": lambda case: _values(case, warnings=(1, 2)),
    "stdout_noise": lambda case: print("garbage on stdout", pickle.dumps(0)) or _values(case),
}


class MisbehavingAdapter(FakeAdapter):
    """The fake framework's adapter, misbehaving as ``hints.wild.misbehave`` says."""

    name = "wild"
    hint_keys: ClassVar[HintKeys] = {
        **FakeAdapter.hint_keys,
        "wild": {
            "misbehave": HintKey(
                "a string",
                "how to misbehave: a process death or hang (plan_* in plan), or a garbage answer",
                one_of({*PROCESS, *GARBAGE, *(f"plan_{p}" for p in PROCESS), "plan_none", "plan_unpicklable"}),
            )
        },
    }

    def _misbehaviour(self, case: Case) -> str:
        return str(case.hint("wild").get("misbehave", ""))

    def plan(self, case: Case) -> Plan:
        what = self._misbehaviour(case)
        if what.startswith("plan_"):
            if what == "plan_none":
                return None  # type: ignore[return-value]
            if what == "plan_unpicklable":
                return replace(super().plan(case), setup={"lock": threading.Lock()})
            PROCESS[what.removeprefix("plan_")]()
        return super().plan(case)

    def run(self, case: Case, plan: Plan) -> Mapping[str, Trajectory]:
        what = self._misbehaviour(case)
        if what in PROCESS:
            PROCESS[what]()
        if what in GARBAGE:
            return GARBAGE[what](case)
        return super().run(case, plan)


#: A "framework" whose import kills the process, as a broken native extension can (tests write it
#: into a folder on the worker's PYTHONPATH: a file in tests/ would abort pytest's own collection).
ABORTING_MODULE = """\
import os, sys
print("aborting_module: loading a broken native library", file=sys.stderr, flush=True)
os.abort()
"""


class CrashingImportAdapter(FakeAdapter):
    """An adapter whose framework (:data:`ABORTING_MODULE`) aborts the process when imported."""

    name = "crashing"
    module = "lrconform_aborting_module"


class KernelSensitiveAdapter(FakeAdapter):
    """The fake framework on "CPU kernels" chosen by ``LRCONFORM_TEST_KERNEL``: ``late`` reads its step one
    update late, as a kernel that rounds a boundary the other way would."""

    name = "kfake"
    kernels = "fakeframework"

    def run(self, case: Case, plan: Plan) -> Mapping[str, Trajectory]:
        runs = super().run(case, plan)
        if os.environ.get("LRCONFORM_TEST_KERNEL") != "late":
            return runs
        return {p: replace(t, values=np.concatenate([t.values[:1], t.values[:-1]])) for p, t in runs.items()}
