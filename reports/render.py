"""HTML pages from result sets, through autoescaped Jinja2 templates (``reports/templates``).

Python computes what to show (``reports.summary``, ``reports.diff``) and the plots
(``reports.plots``); the templates only lay it out. Every string that came from a result file
(case ids, parameters, reasons, reproducers) is escaped by the template engine; the plots are the only
markup inserted as it is, and they hold numbers and the palette's colours only.
"""

from __future__ import annotations

import datetime
import html
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import jinja2
import numpy as np
from markupsafe import Markup

from model.outcomes import OUTCOMES, SEVERITY
from model.records import decode_floats, expand_steps

from . import plots, trend
from .diff import Change, Diff
from .invalid import build_invalid
from .packing import SCRIPT, Packer
from .results import SUITE_VERSION
from .scorecard import Row, rows, shown_columns
from .summary import Case, Report, build, by_severity, call_text, params_text, steps_text

__all__ = [
    "case_plot",
    "change_plot",
    "classification",
    "code",
    "headline",
    "number",
    "render_diff",
    "render_report",
    "same_call",
    "tally",
]

TEMPLATES = Path(__file__).parent / "templates"
OLD_COLOR, NEW_COLOR = "#1f77b4", "#d62728"
#: Changed records plotted on a diff page (worst first); a page with more lists the rest without plots.
MAX_DIFF_PLOTS = 200
_SHIFTS = {-1: "one step late: actual[t] = reference[t-1]", 1: "one step early: actual[t] = reference[t+1]"}


def number(value: float | str | None) -> str:
    """An error for a table: two significant digits, ``—`` when there is none."""
    if value is None:
        return "—"
    value = float(value)
    return "0" if value == 0 else f"{value:.2g}"


def classification(record: Mapping[str, Any]) -> str:
    """The off-by-one classification of a divergence ("" when the record did not diverge)."""
    if record.get("first_divergent_step") is None:
        return ""
    return (
        f"off-by-one, {_SHIFTS[record['shift']]}"
        if record.get("shift") in _SHIFTS
        else "formula mismatch (not a one-step shift)"
    )


def headline(record: Mapping[str, Any]) -> str:
    """The line that says why a row is what it is; a documented divergence's reason is shown once per case."""
    lines = (record.get("reason") or "").splitlines()
    skip = 1 if OUTCOMES[record["outcome"]].pytest == "xfail" and record.get("expectation") else 0
    return lines[skip] if len(lines) > skip else ""


def tally(rows: Sequence[tuple[Any, Mapping[str, Any]]]) -> list[tuple[str, int]]:
    """How many of the rows (column, record) took each outcome, worst first."""
    return by_severity(Counter(record["outcome"] for _, record in rows))


