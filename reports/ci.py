"""What the nightly workflow asks tox, so that tox.ini stays the one source of truth for the matrix.

- :func:`framework_envs`: the envs of the ``matrix`` label that run frameworks, i.e. every env
  of the label that does not depend on others (the ``report`` env depends on all of them);
- :func:`latest_exclusions`: the matrix entries the ``latest`` axis skips: the envs of the
  ``frozen`` label, which pin an old release on purpose (upgrade baselines such as
  ``optax-0.2.6``), so loosening their pins would only repeat the newest build;
- :func:`latest_override`: a ``tox -x`` override of an env's deps with every exact pin
  (``name==version``) loosened to ``name``, so that pip installs the newest build (with
  ``PIP_PRE=1``, pre-releases too) of everything the env pins;
- :func:`rewrite_deps`, :func:`deps_override`: the one way an env's deps are rewritten, shared by
  the latest axis and ``upgrade ENV --to SPEC`` (``reports.candidate``).

Standard library only: the workflow runs this before anything but tox is installed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = [
    "FROZEN",
    "LABEL",
    "ROOT",
    "deps_override",
    "env_deps",
    "framework_envs",
    "latest_exclusions",
    "latest_override",
    "parse_config",
    "pinned_version",
    "requirement_name",
    "rewrite_deps",
    "unpinned",
]

#: The checkout whose tox.ini is asked (and where tox runs candidate builds): an editable install's source.
ROOT = Path(__file__).resolve().parent.parent
LABEL = "matrix"
FROZEN = "frozen"
_NAME = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)")
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)\s*==\s*(?P<version>[^\s;,]+)\s*(?P<marker>;.*)?$"
)


def _tox_config(*args: str) -> str:
    if not (ROOT / "tox.ini").is_file():
        raise RuntimeError(
            f"no tox.ini in {ROOT}: run from a checkout of lrconform (or install it with pip install -e)"
        )
    command = [sys.executable, "-m", "tox", "config", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"tox config {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def parse_config(output: str) -> dict[str, dict[str, list[str]]]:
    """``tox config`` output as {env: {key: [value lines]}} (a one-line value is a one-item list)."""
    envs: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    key = ""
    for line in output.splitlines():
        if line.startswith("[testenv:") and line.endswith("]"):
            current = envs.setdefault(line[len("[testenv:") : -1], {})
        elif line.startswith("  ") and key:
            current[key].append(line.strip())
        elif " =" in line:
            key, _, value = line.partition(" =")
            current[key] = [value.strip()] if value.strip() else []
    return envs


def framework_envs(label: str = LABEL) -> list[str]:
    """The label's envs that depend on no other env, in the label's order."""
    config = parse_config(_tox_config("-m", label, "-k", "depends"))
    return [env for env, keys in config.items() if not keys.get("depends")]


def latest_exclusions(label: str = FROZEN) -> list[dict[str, str]]:
    """``{"env": ..., "build": "latest"}`` for every env of the ``frozen`` label (a matrix ``exclude``)."""
    return [{"env": env, "build": "latest"} for env in parse_config(_tox_config("-m", label, "-k", "envname"))]


def unpinned(requirement: str) -> str:
    """``torch==2.13.0`` -> ``torch``; any other requirement unchanged."""
    match = _PIN.match(requirement.strip())
    return requirement if match is None else match["name"] + (match["marker"] or "")


def pinned_version(requirement: str) -> str | None:
    """The version an exact pin names (``jax==0.10.2`` -> ``0.10.2``); ``None`` for any other requirement."""
    match = _PIN.match(requirement.strip())
    return None if match is None else match["version"]


def requirement_name(requirement: str) -> str:
    """The distribution a requirement names, normalized as pip compares names: ``Jax_Lib[x]>=1`` -> ``jax-lib``."""
    match = _NAME.match(requirement)
    if match is None:
        raise ValueError(f"{requirement!r}: not a requirement (it names no package)")
    return re.sub(r"[-_.]+", "-", match["name"]).lower()


def rewrite_deps(deps: Sequence[str], rewrite: Callable[[str, str], str]) -> list[str]:
    """Each requirement of ``deps`` as ``rewrite(name, requirement)`` returns it (the name as
    :func:`requirement_name` gives it): the one rewrite of an env's deps."""
    return [rewrite(requirement_name(d), d) for d in deps]


def env_deps(env: str) -> list[str]:
    """The env's deps as tox resolves them (``{[section]deps}`` expanded), one requirement a line."""
    return parse_config(_tox_config("-e", env, "-k", "deps"))[env]["deps"]


def deps_override(env: str, deps: Sequence[str]) -> str:
    """``testenv:<env>.deps=...``, for ``tox -e <env> -x <override>``."""
    return f"testenv:{env}.deps=" + "\n".join(deps)


def latest_override(env: str) -> str:
    """``testenv:<env>.deps=...`` with exact pins loosened, for ``tox -e <env> -x <override>``."""
    return deps_override(env, rewrite_deps(env_deps(env), lambda _name, requirement: unpinned(requirement)))
