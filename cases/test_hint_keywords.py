"""The keyword tables behind ``hints.<framework>.kwargs`` are the installed framework's signatures.

A hint's keyword names are pasted into the generated program, so the adapters accept only names
from a static table per API (``plan()`` must not import the framework). Collected with the
conformance tests: each row runs where an adapter of the run uses its framework, and reads the signatures in that
adapter's worker, which has imported the framework already (pytest's own process imports none); it is skipped
elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from adapters import keras_schedules, optax_adapter
from cases.plugin import Conformance
from model.adapter import distribution_version


def keras_3() -> None:
    """Skip unless the installed Keras is Keras 3, read from its distribution: Keras 2 (and TensorFlow with it) would
    be imported only to be skipped."""
    version = distribution_version("keras")
    if version is not None and int(version.split(".")[0]) < 3:
        pytest.skip(f"the table is Keras 3's; Keras {version} (env tfa) differs in SGD's arguments")


ROWS = [
    pytest.param("optax", optax_adapter.KEYWORDS, lambda api: f"optax.{api}", None, id="optax"),
    pytest.param("keras", keras_schedules.KEYWORDS, keras_schedules.qualified_name, keras_3, id="keras"),
]


@pytest.mark.parametrize(("module", "table", "qualified", "require"), ROWS)
def test_keyword_table_is_the_installed_signature(
    module: str,
    table: Mapping[str, frozenset[str]],
    qualified: Callable[[str], str],
    require: Callable[[], None] | None,
    lrconform: Conformance,
) -> None:
    if require:
        require()
    key = next((k for k, r in lrconform.harness.runners.items() if r.adapter.module == module and not r.kernel), None)
    if key is None:
        pytest.skip(f"no adapter of this run imports {module}: its signatures are checked in the env of one that does")
    if problem := lrconform.harness.info(key)["problem"]:
        pytest.skip(f"{problem}: its signatures cannot be checked")
    found = lrconform.harness.runners[key].keywords(tuple(qualified(api) for api in table))
    for api, names in table.items():
        assert names == set(found[qualified(api)]), api
