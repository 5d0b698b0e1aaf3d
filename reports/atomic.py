"""Replace files and folders so that a reader, or a kill at any moment, sees the old or the new one, never half.

- :func:`write_atomic`: the data goes to a temporary file beside the target, is flushed and
  fsynced, then ``os.replace`` puts it in place (atomic on POSIX and Windows, same file system).
- :func:`publish`: the same last step for a file something else wrote (pytest-html's report,
  pytest's JUnit XML, written by their plugins to a temporary name).
- :func:`staged_folder`: a set of files that belong together (the merged report's three files,
  the upgrade pages) is built in ``.<name>.partial`` beside the target folder, renamed to
  ``.<name>.new`` once complete, then swapped in by two renames (target -> ``.<name>.old``,
  ``.<name>.new`` -> target) and the old set deleted. A kill while building leaves the old set; a
  kill during the swap leaves both complete sets, and :func:`finish_swap` (run by the next
  ``merge``/``upgrade`` and by ``python -m reports recover``) completes it: the new set wins.

A kill leaves at most a hidden temporary file or folder (``.<name>.*``) behind, never a truncated
target. Durability against power loss additionally relies on the fsyncs of the file and its folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["OUTPUT_SUFFIXES", "finish_swap", "interrupted_swaps", "publish", "staged_folder", "write_atomic"]

#: What an output folder (``merged``, ``upgrade``) may hold; a folder with anything else (a
#: subfolder, a ``.py`` file) is not ours and is never replaced: ``--out .`` fails instead of
#: deleting a checkout.
OUTPUT_SUFFIXES = (".html", ".json", ".xml", ".md")


def _fsync_folder(folder: Path) -> None:
    """Persist a folder's entries (a rename); not possible, and not needed, on Windows."""
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(temporary: Path, path: Path) -> None:
    """Move a complete ``temporary`` file (same folder as ``path``) over ``path``, fsynced first."""
    with open(temporary, "rb+") as written:
        os.fsync(written.fileno())
    os.replace(temporary, path)
    _fsync_folder(path.parent)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` through a temporary file beside it (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        # os.open with 0o666 (not tempfile's 0o600): the final file gets the usual permissions
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


_STAGES = ("partial", "new", "old")


def _work(target: Path, stage: str) -> Path:
    return target.with_name(f".{target.name}.{stage}")


def interrupted_swaps(folder: Path) -> list[Path]:
    """The output folders inside ``folder`` whose replacement was interrupted (work folders left)."""
    work = [w for w in Path(folder).glob(".*") if w.is_dir() and w.suffix.lstrip(".") in _STAGES]
    return sorted({w.with_name(w.name[1:].rsplit(".", 1)[0]) for w in work})


def finish_swap(target: Path) -> None:
    """Complete or undo an interrupted :func:`staged_folder` of ``target``: a complete new set
    (``.<name>.new``) replaces the target; an old set (``.<name>.old``) and a half-built one
    (``.<name>.partial``) are deleted. Does nothing when no swap was interrupted."""
    target = Path(target)
    new, old = _work(target, "new"), _work(target, "old")
    if new.is_dir():
        if target.exists():
            if old.exists():
                shutil.rmtree(old)
            os.rename(target, old)
        os.rename(new, target)
        _fsync_folder(target.parent)
    for leftover in (old, _work(target, "partial")):
        if leftover.exists():
            shutil.rmtree(leftover)


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise ValueError(f"{target}: not a folder; the output folder would replace it")
    foreign = sorted(p.name for p in target.iterdir() if not (p.is_file() and p.suffix in OUTPUT_SUFFIXES))
    if foreign:
        raise ValueError(
            f"{target}: holds {', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}, which the suite does "
            f"not write (an output folder holds only {', '.join(OUTPUT_SUFFIXES)} files): choose another --out"
        )


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty folder to write the complete new set into; on success it replaces ``target``
    as a whole (see the module docstring). On an exception the old set stays and the partial one
    is deleted. ``target`` must not hold anything but output files."""
    target = Path(target)
    finish_swap(target)
    _check_replaceable(target)
    partial = _work(target, "partial")
    partial.mkdir(parents=True)
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _fsync_folder(partial)
    os.rename(partial, _work(target, "new"))  # from here on the new set is complete: recovery keeps it
    _fsync_folder(target.parent)
    finish_swap(target)
