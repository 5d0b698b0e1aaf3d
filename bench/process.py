"""Run a command in a framework env and time it, wall clock: what every measurement is made of."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Timed", "last_line", "timed"]


@dataclass(frozen=True)
class Timed:
    """A finished command: its wall time, exit status (``None`` when it ran out of time) and output."""

    seconds: float
    status: int | None
    stdout: str
    stderr: str

    @property
    def failure(self) -> str | None:
        """``None`` when the command exited 0, else one line saying how it failed."""
        if self.status == 0:
            return None
        if self.status is None:
            return f"ran out of time after {self.seconds:.0f} s"
        return f"exit status {self.status}: {last_line(self.stderr) or last_line(self.stdout) or 'no output'}"


def last_line(text: str) -> str:
    """The last non-empty line of ``text`` (``""`` if none)."""
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")


def _text(output: bytes | str | None) -> str:
    """What a timed-out command wrote (``subprocess`` gives bytes then, even with ``text=True``)."""
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def timed(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float, stdin: str | None = None
) -> Timed:
    """Run ``command`` to its end (or ``timeout`` seconds), capturing its output, and time it."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            list(command), env=dict(env), cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as expired:
        return Timed(time.perf_counter() - started, None, _text(expired.stdout), _text(expired.stderr))
    return Timed(time.perf_counter() - started, done.returncode, done.stdout, done.stderr)
