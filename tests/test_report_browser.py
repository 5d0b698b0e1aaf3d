"""The report as a user sees it: Debian's chromium, headless, loads the page and finds the matrix."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from reports import merge, render
from tests.report_synthetic import by_family, catalogue, synthetic_run

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: apt-get install chromium (.ci/run installs it for CI)"
)
CASES = [c for c in catalogue() if c.family in ("cosine", "exponential", "step_decay")]
AGREE, DIVERGE = (0xDA, 0xFB, 0xE1), (0xFF, 0xCE, 0xCB)  # the matrix cells' backgrounds (reports/templates)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
    ]
    flags += ["--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, check=True)


class _Matrix(HTMLParser):
    """Collects the text of each row of ``<table id="matrix-table">`` in the DOM chromium built."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._depth = 0  # > 0 inside the matrix table

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if (tag == "table" and ("id", "matrix-table") in attrs) or (self._depth and tag == "table"):
            self._depth += 1
        elif self._depth and tag == "tr":
            self.rows.append([])
        elif self._depth and tag in ("td", "th"):
            self.rows[-1].append("")
        elif self._depth and self.rows and self.rows[-1]:
            self.rows[-1][-1] += " "  # a line inside a cell

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag == "table":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    synthetic_run(out / "fw" / "results.json", "fw", by_family({"cosine": "late"}), cases=CASES)
    path = out / "report.html"
    path.write_text(render.render_report(merge.merged_envelope(merge.load([out]))), encoding="utf-8")
    return path


def test_the_browser_finds_the_matrix(page: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    matrix = _Matrix()
    matrix.feed(dom)
    header, probes, *rows = [[" ".join(cell.split()) for cell in row] for row in matrix.rows]
    assert header == ["family", "fw 1.0.0"]
    assert probes == ["schedule", "applied"]
    count = {f: sum(c.family == f for c in CASES) for f in ("cosine", "exponential", "step_decay")}
    assert rows == [
        ["cosine", f"{count['cosine']} diverge max rel err inf", f"{count['cosine']} diverge max rel err inf"],
        ["exponential", f"{count['exponential']} agree exact", f"{count['exponential']} agree exact"],
        ["step_decay", f"{count['step_decay']} agree exact", f"{count['step_decay']} agree exact"],
    ]


def test_the_screenshot_shows_green_and_red_cells(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, "--window-size=1200,900", f"--screenshot={shot}", page.as_uri())
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 900)
    colours = dict((colour, n) for n, colour in image.getcolors(maxcolors=1 << 20))
    assert (
        colours.get(AGREE, 0) > 5_000 and colours.get(DIVERGE, 0) > 2_000
    )  # two green rows, one red: cells of ~100x40 px
