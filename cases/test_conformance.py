"""One test per (case, framework, probe): the framework's trajectory matches the NumPy reference.

Tests are generated from the catalogue (``cases/catalogue/*.toml``) by ``cases/plugin.py``;
their ids are ``<case id>-<adapter>[.<probe>]``, e.g. ``cosine[T100-eta1e-3]-torch``.
"""

from __future__ import annotations

import pytest

from cases.harness import Target
from cases.plugin import Conformance, enforce


def test_trajectory(target: Target, lrconform: Conformance, request: pytest.FixtureRequest) -> None:
    """Whole trajectory within tolerance, or a documented divergence, or skipped with the reason."""
    record = lrconform.harness.check(target)
    request.node.lrconform_record = record
    enforce(record)
