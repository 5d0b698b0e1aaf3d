"""The nightly workflow: valid, and computing its framework matrix from tox.ini (one source of truth)."""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from reports import ci

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
NIGHTLY = ROOT / ".github" / "workflows" / "nightly.yml"


def _tox_ini() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini")
    return parser


def _label(name: str) -> list[str]:
    """A label's envs, read from tox.ini directly (not through tox, not through reports.ci)."""
    for line in _tox_ini()["tox"]["labels"].splitlines():
        label, _, envs = line.partition("=")
        if label.strip() == name:
            return [e for e in re.split(r"[\s,]+", envs) if e]
    raise AssertionError(f"tox.ini has no label {name!r}")


def _framework_envs() -> list[str]:
    ini = _tox_ini()
    return [env for env in _label("matrix") if not ini.get(f"testenv:{env}", "depends", fallback="").strip()]


@pytest.fixture(scope="module")
def nightly() -> dict:
    return YAML(typ="safe").load(NIGHTLY.read_text())


def test_workflows_validate_against_the_vendored_github_schema() -> None:
    """check-jsonschema ships SchemaStore's github-workflows schema: no network needed."""
    assert WORKFLOWS == [NIGHTLY]
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_plan_step_yields_the_matrix_labels_framework_envs(nightly: dict, tmp_path: Path) -> None:
    """Run the workflow's own plan step, verbatim, against this tox.ini."""
    (step,) = [s for s in nightly["jobs"]["plan"]["steps"] if s.get("id") == "matrix"]
    output = tmp_path / "github_output"
    environment = {
        **os.environ,
        "GITHUB_OUTPUT": str(output),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=ROOT, env=environment, check=True, capture_output=True)
    envs_line, exclude_line = output.read_text().splitlines()
    assert envs_line.startswith("envs=") and exclude_line.startswith("exclude=")
    envs = json.loads(envs_line.removeprefix("envs="))
    assert envs == _framework_envs()
    assert "torch" in envs and "report" not in envs and "tests" not in envs
    exclude = json.loads(exclude_line.removeprefix("exclude="))
    assert exclude == [{"env": env, "build": "latest"} for env in _label("frozen")]
    assert {e["env"] for e in exclude} <= set(envs)


def test_the_conformance_job_runs_every_planned_env_on_two_axes(nightly: dict) -> None:
    job = nightly["jobs"]["conformance"]
    assert job["needs"] == "plan"
    strategy = job["strategy"]
    assert strategy["fail-fast"] is False
    assert strategy["matrix"]["env"] == "${{ fromJSON(needs.plan.outputs.envs) }}"
    assert strategy["matrix"]["build"] == ["pinned", "latest"]
    assert strategy["matrix"]["exclude"] == "${{ fromJSON(needs.plan.outputs.exclude) }}"  # frozen envs: pinned only
    assert job["continue-on-error"] == "${{ matrix.build == 'latest' }}"  # the latest axis reports, never blocks
    runs = [s.get("run", "") for s in job["steps"]]
    assert 'tox -e "${{ matrix.env }}"' in runs
    assert any("python -m reports ci latest-deps" in r for r in runs)
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/out/${{ matrix.env }}/"


