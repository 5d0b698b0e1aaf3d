"""Per-case plots for the report: inline SVG written directly from the numbers, about 1 ms and a few kB each.

Each case gets one figure with two panels: the reference (a wide grey band) overlaid with every
framework's trajectory (thin coloured lines, a ring at the first divergent step), and the
absolute error per step on a log scale with each column's tolerance (dotted); a line identical to
one already drawn is skipped, as it would be hidden under it. Lines are drawn in whole pixels of the
figure: a long trajectory is first reduced to the minimum and maximum of each pixel column
(:func:`decimate`, at most two points per horizontal pixel, so a one-step spike or shift stays
visible), then repeated points and points on the straight line between their neighbours are dropped,
which changes nothing drawn. The figure's styles (fonts, strokes) are the page's CSS (``svg.plot``
in ``templates/_base.html.j2``); the SVG holds numbers and the palette's colours only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.records import peak

__all__ = ["ERRORS", "HEIGHT", "RATES", "WIDTH", "CasePlot", "Line", "Panel", "decimate", "path_points", "render"]

#: The figure's size in pixels (its ``viewBox``); the page scales it to the column's width.
WIDTH, HEIGHT = 900, 240
#: Errors of exactly zero are drawn at this fraction of the schedule's peak (below float64 resolution).
ZERO_ERROR = 1e-18
_TOP, _BOTTOM = 6, 216  # the panels' plotting area, vertically; tick labels below
#: The two panels' plotting areas, horizontally (pixels): room on the left of each for the y tick labels.
RATES, ERRORS = (58, 444), (512, 894)
_MARGIN = 0.05  # of the data's range on each side


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


def decimate(steps: np.ndarray, values: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
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


def path_points(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The polylines that draw ``(x, y)`` (pixels) in whole pixels: one ``(n, 2)`` integer array per run of finite
    values, without repeated points and without points on the straight line between their neighbours."""
    finite = np.flatnonzero(np.isfinite(y))
    runs = np.split(finite, np.flatnonzero(np.diff(finite) > 1) + 1) if finite.size else []
    polylines = []
    for run in runs:
        points = np.rint(np.column_stack([x[run], y[run]])).astype(np.int64)
        points = points[np.r_[True, np.any(points[1:] != points[:-1], axis=1)]]
        before, after = points[1:-1] - points[:-2], points[2:] - points[1:-1]
        cross = before[:, 0] * after[:, 1] - before[:, 1] * after[:, 0]
        straight = (cross == 0) & (np.einsum("ij,ij->i", before, after) > 0)
        polylines.append(points[np.r_[True, ~straight, True][: len(points)]])
    return polylines


def _d(x: np.ndarray, y: np.ndarray) -> str:
    """An SVG path's ``d``: each polyline as an absolute move and relative lines, the shortest text for it."""
    parts = []
    for points in path_points(x, y):
        moves = " ".join(map(str, np.diff(points, axis=0).ravel()))
        parts.append(f"M{points[0, 0]} {points[0, 1]}l{moves or '0 0'}")
    return "".join(parts).replace(" -", "-")


def _ticks(low: float, high: float, count: int = 5, integer: bool = False) -> np.ndarray:
    """At most ``count + 1`` round values in ``[low, high]``: multiples of 1, 2, 2.5 or 5 times a power of ten."""
    raw = (high - low) / count
    scale = 10.0 ** math.floor(math.log10(raw))
    step = next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= raw)
    if integer:
        step = max(1.0, round(step))
    return np.arange(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1) * step


def _label(value: float, step: float) -> str:
    """A tick's label, with the digits its step needs."""
    digits = max(0, 1 - math.floor(math.log10(step))) if step < 1 else 0
    return f"{round(value, digits):g}"


