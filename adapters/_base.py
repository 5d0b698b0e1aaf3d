"""The adapter interface, and helpers every adapter shares.

An adapter translates a case into one framework's API (``plan``: pure, no framework
import, so mappings and reproducers exist even where the framework is not installed) and
runs that plan (``run``: imports the framework lazily) to produce trajectories.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import math
import warnings
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from cases.vocabulary import HintError, HintKey, HintKeys, one_of

if TYPE_CHECKING:
    from cases.catalogue import Case

__all__ = [
    "Adapter",
    "Code",
    "NotExpressible",
    "Plan",
    "Trajectory",
    "api_hint",
    "as_int",
    "at_steps",
    "distribution_version",
    "first_fit",
    "import_problem",
    "py",
    "run_program",
    "select",
    "steps_source",
]


class NotExpressible(Exception):
    """The framework has no API or parameter mapping for this case; the message says why."""


class Code(str):
    """Source text passed where the framework expects a callable (a lambda or function).

    It is recorded as its text (JSON string) and rendered unquoted in reproducers.
    """

    def __repr__(self) -> str:
        return str(self)


def py(value: Any) -> str:
    """Python source for a plain value: shortest round-trip floats, unquoted :class:`Code`."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py(v) for v in value) + "]"
    return repr(value)


def as_int(value: Any, api: str, name: str) -> int:
    """``value`` as an int, or :class:`NotExpressible` when the API needs an integer."""
    if isinstance(value, bool) or not float(value).is_integer():
        raise NotExpressible(f"{api} needs an integer {name}, the case has {name}={value!r}")
    return int(value)


@dataclass(frozen=True)
class Plan:
    """Exactly what an adapter will call for a case.

    ``kwargs`` are JSON-serializable and exactly as passed (callables as source text);
    ``setup`` holds the rest needed to re-run the call (optimizer, its rate, mode, ...);
    ``repro`` is a standalone program producing the same numbers; ``probes`` name the
    trajectories the run yields (the first is the schedule itself).
    """

    api: str
    kwargs: Mapping[str, Any]
    setup: Mapping[str, Any]
    repro: str
    probes: tuple[str, ...] = ("schedule",)
    note: str = ""
    private: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Trajectory:
    """Values a framework produced at the case's steps (NaN after a failure)."""

    values: np.ndarray
    dtype: str
    error: str | None = None
    warnings: tuple[str, ...] = ()


class Adapter(Protocol):
    """What the harness needs from a framework adapter."""

    #: Column name in test ids, results and expectation file names (e.g. ``"torch"``).
    name: str
    #: Distribution whose version is recorded (e.g. ``"torch"``).
    distribution: str
    #: Module imported to check that the framework is usable (e.g. ``"torch"``).
    module: str
    #: The framework whose CPU kernels compute the float32 values (``"torch"``, ``"jax"``), when other kernels
    #: can be chosen (``cases.platform_facts.KERNEL_VARIANTS``); ``None`` when no choice changes the results.
    kernels: str | None
    #: The hints it reads: section (``hints.<section>``) -> key -> kind, description and check. The
    #: catalogue rejects any other section or key.
    hint_keys: HintKeys

    def plan(self, case: Case) -> Plan:
        """Translate the case (pure); raise :class:`NotExpressible` when the framework cannot."""
        ...

    def run(self, case: Case, plan: Plan) -> Mapping[str, Trajectory]:
        """Execute the plan with the real framework; one trajectory per probe."""
        ...


R = TypeVar("R")


