"""Expectation files stay honest: every documented divergence still names a generated test."""

from __future__ import annotations

from cases.plugin import Conformance


def test_every_expectation_entry_matches_a_test(adapter_name: str, lrconform: Conformance) -> None:
    stale = lrconform.stale(adapter_name).entries
    assert not stale, "\n".join(
        f"{entry.describe()} matches no generated test id: remove it, or fix its id" for entry in stale
    )
