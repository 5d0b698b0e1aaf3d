"""Known divergences per framework (``cases/expectations/<adapter>.toml``), matched strictly.

Each entry documents one finding::

    [[divergence]]
    id = "one_cycle[T100-cos]-torch"        # a test id ('*' matches any run of characters), or a list
    reason = "OneCycleLR extrapolates one step past total_steps ..."
    link = "https://github.com/pytorch/pytorch/issues/91765"
    first_divergent_step = 100               # optional: the divergence must start exactly here
    error = "ValueError: Tried to step"      # optional: the run must raise with this text
    versions = ">=2.13"                      # optional: framework versions it applies to (PEP 440)
    platform = { "torch.mkl_vml" = ["AVX2"] }  # optional: platform facts it occurs under
    elsewhere = "agree"                      # with platform: "agree" (default) or "either" elsewhere

Strictness: an entry with an id (or pattern) that matches no test id, a test id matched by two entries, and a
documented divergence that now agrees all fail the run with a message naming the entry. An
entry whose ``versions`` exclude the installed framework is not loaded, so one file serves the
envs that pin different versions of a framework (upgrade validation). An entry with ``platform``
documents a divergence that depends on the CPU kernels (see :mod:`cases.platform_scope`).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .catalogue import CaseFileError
from .platform_scope import PlatformScope, parse_scope

__all__ = ["Expectation", "ExpectationSet", "glob_regex", "load_expectations"]

_KEYS = {"id", "reason", "link", "first_divergent_step", "error", "versions", "platform", "elsewhere"}


@dataclass(frozen=True)
class Expectation:
    """One documented divergence."""

    patterns: tuple[str, ...]
    reason: str
    link: str
    source: str
    first_divergent_step: int | None = None
    error: str | None = None
    versions: str | None = None
    platform: PlatformScope | None = None

    @property
    def id(self) -> str | list[str]:
        """The entry's ``id`` as written: one pattern, or the list."""
        return self.patterns[0] if len(self.patterns) == 1 else list(self.patterns)

    def matches(self, test_id: str) -> bool:
        """Whether ``test_id`` matches one of the patterns."""
        return any(glob_regex(p).fullmatch(test_id) for p in self.patterns)

    def describe(self) -> str:
        return f"entry id={self.id!r} in {self.source}"

    def applies_to(self, version: str | None) -> bool:
        """Whether the entry documents this framework version.

        With the framework not installed (``version`` None) its tests are skipped, so only the
        unscoped entries apply: two entries scoped to different releases never collide there.
        """
        if self.versions is None:
            return True
        if version is None:
            return False
        try:
            return Version(version) in SpecifierSet(self.versions, prereleases=True)
        except InvalidVersion:
            return True


@functools.cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A test-id pattern (``*`` matches any run of characters) as a regex, for ``fullmatch``."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def _is_specifier(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        return False
    return True


def _parse(entry: object, source: str, index: int) -> Expectation:
    where = f"{source}: divergence #{index + 1}"
    if not isinstance(entry, dict):
        raise CaseFileError(f"{where}: expected a table, got {entry!r}")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise CaseFileError(f"{where}: field '{unknown[0]}': unknown field; allowed: {sorted(_KEYS)}")
    ids = entry.get("id")
    patterns = tuple(ids) if isinstance(ids, list) else (ids,)
    if not patterns or not all(isinstance(p, str) and p.strip() for p in patterns):
        raise CaseFileError(f"{where}: field 'id': required, a test id (or pattern) or a non-empty list of them")
    for key in ("reason", "link"):
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
    versions = entry.get("versions")
    if versions is not None and not _is_specifier(versions):
        raise CaseFileError(f"{where}: field 'versions': must be a PEP 440 specifier like '>=0.2.7', got {versions!r}")
    scope = None
    if "platform" in entry or "elsewhere" in entry:
        scope = parse_scope(entry.get("platform"), entry.get("elsewhere"))
        if isinstance(scope, str):
            raise CaseFileError(f"{where}: {scope}")
    reason = " ".join(entry["reason"].split())
    return Expectation(patterns, reason, entry["link"], source, step, error, versions, scope)


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
        """Entries with an id or pattern that matches none of ``test_ids``."""
        ids = list(test_ids)
        return [e for e in self.entries if any(not any(glob_regex(p).fullmatch(i) for i in ids) for p in e.patterns)]


def load_expectations(
    directory: Path, adapter_name: str, *, root: Path | None = None, version: str | None = None
) -> ExpectationSet:
    """Entries of ``directory/<adapter_name>.toml`` that apply to ``version`` (empty without a file)."""
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
    entries = (_parse(e, source, i) for i, e in enumerate(document.get("divergence", [])))
    return ExpectationSet(e for e in entries if e.applies_to(version))