def same_call(above: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether ``record`` calls the same API with the same arguments and note as the row above it (of any run):
    its call cell then says "same call"."""
    return all(above.get(field) == record.get(field) for field in ("api", "kwargs", "mapping_note"))


def code(text: str) -> Markup:
    """A call or parameters (Python reprs, full of quotes) for the page: ``&``, ``<``, ``>`` and ``"`` escaped, which
    is all text and the templates' double-quoted attributes need. Autoescaping would write each ``'`` as ``&#39;``:
    5 bytes for 1, 5% of a page of thousands of calls."""
    return Markup(html.escape(text, quote=False).replace('"', "&quot;"))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=number,
        code=code,
        label=lambda outcome: OUTCOMES[outcome].label,
        steps=steps_text,
        classification=classification,
        headline=headline,
        tally=tally,
    )
    env.globals.update(
        call_text=call_text,
        params_text=params_text,
        outcome_of=OUTCOMES,
        same_call=same_call,
        severity=SEVERITY,
        suite_version=SUITE_VERSION,
        plot_box=f"0 0 {plots.WIDTH} {plots.HEIGHT}",
        trend_box=f"0 0 {trend.WIDTH} {trend.HEIGHT}",
        shown_columns=shown_columns,
        packing_script=SCRIPT,
    )
    return env


def case_plot(case: Case) -> plots.CasePlot | None:
    """The plot of a case: its reference and every column that produced a trajectory of the same
    steps (runs of two suite versions may compare a case at different steps)."""
    rows = [(column, r) for column, r in case.rows if r.get("steps") == case.meta["steps"]]
    reference = next((decode_floats(r["reference"]) for _, r in rows if r.get("reference")), None)
    if reference is None:
        return None
    decoded: dict[int, np.ndarray] = {}  # a run's probes share one list when their values are the same
    lines = tuple(_line(column.color, r, decoded) for column, r in rows if r.get("actual"))
    return plots.CasePlot(expand_steps(case.meta["steps"]), reference, lines)


K = TypeVar("K")  # what a plot is keyed by: a case id, or a (run, test id) pair


def _line(color: str, record: Mapping[str, Any], decoded: dict[int, np.ndarray]) -> plots.Line:
    """A record's trajectory, drawn in ``color`` with its tolerance band; ``decoded`` holds the lists already
    decoded, by identity (they outlive the call)."""
    values = record["actual"]
    if id(values) not in decoded:
        decoded[id(values)] = decode_floats(values)
    return plots.Line(color, decoded[id(values)], record["rtol"], record["atol"], record.get("first_divergent_step"))


def _render(specs: Mapping[K, plots.CasePlot | None]) -> dict[K, Markup]:
    """Each plot that exists, rendered, under its key."""
    return {key: Markup(plots.render(spec)) for key, spec in specs.items() if spec is not None}


def plotted(report: Report, budget: int | None) -> list[Case]:
    """The cases whose plot the report draws: every case with a problem, and the others in report order
    while at most ``budget`` of them (``None``: every case)."""
    cases = [case for group in report.cases.values() for case in group]
    if budget is None:
        return cases
    quiet = [case for case in cases if not OUTCOMES[case.worst].is_problem]
    kept = {case.id for case in quiet[:budget]}
    return [case for case in cases if OUTCOMES[case.worst].is_problem or case.id in kept]


def _plots(report: Report, budget: int | None) -> dict[str, Markup]:
    return _render({case.id: case_plot(case) for case in plotted(report, budget)})


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def render_report(
    merged: Mapping[str, Any],
    *,
    plot_budget: int | None = None,
    scorecard: Sequence[Row] | None = None,
    history: Mapping[str, Any] | None = None,
) -> str:
    """The merged report page (self-contained: inline CSS and SVG plots), opening on the scorecard (computed when
    not given); plots of cases without a problem beyond ``plot_budget`` (``None``: no limit) are left out, with a
    line saying so. With a trend ``history`` (``reports.trend``), a trend plot per scorecard row."""
    report = build(merged)
    template = _environment().get_template("report.html.j2")
    images = _plots(report, plot_budget)
    created = merged.get("created_utc") or _now()
    card = rows(merged["runs"], merged["results"]) if scorecard is None else scorecard
    points = trend.series(history) if history else {}
    trends = {key: (Markup(trend.plot(found)), found) for key, found in points.items()}
    invalid = build_invalid(merged["results"])
    shown = {"report": report, "plots": images, "created": created, "plot_budget": plot_budget, "invalid": invalid}
    return template.render(**shown, scorecard=card, trends=trends, packer=Packer())


def change_plot(change: Change) -> plots.CasePlot | None:
    """Old (blue) and new (red) trajectories of a changed record over the new reference, when both sides have them
    and a tolerance (an invalid-parameter case's silent values have neither reference nor tolerance)."""
    sides_found = (change.old, change.new)
    if not all(r and r.get("actual") and r.get("reference") and r.get("rtol") is not None for r in sides_found):
        return None
    steps = expand_steps(change.new["steps"])
    sides = [(OLD_COLOR, change.old), (NEW_COLOR, change.new)]
    if any(len(r["actual"]) != steps.size for _, r in sides):
        return None
    return plots.CasePlot(steps, decode_floats(change.new["reference"]), tuple(_line(c, r, {}) for c, r in sides))


def render_diff(diff: Diff, *, old: str, new: str) -> str:
    """The diff page: verdict, counts, and every change (with a plot for the first :data:`MAX_DIFF_PLOTS`)."""
    images = _render({change.key: change_plot(change) for change in diff.changes[:MAX_DIFF_PLOTS]})
    template = _environment().get_template("diff.html.j2")
    return template.render(diff=diff, old=old, new=new, plots=images, created=_now(), max_plots=MAX_DIFF_PLOTS)
