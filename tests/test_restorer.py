"""The restoring interpreter a worker reuses across resumes (``cases.restorer``) against the new process a program
starts when run by hand: the same answers, the same failures, and no state carried from one restore to the next."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from adapters._base import NEW_INTERPRETER, RESUME_PROLOGUE, resume_epilogue, run_program
from cases.restorer import Restorer
from model.case import Case

# A pure-Python "framework": a counter halving the rate every 3 updates, saved as the count after k updates.
_TRAINING = """
rates = []
for update in range(10):
    rates.append(0.1 * 0.5 ** (update // 3))
    if update + 1 in resume_at:
        with open(os.path.join(checkpoints, f"count-{update + 1}"), "w") as saved:
            saved.write(str(update + 1))
"""
_RESTORE = """
def restored(k):
    with open(os.path.join(folder, f"count-{k}")) as saved:
        count = int(saved.read())
    return [0.1 * 0.5 ** (update // 3) for update in range(count, last + 1) if update in compared]


def restarted(k):
    if k == 9:
        raise ValueError("no count to restart from")
    return [0.1 * 0.5 ** (update // 3) for update in range(k) if update in compared]
"""


def _program() -> str:
    case = Case(id="halving", formula="step_decay", params={}, steps=np.arange(10), source="tests", resume=(4, 9))
    return (
        "import numpy as np\n"
        + RESUME_PROLOGUE.format(points=list(case.resume))
        + _TRAINING
        + resume_epilogue(case, ("restored", "restarted"), _RESTORE, prefix="rates")
    )


_PROBES = ("restored_at_4", "restored_at_9", "restarted_at_4", "restarted_at_9")


@pytest.fixture
def restorer():
    found = Restorer()
    yield found
    found.close()


def test_a_program_resumes_alike_in_the_restorer_and_in_a_new_process(restorer: Restorer) -> None:
    by_hand = run_program(_program(), "<by hand>", _PROBES)
    reused = run_program(_program(), "<worker>", _PROBES, given={"in_new_interpreter": restorer})
    again = run_program(_program(), "<worker>", _PROBES, given={"in_new_interpreter": restorer})
    halving = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]
    assert by_hand[0]["restored_at_4"] == halving
    assert by_hand[0]["restarted_at_4"] == [*halving[:4], 0.1, 0.1, 0.1, 0.05]
    assert by_hand[1] == "RuntimeError: restarted_at_9: ValueError: no count to restart from"
    assert reused == by_hand and again == by_hand


def test_each_restore_runs_in_another_process_with_a_namespace_of_its_own(restorer: Restorer) -> None:
    first = restorer("import json, os, sys\nleft = 1\nprint(json.dumps([os.getpid(), sys.argv[1:]]))", "a", "b")
    second = restorer("import json, os\nprint(json.dumps([os.getpid(), 'left' in globals()]))")
    assert first[0] != os.getpid() and first[1] == ["a", "b"]
    assert second == [first[0], False]  # the same interpreter, nothing left by the source before


def test_a_restores_garbage_is_collected_and_what_restores_share_frozen(restorer: Restorer) -> None:
    cycle = "class Node: ...\n\n\nnode = Node()\nnode.me = node\nsys.lrconform_node = weakref.ref(node)\n"
    first = restorer("import gc, json, sys, weakref\n" + cycle + "print(json.dumps(gc.get_freeze_count()))")
    second = restorer("import gc, json, sys\nprint(json.dumps([gc.get_freeze_count(), sys.lrconform_node() is None]))")
    assert first == 0 and second[0] > 1000  # the modules the first restore imported are frozen
    assert second[1] is True  # the cycle the first restore left was collected, not frozen


def test_a_failing_restore_reads_as_a_failing_new_process(restorer: Restorer) -> None:
    source = "import sys\nraise KeyError(sys.argv[1])"
    with pytest.raises(RuntimeError) as by_hand:
        subprocess_restore(source, "initial_lr")
    with pytest.raises(RuntimeError) as reused:
        restorer(source, "initial_lr")
    assert str(reused.value) == str(by_hand.value) == "the new interpreter failed: KeyError: 'initial_lr'"


def test_a_restore_that_kills_its_interpreter_fails_alone(restorer: Restorer) -> None:
    with pytest.raises(RuntimeError, match=r"^the new interpreter failed: it was killed by SIGSEGV"):
        restorer("import ctypes\nctypes.string_at(0)")
    assert restorer("print(6 * 7)") == 42  # a new restoring interpreter


def test_the_restorer_dies_with_its_worker(tmp_path) -> None:
    """A worker killed by the supervisor (a time limit) leaves no restoring interpreter behind."""
    worker = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys
            from cases.restorer import Restorer
            restorer = Restorer()
            print(restorer("import json, os\\nprint(os.getpid())"), flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    restoring = int(worker.stdout.readline())
    os.kill(restoring, 0)  # alive
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(restoring):
        time.sleep(0.05)
    assert not _alive(restoring)


def subprocess_restore(source: str, *args: str):
    """The program's own ``in_new_interpreter``, as a user running it by hand gets it."""
    namespace: dict = {}
    exec("import json, subprocess, sys\n" + NEW_INTERPRETER, namespace)
    return namespace["in_new_interpreter"](source, *args)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has died
    except FileNotFoundError:
        return False
