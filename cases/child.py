"""What every child process of the harness sets up first (an adapter's worker, its restoring interpreter).

:func:`private_streams` keeps the answers on a private copy of stdout, so that whatever the framework prints
(Python or C) goes to stderr and never into the answers, and the child dies with its parent; :func:`ended` says how
one ended.
"""

from __future__ import annotations

import ctypes
import faulthandler
import os
import signal
import sys
from typing import BinaryIO

__all__ = ["ended", "private_streams"]

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, so no child outlives a killed run."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def private_streams() -> tuple[int, BinaryIO]:
    """(the requests' file descriptor, the answers' stream): stdin and stdout moved out of the way, stdin
    then reading nothing and stdout joining stderr; Ctrl-C left to the harness, faulthandler on (a segfault
    or abort leaves the Python stack in the stderr log)."""
    requests = os.dup(0)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    faulthandler.enable()
    return requests, answers


def ended(status: int | None) -> str:
    """How a child that stopped answering ended, from its exit status (negative: the signal that killed it)."""
    if status is not None and status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = "an unknown signal"
        return f"was killed by {name} (signal {-status})"
    return f"exited with status {status} without answering"
