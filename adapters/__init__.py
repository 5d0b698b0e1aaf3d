"""Framework adapters, registered by name and imported only when selected.

Adding a framework: write ``adapters/<framework>_adapter.py`` with a class satisfying
:class:`adapters._base.Adapter` and add one line to :data:`REGISTRY`.
"""

from __future__ import annotations

import importlib

from model.adapter import Adapter, NotExpressible, Plan, Trajectory

__all__ = ["REGISTRY", "Adapter", "NotExpressible", "Plan", "Trajectory", "load_adapter"]

#: adapter name -> "module:Class". The adapter modules import their framework lazily.
REGISTRY: dict[str, str] = {
    "torch": "adapters.torch_adapter:TorchAdapter",
    "tfa": "adapters.tfa_adapter:TfaAdapter",
    "keras-legacy": "adapters.keras_legacy_adapter:KerasLegacyAdapter",
    "mindspore": "adapters.mindspore_adapter:MindSporeAdapter",
    "mindspore-dynamic": "adapters.mindspore_adapter:MindSporeDynamicAdapter",
    "optax": "adapters.optax_adapter:OptaxAdapter",
    "keras": "adapters.keras_adapter:KerasAdapter",
    "keras-jax": "adapters.keras_adapter:KerasJaxAdapter",
    "keras-torch": "adapters.keras_adapter:KerasTorchAdapter",
}


def load_adapter(spec: str) -> Adapter:
    """Instantiate an adapter from ``"module:Class"``."""
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()
