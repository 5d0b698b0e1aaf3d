"""What an adapter is and what it produces: a plan (exactly what it will call), trajectories per probe, or
the reason a case is not expressible.

An adapter translates a case into one framework's API (``plan``: pure, no framework import, so mappings
and reproducers exist even where the framework is not installed) and runs that plan (``run``: imports
the framework lazily) to produce trajectories.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from .case import Case
from .hints import HintKeys

__all__ = ["Adapter", "Code", "NotExpressible", "Plan", "Probe", "Trajectory", "distribution_version", "py"]


class NotExpressible(Exception):
    """The framework has no API or parameter mapping for this case; the message says why."""


class OtherVariant(NotExpressible):
    """This API computes another variant of the formula (another mode): not a closer API that fails, so
    a mapping that finds another API does not list it among the ones passed over."""


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


@dataclass(frozen=True)
class Probe:
    """One trajectory a plan yields: its name (the test id's ``.<probe>``), how its values are indexed and
    what dtype they are computed in.

    ``per = "step"``: one value per compared step, in order; ``per = "update"``: one value per update
    0, 1, ..., last step (a training loop's record), of which the compared steps are picked. ``dtype``
    is what the framework computes in; with ``measured`` the dtype of the recorded values wins.
    """

    name: str
    per: Literal["step", "update"] = "step"
    dtype: str = "float64"
    measured: bool = False


@dataclass(frozen=True)
class Plan:
    """Exactly what an adapter will call for a case.

    ``kwargs`` are JSON-serializable and exactly as passed (callables as source text);
    ``setup`` holds the rest needed to re-run the call (optimizer, its rate, mode, ...);
    ``repro`` is a standalone program producing the same numbers, defining one list or array per
    probe; ``probes`` describe the trajectories the run yields (the first is the schedule itself).
    """

    api: str
    kwargs: Mapping[str, Any]
    setup: Mapping[str, Any]
    repro: str
    probes: tuple[Probe, ...] = (Probe("schedule"),)
    note: str = ""
    #: The source in ``repro`` that constructs the API object (the rendered call): an error raised on its lines was
    #: raised by the constructor, any other error by a later call ("" when unknown).
    construction: str = ""

    @property
    def probe_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.probes)


@dataclass(frozen=True)
class Trajectory:
    """Values a framework produced at the case's steps (NaN after a failure)."""

    values: np.ndarray
    dtype: str
    error: str | None = None
    warnings: tuple[str, ...] = ()
    #: With an error: ``"construction"`` when the API's constructor raised it, ``""`` when a later call did.
    raised_in: str = ""
    #: How many compared steps got a value before the run stopped (``None``: every one, or not known).
    reached: int | None = None


class Adapter(Protocol):
    """What the harness needs from a framework adapter."""

    #: Column name in test ids, results and expectation file names (e.g. ``"torch"``).
    name: str
    #: Distribution whose version is recorded (e.g. ``"torch"``).
    distribution: str
    #: Module imported to check that the framework is usable (e.g. ``"torch"``).
    module: str
    #: How its programs import the framework when not ``import <module>`` (checked the same way), else ``""``.
    import_source: str
    #: The framework whose CPU kernels compute the float32 values (``"torch"``, ``"jax"``), when other kernels
    #: can be chosen (``model.platform.KERNEL_VARIANTS``); ``None`` when no choice changes the results.
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


def distribution_version(distribution: str) -> str | None:
    """Installed version of a distribution, or ``None``."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
