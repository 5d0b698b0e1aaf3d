"""The report's plots: inline SVG whose lines are the trajectories in whole pixels, spikes kept, errors on a log axis."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from reports import plots

RED, BLUE = "#d62728", "#1f77b4"


def _svg(plot: plots.CasePlot) -> ET.Element:
    return ET.fromstring(f"<svg>{plots.render(plot)}</svg>")


def _paths(svg: ET.Element, kind: str, color: str | None = None) -> list[str]:
    return [p.get("d") for p in svg.iter("path") if p.get("class") == kind and p.get("stroke") == color]


def _vertices(d: str) -> list[np.ndarray]:
    """A path's ``d`` (moves and relative lines, as plots writes them) back to absolute points, per polyline."""
    polylines = []
    for x, y, moves in re.findall(r"M(-?\d+) (-?\d+)l([^M]*)", d):
        relative = np.array([int(v) for v in re.findall(r"-?\d+", moves)]).reshape(-1, 2)
        polylines.append(np.cumsum(np.vstack([[int(x), int(y)], relative]), axis=0))
    return polylines


def _on(polyline: np.ndarray, point: np.ndarray) -> bool:
    """Whether ``point`` lies on one of the polyline's segments."""
    for a, b in itertools.pairwise(polyline):
        cross = (b[0] - a[0]) * (point[1] - a[1]) - (b[1] - a[1]) * (point[0] - a[0])
        if cross == 0 and np.all(np.minimum(a, b) <= point) and np.all(point <= np.maximum(a, b)):
            return True
    return False


def _late() -> tuple[plots.CasePlot, np.ndarray]:
    """60 steps of exponential decay; the line is one step late (its first divergent step is 1)."""
    steps = np.arange(60)
    reference = 0.1 * 0.95**steps
    late = np.r_[reference[0], reference[:-1]]
    return plots.CasePlot(steps, reference, (plots.Line(RED, late, 1e-12, 1e-15, 1),)), late


def test_a_line_passes_through_every_step_of_its_trajectory() -> None:
    plot, late = _late()
    (polyline,) = _vertices(*_paths(_svg(plot), "l", RED)[:1])
    panel = plots.Panel.fitting(plots.RATES, plot.steps, [plot.reference, late], log=False)
    expected = np.rint(np.column_stack([panel.x(plot.steps), panel.y(late)])).astype(int)
    assert polyline[0].tolist() == expected[0].tolist() and polyline[-1].tolist() == expected[-1].tolist()
    assert {tuple(p) for p in polyline} <= {tuple(p) for p in expected}  # vertices are the trajectory's own points
    assert all(_on(polyline, p) for p in expected)  # and every point it left out is on the line drawn
    assert len(polyline) < len(expected)  # the flat start and the straight stretches need fewer points


def test_a_ring_marks_the_first_divergent_step() -> None:
    plot, late = _late()
    (ring,) = _svg(plot).iter("circle")
    panel = plots.Panel.fitting(plots.RATES, plot.steps, [plot.reference, late], log=False)
    assert ring.get("stroke") == RED
    assert (int(ring.get("cx")), int(ring.get("cy"))) == (
        round(panel.x(np.array([1]))[0]),
        round(panel.y(late[1:2])[0]),
    )


def test_a_one_step_spike_in_a_long_run_stays_visible() -> None:
    steps = np.arange(100_000)
    reference = 0.05 * (1 + np.cos(np.pi * steps / steps.size))
    spiked = reference.copy()
    spiked[54_321] = 0.3
    plot = plots.CasePlot(steps, reference, (plots.Line(RED, spiked, 1e-6, 1e-9, 54_321),))
    svg = _svg(plot)
    rates_d, errors_d = _paths(svg, "l", RED)
    (rates,) = _vertices(rates_d)
    panel = plots.Panel.fitting(plots.RATES, steps, [reference, spiked], log=False)
    width = plots.RATES[1] - plots.RATES[0]
    assert len(rates) <= 2 * width + 2  # at most two points a pixel
    top = rates[np.argmin(rates[:, 1])]
    assert top.tolist() == [round(panel.x(np.array([54_321]))[0]), round(panel.y(np.array([0.3]))[0])]
    (errors,) = _vertices(errors_d)
    assert np.sum(errors[:, 1] == errors[:, 1].min()) == 1  # the error's one peak, at the spike
    assert len(plots.render(plot)) < 12_000


