"""Framework adapters, found by name; each imports its framework only when it runs.

Adding a framework: write ``adapters/<framework>_adapter.py`` whose ``__all__`` lists its
:class:`adapters._base.ProgramAdapter` subclasses; :data:`REGISTRY` finds them by their ``name``.
"""

from __future__ import annotations

import importlib
import pkgutil

from model.adapter import Adapter

from ._base import ProgramAdapter

__all__ = ["REGISTRY", "load_adapter"]


def _discover() -> dict[str, str]:
    """adapter name -> ``"module:Class"`` for every adapter class an ``adapters/*_adapter.py`` module exports."""
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.endswith("_adapter"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            for name in getattr(module, "__all__", ()):
                cls = getattr(module, name)
                if isinstance(cls, type) and issubclass(cls, ProgramAdapter):
                    found[cls().name] = f"{module.__name__}:{name}"
    return dict(sorted(found.items()))


#: adapter name -> "module:Class", for every adapter in this package.
REGISTRY: dict[str, str] = _discover()


def load_adapter(spec: str) -> Adapter:
    """Instantiate an adapter from ``"module:Class"``."""
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()
