"""The outcome table's order of severity, and the worst of several outcomes (a report cell's colour, a case's call)."""

from __future__ import annotations

from model.outcomes import OUTCOMES, SEVERITY, worst


def test_severity_puts_failures_first_and_agreement_last() -> None:
    assert SEVERITY == (
        "crashed", "timeout", "error", "diverge", "behaviour_changed", "fixed_divergence", "documented_divergence",
        "silent", "non_finite", "raises_late", "rejects", "skipped", "not_expressible", "agree",
    )  # fmt: skip
    assert set(SEVERITY) == set(OUTCOMES)


def test_worst_is_the_most_severe_outcome_present() -> None:
    assert worst(["agree", "documented_divergence", "diverge", "agree"]) == "diverge"
    assert worst(iter(["timeout", "error", "crashed"])) == "crashed", "any iterable, read once"
    assert worst(["not_expressible", "agree"]) == "not_expressible"
    assert worst(["agree"]) == "agree"


def test_worst_of_no_outcome_is_agree() -> None:
    """Nothing worse than agreement was seen."""
    assert worst([]) == "agree"
