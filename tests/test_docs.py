"""The README stays true: its commands, options, files and environments exist."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from cases.catalogue import default_vocabulary
from cases.plugin import OPTIONS
from model.platform import KERNEL_VARIANTS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def readme_commands() -> list[str]:
    block = README.split("## Run it", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_ci_runs_the_readme_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert command in ci.splitlines(), f".ci/run does not run {command!r}"


def test_options_named_in_the_readme_exist() -> None:
    named = set(re.findall(r"--(?:lrconform-[a-z-]+|framework)\b", README))
    assert named <= set(OPTIONS), named - set(OPTIONS)


def test_paths_named_in_the_readme_exist() -> None:
    for path in re.findall(r"`((?:cases|reports|adapters|reference|model|tests|\.ci)/[\w./]*)`", README):
        if "<" in path or "*" in path or path.startswith("reports/out"):
            continue
        assert (ROOT / path).exists(), path


def test_tox_envs_in_the_frameworks_table_exist() -> None:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    envs = {s.split(":", 1)[1] for s in config.sections() if s.startswith("testenv:")}
    table = README.split("## Frameworks", 1)[1].split("\n\n", 2)[1]
    listed = {row.split("|")[2].strip().strip("`") for row in table.splitlines()[2:]}
    assert listed and listed <= envs, listed - envs
    matrix = config["tox"]["labels"].split("=", 1)[1]
    assert listed <= {e.strip() for e in matrix.split(",")}


def test_the_hints_table_lists_every_declared_hint_with_its_kind() -> None:
    rows = {(hint, kind.strip()) for hint, kind in re.findall(r"^\| `(hints\.[\w.-]+)` \| ([^|]+) \|", README, re.M)}
    declared = default_vocabulary().hints
    assert rows == {
        (f"hints.{section}.{key}", spec.kind) for section, keys in declared.items() for key, spec in keys.items()
    }


def test_the_kernel_variants_table_lists_every_variant_with_its_environment() -> None:
    rows = set(re.findall(r"^\| `([\w-]+)` \| (\w+) \([^|]*\) \| `([^`]+)` \|", README, re.M))
    assert rows == {
        (name, framework.replace("jax", "JAX"), " ".join(f"{k}={v}" for k, v in variant.env.items()))
        for framework, variants in KERNEL_VARIANTS.items()
        for name, variant in variants.items()
    }
