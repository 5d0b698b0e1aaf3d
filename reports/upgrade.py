"""Declared framework upgrades whose schedule behaviour changed, checked by diffing two runs.

``reports/upgrades.toml`` names pairs of runs (tox envs) of the same adapter under two framework
versions, and the test ids the diff must find changed between them::

    [[upgrade]]
    old = "optax-0.2.6"                      # run names (tox env names)
    new = "optax"
    about = "what changed between the releases"
    link = "https://github.com/google-deepmind/optax/issues/1403"
    expect = ["warmup_cosine[...]-optax*"]   # test ids ('*' matches any run of characters)
    adapter = "optax"                        # optional: compare only this adapter's records

``adapter`` matters when a run holds several adapters (env ``tfa`` runs ``tfa``,
``keras-legacy`` and ``keras``): the others would otherwise show as vanished.

A pair whose runs are not both in the results (an env that was not run) is reported and
skipped; an expected change the diff does not find fails the check.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from model.records import glob_regex

from .diff import Diff, compare_sets
from .merge import ResultSet, Run

__all__ = ["UPGRADES_FILE", "Upgrade", "UpgradeCheck", "check", "load_upgrades"]

UPGRADES_FILE = Path(__file__).parent / "upgrades.toml"
_KEYS = {"old", "new", "about", "link", "expect", "adapter"}


@dataclass(frozen=True)
class Upgrade:
    """Two runs of one adapter under two framework versions, and the test ids that must differ."""

    old: str
    new: str
    about: str
    link: str
    expect: tuple[str, ...]
    adapter: str | None = None

    @property
    def name(self) -> str:
        return f"{self.old}..{self.new}"


@dataclass(frozen=True)
class UpgradeCheck:
    """The diff of one declared upgrade (``None`` when a run is missing) and what it failed to find."""

    upgrade: Upgrade
    diff: Diff | None
    missing_runs: tuple[str, ...]
    not_found: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.not_found


def _entry(raw: object, where: str) -> Upgrade:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a table, got {raw!r}")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ValueError(f"{where}: field '{unknown[0]}': unknown field; allowed: {sorted(_KEYS)}")
    for key in ("old", "new", "about", "link"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ValueError(f"{where}: field '{key}': required, a non-empty string")
    if not raw["link"].startswith("https://"):
        raise ValueError(f"{where}: field 'link': must be an https:// link, got {raw['link']!r}")
    expect = raw.get("expect")
    if not isinstance(expect, list) or not expect or not all(isinstance(e, str) and e for e in expect):
        raise ValueError(f"{where}: field 'expect': required, a non-empty list of test ids")
    adapter = raw.get("adapter")
    if adapter is not None and (not isinstance(adapter, str) or not adapter.strip()):
        raise ValueError(f"{where}: field 'adapter': must be an adapter name, got {adapter!r}")
    return Upgrade(raw["old"], raw["new"], raw["about"], raw["link"], tuple(expect), adapter)


def load_upgrades(path: Path) -> list[Upgrade]:
    """The declared upgrades; a malformed file raises ``ValueError`` naming the entry and field."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    unknown = sorted(set(data) - {"upgrade"})
    if unknown:
        raise ValueError(f"{path}: unknown top-level key {unknown[0]!r}; expected [[upgrade]] tables")
    return [_entry(raw, f"{path}: upgrade #{i + 1}") for i, raw in enumerate(data.get("upgrade", []))]


def _only(run: Run, adapter: str | None) -> Run:
    """The run restricted to one adapter's records (all of them when ``adapter`` is None)."""
    if adapter is None:
        return run
    return replace(run, records=tuple(r for r in run.records if r["adapter"] == adapter))


def check(upgrade: Upgrade, results: ResultSet, threshold: float) -> UpgradeCheck:
    """Diff the upgrade's two runs and look for every expected change."""
    runs = {run.name: run for run in results.runs}
    missing = tuple(name for name in (upgrade.old, upgrade.new) if name not in runs)
    if missing:
        return UpgradeCheck(upgrade, None, missing, ())
    diff = compare_sets(
        ResultSet((_only(runs[upgrade.old], upgrade.adapter),)),
        ResultSet((_only(runs[upgrade.new], upgrade.adapter),)),
        threshold=threshold,
        pairs={upgrade.old: upgrade.new},
    )
    changed = [c.id for c in diff.changes]
    return UpgradeCheck(
        upgrade, diff, (), tuple(p for p in upgrade.expect if not any(glob_regex(p).fullmatch(i) for i in changed))
    )