def test_errors_are_drawn_on_a_log_axis_with_decade_ticks() -> None:
    steps = np.arange(10)
    reference = np.ones(10)
    actual = reference + np.array([1e-5, 1e-5, 1e-3, 1e-5, 1e-5, 1e-6, 1e-5, 1e-5, 1e-5, 1e-5])
    svg = _svg(plots.CasePlot(steps, reference, (plots.Line(RED, actual, 0.0, 1e-4, 2),)))
    _, error_ticks = (g for g in svg.iter("g") if g.get("class") == "yt")
    decades = [(int(t.get("y")), t.text) for t in error_ticks]
    assert [text for _, text in decades] == ["1e-06", "1e-05", "1e-04", "1e-03"]  # bottom to top
    gap = decades[-1][0] - decades[-2][0]
    assert gap < 0 and all(abs(b[0] - a[0] - gap) <= 1 for a, b in itertools.pairwise(decades))
    (errors,) = _vertices(_paths(svg, "l", RED)[1])
    at = {x: y for x, y in errors}
    xs = sorted(at)
    big, small = at[xs[2]], at[xs[5]]  # steps 2 and 5: every step is a vertex (a corner) here
    assert abs((small - big) - 3 * -gap) <= 2  # 1e-3 and 1e-6: three decades apart


def test_a_line_identical_to_one_drawn_is_skipped_and_each_tolerance_is_drawn_once() -> None:
    plot, late = _late()
    twin = plots.Line(BLUE, late.copy(), 1e-12, 1e-15, 1)
    other = plots.Line("#2ca02c", plot.reference.copy(), 1e-6, 1e-9, None)
    svg = _svg(plots.CasePlot(plot.steps, plot.reference, (*plot.lines, twin, other)))
    assert len(_paths(svg, "l", RED)) == 2 and not _paths(svg, "l", BLUE)
    assert len(_paths(svg, "l", "#2ca02c")) == 2
    assert len(_paths(svg, "tol")) == 2 and len(_paths(svg, "ref")) == 1


@pytest.mark.parametrize(
    ("x", "y", "polylines"),
    [
        # a straight run, a repeat, a corner, a break where the run stopped
        (range(10), [0, 1, 2, 3, 3, 3, 5, np.nan, 4, 4], [[[0, 0], [3, 3], [5, 3], [6, 5]], [[8, 4], [9, 4]]]),
        ([0, 0.2, 1], [0, 0.1, 1], [[[0, 0], [1, 1]]]),  # the same pixel twice
        ([5, 5, 5], [10, 2, 8], [[[5, 10], [5, 2], [5, 8]]]),  # a bucket's minimum and maximum: a turn, kept
        ([0], [np.nan], []),
    ],
)
def test_path_points_drop_only_points_that_change_nothing_drawn(x, y, polylines) -> None:
    found = plots.path_points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    assert [p.tolist() for p in found] == polylines


def test_decimate_keeps_every_extreme() -> None:
    steps = np.arange(1_000_000)
    values = np.cos(steps / 50_000.0)
    values[123_457] = 7.0  # a one-step spike
    values[654_321] = np.nan
    kept_steps, kept = plots.decimate(steps, values, buckets=100)
    assert kept.size <= 202
    assert 123_457 in kept_steps and kept[kept_steps == 123_457][0] == 7.0
    assert kept_steps[0] == 0 and kept_steps[-1] == steps[-1]
    assert np.nanmin(kept) == np.nanmin(values) and np.all(np.diff(kept_steps) > 0)
