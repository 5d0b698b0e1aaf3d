"""``upgrade ENV --to SPEC``: the candidate's deps, the refusals before any install, the exit status
(tox mocked: it writes synthetic result files), and the Markdown page."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from reports import candidate_run, ci, cli, diff, merge
from reports.candidate import Spec, candidate_deps, parse_spec, plan_builds
from reports.markdown import render_markdown
from tests.report_synthetic import by_family, catalogue, synthetic_run

DEPS = ["pytest>=8.1,<10", "optax==0.2.8", "jax==0.10.2", "jaxlib==0.10.2", "numpy>=2"]
TORCH_DEPS = ["pytest>=8.1,<10", "torch==2.13.0", "numpy>=1.26"]
CASES = [c for c in catalogue() if c.family in ("cosine", "linear")]


def test_candidate_deps_replace_only_the_named_pins() -> None:
    specs = [parse_spec("jax==0.12.0.1"), parse_spec("Numpy>=2.3")]
    assert candidate_deps("optax", DEPS, specs) == [
        "pytest>=8.1,<10",
        "optax==0.2.8",
        "jax==0.12.0.1",
        "jaxlib==0.10.2",  # not named: kept, a conflict is pip's to report
        "Numpy>=2.3",  # as given: pip compares names normalized
    ]


def test_the_latest_axis_rewrites_through_the_same_function(monkeypatch) -> None:
    seen = []
    real = ci.rewrite_deps
    monkeypatch.setattr(ci, "env_deps", lambda env: DEPS)
    monkeypatch.setattr(ci, "rewrite_deps", lambda deps, rewrite: seen.append(deps) or real(deps, rewrite))
    assert ci.latest_override("optax") == "testenv:optax.deps=pytest>=8.1,<10\noptax\njax\njaxlib\nnumpy>=2"
    candidate_deps("optax", DEPS, [parse_spec("jax==0.12.0.1")])
    assert seen == [DEPS, DEPS]


def test_a_wheel_path_names_its_package(tmp_path) -> None:
    wheel = tmp_path / "jax-0.12.0.1-py3-none-any.whl"
    wheel.write_bytes(b"")
    assert parse_spec(str(wheel)) == Spec("jax", str(wheel), "jax-0.12.0.1", wheel=True)
    assert candidate_deps("optax", DEPS, [parse_spec(str(wheel))])[2] == str(wheel)
    with pytest.raises(ValueError, match=r"no such wheel file"):
        parse_spec(str(tmp_path / "jax-0.13-py3-none-any.whl"))


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["keras==3.16"], "env optax does not install keras: its deps name jax, jaxlib, numpy, optax, pytest"),
        (["jax==0.10.2"], "upgrade optax: the candidate equals the baseline (the same deps: jax==0.10.2)"),
        (["jax=>1"], "--to 'jax=>1': not a requirement pip takes"),
        (["jax==0.11", "JAX==0.12"], "env optax: jax is named twice (jax==0.11, JAX==0.12)"),
        ([], "upgrade optax: name the candidate with --to SPEC"),
    ],
)
def test_refusals(specs: list[str], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        plan_builds("optax", DEPS, specs)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("spec", ["torch", "torch>=2.13", "torch==2.14.0", "torch~=2.13.0"])
def test_torch_that_could_pull_cuda_is_refused(tmp_path, spec: str) -> None:
    (tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    with pytest.raises(ValueError, match=r"torch only as a wheel path or an exact pin of a CPU wheel .*here: 2\.13\.0"):
        parse_spec(spec, [str(tmp_path)])


def test_torch_as_a_local_cpu_wheel_pin_or_path_is_taken(tmp_path) -> None:
    wheel = tmp_path / "torch-2.14.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    wheel.write_bytes(b"")
    assert parse_spec("torch==2.14.0", [f"file://{tmp_path}"]).label == "torch-2.14.0"
    baseline, candidate = plan_builds("torch", TORCH_DEPS, ["torch==2.14.0"], find_links=[str(tmp_path)])
    assert (baseline.name, candidate.name) == ("torch", "torch@torch-2.14.0")
    assert candidate.deps[1] == "torch==2.14.0"
    with pytest.raises(ValueError, match=r"env torch installs torch: --python python3.12 would fetch torch from PyPI"):
        plan_builds("torch", TORCH_DEPS, ["numpy==2.3.0"], python="python3.12")
    old = tmp_path / "torch-2.13.0+cpu-cp312-cp312-manylinux_2_28_x86_64.whl"
    old.write_bytes(b"")
    with pytest.raises(ValueError, match=r"env torch installs torch: --python"):  # the baseline's torch too
        plan_builds("torch", TORCH_DEPS, [str(wheel)], python="python3.12")
    builds = plan_builds("torch", TORCH_DEPS, [str(wheel)], base=[str(old)], python="python3.12")
    assert [b.label for b in builds] == ["torch-2.13.0+cpu", "torch-2.14.0+cpu"]


def test_another_python_builds_the_baseline_too() -> None:
    baseline, candidate = plan_builds("optax", DEPS, ["jax==0.12.0.1", "jaxlib==0.12.0.1"], python="/opt/py/python3.12")
    assert (baseline.name, baseline.pinned) == ("optax@pinned-python3.12", False)
    assert candidate.name == "optax@jax-0.12.0.1+jaxlib-0.12.0.1"
    assert plan_builds("optax", DEPS, ["jax==0.12.0.1"])[0].pinned
    assert baseline.key({}) != baseline.key({"PIP_INDEX_URL": "https://example.org/simple"})


# --- the command, tox mocked ------------------------------------------------------------------------------------


class FakeTox:
    """Stands in for candidate_run._stream: records each tox command; a run writes a synthetic result file
    whose behaviour per family the test chose for that build's label."""

    def __init__(self, behaviours: Mapping[str, Mapping[str, str]], install_status: int = 0) -> None:
        self.behaviours, self.install_status, self.commands = behaviours, install_status, []

    def __call__(self, command: Sequence[str], env: Mapping[str, str], step: str, log: Path) -> tuple[int, list[str]]:
        self.commands.append(list(command))
        if "--notest" in command:
            return self.install_status, ["ERROR: ResolutionImpossible: jaxlib==0.10.2 conflicts with jax==0.12.0.1"]
        name = env["LRCONFORM_RUN_NAME"]
        behaviour = by_family(self.behaviours[name.partition("@")[2]])
        synthetic_run(Path(env["LRCONFORM_OUT"]) / "results.json", name, behaviour, adapter="optax", cases=CASES)
        return 1, []


