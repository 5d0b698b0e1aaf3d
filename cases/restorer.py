"""A worker's restoring interpreter: ``python -m cases.restorer``, started by :class:`Restorer`.

A program that resumes (``adapters._base.resume_epilogue``) restores its checkpoint in a new interpreter that
shares nothing with the one that saved it but the checkpoint files. Run by hand, the program starts a new Python
process each time (``in_new_interpreter``); in the suite, its worker hands it a :class:`Restorer` instead: one
new interpreter per worker that runs the restoring sources one after the other, each in a new namespace with its
own ``sys.argv`` and stdout, so the framework is imported once per worker rather than once per case. Every
object a restore uses is built from the checkpoint in that interpreter; what it shares with the restores before
it is the imported modules (frozen for the garbage collector after each restore, so that the collection between
two restores walks only what the last one made).
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import io
import json
import subprocess
import sys
from typing import Any, BinaryIO, cast

from .child import ended, private_streams
from .wire import Closed, encode, read_message, write_message

__all__ = ["Restorer", "main"]


class Restorer:
    """Callable like a program's ``in_new_interpreter(source, *args)``: runs ``source`` with ``sys.argv[1:] ==
    args`` in the restoring interpreter (started on first use, and again after it died) and returns the JSON of
    the last line it printed; raises ``RuntimeError("the new interpreter failed: ...")`` as the program's own
    function does."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    def __call__(self, source: str, *args: str) -> Any:
        if self._process is None or self._process.poll() is not None:
            command = [sys.executable, "-m", __name__]
            self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        process = self._process
        try:
            write_message(cast(BinaryIO, process.stdin), encode((source, args)))
            kind, text = read_message(cast(BinaryIO, process.stdout).fileno())
        except (Closed, BrokenPipeError):
            self._process = None
            raise RuntimeError(f"the new interpreter failed: it {ended(process.wait())}") from None
        if kind != "ok":
            raise RuntimeError(f"the new interpreter failed: {text}")
        return json.loads(text.strip().splitlines()[-1])

    def close(self) -> None:
        """End the restoring interpreter (a worker's ends with it: its requests' pipe closes)."""
        if self._process is not None:
            cast(BinaryIO, self._process.stdin).close()
            self._process.wait()
            self._process = None


def restore(source: str, args: tuple[str, ...]) -> tuple[str, str]:
    """``("ok", what it printed)`` or ``("failed", "Type: message")``: ``source`` run as ``python -c source
    *args`` would run it."""
    printed = io.StringIO()
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    saved = sys.argv
    sys.argv = ["-c", *args]
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(source, "<restore>", "exec"), namespace)  # a program's own restoring source
        return "ok", printed.getvalue()
    except Exception as exc:
        return "failed", f"{type(exc).__name__}: {exc}"
    finally:
        sys.argv = saved
        namespace.clear()
        gc.collect()  # what this restore made goes before the next one starts
        # What is left is what the restores share (the modules imported, their caches): frozen, the next restore's
        # collection skips it instead of walking the framework's objects again (0.1 to 0.2 s each for torch or Keras)
        gc.freeze()


def main() -> None:
    requests, answers = private_streams()
    while True:
        try:
            source, args = read_message(requests)
        except Closed:
            return
        write_message(answers, encode(restore(source, args)))


if __name__ == "__main__":
    main()
