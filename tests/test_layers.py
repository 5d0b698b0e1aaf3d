"""The packages depend one way (reference <- model <- adapters, reports <- cases) and none has an import
cycle inside it: the import-linter contracts in pyproject.toml, checked on the real code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def lint(config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [str(LINT), str(config), "--no-cache"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_hold_and_no_package_has_an_import_cycle() -> None:
    done = lint(ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_the_contract_fails_when_a_layer_is_broken(tmp_path: Path) -> None:
    upside_down = tmp_path / "upside_down.toml"  # model above cases: cases imports model, so this breaks
    upside_down.write_text(
        '[tool.importlinter]\nroot_packages = ["model", "cases"]\n'
        '[[tool.importlinter.contracts]]\nname = "upside down"\ntype = "layers"\nlayers = ["model", "cases"]\n'
    )
    done = lint(upside_down)
    assert done.returncode == 1 and "upside down BROKEN" in done.stdout
