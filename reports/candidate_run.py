"""Install and run one side of a candidate diff (a :class:`reports.candidate.Build`) through tox.

One code path with the nightly's latest axis: ``tox -e ENV -x testenv:ENV.deps=...``, here with
a ``--workdir`` of its own per build (``.tox-candidates/<env>-<key>/``, reused while the deps, the
Python and pip's index options are the same), so the env's pinned install in ``.tox/`` is never
touched. The conformance command of tox.ini writes to ``LRCONFORM_OUT`` under the run name
``LRCONFORM_RUN_NAME``: ``reports/out/candidates/<env>@<label>/``.

Two tox calls per build: ``--notest`` (the install: a failure there is pip's, reported with its
last lines and exit status 2), then the run. tox's lines are shown as they come, indented, and a
quiet step (pip resolving and downloading a large wheel) prints that it is still working.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .candidate import Build
from .ci import ROOT, deps_override

__all__ = ["HEARTBEAT", "ROOT", "InstallFailed", "build_paths", "install", "run", "tox_command"]

#: Seconds of silence from tox after which a step says it is still working.
HEARTBEAT = 30.0
_TAIL = 25


class InstallFailed(ValueError):
    """pip could not install a build (exit status 2, not "regressed")."""


def build_paths(build: Build, pip: Mapping[str, str]) -> tuple[Path, Path]:
    """(tox's workdir for the build, the folder of its result files): the env's usual ones for its pinned build."""
    if build.pinned:
        return ROOT / ".tox", ROOT / "reports" / "out" / build.env
    return (
        ROOT / ".tox-candidates" / f"{build.env}-{build.key(pip)}",
        ROOT / "reports" / "out" / "candidates" / build.name,
    )


def tox_command(build: Build, workdir: Path, *, notest: bool) -> list[str]:
    """``python -m tox -e ENV --workdir W -x deps=... [-x base_python=...] [--notest]``."""
    command = [sys.executable, "-m", "tox", "--colored", "no", "-e", build.env, "--workdir", str(workdir)]
    command += ["-x", deps_override(build.env, build.deps)]
    if build.python:
        command += ["-x", f"testenv:{build.env}.base_python={build.python}"]
    return command + (["--notest"] if notest else [])


def _stream(command: Sequence[str], env: Mapping[str, str], step: str, log: Path) -> tuple[int, list[str]]:
    """Run tox, echo its lines indented (and into ``log``), say so every :data:`HEARTBEAT` s of silence;
    (exit status, the last lines)."""
    tail: collections.deque[str] = collections.deque(maxlen=_TAIL)
    started = time.monotonic()
    last_seen = [started]  # when tox last printed (or the heartbeat did)
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(HEARTBEAT / 3):
            if time.monotonic() - last_seen[0] >= HEARTBEAT:
                print(f"  ... {step}: still working ({time.monotonic() - started:.0f} s)", flush=True)
                last_seen[0] = time.monotonic()

    beat = threading.Thread(target=heartbeat, daemon=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with (
        log.open("w", encoding="utf-8") as out,
        subprocess.Popen(
            command, cwd=ROOT, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        ) as process,
    ):
        beat.start()
        for line in process.stdout or ():
            last_seen[0] = time.monotonic()
            out.write(line)
            tail.append(line.rstrip())
            print(f"  | {line.rstrip()}", flush=True)
        status = process.wait()
    done.set()
    return status, list(tail)


def install(build: Build, pip: Mapping[str, str]) -> None:
    """Create (or reuse) the build's env; :class:`InstallFailed` with pip's last lines when that fails."""
    workdir, out = build_paths(build, pip)
    cached = (workdir / build.env / ".tox-info.json").is_file()
    print(f"installing {build.name} in {workdir}{' (cached)' if cached else ''}", flush=True)
    status, tail = _stream(
        tox_command(build, workdir, notest=True), {**os.environ, **pip}, "installing", out / "install.log"
    )
    if status:
        hint = (
            "pip skipped releases for another Python: run both sides on it with --python X.Y"
            if any("require a different python version" in line for line in tail)
            else "if pip reports a conflict with a pin the env keeps (e.g. jaxlib next to jax), name it too: "
            "--to jaxlib==VERSION"
        )
        raise InstallFailed(
            f"installing {build.name} failed (tox exit {status}; log {out / 'install.log'}); "
            f"deps: {', '.join(build.deps)}\n" + "\n".join(tail) + f"\n{hint}"
        )


def run(build: Build, pip: Mapping[str, str]) -> Path:
    """Run the env's conformance command in the build's env; the result file it wrote."""
    workdir, out = build_paths(build, pip)
    results = out / "results.json"
    results.unlink(missing_ok=True)
    print(f"running {build.name}'s conformance tests", flush=True)
    started = time.perf_counter()
    env = {**os.environ, **pip, "LRCONFORM_OUT": str(out), "LRCONFORM_RUN_NAME": build.name}
    status, tail = _stream(tox_command(build, workdir, notest=False), env, "running", out / "run.log")
    if not results.is_file():
        raise RuntimeError(
            f"{build.name} wrote no results (tox exit {status}; log {out / 'run.log'}):\n" + "\n".join(tail)
        )
    print(
        f"ran {build.name} in {time.perf_counter() - started:.0f} s (tox exit {status}: failing tests are for the diff)"
    )
    return results
