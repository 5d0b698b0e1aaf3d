"""Reading the suite's TOML data files: the case catalogue, the tolerance table, expectation files.

One error type, :class:`CaseFileError`, whose message is one line naming the file, the entry
(a case or a divergence) and the field; one reader, :func:`read_toml`, that turns every way a
file can be unreadable (not a regular file, not UTF-8, not TOML, nested too deeply) into that
error; and the value kinds (:data:`KINDS`) the loaders check fields against, so that every field
is checked, and phrased, the same way.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from model.errors import CaseFileError
from reference._validate import short_repr

__all__ = [
    "MAX_BYTES",
    "display_path",
    "read_toml",
    "short_repr",
]

#: The largest data file read, in bytes: room to list every step below ``MAX_STEP`` (about 16 MB written
#: out) where the largest real file holds 10 kB, while a stray huge file is refused before it fills memory.
MAX_BYTES = 32_000_000


def display_path(path: Path, root: Path | None) -> str:
    """``path`` as messages show it: relative to ``root`` when inside it."""
    return str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)


def _not_a_file(path: Path) -> str:
    if path.is_symlink() and not path.exists():
        return f"a dangling symbolic link (to {os.readlink(path)!r}), not a file"
    if not path.exists():
        return "no such file"
    return "a directory, not a file" if path.is_dir() else "not a regular file"


def read_toml(path: Path, display: str) -> dict[str, Any]:
    """The TOML document in ``path``; any reason it cannot be read is a :class:`CaseFileError` naming ``display``.

    Only regular files (after symbolic links) are opened: a FIFO would block the run forever.
    """
    if not path.is_file():
        raise CaseFileError(f"{display}: {_not_a_file(path)}")
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_BYTES else b""
    except OSError as exc:
        raise CaseFileError(f"{display}: cannot be read: {exc.strerror or exc}") from None
    if size > MAX_BYTES:
        raise CaseFileError(f"{display}: {size:,} bytes, more than the {MAX_BYTES:,} a data file may hold")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseFileError(f"{display}: not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError(f"{display}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise CaseFileError(f"{display}: not readable: arrays or tables nested hundreds of levels deep") from None
