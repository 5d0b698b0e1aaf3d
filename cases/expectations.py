"""Known divergences per framework (``cases/expectations/<adapter>.toml``), matched strictly.

Each entry documents one finding::

    [[divergence]]
    id = "one_cycle[T100-cos]-torch"        # a test id ('*' matches any run of characters), or a list
    reason = "OneCycleLR extrapolates one step past total_steps ..."
    link = "https://github.com/pytorch/pytorch/issues/91765"
    first_divergent_step = 100               # optional: the divergence must start exactly here
    error = "ValueError: Tried to step"      # optional: the run must raise with this text
    versions = ">=2.13"                      # optional: framework versions it applies to (PEP 440)
    behaviour = "raises_late"                # an invalid-parameter case: the behaviour class it pins
    claim = "factor must be in (0, 1]"       # optional, with behaviour: what the framework's documentation says
    platform = { "torch.mkl_vml" = ["AVX2"] }  # optional: platform facts it occurs under
    elsewhere = "agree"                      # with platform: "agree" (default) or "either" elsewhere

An entry with ``behaviour`` pins what a framework does with an invalid-parameter case (``cases.behaviour``): a run of
another class (or error, or first step) is ``behaviour_changed``.

Strictness: an entry with an id (or pattern) that matches no test id, a test id matched by two entries, and a
documented divergence that now agrees all fail the run with a message naming the entry. An
entry whose ``versions`` exclude the installed framework is not loaded, so one file serves the
envs that pin different versions of a framework (upgrade validation). An entry with ``platform``
documents a divergence that depends on the CPU kernels (see :mod:`cases.platform_scope`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from model.errors import CaseFileError, Where, check_nesting, kind_problem, short_repr
from model.outcomes import BEHAVIOURS
from model.records import glob_regex

from .datafile import display_path, read_toml
from .platform_scope import PlatformScope, ScopeError, parse_scope

__all__ = ["Expectation", "ExpectationSet", "check_expectation_files", "load_expectations"]


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
    behaviour: str | None = None
    claim: str | None = None

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


def _step_problem(value: Any) -> str:
    if kind_problem(value, "an integer") or value < 0:
        return f"must be a step (int >= 0), got {short_repr(value)}"
    return ""


def _specifier_problem(value: Any) -> str:
    try:
        SpecifierSet(value if isinstance(value, str) else "!")
    except InvalidSpecifier:
        return f"must be a PEP 440 specifier like '>=0.2.7', got {short_repr(value)}"
    return ""


#: The optional fields of an entry, each a field of :class:`Expectation`, and what is wrong with a value
#: (``""`` when nothing is). A new optional field is one line here and one field in the dataclass.
_OPTIONAL: dict[str, Callable[[Any], str]] = {
    "first_divergent_step": _step_problem,
    "error": lambda value: kind_problem(value, "a string"),
    "versions": _specifier_problem,
    "behaviour": lambda value: (
        "" if value in BEHAVIOURS else f"must be one of {list(BEHAVIOURS)}, got {short_repr(value)}"
    ),
    "claim": lambda value: kind_problem(value, "a non-empty string"),
}
_KEYS = {"id", "reason", "link", *_OPTIONAL, "platform", "elsewhere"}


def _patterns(ids: Any, where: Where) -> tuple[str, ...]:
    patterns = tuple(ids) if isinstance(ids, list) else (ids,)
    if not patterns or any(kind_problem(p, "a non-empty string") for p in patterns):
        raise where.error("id", f"required, a test id (or pattern) or a non-empty list of them, got {short_repr(ids)}")
    return patterns


def _parse(entry: object, source: str, index: int) -> Expectation:
    where = Where.entry_of(source, "divergence", index + 1, entry.get("id") if isinstance(entry, dict) else None)
    if not isinstance(entry, dict):
        raise where.error("divergence", f"expected a table, got {short_repr(entry)}")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise where.error(unknown[0], f"unknown field; allowed: {sorted(_KEYS)}")
    check_nesting(entry, where)
    patterns = _patterns(entry.get("id"), where)
    for key in ("reason", "link"):
        if kind_problem(entry.get(key), "a non-empty string"):
            raise where.error(key, f"required, a non-empty string, got {short_repr(entry.get(key))}")
    if not entry["link"].startswith("https://"):
        raise where.error("link", f"must be an https:// URL to the upstream record, got {short_repr(entry['link'])}")
    for key, problem_of in _OPTIONAL.items():
        if key in entry and (problem := problem_of(entry[key])):
            raise where.error(key, problem)
    if "claim" in entry and "behaviour" not in entry:
        raise where.error("claim", "a documentation's claim goes with the behaviour class it contradicts or confirms")
    optional = {key: entry.get(key) for key in _OPTIONAL}
    return Expectation(
        patterns, " ".join(entry["reason"].split()), entry["link"], source, **optional, platform=_scope(entry, where)
    )


def _scope(entry: dict[str, Any], where: Where) -> PlatformScope | None:
    """The entry's platform scope (``platform``, ``elsewhere``), or ``None`` when it has none."""
    if "platform" not in entry and "elsewhere" not in entry:
        return None
    try:
        return parse_scope(entry.get("platform"), entry.get("elsewhere"))
    except ScopeError as exc:
        raise where.error(exc.field, str(exc)) from None


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
    if not path.exists() and not path.is_symlink():  # a dangling link is an error, not "no file"
        return ExpectationSet([])
    source = display_path(path, root)
    document = read_toml(path, source)
    extra = sorted(set(document) - {"divergence"})
    if extra:
        raise CaseFileError(f"{source}: expected only [[divergence]] tables, found {extra}")
    divergences = document.get("divergence", [])
    if not isinstance(divergences, list):
        raise CaseFileError(
            f"{source}: field 'divergence': must be [[divergence]] tables, got {short_repr(divergences)}"
        )
    entries = [_parse(e, source, i) for i, e in enumerate(divergences)]
    return ExpectationSet(e for e in entries if e.applies_to(version))


def check_expectation_files(directory: Path, adapters: Collection[str], *, root: Path | None = None) -> None:
    """``directory`` exists and every ``*.toml`` in it is named after an adapter: a misspelt file would document
    nothing."""
    if not Path(directory).is_dir():
        raise CaseFileError(f"{display_path(Path(directory), root)}: not a directory of expectation files")
    for path in sorted(Path(directory).glob("*.toml")):
        if path.stem not in adapters:
            raise CaseFileError(
                f"{display_path(path, root)}: no adapter named {path.stem!r}; expectation files are named "
                f"<adapter>.toml, adapters: {', '.join(sorted(adapters))}"
            )
