"""Per-case plots for the report (matplotlib, Agg), embedded as small base64 PNG data URIs.

Each case gets one figure with two panels: the reference (a wide grey band) overlaid with every
framework's trajectory (thin coloured lines, a ring at the first divergent step), and the
absolute error per step on a log scale with each column's tolerance (dotted); a line identical to
one already drawn is skipped, as it would be hidden under it. Long trajectories are decimated per
line to the minimum and maximum of each of :data:`BUCKETS` buckets, which keeps every spike
visible; PNGs are quantized to a small palette, so a plot costs about 10 kB (base64) whatever the
number of steps. Many plots render in a pool of processes.
"""

from __future__ import annotations

import base64
import functools
import io
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from model.records import peak

__all__ = ["BUCKETS", "CasePlot", "Line", "decimate", "render", "render_all"]

#: Buckets per line: at most two points each, for a figure about 450 px wide per panel.
BUCKETS = 400
#: Errors of exactly zero are drawn at this fraction of the schedule's peak (below float64 resolution).
ZERO_ERROR = 1e-18
_SIZE, _DPI, _COLOURS = (9.0, 2.4), 100, 32  # titles are HTML captions: text is the slowest part to draw
_PARALLEL_FROM = 24  # fewer plots render faster in this process than through a pool


@dataclass(frozen=True)
class Line:
    """One column's trajectory and how it was judged."""

    color: str
    values: np.ndarray
    rtol: float
    atol: float
    first_divergent_step: int | None


@dataclass(frozen=True)
class CasePlot:
    """A case's steps, its reference and every column's line."""

    steps: np.ndarray
    reference: np.ndarray
    lines: tuple[Line, ...]


def decimate(steps: np.ndarray, values: np.ndarray, buckets: int = BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 * buckets + 2`` points: both ends and each bucket's minimum and maximum.

    A bucket of NaNs only (a run that stopped) keeps one NaN, so the line breaks there.
    """
    if steps.size <= 2 * buckets:
        return steps, values
    width = -(-steps.size // buckets)
    padded = np.full(width * buckets, np.nan)
    padded[: values.size] = values
    rows = padded.reshape(buckets, width)
    low = np.where(np.isnan(rows), np.inf, rows).argmin(axis=1)
    high = np.where(np.isnan(rows), -np.inf, rows).argmax(axis=1)
    starts = np.arange(buckets) * width
    keep = np.unique(np.concatenate([starts + low, starts + high, [0, steps.size - 1]]))
    keep = keep[keep < steps.size]
    return steps[keep], values[keep]


@functools.cache
def _canvas() -> tuple[Figure, tuple[Axes, Axes]]:
    """One figure per process, reused: creating axes and ticks costs more than drawing."""
    figure = Figure(figsize=_SIZE, dpi=_DPI)
    FigureCanvasAgg(figure)
    # fixed margins: a layout engine costs more than the drawing
    figure.subplots_adjust(left=0.065, right=0.99, bottom=0.11, top=0.97, wspace=0.13)
    rates, errors = figure.subplots(1, 2)
    errors.set_yscale("log")
    errors.yaxis.set_major_locator(ticker.LogLocator(numticks=5))
    errors.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.0e}"))  # mathtext labels are slow
    errors.yaxis.set_minor_locator(ticker.NullLocator())
    for axes in (rates, errors):
        axes.xaxis.set_major_locator(ticker.MaxNLocator(6, integer=True))
        axes.tick_params(labelsize=8)
        axes.grid(alpha=0.25)
    rates.yaxis.set_major_locator(ticker.MaxNLocator(5))
    return figure, (rates, errors)


def _draw(plot: CasePlot, rates: Axes, errors: Axes) -> None:
    scale = peak(plot.reference) or 1.0
    rates.plot(*decimate(plot.steps, plot.reference), color="#888888", linewidth=5, alpha=0.45, solid_capstyle="butt")
    tolerances, drawn = set(), set()
    for line in plot.lines:
        values = np.where(np.isfinite(line.values), line.values, np.nan)
        if values.tobytes() in drawn:  # an identical line would be hidden under the first anyway
            continue
        drawn.add(values.tobytes())
        rates.plot(*decimate(plot.steps, values), color=line.color, linewidth=1.1)
        if line.first_divergent_step is not None:
            at = np.searchsorted(plot.steps, line.first_divergent_step)
            rates.plot([plot.steps[at]], [values[at]], "o", mfc="none", mec=line.color, ms=7)
        with np.errstate(invalid="ignore"):
            error = np.maximum(np.abs(values - plot.reference), ZERO_ERROR * scale)
        errors.plot(*decimate(plot.steps, error), color=line.color, linewidth=1.1)
        tolerances.add((line.rtol, line.atol))
    for rtol, atol in sorted(tolerances):
        errors.plot(
            *decimate(plot.steps, atol + rtol * np.abs(plot.reference)), color="#555555", linewidth=0.9, linestyle=":"
        )


def render(plot: CasePlot) -> str:
    """The case's figure as a ``data:image/png;base64,...`` URI."""
    figure, (rates, errors) = _canvas()
    for axes in (rates, errors):
        for artist in list(axes.lines):
            artist.remove()
    _draw(plot, rates, errors)
    for axes in (rates, errors):
        axes.relim()
        axes.autoscale_view()
    figure.canvas.draw()
    pixels = Image.frombuffer("RGBA", figure.canvas.get_width_height(), figure.canvas.buffer_rgba())
    small = io.BytesIO()
    pixels.convert("RGB").quantize(colors=_COLOURS, method=Image.Quantize.FASTOCTREE).save(small, format="PNG")
    return "data:image/png;base64," + base64.b64encode(small.getvalue()).decode("ascii")


def render_all(plots: Sequence[CasePlot], workers: int | None = None) -> list[str]:
    """Render many plots, in parallel (one process per core, or ``workers``) when there are many."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(plots) < _PARALLEL_FROM:
        return [render(p) for p in plots]
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(render, plots, chunksize=max(1, len(plots) // (4 * workers))))
