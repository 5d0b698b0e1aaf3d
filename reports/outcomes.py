"""Every outcome a record can have (the result format's one closed vocabulary)."""

from __future__ import annotations

__all__ = ["OUTCOMES"]

OUTCOMES = (
    "agree",  # matches the reference within tolerance
    "diverge",  # does not match, and no expectation documents it
    "documented_divergence",  # does not match, as an expectation entry says
    "fixed_divergence",  # an expectation entry says it diverges, but it now agrees (remove the entry)
    "not_expressible",  # the framework has no API / mapping for the case
    "skipped",  # the framework is not installed or not importable
    "error",  # the adapter failed unexpectedly, or returned something that is not a trajectory
    "crashed",  # the adapter's worker process died (a signal, or an exit) while running the case
    "timeout",  # the adapter's worker did not finish the case within its time limit and was killed
)
