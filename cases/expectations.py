"""Known divergences per framework (``cases/expectations/<adapter>.toml``), matched strictly.

Each entry documents one finding::

    [[divergence]]
    id = "one_cycle[T100-cos]-torch"        # a test id; '*' matches any run of characters
    reason = "OneCycleLR extrapolates one step past total_steps ..."
    link = "https://github.com/pytorch/pytorch/issues/91765"
    first_divergent_step = 100               # optional: the divergence must start exactly here
    error = "ValueError: Tried to step"      # optional: the run must raise with this text

Strictness: an entry that matches no test id, a test id matched by two entries, and a
documented divergence that now agrees all fail the run with a message naming the entry.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .catalogue import CaseFileError

__all__ = ["Expectation", "ExpectationSet", "load_expectations"]

_KEYS = {"id", "reason", "link", "first_divergent_step", "error"}


@dataclass(frozen=True)
class Expectation:
    """One documented divergence."""

    pattern: str
    reason: str
    link: str
    source: str
    first_divergent_step: int | None = None
    error: str | None = None

    def matches(self, test_id: str) -> bool:
        regex = ".*".join(re.escape(part) for part in self.pattern.split("*"))
        return re.fullmatch(regex, test_id) is not None

    def describe(self) -> str:
        return f"entry id={self.pattern!r} in {self.source}"


def _parse(entry: object, source: str, index: int) -> Expectation:
    where = f"{source}: divergence #{index + 1}"
    if not isinstance(entry, dict):
        raise CaseFileError(f"{where}: expected a table, got {entry!r}")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise CaseFileError(f"{where}: field '{unknown[0]}': unknown field; allowed: {sorted(_KEYS)}")
    for key in ("id", "reason", "link"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CaseFileError(f"{where}: field '{key}': required, a non-empty string")
    if not entry["link"].startswith("https://"):
        raise CaseFileError(
            f"{where}: field 'link': must be an https:// URL to the upstream record, got {entry['link']!r}"
        )
    step = entry.get("first_divergent_step")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 0):
        raise CaseFileError(f"{where}: field 'first_divergent_step': must be a step (int >= 0), got {step!r}")
    error = entry.get("error")
    if error is not None and not isinstance(error, str):
        raise CaseFileError(f"{where}: field 'error': must be a string, got {error!r}")
    return Expectation(entry["id"], " ".join(entry["reason"].split()), entry["link"], source, step, error)


class ExpectationSet:
    """The documented divergences of one adapter."""

    def __init__(self, entries: Iterable[Expectation]):
        self.entries = list(entries)

    def lookup(self, test_id: str) -> Expectation | None:
        """The entry documenting ``test_id``; two matching entries is an error."""
        found = [e for e in self.entries if e.matches(test_id)]
        if len(found) > 1:
            raise CaseFileError(
                f"test {test_id!r} is matched by several entries: " + "; ".join(e.describe() for e in found)
            )
        return found[0] if found else None

    def stale(self, test_ids: Iterable[str]) -> list[Expectation]:
        """Entries that match none of ``test_ids``."""
        ids = list(test_ids)
        return [e for e in self.entries if not any(e.matches(i) for i in ids)]


def load_expectations(directory: Path, adapter_name: str, *, root: Path | None = None) -> ExpectationSet:
    """Entries from ``directory/<adapter_name>.toml`` (an empty set when there is no file)."""
    path = Path(directory) / f"{adapter_name}.toml"
    if not path.exists():
        return ExpectationSet([])
    source = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError(f"{source}: not valid TOML: {exc}") from None
    extra = sorted(set(document) - {"divergence"})
    if extra:
        raise CaseFileError(f"{source}: expected only [[divergence]] tables, found {extra}")
    return ExpectationSet(_parse(e, source, i) for i, e in enumerate(document.get("divergence", [])))
