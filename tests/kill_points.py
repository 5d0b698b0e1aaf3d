"""Stop a program at a chosen point, so that a test can SIGKILL it there: the worst moment, on purpose.

- ``python -m tests.kill_points FUNCTION MATCH N SIGNAL -- MODULE ARGS...`` runs ``python -m MODULE
  ARGS...`` with ``os.FUNCTION`` (e.g. ``replace``, ``rename``) patched: its ``N``-th call whose
  first path contains ``MATCH`` creates the file ``SIGNAL`` and sleeps instead of returning.
- As a pytest plugin (``-p tests.kill_points``), the test whose id is ``$LRCONFORM_STOP_AT_TEST``
  creates ``$LRCONFORM_STOP_SIGNAL`` and sleeps when it starts: the tests before it have finished.

:func:`kill_at` and :func:`kill_when_signalled` run such a program from a test and return once it
is dead (its whole process group, SIGKILL).
"""

from __future__ import annotations

import os
import runpy
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

__all__ = ["install", "kill_at", "kill_when_signalled"]

ROOT = Path(__file__).resolve().parent.parent
_SLEEP = 600  # far longer than any test waits: only the kill ends it


def _stop(signal_file: str | os.PathLike) -> None:
    Path(signal_file).touch()
    time.sleep(_SLEEP)


def install(function: str, match: str, count: int, signal_file: str) -> None:
    """Patch ``os.<function>`` to stop at its ``count``-th call on a path containing ``match``."""
    original = getattr(os, function)
    calls = 0

    def stopping(path: os.PathLike | str, *args: object, **kwargs: object) -> object:
        nonlocal calls
        if match in os.fspath(path):
            calls += 1
            if calls == count:
                _stop(signal_file)
        return original(path, *args, **kwargs)

    setattr(os, function, stopping)


def pytest_runtest_call(item: pytest.Item) -> None:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.id == os.environ.get("LRCONFORM_STOP_AT_TEST"):
        _stop(os.environ["LRCONFORM_STOP_SIGNAL"])


def kill_when_signalled(
    command: Sequence[str], signal_file: Path, *, env: Mapping[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    """Run ``command`` until it creates ``signal_file``, then SIGKILL its process group.

    Fails (``AssertionError``) when the program ends first: the point the test means to
    interrupt was never reached."""
    signal_file.unlink(missing_ok=True)
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    process = subprocess.Popen(
        command, cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while not signal_file.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(
                f"ended (status {process.returncode}) before the kill point:\n{out.decode()}{err.decode()}"
            )
        assert time.monotonic() < deadline, "the kill point was not reached in 120 s"
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    out, err = process.communicate()
    assert process.returncode == -signal.SIGKILL, err.decode()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def kill_at(
    function: str, match: str, count: int, module: str, args: Sequence[str], tmp: Path, *, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    """Run ``python -m module args`` and kill it at the ``count``-th ``os.<function>`` on a path containing ``match``."""
    signal_file = tmp / f"reached-{function}-{count}"
    command = [sys.executable, "-m", "tests.kill_points", function, match, str(count), str(signal_file), "--", module]
    return kill_when_signalled([*command, *args], signal_file, cwd=cwd)


def main() -> None:
    function, match, count, signal_file, separator, module, *args = sys.argv[1:]
    assert separator == "--", "usage: python -m tests.kill_points FUNCTION MATCH N SIGNAL -- MODULE ARGS..."
    install(function, match, int(count), signal_file)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
