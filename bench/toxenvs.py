"""The framework envs as tox runs them, read from ``tox.ini``: interpreter, environment, conformance command.

Only what the conformance envs use of tox's substitutions is understood (``{[section]key}``,
``{env:NAME:default}``, ``{envname}``, ``{toxinidir}``, ``{posargs}``); anything else is an error
naming the env and the text, so a change to ``tox.ini`` cannot make the benchmark time another command.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FLOOR_MODULES", "FRAMEWORK_ENVS", "ToxEnv", "read_env"]

#: What each framework env's adapters import (their ``module``s, see LRCONFORM_ADAPTERS in tox.ini):
#: the env's import floor imports these, pytest and numpy. Keras imports its backend (KERAS_BACKEND).
FLOOR_MODULES: dict[str, tuple[str, ...]] = {
    "torch": ("torch",),
    "keras": ("keras",),
    "keras-jax": ("keras",),
    "keras-torch": ("keras",),
    "tfa": ("tensorflow", "tensorflow_addons", "keras"),
    "mindspore": ("mindspore",),
    "optax": ("jax", "optax"),
    "optax-0.2.6": ("jax", "optax"),
    "mlx": ("mlx.optimizers",),
    "paddle": ("paddle",),
}
FRAMEWORK_ENVS = tuple(FLOOR_MODULES)

#: Set for the floor and the vector measurements of envs that import JAX (the run keeps tox's own set_env).
JAX_CPU = {"JAX_PLATFORMS": "cpu"}
_JAX_ENVS = ("keras-jax", "optax", "optax-0.2.6")

_SUBSTITUTION = re.compile(r"\{([^{}]*)\}")
_POSARGS = "\x00posargs\x00"


@dataclass(frozen=True)
class ToxEnv:
    """One framework env: where tox installed it and what tox sets and runs in it."""

    name: str
    folder: Path
    set_env: dict[str, str]
    command: tuple[str, ...]  # the conformance command, {posargs} as the token "{posargs}"

    @property
    def python(self) -> Path:
        return self.folder / "bin" / "python"

    @property
    def installed(self) -> bool:
        return self.python.exists()

    def environ(self, base: Mapping[str, str], *, measuring: bool = False) -> dict[str, str]:
        """``base`` with the env activated and its set_env applied (and JAX on the CPU when ``measuring``)."""
        path = f"{self.folder / 'bin'}{os.pathsep}{base.get('PATH', '')}"
        extra = JAX_CPU if measuring and self.name in _JAX_ENVS else {}
        return {**base, "VIRTUAL_ENV": str(self.folder), "PATH": path, **self.set_env, **extra}

    def conformance(self, out: Path, root: Path, posargs: Sequence[str] = ()) -> list[str]:
        """The conformance command, its executable from the env, its outputs under ``out`` instead of reports/out."""
        reports_out = str(root / "reports" / "out")
        command: list[str] = []
        for token in self.command:
            if token == "{posargs}":
                command.extend(posargs)
            elif token.startswith(reports_out):
                command.append(str(out) + token[len(reports_out) :])
            else:
                command.append(token)
        executable = self.folder / "bin" / command[0]
        return [str(executable) if executable.exists() else command[0], *command[1:]]


def _expand(
    config: configparser.ConfigParser, env: str, text: str, root: Path, set_env: Mapping[str, str], folder: Path
) -> str:
    def one(match: re.Match[str]) -> str:
        inside = match.group(1)
        if inside == "envname":
            return env
        if inside == "toxinidir":
            return str(root)
        if inside == "envdir":
            return str(folder)
        if inside == "posargs":
            return _POSARGS
        if section := re.fullmatch(r"\[([^\]]+)\]([\w-]+)", inside):
            try:
                return config.get(section.group(1), section.group(2))
            except (configparser.NoSectionError, configparser.NoOptionError):
                raise ValueError(f"tox.ini, env {env}: {{{inside}}} names no setting") from None
        if inside.startswith("env:"):
            name, _, default = inside[4:].partition(":")
            return set_env.get(name, os.environ.get(name, default))
        raise ValueError(f"tox.ini, env {env}: substitution {{{inside}}} is not one the benchmark understands")

    while _SUBSTITUTION.search(text):
        text = _SUBSTITUTION.sub(one, text)
    return text


def _setting(config: configparser.ConfigParser, env: str, key: str) -> str:
    section = f"testenv:{env}"
    if not config.has_section(section):
        raise ValueError(f"tox.ini has no env {env}")
    return config.get(section, key, fallback=config.get("testenv", key, fallback=""))


def read_env(tox_ini: Path, tox_dir: Path, env: str) -> ToxEnv:
    """Env ``env`` of ``tox_ini`` (the checkout is its folder), installed under ``tox_dir``."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(tox_ini)
    root, folder = tox_ini.parent, tox_dir / env
    set_env: dict[str, str] = {}
    for line in _expand(config, env, _setting(config, env, "set_env"), root, {}, folder).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, equals, value = line.partition("=")
            if not equals:
                raise ValueError(f"tox.ini, env {env}: set_env line {line.strip()!r} is not NAME = VALUE")
            set_env[name.strip()] = value.strip()
    commands = _expand(config, env, _setting(config, env, "commands"), root, set_env, folder).replace("\\\n", " ")
    lines = [line for line in commands.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ValueError(f"tox.ini, env {env}: expected one command, found {len(lines)}")
    tokens = tuple("{posargs}" if t == _POSARGS else t for t in shlex.split(lines[0]))
    return ToxEnv(env, folder, set_env, tokens)
