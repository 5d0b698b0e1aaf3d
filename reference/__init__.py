"""NumPy float64 reference implementations of documented learning-rate formulas: the oracle.

Every formula is a factory: it validates its keyword parameters (``ValueError`` naming the
parameter and value) and returns a pure function from an array of 0-based steps to
learning rates. No module here imports a framework.

Case data names a formula and its parameters, ``{"formula": name, **params}``: :func:`build`
makes the schedule, :func:`complete` fills in every default, and :mod:`reference.identities` and
:mod:`reference.unrolled` rewrite a spec into an equivalent one of other formulas.
"""

from __future__ import annotations

from . import identities, unrolled
from ._types import Schedule
from .join import join
from .registry import FORMULAS, build, complete, fill, parameters

__all__ = ["FORMULAS", "Schedule", "build", "complete", "fill", "identities", "join", "parameters", "unrolled"]
