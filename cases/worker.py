"""An adapter's worker process: ``python -m cases.worker module:Class``.

Started and supervised by :class:`cases.isolation.Isolated`. It answers requests from its stdin
on its stdout (see :mod:`cases.wire`) through an :class:`~cases.isolation.InProcess` runner, so
the semantics are the same as without isolation. Anything the adapter or its framework prints
goes to stderr (a log the supervisor quotes when the worker dies), never into the answers.
"""

from __future__ import annotations

import ctypes
import faulthandler
import os
import signal
import sys
from typing import Any

from adapters import load_adapter
from model.adapter import NotExpressible
from model.hints import HintError

from .isolation import AdapterFailure, InProcess
from .wire import Closed, encode, read_message, write_message

__all__ = ["answer", "main"]

#: Requests a worker serves: the runner's methods.
OPERATIONS = ("plan", "info", "run")
_PR_SET_PDEATHSIG = 1


def answer(runner: InProcess, op: str, args: tuple[Any, ...]) -> bytes:
    """The framed answer to one request: ``("ok", value)``, ``("not_expressible", reason)``,
    ``("hint_error", field, problem)`` or ``("failure", outcome, reason)``."""
    try:
        if op not in OPERATIONS:
            raise AdapterFailure("error", f"worker: unknown request {op!r}")
        reply: tuple[Any, ...] = ("ok", getattr(runner, op)(*args))
    except NotExpressible as exc:
        reply = ("not_expressible", str(exc))
    except HintError as exc:  # bad case data: the harness reports it as the catalogue's error
        reply = ("hint_error", exc.field, exc.problem)
    except AdapterFailure as exc:
        reply = ("failure", exc.outcome, exc.reason)
    try:
        return encode(reply)
    except Exception as exc:  # e.g. a plan holding something that does not pickle
        return encode(("failure", "error", f"{runner.name}: the {op} answer cannot be sent back: {exc}"))


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the harness dies, so no worker outlives a killed run."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def main(spec: str) -> None:
    requests = os.dup(0)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)  # the framework's prints join its stderr log
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the harness's to handle
    _die_with_parent()
    faulthandler.enable()  # a segfault or abort leaves the Python stack in the stderr log
    runner = InProcess(load_adapter(spec))
    while True:
        try:
            op, args = read_message(requests)
        except Closed:
            return
        write_message(answers, answer(runner, op, args))


if __name__ == "__main__":
    main(sys.argv[1])
