"""The report's closed parts packed into one compressed block (reports/packing.py): what stays in the page, what is
packed, that unpacking gives every part back in place, and that a damaged page is refused with a clear message.
The page's script is exercised in a real browser by tests/test_report_browser.py."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import pytest

from reports import cli, merge, packing, render
from tests.report_synthetic import by_family, catalogue, synthetic_run

CASES = [c for c in catalogue() if c.family in ("cosine", "exponential")]
COSINE = [c.id for c in CASES if c.family == "cosine"]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    """Run ``late`` is one step late on cosine (open cases) and agrees on exponential (closed cases); run ``ok``
    agrees everywhere."""
    out = tmp_path_factory.mktemp("out")
    synthetic_run(out / "late" / "results.json", "late", by_family({"cosine": "late"}), cases=CASES)
    synthetic_run(out / "ok" / "results.json", "ok", by_family({}), cases=CASES)
    return render.render_report(merge.merged_envelope(merge.load([out])))


def _pieces(page: str) -> list[str]:
    block = re.search(r'<script type="application/octet-stream" id="packed">([^<]*)</script>', page).group(1)
    return json.loads(zlib.decompress(base64.b64decode(block)))


def _case(page: str, case_id: str) -> str:
    """The markup of a case's <details> up to the next case."""
    start = page.index(f'<details class="case" id="case-{case_id}"')
    end = page.find('<details class="case"', start + 1)
    return page[start : end if end > 0 else len(page)]


def test_a_case_where_every_result_agrees_is_packed_whole(page: str) -> None:
    case = next(c for c in CASES if c.family == "exponential")
    closed = _case(page, case.id)
    assert re.match(rf'<details class="case" id="case-{re.escape(case.id)}" data-packed="\d+"><summary>', closed)
    assert "<table" not in closed and "reproducer" not in closed and "<svg" not in closed
    assert f"the reference of {case.id}" in packing.unpack(page)  # its reproducers, once unpacked


def test_an_open_case_keeps_its_problem_rows_and_packs_the_rest(page: str) -> None:
    opened = _case(page, COSINE[0])
    assert f'id="case-{COSINE[0]}" open><summary>' in opened
    table = opened[opened.index('<table class="rows">') : opened.index("</table>")]
    assert table.count("<tr><td>") == 2 and table.count("o-diverge") == 2  # late's schedule and applied
    assert "o-agree" not in table
    assert re.search(r'<details data-packed="\d+"><summary>2 other rows: <b class="o o-agree">2 agree</b>', opened)
    assert "<pre>" not in opened  # reproducers are packed, even in an open case
    unpacked = _case(packing.unpack(page), COSINE[0])
    assert unpacked.count("<tr><td>") == 4 and unpacked.count("<pre>") == 2  # ok's rows and both reproducers


def test_unpacking_puts_every_piece_after_its_summary_once(page: str) -> None:
    pieces = _pieces(page)
    unpacked = packing.unpack(page)
    assert "data-packed=" not in unpacked and "<script" not in unpacked
    assert unpacked.endswith("needs no network.</footer>\n</body>\n</html>")  # the block and script gone, lines too
    assert unpacked.count("<tr><td>") == 4 * len(CASES)  # two runs, two probes
    assert len(pieces) == page.count(' data-packed="') + sum(p.count(' data-packed="') for p in pieces)
    leaves = [piece for piece in pieces if " data-packed=" not in piece]
    assert leaves and all(piece in unpacked for piece in leaves)
    assert len(page) < 0.7 * len(unpacked)  # 0.58 here, with the fixed CSS and script; 0.32 on the full matrix


def test_a_page_with_nothing_packed_is_unpacked_as_it_is() -> None:
    assert packing.unpack("<p>plain</p>") == "<p>plain</p>"


def test_nested_pieces_are_unpacked_in_order() -> None:
    packer = packing.Packer()
    inner = packer.pack("<i>inner</i>")
    outer = packer.pack(f'<details data-packed="{inner}"><summary>b</summary></details>')
    page = f'<details data-packed="{outer}"><summary>a</summary></details>{packer.block()}{packing.SCRIPT}'
    assert (
        packing.unpack(page)
        == "<details><summary>a</summary><details><summary>b</summary><i>inner</i></details></details>"
    )


def _one_piece() -> str:
    packer = packing.Packer()
    packer.pack("<i>only</i>")
    return packer.block()


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ('<details data-packed="0"><summary>a</summary></details>', "refers to packed parts but has no packed block"),
        (
            '<details data-packed="3"><summary>a</summary></details>' + str(packing.Packer().block()),
            "refers to packed part 3, the block holds 0",
        ),
        (
            '<details data-packed="0"><summary>a</summary></details><details data-packed="1"><summary>b</summary>'
            "</details>" + str(_one_piece()),
            "refers to packed part 1, the block holds 1",
        ),
        (
            '<details data-packed="0"><summary>a</summary></details>'
            '<script type="application/octet-stream" id="packed">AAAA</script>',
            "the packed block cannot be read",
        ),
    ],
)
def test_a_damaged_page_is_refused(page: str, message: str) -> None:
    with pytest.raises(packing.UnpackError, match=message):
        packing.unpack(page)


def test_unpack_command_writes_the_page_beside_it(page: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    assert cli.main(["unpack", str(path)]) == 0
    assert (tmp_path / "report-unpacked.html").read_text(encoding="utf-8") == packing.unpack(page)
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'report-unpacked.html'} (")


def test_unpack_command_names_the_page_it_cannot_read(tmp_path: Path, capsys) -> None:
    damaged = tmp_path / "report.html"
    damaged.write_text('<details data-packed="0"><summary>a</summary></details>', encoding="utf-8")
    assert cli.main(["unpack", str(damaged)]) == 2
    assert capsys.readouterr().err == (
        f'error: {damaged}: the page refers to packed parts but has no packed block (id="packed")\n'
    )
    assert cli.main(["unpack", str(tmp_path / "missing.html")]) == 2
    assert f"error: {tmp_path / 'missing.html'}: cannot read the page (" in capsys.readouterr().err