@dataclass(frozen=True)
class Panel:
    """A panel's plotting area in pixels and the data range it shows (log10 of it on a log axis)."""

    left: int
    right: int
    steps: tuple[float, float]
    span: tuple[float, float]
    log: bool

    @classmethod
    def fitting(cls, area: tuple[int, int], steps: np.ndarray, values: list[np.ndarray], log: bool) -> Panel:
        finite = np.concatenate([v[np.isfinite(v)] for v in values])
        finite = np.log10(finite) if log else finite
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        pad = (high - low) * _MARGIN or (1.0 if log else abs(low) * _MARGIN or 1.0)
        first, last = float(steps[0]), float(steps[-1])
        wide = (last - first) * _MARGIN or 1.0
        return cls(*area, (first - wide, last + wide), (low - pad, high + pad), log)

    def x(self, steps: np.ndarray) -> np.ndarray:
        (first, last), (left, right) = self.steps, (self.left, self.right)
        return left + (np.asarray(steps, dtype=np.float64) - first) * (right - left) / (last - first)

    def y(self, values: np.ndarray) -> np.ndarray:
        low, high = self.span
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.log10(values) if self.log else np.asarray(values, dtype=np.float64)
        return _BOTTOM - (v - low) * (_BOTTOM - _TOP) / (high - low)

    def line(self, steps: np.ndarray, values: np.ndarray, kind: str, color: str = "") -> str:
        """A trajectory as a ``<path>`` of class ``kind`` (``ref``, ``l`` or ``tol``), at most two points a pixel."""
        steps, values = decimate(steps, values, self.right - self.left)
        stroke = f' stroke="{color}"' if color else ""
        return f'<path class="{kind}"{stroke} d="{_d(self.x(steps), self.y(values))}"/>'

    def axes(self) -> str:
        """The frame, grid lines and tick labels."""
        first, last = self.steps
        xs = _ticks(first, last, 6, integer=True)
        low, high = self.span
        if self.log:
            every = max(1, math.ceil((math.floor(high) - math.ceil(low) + 1) / 5))
            ys = np.arange(math.ceil(low), math.floor(high) + 1)[::every]
            labels = [f"{10.0**e:.0e}" for e in ys]
            ys = 10.0**ys
        else:
            ys = _ticks(low, high)
            labels = [_label(v, ys[1] - ys[0] if ys.size > 1 else abs(v) or 1.0) for v in ys]
        px, py = np.rint(self.x(xs)).astype(int), np.rint(self.y(ys)).astype(int)
        grid = "".join(f"M{x} {_TOP}V{_BOTTOM}" for x in px) + "".join(f"M{self.left} {y}H{self.right}" for y in py)
        x_labels = "".join(f'<text x="{x}" y="{_BOTTOM + 13}">{int(s)}</text>' for x, s in zip(px, xs, strict=True))
        y_labels = "".join(f'<text x="{self.left - 4}" y="{y + 3}">{t}</text>' for y, t in zip(py, labels, strict=True))
        frame = f'<rect x="{self.left}" y="{_TOP}" width="{self.right - self.left}" height="{_BOTTOM - _TOP}"/>'
        return f'<path class="grid" d="{grid}"/>{frame}<g class="xt">{x_labels}</g><g class="yt">{y_labels}</g>'


def render(plot: CasePlot) -> str:
    """The case's figure: the inside of an ``<svg viewBox="0 0 WIDTH HEIGHT">`` (the page writes the element)."""
    scale = peak(plot.reference) or 1.0
    lines, errors, drawn = [], [], set()
    for line in plot.lines:
        values = np.where(np.isfinite(line.values), line.values, np.nan)
        if values.tobytes() in drawn:  # an identical line would be hidden under the first anyway
            continue
        drawn.add(values.tobytes())
        with np.errstate(invalid="ignore"):
            error = np.maximum(np.abs(values - plot.reference), ZERO_ERROR * scale)
        lines.append((line, values))
        errors.append(error)
    bands = sorted({(line.rtol, line.atol) for line, _ in lines})
    tolerances = [atol + rtol * np.abs(plot.reference) for rtol, atol in bands]
    rates = Panel.fitting(RATES, plot.steps, [plot.reference, *(v for _, v in lines)], log=False)
    error_panel = Panel.fitting(ERRORS, plot.steps, [*errors, *tolerances], log=True)
    parts = [rates.axes(), error_panel.axes(), rates.line(plot.steps, plot.reference, "ref")]
    for (line, values), error in zip(lines, errors, strict=True):
        parts.append(rates.line(plot.steps, values, "l", line.color))
        if line.first_divergent_step is not None:
            at = min(int(np.searchsorted(plot.steps, line.first_divergent_step)), plot.steps.size - 1)
            x, y = rates.x(plot.steps[at : at + 1])[0], rates.y(values[at : at + 1])[0]
            if np.isfinite(y):
                parts.append(f'<circle class="ring" stroke="{line.color}" cx="{x:.0f}" cy="{y:.0f}" r="4"/>')
        parts.append(error_panel.line(plot.steps, error, "l", line.color))
    parts += [error_panel.line(plot.steps, tolerance, "tol") for tolerance in tolerances]
    return "".join(parts)
