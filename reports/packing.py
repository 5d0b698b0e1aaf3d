"""Closed parts of a report packed into one compressed block, unpacked when a reader opens them.

The full matrix's page held every case's rows, plots and reproducers inline: 12.8 MB for 10,772 results, most of
it in ``<details>`` that stay closed (cases where every result agrees, reproducers, the equivalence table's call
lists). A closed ``<details>`` is written as ``<details data-packed="N"><summary>...</summary></details>``; its
body is piece ``N`` of a JSON list, zlib-compressed and base64-encoded in one inert ``<script
type="application/octet-stream" id="packed">`` (repetitive markup compresses about tenfold, and one stream shares
its dictionary across every piece). The page's script (:data:`SCRIPT`) inflates the block with the browser's
``DecompressionStream`` the first time any packed part opens and inserts the piece after the summary; a link to a
packed case opens it. Without a script, :func:`unpack` (``python -m reports unpack report.html``) writes the same
page with every piece in place and no script, as the report was before it was packed.
"""

from __future__ import annotations

import base64
import json
import re
import zlib

from markupsafe import Markup

__all__ = ["SCRIPT", "Packer", "UnpackError", "unpack"]

#: Fills a packed ``<details>`` when it opens (or when a link or "unpack all" asks), from the packed block.
SCRIPT = Markup("""<script>
(() => {
  const block = document.getElementById("packed");
  let pieces = null;  // the promise of the list, inflated once
  async function inflate() {
    const bytes = Uint8Array.from(atob(block.textContent.trim()), (c) => c.charCodeAt(0));
    const text = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return JSON.parse(await new Response(text).text());
  }
  function load() {
    pieces ??= inflate();
    return pieces;
  }
  async function fill(details) {
    const index = details.dataset.packed;
    if (index === undefined) return;
    const all = await load();
    if (details.dataset.packed === undefined) return;  // filled meanwhile
    delete details.dataset.packed;
    details.insertAdjacentHTML("beforeend", all[Number(index)]);
  }
  async function fillAll() {
    for (let left = document.querySelectorAll("details[data-packed]"); left.length;
         left = document.querySelectorAll("details[data-packed]")) {
      await Promise.all(Array.from(left, fill));
    }
    document.body.dataset.unpacked = "all";
  }
  function openTarget() {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    const details = target && target.closest("details");
    if (details) details.open = true;
  }
  document.addEventListener("toggle", (event) => { if (event.target.open) fill(event.target); }, true);
  const nav = document.querySelector("header.top nav");
  const title = "put every packed part in the page, for the browser's search";
  nav?.insertAdjacentHTML("beforeend", `<a href="#" id="unpack-all" title="${title}">Unpack all</a>`);
  document.getElementById("unpack-all")?.addEventListener("click", (event) => { event.preventDefault(); fillAll(); });
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
</script>""")

_PACKED = re.compile(r' data-packed="(\d+)">(<summary>.*?</summary>)', re.S)
_BLOCK = re.compile(r'<script type="application/octet-stream" id="packed">([A-Za-z0-9+/=\s]*)</script>\n?')


class UnpackError(ValueError):
    """A page whose packed block is missing, damaged, or does not hold a piece the page refers to."""


class Packer:
    """Collects the bodies of a page's closed ``<details>`` while the template renders them, in order."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def pack(self, body: str) -> int:
        """Keep ``body`` (markup, already escaped) and return its index in the block."""
        self.pieces.append(str(body))
        return len(self.pieces) - 1

    def block(self) -> Markup:
        """The inert element holding every piece: base64 of zlib-compressed JSON (base64 cannot end the element)."""
        # zlib's default level 6: 1% larger than 9 on the full matrix, in two thirds of the time
        packed = zlib.compress(json.dumps(self.pieces, separators=(",", ":")).encode())
        text = base64.b64encode(packed).decode()
        return Markup(f'<script type="application/octet-stream" id="packed">{text}</script>')


def unpack(page: str) -> str:
    """``page`` with every packed piece put back after its summary (nested ones too), without the block or the
    script: what a reader without JavaScript, or ``grep``, needs. A page with nothing packed comes back as it is."""
    found = _BLOCK.search(page)
    if found is None:
        if _PACKED.search(page):
            raise UnpackError('the page refers to packed parts but has no packed block (id="packed")')
        return page
    try:
        pieces = json.loads(zlib.decompress(base64.b64decode(found.group(1))))
    except (ValueError, zlib.error) as error:
        raise UnpackError(f"the packed block cannot be read: {error}") from None

    def expand(text: str) -> str:
        return _PACKED.sub(lambda m: f">{m.group(2)}{expand(_piece(pieces, int(m.group(1))))}", text)

    return expand(page[: found.start()] + page[found.end() :]).replace(SCRIPT + "\n", "").replace(SCRIPT, "")


def _piece(pieces: list, index: int) -> str:
    if not (0 <= index < len(pieces)) or not isinstance(pieces[index], str):
        raise UnpackError(f"the page refers to packed part {index}, the block holds {len(pieces)}")
    return pieces[index]
