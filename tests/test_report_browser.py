"""The report as a user sees it: Debian's chromium, headless, loads the page and finds the scorecard, then the
matrix, whose first column stays in view when a matrix wider than the window scrolls sideways; the page's script
fills a packed case a link opens, and "Unpack all" fills every packed part."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

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


class _Table(HTMLParser):
    """Collects the text of each row of ``<table id="TABLE_ID">`` in the DOM chromium built."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._id = table_id
        self._depth = 0  # > 0 inside the table

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if (tag == "table" and ("id", self._id) in attrs) or (self._depth and tag == "table"):
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


def _rows(dom: str, table_id: str) -> list[list[str]]:
    table = _Table(table_id)
    table.feed(dom)
    return [[" ".join(cell.split()) for cell in row] for row in table.rows]


def test_the_page_opens_on_the_scorecard(page: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert dom.index('id="scorecard-table"') < dom.index('id="matrix-table"')
    cosine = sum(c.family == "cosine" for c in CASES)
    agree, diverge = 2 * (len(CASES) - cosine), 2 * cosine
    first = next(c for c in CASES if c.family == "cosine")
    header, row = _rows(dom, "scorecard-table")
    assert header == ["adapter", "version", "agree", "diverge", "agree %", "worst finding"]
    assert row[:5] == ["fw", "1.0.0", str(agree), str(diverge), f"{100 * agree // (agree + diverge)}%"]
    assert row[5].startswith(f"diverge {first.id} {first.id}-fw: diverges at step 1 (first of ")


def test_the_browser_finds_the_matrix(page: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    header, probes, *rows = _rows(dom, "matrix-table")
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


#: Scrolls the matrix to its right end, then writes where its first column is into the DOM for --dump-dom (added to
#: a copy of the report).
_SCROLL_RIGHT = """<script>
const box = document.getElementById("matrix-table").parentElement;
box.scrollLeft = box.scrollWidth;
const family = document.querySelector("#matrix-table tbody th").getBoundingClientRect();
document.body.dataset.probe = JSON.stringify({scrolled: box.scrollLeft, width: box.clientWidth,
  wide: box.scrollWidth, box: box.getBoundingClientRect().left, family: family.left, right: family.right});
</script>"""


def test_the_first_column_stays_in_view_when_a_wide_matrix_scrolls(tmp_path: Path) -> None:
    """12 runs of two probes: 24 columns, wider than a 1400 px window."""
    out = tmp_path / "out"
    for index in range(12):
        synthetic_run(out / f"fw{index}" / "results.json", f"fw{index}", by_family({}), cases=CASES[:3])
    page = tmp_path / "wide.html"
    html = render.render_report(merge.merged_envelope(merge.load([out])))
    page.write_text(html.replace("</body>", _SCROLL_RIGHT + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--window-size=1400,900", "--dump-dom", page.as_uri()).stdout
    probe = json.loads(dom.split('data-probe="', 1)[1].split('"', 1)[0].replace("&quot;", '"'))
    assert probe["wide"] > probe["width"] > 1_000 and probe["scrolled"] == probe["wide"] - probe["width"]
    assert probe["family"] == probe["box"] and probe["right"] > probe["box"] + 50  # at the left edge, whole


def _settled(tmp_path: Path, url: str) -> str:
    """The DOM once the page's script has run and its promises settled (virtual time runs ahead of the clock)."""
    return _chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", url).stdout


def test_a_link_to_a_packed_case_opens_it_with_its_rows(page: Path, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.family == "exponential")  # every result agrees: packed, closed
    html = page.read_text(encoding="utf-8")
    assert re.search(rf'id="case-{re.escape(case.id)}" data-packed="\d+"><summary>', html)
    dom = _settled(tmp_path, f"{page.as_uri()}#{quote('case-' + case.id)}")
    body = dom[dom.index(f'id="case-{case.id}"') :]
    body = body[: body.index('<details class="case"')]
    assert body.startswith(f'id="case-{case.id}" open="">')  # data-packed gone: filled
    assert body.count('<td><b class="o o-agree">') == 2 and "reproducer: fw 1.0.0" in body  # its two rows


#: Clicks the page's own "Unpack all" link once the page has loaded (added to a copy of the report).
_UNPACK_ALL = '<script>addEventListener("load", () => document.getElementById("unpack-all").click());</script>'


def test_unpack_all_fills_every_packed_part(page: Path, tmp_path: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert html.count(' data-packed="') > len(CASES) / 2
    copy = tmp_path / "unpack.html"
    copy.write_text(html.replace("</body>", _UNPACK_ALL + "</body>"), encoding="utf-8")
    dom = _settled(tmp_path, copy.as_uri())
    assert 'data-unpacked="all"' in dom and " data-packed=" not in dom
    assert dom.count('<table class="rows">') == len(CASES) and dom.count("<pre>") == len(CASES)