def test_it_runs_nightly_and_on_demand(nightly: dict) -> None:
    assert nightly["on"]["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]
    assert "workflow_dispatch" in nightly["on"]


def test_the_report_job_merges_and_gates_on_the_baseline(nightly: dict) -> None:
    job = nightly["jobs"]["report"]
    assert job["needs"] == "conformance" and job["if"] == "${{ !cancelled() }}"  # also after a failed framework env
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "tox -e report" in runs
    assert "python -m reports diff baseline/results.json reports/out/merged/results.json" in runs
    downloads = [
        s["with"]["pattern"] for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact@")
    ]
    assert downloads == ["pinned-*"]
    (publish,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert publish["with"]["name"] == "lrconform-report" and publish["if"] == "always()"
    assert "--name lrconform-report" in runs  # the baseline is a previous run's published report


def test_the_report_job_publishes_the_step_summary_badges_and_trend(nightly: dict) -> None:
    """The baseline is fetched before the merge, which carries its trend.json on; merge writes summary.md, the
    badges and trend.json into the published folder and appends the summary to the step summary (tox passes
    $GITHUB_STEP_SUMMARY on); the diff's Markdown follows it, with pipefail so that a regression still fails."""
    steps = nightly["jobs"]["report"]["steps"]
    names = [s.get("id") or s.get("run") or s.get("uses") for s in steps]
    assert names.index("baseline") < names.index("tox -e report")
    merge_step = steps[names.index("tox -e report")]
    assert merge_step["env"]["LRCONFORM_HISTORY"] == "${{ github.workspace }}/baseline/trend.json"
    assert merge_step["env"]["LRCONFORM_REPORT_URL"].endswith("/actions/runs/${{ github.run_id }}#artifacts")
    (diff_step,) = [s for s in steps if "python -m reports diff" in s.get("run", "")]
    assert diff_step["shell"] == "bash"  # GitHub runs `bash -eo pipefail` then: the diff's exit status counts
    assert "--format markdown" in diff_step["run"] and diff_step["run"].endswith('>> "$GITHUB_STEP_SUMMARY"')
    (publish,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert publish["with"]["path"] == "reports/out/merged/"  # report, summary.md, badge-*.json, trend.json
    assert "GITHUB_STEP_SUMMARY" in _tox_ini()["testenv"]["pass_env"].split()
    report = _tox_ini()["testenv:report"]["commands"]
    assert "python -m reports merge {toxinidir}/reports/out --out {toxinidir}/reports/out/merged" in report


def test_the_latest_report_never_blocks(nightly: dict) -> None:
    job = nightly["jobs"]["latest"]
    assert job["continue-on-error"] is True
    assert "python -m reports diff pinned latest/merged/results.json" in " ".join(
        s.get("run", "") for s in job["steps"]
    )


def test_the_report_env_runs_last_after_every_other_env() -> None:
    ini = _tox_ini()
    assert _label("matrix")[-1] == "report"
    assert ini["testenv:report"]["depends"].split() == ["*"]  # whatever runs with it, passed or failed
    commands = ini["testenv:report"]["commands"]
    assert "python -m reports merge" in commands and "python -m reports upgrade" in commands


def test_framework_envs_asks_tox() -> None:
    assert ci.framework_envs() == _framework_envs()


def test_latest_override_loosens_exact_pins_only() -> None:
    override = ci.latest_override("torch")
    assert override.startswith("testenv:torch.deps=")
    deps = override.removeprefix("testenv:torch.deps=").splitlines()
    assert "torch" in deps and "numpy>=1.26" in deps and not any("==" in d for d in deps)


@pytest.mark.parametrize(
    ("requirement", "loose"),
    [
        ("torch==2.13.0", "torch"),
        ("tensorflow-cpu == 2.15.1", "tensorflow-cpu"),
        ("jax[cpu]==0.4.30; python_version < '3.13'", "jax[cpu]; python_version < '3.13'"),
        ("numpy>=1.26,<2", "numpy>=1.26,<2"),
        ("keras~=3.9", "keras~=3.9"),
    ],
)
def test_unpinned(requirement: str, loose: str) -> None:
    assert ci.unpinned(requirement) == loose


def test_parse_config_reads_multi_line_values() -> None:
    text = "[testenv:a]\ndepends =\ndeps =\n  x==1\n  y\n[testenv:b]\ndepends = *\n"
    assert ci.parse_config(text) == {"a": {"depends": [], "deps": ["x==1", "y"]}, "b": {"depends": ["*"]}}


def test_torch_comes_from_the_cpu_index_on_github(nightly: dict) -> None:
    assert nightly["env"]["PIP_EXTRA_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    assert "PIP_*" in _tox_ini()["testenv"]["pass_env"]  # tox hands it to pip


def test_ci_installs_the_browser_the_report_test_needs() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"apt-get install .*chromium", script)
