"""The keyword tables behind ``hints.<framework>.kwargs`` are the installed framework's signatures.

A hint's keyword names are pasted into the generated program, so the adapters accept only names
from a static table per API (``plan()`` must not import the framework). Collected with the
conformance tests: each row runs where its framework is importable and is skipped elsewhere.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import pytest

from adapters import keras_schedules, optax_adapter
from model.adapter import distribution_version

KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def keras_api(keras: ModuleType, api: str) -> Any:
    """A Keras class by the name the adapter uses (``keras.optimizers.SGD``, ``keras.callbacks.*``, schedules)."""
    module, _, _ = keras_schedules.qualified_name(api).rpartition(".")
    return getattr(importlib.import_module(module), api)


def keras_3() -> None:
    """Skip unless the installed Keras is Keras 3, read from its distribution: Keras 2 (and TensorFlow with it) would
    be imported only to be skipped."""
    version = distribution_version("keras")
    if version is not None and int(version.split(".")[0]) < 3:
        pytest.skip(f"the table is Keras 3's; Keras {version} (env tfa) differs in SGD's arguments")


ROWS = [
    pytest.param("optax", optax_adapter.KEYWORDS, lambda optax, api: getattr(optax, api), None, id="optax"),
    pytest.param("keras", keras_schedules.KEYWORDS, keras_api, keras_3, id="keras"),
]


@pytest.mark.parametrize(("module", "table", "resolve", "require"), ROWS)
def test_keyword_table_is_the_installed_signature(
    module: str,
    table: Mapping[str, frozenset[str]],
    resolve: Callable[[ModuleType, str], Any],
    require: Callable[[], None] | None,
) -> None:
    if require:
        require()
    framework = pytest.importorskip(module, reason=f"{module} not importable: its signatures cannot be checked")
    for api, names in table.items():
        parameters = inspect.signature(resolve(framework, api)).parameters.values()
        assert names == {p.name for p in parameters if p.kind in KEYWORD_KINDS}, api