def first_fit(
    bindings: Mapping[str, Sequence[tuple[str, Callable[..., R]]]],
    formula: str,
    api: str | None,
    hint_only: Collection[tuple[str, str]],
    apply: Callable[[Callable[..., R]], R],
    what: str,
    *,
    hint_field: str,
) -> R:
    """The first binding of ``formula`` that expresses the case, its ``note`` prefixed with why closer
    ones did not (the bindings return dataclasses with a ``note`` field).

    ``bindings`` maps a formula to ``(api, binding)`` pairs, closest API first; ``api`` picks one
    (a case hint), and pairs in ``hint_only`` are tried only when picked. ``apply`` calls a
    binding; one raising :class:`NotExpressible` passes to the next. When none fits, the
    :class:`NotExpressible` names every reason (``what`` names the kind of API, e.g.
    ``"torch scheduler"``). An ``api`` that is no binding of ``formula`` is a :class:`HintError`
    in ``hint_field`` (the hint that named it, e.g. ``"hints.torch.api"``).
    """
    known = ", ".join(name for name, _ in bindings.get(formula, ())) or "none"
    choices = [(name, fn) for name, fn in bindings.get(formula, ()) if api in (None, name)]
    if api is None:
        choices = [(name, fn) for name, fn in choices if (formula, name) not in hint_only]
    elif not choices:
        raise HintError(hint_field, f"{api} is no {what} for formula {formula!r} (mapped: {known})")
    if not choices:
        raise NotExpressible(f"no {what} for {formula!r} (mapped: {known})")
    reasons: list[str] = []
    for name, fn in choices:
        try:
            found = apply(fn)
        except NotExpressible as exc:
            reasons.append(f"{name}: {exc}")
            continue
        passed_over = f"closer APIs do not fit ({'; '.join(reasons)})" if reasons else ""
        return replace(found, note="; ".join(n for n in (passed_over, found.note) if n))
    raise NotExpressible("; ".join(reasons))


def api_hint(bindings: Mapping[str, Sequence[tuple[str, object]]], about: str) -> HintKey:
    """The ``api`` hint of an adapter with :func:`first_fit` bindings: the name of one of its APIs."""
    return HintKey("a string", about, one_of({api for pairs in bindings.values() for api, _ in pairs}))


def distribution_version(distribution: str) -> str | None:
    """Installed version of a distribution, or ``None``."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def import_problem(module: str) -> str | None:
    """``None`` when ``module`` imports, else the reason it does not."""
    try:
        importlib.import_module(module)
    except Exception as exc:  # an install can be broken in many ways; report, do not crash
        return f"{module} not importable: {type(exc).__name__}: {exc}"
    return None


def run_program(
    source: str, filename: str, outputs: tuple[str, ...]
) -> tuple[dict[str, list], str | None, tuple[str, ...]]:
    """Execute a reproducer and collect its output lists, even when it stops part-way.

    Returns the named lists (as far as they got), the error (``"Type: message"``) or
    ``None``, and the warnings raised while it ran.
    """
    namespace: dict[str, Any] = {"__name__": "__lrconform_repro__", "math": math}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(source, filename, "exec"), namespace)  # the program is our own, generated by plan()
            error = None
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
    seen = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return {name: list(namespace.get(name, [])) for name in outputs}, error, seen


def steps_source(steps: np.ndarray) -> str:
    """The case's steps as the NumPy int64 array a user would write (``np.arange`` for a range)."""
    if steps.size > 1 and np.all(np.diff(steps) == steps[1] - steps[0]):
        start, stop, stride = int(steps[0]), int(steps[-1]) + int(steps[1] - steps[0]), int(steps[1] - steps[0])
        return f"np.arange({start}, {stop})" if stride == 1 else f"np.arange({start}, {stop}, {stride})"
    return f"np.array({[int(s) for s in steps]})"


def at_steps(values: list[float], steps: np.ndarray) -> np.ndarray:
    """Values recorded at the case's own steps, in order; NaN where the run stopped before one."""
    table = np.full(steps.size, np.nan)
    table[: min(len(values), steps.size)] = values[: steps.size]
    return table


def select(values: list[float], steps: np.ndarray) -> np.ndarray:
    """Values recorded for steps 0, 1, 2, ... picked at ``steps``; NaN where none was recorded."""
    table = np.full(int(steps[-1]) + 1, np.nan)
    table[: min(len(values), table.size)] = values[: table.size]
    return table[steps]