@pytest.fixture
def fake_project(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(ci, "framework_envs", lambda: ["torch", "optax"])
    monkeypatch.setattr(ci, "env_deps", lambda env: {"optax": DEPS, "torch": TORCH_DEPS}[env])
    monkeypatch.setattr(candidate_run, "ROOT", tmp_path)
    return tmp_path


def _upgrade(fake: FakeTox, monkeypatch, *args: str) -> int:
    monkeypatch.setattr(candidate_run, "_stream", fake)
    return cli.main(["upgrade", "optax", "--to", "jax==0.12.0.1", "--from", "jax==0.10.1", *args])


def test_a_regression_exits_1_and_writes_the_pages(fake_project, monkeypatch, capsys) -> None:
    fake = FakeTox({"jax-0.10.1": {}, "jax-0.12.0.1": {"cosine": "late"}})
    assert _upgrade(fake, monkeypatch) == 1
    out = fake_project / "reports" / "out" / "candidates" / "optax@jax-0.12.0.1"
    cosine = sum(c.family == "cosine" for c in CASES)
    markdown = (out / "diff.md").read_text()
    assert markdown.startswith(f"### lrconform: `optax@jax-0.10.1` → `optax@jax-0.12.0.1`: {2 * cosine} regression(s)")
    assert (out / "diff.html").is_file()
    printed = capsys.readouterr().out
    assert f"{2 * cosine} regression(s)" in printed and "installing optax@jax-0.12.0.1 in" in printed
    assert [c[c.index("-x") + 1].splitlines()[2] for c in fake.commands] == [
        "jax==0.12.0.1",  # installs: the candidate first (the likely failure), then the baseline
        "jax==0.10.1",
        "jax==0.10.1",  # runs
        "jax==0.12.0.1",
    ]


def test_no_regression_exits_0(fake_project, monkeypatch, capsys) -> None:
    fake = FakeTox({"jax-0.10.1": {"cosine": "late"}, "jax-0.12.0.1": {}})  # the candidate fixes cosine
    assert _upgrade(fake, monkeypatch) == 0
    assert "no regressions" in capsys.readouterr().out


def test_a_failed_install_exits_2_with_pips_lines_before_any_run(fake_project, monkeypatch, capsys) -> None:
    fake = FakeTox({}, install_status=1)
    assert _upgrade(fake, monkeypatch) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: installing optax@jax-0.12.0.1 failed (tox exit 1;")
    assert "ResolutionImpossible: jaxlib==0.10.2 conflicts" in error and "--to jaxlib==VERSION" in error
    assert len(fake.commands) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["upgrade", "nope", "--to", "jax==1"], "error: upgrade nope: unknown env; the framework envs: torch, optax"),
        (["upgrade", "optax", "--to", "keras==3"], "error: env optax does not install keras: its deps name"),
        (["upgrade", "optax", "--to", "jax==0.10.2"], "error: upgrade optax: the candidate equals the baseline"),
        (["upgrade", "optax", "--to", "jax=="], "error: --to 'jax==': not a requirement pip takes"),
        (["upgrade", "torch", "--to", "torch"], "error: --to torch: torch only as a wheel path"),
        (["upgrade", "optax", "--to", "jax==1", "--out", "x"], "error: upgrade optax: --file, --results and --out are"),
        (
            ["upgrade", "--to", "jax==1"],
            "error: upgrade: --to, --from, --python, --index-url and --find-links need ENV",
        ),
    ],
)
def test_refused_with_exit_2_before_tox_runs(fake_project, monkeypatch, capsys, args, message) -> None:
    fake = FakeTox({})
    monkeypatch.setattr(candidate_run, "_stream", fake)
    assert cli.main(args) == 2
    assert capsys.readouterr().err.startswith(message)
    assert fake.commands == []


