"""An adapter's worker process: ``python -m cases.worker module:Class``.

Started and supervised by :class:`cases.isolation.Isolated`. It answers requests from its stdin
on its stdout (see :mod:`cases.wire`) through an :class:`~cases.isolation.InProcess` runner, so
the semantics are the same as without isolation. Anything the adapter or its framework prints
goes to stderr (a log the supervisor quotes when the worker dies), never into the answers. A program
adapter's resumes restore in the worker's own restoring interpreter (:mod:`cases.restorer`), a child of the
worker that dies with it.
"""

from __future__ import annotations

import sys
from typing import Any

from adapters import load_adapter
from adapters._base import ProgramAdapter
from model.adapter import NotExpressible
from model.hints import HintError

from .child import private_streams
from .isolation import AdapterFailure, InProcess
from .restorer import Restorer
from .wire import Closed, encode, read_message, write_message

__all__ = ["answer", "main"]

#: Requests a worker serves: the runner's methods.
OPERATIONS = ("plan", "info", "run", "keywords")


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


def main(spec: str) -> None:
    requests, answers = private_streams()
    adapter = load_adapter(spec)
    if isinstance(adapter, ProgramAdapter):  # resumes restore in one new interpreter, reused across cases
        adapter.new_interpreter = Restorer()
    runner = InProcess(adapter)
    while True:
        try:
            op, args = read_message(requests)
        except Closed:
            return
        write_message(answers, answer(runner, op, args))


if __name__ == "__main__":
    main(sys.argv[1])
