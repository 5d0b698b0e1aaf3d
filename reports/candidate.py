"""A candidate build of one tox env, planned before anything is installed: ``upgrade ENV --to SPEC``.

A SPEC is what pip accepts for one package: a requirement (``jax==0.12.0.1``, ``keras>=3.16``) or
the path of a wheel (its package name and version from the file name). A build is the env's deps
(as tox resolves them) with the requirement of every named package replaced by its SPEC, through
:func:`reports.ci.rewrite_deps`, the rewrite the nightly's latest axis uses too. Only what the user
names is replaced: a pin the env keeps (jaxlib next to jax) stays, and a conflict is pip's to report.

Everything that can be refused is refused here, before tox runs: an unknown env, a malformed SPEC,
a SPEC for a package the env does not install, a candidate equal to its baseline, and a torch that
could resolve to PyPI's CUDA build (GBs): torch only as a wheel path, or as an exact pin of a CPU
wheel in pip's find-links, and never on another Python than the envs' (the local wheel is cp311).

Standard library only, like :mod:`reports.ci`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import ci

__all__ = ["Build", "Spec", "candidate_deps", "parse_spec", "plan_builds", "torch_cpu_wheels"]

PINNED = "pinned"
TORCH = "torch"
_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,\s-]*\])?"
    r"(\s*(===|==|!=|~=|>=|<=|>|<)\s*[A-Za-z0-9.*+!_-]+(\s*,\s*(===|==|!=|~=|>=|<=|>|<)\s*[A-Za-z0-9.*+!_-]+)*)?$"
)


@dataclass(frozen=True)
class Spec:
    """One package of a candidate: its normalized name, what pip installs, and a label for paths."""

    name: str
    requirement: str
    label: str
    wheel: bool = False


def _wheel_spec(text: str) -> Spec:
    path = Path(text).expanduser()
    parts = path.name.split("-")
    if len(parts) < 5:
        raise ValueError(f"--to {text}: not a wheel file name (NAME-VERSION-PYTHON-ABI-PLATFORM.whl)")
    if not path.is_file():
        raise ValueError(f"--to {text}: no such wheel file")
    name, version = ci.requirement_name(parts[0]), parts[1]
    return Spec(name, str(path.resolve()), f"{name}-{version}", wheel=True)


def torch_cpu_wheels(find_links: Sequence[str]) -> set[str]:
    """The torch versions (``2.13.0``, local label dropped) of CPU wheels in pip's find-links folders."""
    versions = set()
    for folder in find_links:
        for wheel in Path(folder.removeprefix("file://")).glob("torch-*+cpu-*.whl") if folder else ():
            versions.add(wheel.name.split("-")[1].split("+")[0])
    return versions


def parse_spec(text: str, find_links: Sequence[str] = ()) -> Spec:
    """A SPEC as pip takes it; ``ValueError`` (one line) for a malformed one or a torch that could pull CUDA."""
    text = text.strip()
    if text.endswith(".whl"):
        return _wheel_spec(text)
    if not _REQUIREMENT.match(text):
        raise ValueError(f"--to {text!r}: not a requirement pip takes (NAME, NAME==VERSION, NAME>=VERSION, ...)")
    name = ci.requirement_name(text)
    exact = ci.pinned_version(text)
    if name == TORCH:
        local = torch_cpu_wheels(find_links)
        if exact is None or exact.split("+")[0] not in local:
            raise ValueError(
                f"--to {text}: torch only as a wheel path or an exact pin of a CPU wheel in pip's find-links "
                f"(here: {', '.join(sorted(local)) or 'none'}); anything else can resolve to PyPI's CUDA build (GBs)"
            )
    label = f"{name}-{exact}" if exact else re.sub(r"[^A-Za-z0-9.+-]+", "_", text)
    return Spec(name, text, label)


def candidate_deps(env: str, deps: Sequence[str], specs: Sequence[Spec]) -> list[str]:
    """The env's deps with the requirement of each named package replaced by its SPEC."""
    wanted: dict[str, Spec] = {}
    for spec in specs:
        if spec.name in wanted:
            raise ValueError(
                f"env {env}: {spec.name} is named twice ({wanted[spec.name].requirement}, {spec.requirement})"
            )
        wanted[spec.name] = spec
    installed = {ci.requirement_name(d) for d in deps}
    unknown = [name for name in wanted if name not in installed]
    if unknown:
        raise ValueError(
            f"env {env} does not install {', '.join(unknown)}: its deps name {', '.join(sorted(installed))}"
        )
    return ci.rewrite_deps(deps, lambda name, requirement: wanted[name].requirement if name in wanted else requirement)


@dataclass(frozen=True)
class Build:
    """One side of a candidate diff: an env's deps (rewritten or not) on a Python, under a label."""

    env: str
    label: str
    deps: tuple[str, ...]
    python: str | None = None  # tox's base_python (python3.12 or a path); None: the env's own

    @property
    def name(self) -> str:
        """The run name and the output folder's name: ``optax@jax-0.12.0.1+jaxlib-0.12.0.1``; the env's
        own name for its pinned build."""
        return self.env if self.pinned else f"{self.env}@{self.label}"

    @property
    def pinned(self) -> bool:
        """The env exactly as tox.ini pins it, on its own Python: its usual run can serve as this side."""
        return self.label == PINNED and self.python is None

    def key(self, pip: Mapping[str, str]) -> str:
        """A short hash of everything that decides what gets installed: the cache folder's name."""
        what = [self.env, list(self.deps), self.python, {k: v for k, v in sorted(pip.items())}]
        return hashlib.sha256(json.dumps(what).encode()).hexdigest()[:12]


def _label(specs: Sequence[Spec], python: str | None) -> str:
    return "+".join(spec.label for spec in specs) or PINNED + (f"-{Path(python).name}" if python else "")


def _guard_torch(env: str, deps: Sequence[str], specs: Sequence[Spec], python: str | None) -> None:
    torch_wheel = any(spec.name == TORCH and spec.wheel for spec in specs)
    if python and not torch_wheel and TORCH in {ci.requirement_name(d) for d in deps}:
        raise ValueError(
            f"env {env} installs torch: --python {python} would fetch torch from PyPI (its CUDA build, GBs) "
            "instead of the local cp311 CPU wheel; give a CPU torch wheel for that Python (--to PATH.whl)"
        )


def plan_builds(
    env: str,
    deps: Sequence[str],
    to: Sequence[str],
    base: Sequence[str] = (),
    python: str | None = None,
    find_links: Sequence[str] = (),
) -> tuple[Build, Build]:
    """(baseline, candidate) for ``upgrade ENV --to ... [--from ...] [--python ...]``, or ``ValueError``."""
    if not to:
        raise ValueError(f"upgrade {env}: name the candidate with --to SPEC")
    to_specs = [parse_spec(s, find_links) for s in to]
    from_specs = [parse_spec(s, find_links) for s in base]
    builds = []
    for specs in (from_specs, to_specs):
        rewritten = candidate_deps(env, deps, specs)
        _guard_torch(env, rewritten, specs, python)
        builds.append(Build(env, _label(specs, python), tuple(rewritten), python))
    baseline, candidate = builds
    if baseline.deps == candidate.deps:
        raise ValueError(
            f"upgrade {env}: the candidate equals the baseline (the same deps: "
            f"{', '.join(spec.requirement for spec in to_specs)}); name another version with --to"
        )
    return baseline, candidate
