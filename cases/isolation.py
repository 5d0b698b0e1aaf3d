"""Where an adapter's code runs: in a supervised worker process, or (for debugging) in this one.

A framework can hang, abort, segfault or call ``os._exit``; none of that may cost more than the
case it happened in. :class:`Isolated` runs one adapter in its own worker process
(``python -m cases.worker``), reused across cases and restarted after a death, and turns

- a worker that does not answer within the case's time limit into outcome ``timeout`` (the
  worker is killed),
- a worker that dies (a signal, or an exit before answering) into outcome ``crashed``, with the
  signal or exit status and the last lines of the worker's stderr,
- an exception in the adapter, or an answer that breaks :mod:`cases.contract`, into ``error``.

:class:`InProcess` gives the same answers without a process (the project's unit tests, and
``--lrconform-isolation none`` to step through an adapter in a debugger); the worker itself
serves through an :class:`InProcess` runner, so both share one implementation of the semantics.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, cast

from adapters._base import import_problem
from model.adapter import Adapter, NotExpressible, Plan, Trajectory
from model.hints import HintError
from model.platform import KERNEL_VARIANTS, cpu_fingerprint, framework_facts, kernel_env

from .child import ended
from .contract import ContractError, checked_run
from .wire import Closed, TimedOut, encode, read_message, write_message

if TYPE_CHECKING:
    from model.case import Case

__all__ = [
    "AdapterFailure", "InProcess", "Isolated", "Runner", "TimeLimits", "adapter_spec", "compilation_cache",
    "keyword_parameters", "make_runners",
]  # fmt: skip

ROOT = Path(__file__).resolve().parent.parent
#: Lines of a dead or killed worker's stderr quoted in the record's reason.
STDERR_LINES = 12
#: Seconds a worker that closed its pipe gets to finish exiting (a Python exit runs its atexit handlers).
EXIT_GRACE = 10.0


class AdapterFailure(Exception):
    """The adapter gave no usable answer: ``outcome`` is ``error``, ``crashed`` or ``timeout``."""

    def __init__(self, outcome: str, reason: str):
        super().__init__(reason)
        self.outcome, self.reason = outcome, reason


@dataclass(frozen=True)
class TimeLimits:
    """Seconds a worker may take before it is killed.

    A case's limit is ``base + per_update * (last step + 1)``: adapters step stateful APIs once
    per update up to the last compared step. Measured on 2 cores, the slowest case took 54 s for
    1,100 updates (Keras on JAX, eager per-step calls that compile) and the slowest long one
    3.4 ms an update (MindSpore's applied rate, 9,380 updates in 32 s): the default leaves a factor
    of five or more. ``fixed`` replaces the derived limit, and the planning limit, for every case
    (``--lrconform-time-limit``).
    """

    start: float = 600.0  # start a worker and import the framework
    plan: float = 60.0
    base: float = 300.0
    per_update: float = 5e-3
    fixed: float | None = None

    def planning(self) -> float:
        """The time limit for planning one case."""
        return self.plan if self.fixed is None else self.fixed

    def run(self, case: Case) -> float:
        """The time limit for running ``case``."""
        if self.fixed is not None:
            return self.fixed
        return self.base + self.per_update * (int(case.steps[-1]) + 1)


class Runner(Protocol):
    """What the harness needs to plan and run one adapter's cases."""

    adapter: Adapter
    name: str
    kernel: str  # the kernel variant's name, "" for the framework's default kernels
    env: Mapping[str, str]  # environment variables set for the kernel variant

    def plan(self, case: Case) -> Plan:
        """The adapter's plan; :class:`NotExpressible` or :class:`AdapterFailure` otherwise."""
        ...

    def info(self) -> dict[str, Any]:
        """``{"problem": why the framework does not import, or None, "facts": {...}}``."""
        ...

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        """Checked trajectories per probe, or :class:`AdapterFailure`."""
        ...

    def keywords(self, names: tuple[str, ...]) -> dict[str, list[str]]:
        """The keyword parameters of each callable named (``module.attribute``) where the adapter runs, with its
        framework imported; :class:`AdapterFailure` when one cannot be read."""
        ...

    def close(self) -> None: ...


def adapter_spec(adapter: Adapter) -> str:
    """``module:Class`` of an adapter instance, to load it again in a worker."""
    cls = type(adapter)
    return f"{cls.__module__}:{cls.__qualname__}"


class InProcess:
    """Calls the adapter directly, turning its failures into :class:`AdapterFailure`."""

    kernel = ""
    env: Mapping[str, str] = {}

    def __init__(self, adapter: Adapter):
        self.adapter, self.name = adapter, adapter.name

    def plan(self, case: Case) -> Plan:
        try:
            plan = self.adapter.plan(case)
        except (NotExpressible, HintError):
            raise
        except Exception as exc:  # a mapping bug must show up as a failing test, not vanish
            raise AdapterFailure("error", f"{self.name} mapping failed: {type(exc).__name__}: {exc}") from None
        if not isinstance(plan, Plan):
            raise AdapterFailure("error", f"{self.name} mapping returned {type(plan).__name__}, expected a Plan")
        return plan

    def info(self) -> dict[str, Any]:
        problem = import_problem(self.adapter.module, self.adapter.import_source)
        return {"problem": problem, "facts": {} if problem else framework_facts()}

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        try:
            result = self.adapter.run(case, plan)
        except Exception as exc:
            raise AdapterFailure("error", f"{self.name} adapter failed: {type(exc).__name__}: {exc}") from None
        try:
            return checked_run(result, case.steps.size, plan)
        except ContractError as exc:
            raise AdapterFailure("error", f"{self.name} adapter broke its contract: {exc}") from None

    def keywords(self, names: tuple[str, ...]) -> dict[str, list[str]]:
        found = {}
        for name in names:
            try:
                found[name] = keyword_parameters(name)
            except Exception as exc:  # an API the framework lost or renamed
                problem = f"{type(exc).__name__}: {exc}"
                raise AdapterFailure("error", f"{self.name}: no signature of {name}: {problem}") from None
        return found

    def close(self) -> None:
        pass


def compilation_cache(environ: Mapping[str, str]) -> dict[str, str]:
    """``JAX_COMPILATION_CACHE_DIR`` for a worker: this CPU's folder under ``LRCONFORM_JAX_CACHE`` (tox.ini sets one
    per env in the user's cache folder), unless ``JAX_COMPILATION_CACHE_DIR`` is set already. JAX then compiles a
    case's functions once per machine and env instead of once per run: the optax env took 194 s with the cache
    empty, 93 s with it full (measured at load 4 to 5), with identical records. XLA's cache key holds the program,
    the jax and jaxlib versions and ``XLA_FLAGS`` (so kernel variants keep their own entries) but no CPU feature,
    hence one folder per CPU (:func:`model.platform.cpu_fingerprint`): a home folder shared by other machines never
    hands one code compiled for another CPU."""
    root = environ.get("LRCONFORM_JAX_CACHE")
    if not root or "JAX_COMPILATION_CACHE_DIR" in environ:
        return {}
    return {"JAX_COMPILATION_CACHE_DIR": str(Path(root) / cpu_fingerprint())}


def keyword_parameters(name: str) -> list[str]:
    """The parameters of the callable ``module.attribute`` that can be passed by keyword, in order."""
    module, _, attribute = name.rpartition(".")
    parameters = inspect.signature(getattr(importlib.import_module(module), attribute)).parameters.values()
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


class Isolated:
    """Runs one adapter in a worker process, supervised (see the module docstring).

    A kernel variant (``kernel``, its name) runs with ``env`` added to this process's environment,
    e.g. ``MKL_CBWR=AVX2`` (see :data:`model.platform.KERNEL_VARIANTS`). Its plans are those of ``planner``, the
    runner of the same adapter on the default kernels, which keeps what it planned: a plan is pure (the framework is
    not imported to make it), so the variant's own worker would make the same one again.
    """

    def __init__(
        self,
        adapter: Adapter,
        limits: TimeLimits,
        kernel: str = "",
        env: Mapping[str, str] | None = None,
        planner: Isolated | None = None,
    ):
        self.adapter, self.name, self.limits = adapter, adapter.name, limits
        self.kernel, self.env, self.planner = kernel, dict(env or {}), planner
        self._plans: dict[str, Plan | Exception] = {}  # by case id: what the worker planned, or why it could not
        self.label = f"{adapter.name}@{kernel}" if kernel else adapter.name
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        self._env = {**os.environ, **compilation_cache(os.environ), **self.env, "PYTHONPATH": path}
        self._command = [sys.executable, "-m", "cases.worker", adapter_spec(adapter)]
        self._process: subprocess.Popen[bytes] | None = None
        self._imported = False
        self._log = Path(tempfile.mkstemp(prefix=f"lrconform-{self.label}-", suffix=".log")[1])

    def plan(self, case: Case) -> Plan:
        if self.planner is not None:
            return self.planner.plan(case)
        if case.id not in self._plans:
            try:
                self._plans[case.id] = self._call("plan", (case,), self.limits.planning(), f"planning case {case.id}")
            except (NotExpressible, HintError, AdapterFailure) as exc:
                self._plans[case.id] = exc
        planned = self._plans[case.id]
        if isinstance(planned, Exception):
            raise planned
        return planned

    def info(self) -> dict[str, Any]:
        found = self._call("info", (), self.limits.start, "starting and importing its framework")
        self._imported = True
        return found

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        if not self._imported:  # a new worker imports its framework under the start limit, not the case's
            self.info()
        return self._call("run", (case, plan), self.limits.run(case), f"running case {case.id}")

    def keywords(self, names: tuple[str, ...]) -> dict[str, list[str]]:
        return self._call("keywords", (names,), self.limits.start, "reading signatures")

    def close(self) -> None:
        self._stop()
        self._log.unlink(missing_ok=True)

    def _call(self, op: str, args: tuple[Any, ...], limit: float, doing: str) -> Any:
        try:
            frame = encode((op, args))
        except Exception as exc:
            raise AdapterFailure("error", f"{self.label}: cannot send {doing} to the worker: {exc}") from None
        try:
            process = self._started()
        except OSError as exc:
            raise AdapterFailure("crashed", f"the {self.label} worker cannot start ({exc}) for {doing}") from None
        try:
            write_message(cast(BinaryIO, process.stdin), frame)
            reply = read_message(cast(BinaryIO, process.stdout).fileno(), time.monotonic() + limit)
        except TimedOut:
            self._stop()
            raise AdapterFailure(
                "timeout",
                f"the {self.label} worker did not finish {doing} within its limit of {limit:.0f} s and was "
                f"killed (override with --lrconform-time-limit){self._stderr_tail()}",
            ) from None
        except (Closed, BrokenPipeError):
            status = self._stop(grace=EXIT_GRACE)
            raise AdapterFailure(
                "crashed", f"the {self.label} worker {ended(status)} while {doing}{self._stderr_tail()}"
            ) from None
        except Exception as exc:  # an answer that does not unpickle here: the stream is no longer trustworthy
            self._stop()
            raise AdapterFailure("error", f"{self.label}: unreadable answer while {doing}: {exc}") from None
        return _unpack(reply)

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            with self._log.open("ab") as log:
                log.write(f"--- worker started: {' '.join(self._command)}\n".encode())
                log.flush()
                self._process = subprocess.Popen(
                    self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=self._env, cwd=ROOT
                )
            self._imported = False
        return self._process

    def _stop(self, grace: float = 0.0) -> int | None:
        """Kill the worker if it has not ended within ``grace`` seconds; return how it ended."""
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            status = process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):  # a dead worker cannot take unsent bytes
                    stream.close()
        return status

    def _stderr_tail(self) -> str:
        with self._log.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 16384))
            text = log.read().decode("utf-8", "replace")
        text = text.rsplit("--- worker started:", 1)[-1].split("\n", 1)[-1]
        lines = [line for line in text.splitlines() if line.strip()]
        fatal = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith("Fatal Python error")), None)
        if fatal is not None:  # faulthandler's dump: what was printed before it, and the innermost frames
            lines = lines[max(0, fatal - STDERR_LINES // 2) : fatal + STDERR_LINES // 2 + 1]
        else:
            lines = lines[-STDERR_LINES:]
        return "; last lines of its stderr:\n" + "\n".join(lines) if lines else "; it wrote nothing to stderr"


def make_runners(
    adapters: Mapping[str, Adapter], isolation: str | None, time_limit: str | None, kernels: str | None
) -> dict[str, Runner]:
    """Runners keyed ``adapter`` (default kernels) and ``adapter@variant`` (a kernel variant), from the
    command line's choices; a bad choice raises ``ValueError`` saying what is accepted."""
    if isolation not in (None, "process", "none"):
        raise ValueError(f"--lrconform-isolation takes 'process' or 'none', got {isolation!r}")
    if isolation == "none":
        return {name: InProcess(adapter) for name, adapter in adapters.items()}
    try:
        fixed = None if time_limit is None else float(time_limit)
    except ValueError:
        fixed = -1.0
    if fixed is not None and not 0 < fixed < float("inf"):
        raise ValueError(f"--lrconform-time-limit takes a number of seconds > 0, got {time_limit!r}")
    limits = TimeLimits(fixed=fixed)
    wanted = _kernel_choice(kernels)
    runners: dict[str, Runner] = {}
    for name, adapter in adapters.items():
        runners[name] = default = Isolated(adapter, limits)
        for kernel, variant in KERNEL_VARIANTS.get(getattr(adapter, "kernels", None) or "", {}).items():
            if kernel in wanted or (variant.routine and "routine" in wanted) or "all" in wanted:
                runners[f"{name}@{kernel}"] = Isolated(adapter, limits, kernel, kernel_env(variant), default)
    return runners


def _kernel_choice(kernels: str | None) -> set[str]:
    """The kernel variants asked for: names, or ``routine``, ``all``, ``none``."""
    wanted = {k.strip() for k in (kernels or "routine").split(",") if k.strip()}
    known = {k for variants in KERNEL_VARIANTS.values() for k in variants} | {"routine", "all", "none"}
    if wanted - known:
        raise ValueError(f"--lrconform-kernels: unknown variant(s) {sorted(wanted - known)}; known: {sorted(known)}")
    return wanted


def _unpack(reply: Any) -> Any:
    """A worker's answer (see :func:`cases.worker.answer`) as a value or the exception it stands for."""
    kind, *rest = reply
    if kind == "ok":
        return rest[0]
    if kind == "not_expressible":
        raise NotExpressible(rest[0])
    if kind == "hint_error":
        raise HintError(*rest)
    raise AdapterFailure(*rest)
