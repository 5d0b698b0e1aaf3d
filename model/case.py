"""A case (one schedule, its parameters, the steps to compare at) and a tolerance: the data every layer shares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import reference

from .errors import CaseFileError, Where

__all__ = ["ID_PATTERN", "MAX_STEP", "Case", "Tolerance", "resume_point"]


#: Characters allowed in case ids (and so in test ids, expectation files and dashboards).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.,=\[\]-]+$")


#: A resume probe's name: the way it resumed and the resume point (``restored_at_50``).
RESUME_PROBE = re.compile(r"^(?P<way>[a-z][a-z0-9_]*?)_at_(?P<point>[0-9]+)$")


def resume_point(probe: str) -> tuple[str, int] | None:
    """``(way, k)`` of a resume probe (:meth:`Case.resume_probe`), ``None`` for any other probe."""
    match = RESUME_PROBE.match(probe)
    return (match["way"], int(match["point"])) if match else None


#: Every step is below this bound, checked before any array is made. Adapters run or allocate every
#: update up to a case's last step (torch steps its scheduler once per update, the optimizer probes
#: apply every update, ``select`` makes a table of ``last + 1`` rates), so the last step, not the count,
#: sets a case's time and memory. The catalogue's furthest step is 1,100,990 (seed 000's ImageNet
#: recipe, 110 epochs of 10,009 updates, optax only); 2,000,000 leaves room for such a case while a
#: typo like ``stop = 1000000000000`` stops here instead of allocating terabytes.
MAX_STEP = 2_000_000


@dataclass(frozen=True)
class Tolerance:
    """Agreement bounds: ``|actual - ref| <= atol * peak + rtol * |ref|``.

    ``atol`` is relative to the case's peak ``|reference|`` so that values near zero (a
    cosine trough) are judged on the schedule's own scale.
    """

    rtol: float
    atol: float
    reason: str


@dataclass(frozen=True, eq=False)
class Case:
    """One schedule, its parameters and the steps at which every framework is compared."""

    id: str
    formula: str
    params: Mapping[str, Any]
    steps: np.ndarray
    source: str
    about: str = ""
    origin: str = ""
    family: str = ""
    only: tuple[str, ...] = ()
    hints: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tolerance: Mapping[str, Tolerance] = field(default_factory=dict)
    number: int | None = None  # its position in the file (1-based), for messages
    #: Resume points: after ``k`` updates the training state is saved and restored into fresh objects in a
    #: fresh interpreter, which continue to the last step (each stateful adapter's ``<how>_at_<k>`` probes).
    resume: tuple[int, ...] = ()
    #: An invalid-parameter case: the parameter the reference rejects (its ``ValueError`` names it). Such a case
    #: has no reference trajectory; each framework's behaviour is recorded and classed instead
    #: (:data:`model.outcomes.BEHAVIOURS`).
    invalid: str = ""

    def reference(self, steps: np.ndarray | None = None) -> np.ndarray:
        """The NumPy reference at ``steps`` (default: the case's own steps)."""
        schedule = reference.build({"formula": self.formula, **self.params})
        return schedule(self.steps if steps is None else steps)

    def resume_probe(self, how: str, point: int) -> str:
        """The name of the probe that resumes this case at ``point`` the way ``how`` names (``restored_at_50``)."""
        return f"{how}_at_{point}"

    def hint(self, framework: str) -> Mapping[str, Any]:
        """This case's hints for one framework (empty when there are none)."""
        return self.hints.get(framework, {})

    def applies_to(self, adapter_name: str) -> bool:
        """Whether the case is meant for this adapter (``only`` names adapters or their framework)."""
        return not self.only or adapter_name in self.only or adapter_name.split("-")[0] in self.only

    def error(self, field_name: str, problem: str) -> CaseFileError:
        """The error for a problem found in one of this case's fields after loading (e.g. a hint, when planned)."""
        return Where.entry_of(self.source, "case", self.number, self.id).error(field_name, problem)
