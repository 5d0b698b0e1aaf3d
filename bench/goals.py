"""The goals of issue 13, as the benchmark checks its figures against them (shown beside each figure)."""

from __future__ import annotations

__all__ = ["GOALS", "met"]

#: figure -> the bound it must keep (``max`` or ``min``) and what the bound means.
GOALS: dict[str, dict[str, float | str]] = {
    "run_over_floor": {"max": 5.0, "about": "the matrix's serial runs at most 5x its summed import floor"},
    "vector_steps_per_s": {"min": 1e6, "about": "a vectorizable API evaluates at least 1e6 steps/s in one call"},
    "merge_s": {"max": 5.0, "about": "merging 1e4 results takes at most 5 s"},
    "report_html_bytes": {"max": 5e6, "about": "the merged report.html is at most 5 MB"},
    "results_json_bytes": {"max": 15e6, "about": "the merged results.json is at most 15 MB"},
}


def met(goal: str, value: float) -> bool:
    """Whether ``value`` keeps the bound of goal ``goal``."""
    bound = GOALS[goal]
    return value <= bound["max"] if "max" in bound else value >= bound["min"]