def test_the_env_s_own_run_is_the_baseline_when_it_matches_the_pins(fake_project, monkeypatch, capsys) -> None:
    synthetic_run(
        fake_project / "reports" / "out" / "optax" / "results.json",
        "optax",
        by_family({}),
        adapter="optax",
        cases=CASES,
    )
    envelope = json.loads((fake_project / "reports" / "out" / "optax" / "results.json").read_text())
    fake = FakeTox({"jax-0.12.0.1": {}})
    monkeypatch.setattr(candidate_run, "_stream", fake)
    numpy = envelope["environment"]["packages"]["numpy"]
    monkeypatch.setattr(ci, "env_deps", lambda env: [f"numpy=={numpy}", "jax>=0.10"])
    assert cli.main(["upgrade", "optax", "--to", "jax==0.12.0.1"]) == 0
    assert "baseline optax: reusing" in capsys.readouterr().out
    assert len(fake.commands) == 2  # the candidate's install and run only


# --- Markdown ---------------------------------------------------------------------------------------------------


def test_markdown_of_a_small_diff(tmp_path) -> None:
    cases = [c for c in CASES if c.family == "cosine"][:1]
    synthetic_run(tmp_path / "a" / "results.json", "fw-1", by_family({}), adapter="fw", cases=cases)
    synthetic_run(tmp_path / "b" / "results.json", "fw-2", by_family({"cosine": "late"}), adapter="fw", cases=cases)
    found = diff.compare_sets(merge.load([tmp_path / "a"]), merge.load([tmp_path / "b"]))
    page = render_markdown(found, old="fw-1", new="fw-2", facts=["jax 0.10.2 → 0.12.0.1", "a | b"])
    lines = page.splitlines()
    assert lines[:4] == ["### lrconform: `fw-1` → `fw-2`: 2 regression(s)", "", "- jax 0.10.2 → 0.12.0.1", "- a \\| b"]
    assert lines[5:8] == [
        "| regressed | vanished | improved | behaviour | changed | new | unchanged |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        "| 2 | 0 | 0 | 0 | 0 | 0 | 0 |",
    ]
    assert lines[-2].startswith(
        f"| regressed | fw-2 | `{cases[0].id}-fw` | outcome agree -> diverge; first divergent step none -> 1;"
    )
    assert len(lines) == 15


def test_a_quiet_step_says_it_is_still_working(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(candidate_run, "HEARTBEAT", 0.3)
    command = [sys.executable, "-c", "import time; print('resolving', flush=True); time.sleep(1.2); print('done')"]
    status, tail = candidate_run._stream(command, dict(os.environ), "installing", tmp_path / "install.log")
    assert (status, tail) == (0, ["resolving", "done"])
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "  | resolving" and printed[-1] == "  | done"
    assert 2 <= sum(line.startswith("  ... installing: still working (") for line in printed) <= 4
    assert (tmp_path / "install.log").read_text() == "resolving\ndone\n"
