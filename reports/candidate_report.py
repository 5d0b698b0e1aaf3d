"""What a candidate diff says about its two sides: whether the env's usual run can be the baseline,
and the facts its summary names (the framework versions on both sides, Python, the CPU)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .ci import pinned_version, requirement_name
from .merge import Run, read_runs
from .platform import cpu_text

__all__ = ["facts", "pinned_results"]


def _environment(run: Run) -> Mapping[str, Any]:
    return run.info.get("environment") or {}


def pinned_results(path: Path, deps: Sequence[str]) -> str:
    """Why the env's result file at ``path`` cannot be the baseline ("" when it can): missing, incomplete,
    or a recorded framework version other than the one the env pins."""
    if not path.is_file():
        return f"no result file {path}"
    runs = read_runs(path)
    if len(runs) != 1 or not runs[0].complete or not runs[0].records:
        return f"{path} is not one complete run"
    packages = _environment(runs[0]).get("packages") or {}
    for requirement in deps:
        pin, name = pinned_version(requirement), requirement_name(requirement)
        if pin and name in packages and packages[name] != pin:
            return f"{path} ran {name} {packages[name]}, the env pins {pin}"
    return ""


def facts(old: Run, new: Run) -> list[str]:
    """The summary's lines: the versions that changed, those that did not, Python, the CPU (both when they differ)."""
    before, after = _environment(old), _environment(new)
    packages = dict.fromkeys([*(before.get("packages") or {}), *(after.get("packages") or {})])
    versions = {
        name: ((before.get("packages") or {}).get(name), (after.get("packages") or {}).get(name)) for name in packages
    }
    versions["python"] = (before.get("python"), after.get("python"))
    changed = [f"{name} {a or '(none)'} → {b or '(none)'}" for name, (a, b) in versions.items() if a != b]
    same = [f"{name} {a}" for name, (a, b) in versions.items() if a == b and a]
    lines = [f"{old.name} → {new.name}: {', '.join(changed) or 'no framework version changed'}"]
    lines.append(f"unchanged: {', '.join(same) or 'nothing'}")
    cpus = [cpu_text(before), cpu_text(after)]
    lines.append(f"CPU: {cpus[0]}" if cpus[0] == cpus[1] else f"CPU: {cpus[0]} → {cpus[1]}")
    return lines
