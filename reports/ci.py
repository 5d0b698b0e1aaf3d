"""What the nightly workflow asks tox, so that tox.ini stays the one source of truth for the matrix.

- :func:`framework_envs`: the envs of the ``matrix`` label that run frameworks, i.e. every env
  of the label that does not depend on others (the ``report`` env depends on all of them);
- :func:`latest_exclusions`: the matrix entries the ``latest`` axis skips: the envs of the
  ``frozen`` label, which pin an old release on purpose (upgrade baselines such as
  ``optax-0.2.6``), so loosening their pins would only repeat the newest build;
- :func:`latest_override`: a ``tox -x`` override of an env's deps with every exact pin
  (``name==version``) loosened to ``name``, so that pip installs the newest build (with
  ``PIP_PRE=1``, pre-releases too) of everything the env pins.

Standard library only: the workflow runs this before anything but tox is installed.
"""

from __future__ import annotations

import re
import subprocess
import sys

__all__ = ["FROZEN", "LABEL", "framework_envs", "latest_exclusions", "latest_override", "parse_config", "unpinned"]

LABEL = "matrix"
FROZEN = "frozen"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)\s*==\s*[^\s;,]+\s*(?P<marker>;.*)?$")


def _tox_config(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "tox", "config", *args], capture_output=True, text=True, check=False)
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


def latest_override(env: str) -> str:
    """``testenv:<env>.deps=...`` with exact pins loosened, for ``tox -e <env> -x <override>``."""
    deps = parse_config(_tox_config("-e", env, "-k", "deps"))[env]["deps"]
    return f"testenv:{env}.deps=" + "\n".join(unpinned(d) for d in deps)
