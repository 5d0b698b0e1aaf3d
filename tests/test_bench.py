"""The benchmark's parts that need no framework: tox.ini read as tox runs it, the stepper, the run and report
measurements on stand-ins, a missing env, the JSON document and the tables."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench.cli import main, matrix_totals
from bench.report import measure_merge
from bench.run import measure_run
from bench.stepper import measure
from bench.table import render
from bench.toxenvs import FRAMEWORK_ENVS, ToxEnv, read_env
from reports.ci import framework_envs
from tests.report_synthetic import catalogue, synthetic_run

ROOT = Path(__file__).resolve().parent.parent
TOX_INI = ROOT / "tox.ini"


def test_an_envs_conformance_command_is_toxs_with_its_outputs_moved(tmp_path: Path, monkeypatch) -> None:
    env = read_env(TOX_INI, tmp_path / ".tox", "tfa")
    assert env.set_env == {
        "PYTHONDONTWRITEBYTECODE": "1",
        "LRCONFORM_ADAPTERS": "tfa,keras-legacy,keras",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    assert env.conformance(tmp_path / "out", ROOT, ["-n", "2"]) == [
        "pytest", "cases", "--adapters", "tfa,keras-legacy,keras", "--lrconform-run-name", "tfa",
        "--lrconform-json", f"{tmp_path}/out/tfa/results.json", "--junitxml", f"{tmp_path}/out/tfa/junit.xml",
        "--html", f"{tmp_path}/out/tfa/report.html", "--self-contained-html", "-n", "2",
    ]  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    inherited = read_env(TOX_INI, tmp_path / ".tox", "optax-0.2.6").set_env
    assert inherited == {
        "PYTHONDONTWRITEBYTECODE": "1",
        "JAX_PLATFORMS": "cpu",
        "LRCONFORM_JAX_CACHE": f"{tmp_path}/cache/lrconform/jax/optax-0.2.6",  # {env:...} and {envname}
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
        "LRCONFORM_ADAPTERS": "optax",
    }
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    unset = read_env(TOX_INI, tmp_path / ".tox", "optax").set_env["LRCONFORM_JAX_CACHE"]
    assert unset == f"{tmp_path}/home/.cache/lrconform/jax/optax"  # the default of {env:XDG_CACHE_HOME:...}
    assert read_env(TOX_INI, tmp_path / ".tox", "keras-jax").environ({}, measuring=True)["JAX_PLATFORMS"] == "cpu"


def test_a_tox_substitution_the_benchmark_does_not_know_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[testenv:torch]\ncommands = pytest {envtmpdir}\n")
    with pytest.raises(ValueError, match=r"^tox.ini, env torch: substitution \{envtmpdir\} is not one"):
        read_env(tmp_path / "tox.ini", tmp_path, "torch")


def test_the_stepper_times_both_calls_and_checks_that_they_agree() -> None:
    program = "import numpy as np\nvector = lambda n: np.arange(n) * 0.5\nstep = lambda t: t * 0.5 + (t == 3)\n"
    figures = measure(program, steps=1000, loop_steps=10, repeats=2)
    assert figures["max_abs_diff"] == 1.0  # step 3 differs by 1
    assert figures["vector"]["steps"] == 1000 and figures["loop"]["steps"] == 10
    assert figures["vector"]["steps_per_s"] == 1000 / figures["vector"]["seconds"]
    assert figures["loop"]["steps_per_s"] == 10 / figures["loop"]["seconds"]
    assert set(measure("step = float", steps=5, loop_steps=5, repeats=1)) == {"loop"}


def test_the_run_writes_outside_reports_out_and_compares_outcomes(tmp_path: Path) -> None:
    # a stand-in conformance command: one record, judged otherwise under -n
    script = (
        "import json, pathlib, sys; path = pathlib.Path(sys.argv[1]); path.parent.mkdir(parents=True)\n"
        "path.write_text(json.dumps({'results': [{'id': 'a', 'outcome': 'diverge' if '-n' in sys.argv else 'agree'}]}))"
    )
    root = tmp_path / "checkout"
    root.mkdir()
    command = (sys.executable, "-c", script, f"{root}/reports/out/fake/results.json", "{posargs}")
    measured = measure_run(ToxEnv("fake", tmp_path, {}, command), root, jobs=3)
    assert measured["jobs"] == 3 and measured["same_outcomes"] is False
    assert measured["serial"]["records"] == measured["parallel"]["records"] == 1
    assert measured["speedup"] == measured["serial"]["seconds"] / measured["parallel"]["seconds"]
    assert not (root / "reports").exists()


def test_a_run_that_fails_is_reported_with_its_last_line(tmp_path: Path) -> None:
    script = "import sys; print('no adapter named fake', file=sys.stderr); sys.exit(4)"  # pytest's usage error
    measured = measure_run(ToxEnv("fake", tmp_path, {}, (sys.executable, "-c", script)), tmp_path)
    assert measured["serial"]["error"] == measured["parallel"]["error"] == "exit status 4: no adapter named fake"
    assert "speedup" not in measured and "same_outcomes" not in measured


def test_the_report_section_merges_and_measures(tmp_path: Path) -> None:
    synthetic_run(tmp_path / "in" / "s0" / "results.json", "s0", lambda case: "agree", cases=catalogue()[:2])
    measured = measure_merge(tmp_path / "in", tmp_path / "out", ROOT)
    assert measured["records"] == 4  # 2 cases x 2 probes
    for name in ("results.json", "report.html", "junit.xml"):
        assert measured[f"{name.replace('.', '_')}_bytes"] == (tmp_path / "out" / name).stat().st_size
    assert measure_merge(tmp_path / "nothing", tmp_path / "out2", ROOT)["error"].startswith("exit status 2: ")


def test_a_missing_env_is_reported_and_the_document_has_its_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    assert main(["--envs", "torch", "--only", "floor,run,vector", "--tox-dir", str(tmp_path), "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["schema"] == "lrconform-bench/1"
    assert document["envs"] == {"torch": {"python": f"{tmp_path}/torch/bin/python", "installed": False}}
    assert (document["floor"], document["run"], document["vector"]) == ({}, {}, {})
    assert {"cpu", "cores", "load_average", "load_average_end"} <= set(document["machine"])
    assert set(document["suite"]) == {"version", "commit", "dirty"} and "date" in document
    assert document["goals"]["vector_steps_per_s"]["min"] == 1e6 and "report" not in document
    assert capsys.readouterr().out.count(f"not installed: no {tmp_path}/torch/bin/python") == 2  # both tables


def _document() -> dict:
    floor = {env: {"seconds": 2.0} for env in FRAMEWORK_ENVS}
    run = {
        env: {"serial": {"seconds": 30.0, "records": 100}, "parallel": {"seconds": 20.0}, "jobs": 2, "speedup": 1.5,
              "same_outcomes": True}
        for env in FRAMEWORK_ENVS
    }  # fmt: skip
    document = {
        "date": "2026-01-02T03:04:05+00:00",
        "suite": {"commit": "0123456789abcdef", "dirty": False},
        "machine": {"cpu": "Some CPU", "cores": 2, "load_average": [0.5, 0.25, 0.125]},
        "envs": {env: {"python": f"/x/{env}/bin/python", "installed": True} for env in FRAMEWORK_ENVS},
        "floor": floor,
        "run": run,
        "vector": {"optax": [{"api": "optax.cosine", "vector": {"steps_per_s": 5e5, "first_call_s": 0.25},
                              "loop": {"steps_per_s": 1e3}}],
                   "torch": [{"api": "torch.Cosine", "loop": {"steps_per_s": 2e5}}],
                   "tfa": [{"api": "tfa.Cyclic", "error": "exit status 1: ImportError"}]},
        "report": {"records": 10152, "seconds": 6.5, "results_json_bytes": 14_000_000,
                   "report_html_bytes": 5_500_000, "junit_xml_bytes": 1_000_000},
    }  # fmt: skip
    document["matrix"] = matrix_totals(document)
    return document


def test_the_benchmark_knows_every_framework_env_of_the_matrix() -> None:
    """An env added to tox.ini's matrix label needs its import floor here (bench/toxenvs.py FLOOR_MODULES)."""
    assert set(FRAMEWORK_ENVS) == set(framework_envs())


def test_the_matrix_totals_need_every_env() -> None:
    document = _document()
    envs = len(FRAMEWORK_ENVS)
    assert document["matrix"] == {"floor_s": 2.0 * envs, "serial_s": 30.0 * envs, "parallel_s": 20.0 * envs,
                                  "records": 100 * envs, "run_over_floor": 15.0, "speedup": 1.5}  # fmt: skip
    assert matrix_totals({**document, "envs": {"torch": document["envs"]["torch"]}}) is None  # a slice
    del document["run"]["tfa"]
    assert matrix_totals(document) is None


def test_the_tables_show_each_figure_beside_its_goal() -> None:
    lines = render(_document()).splitlines()
    assert (
        lines[0]
        == "lrconform bench, 2026-01-02T03:04:05+00:00, commit 0123456789: Some CPU, 2 cores, load 0.50, 0.25, 0.12"
    )
    assert "torch           2.00     30.00      15.0x   20.00     1.50x      100  yes" in lines
    envs = len(FRAMEWORK_ENVS)
    totals = f"{2.0 * envs:5.2f}    {30.0 * envs:6.2f}      15.0x  {20.0 * envs:6.2f}     1.50x     {100 * envs:4d}"
    assert f"matrix         {totals}  run/floor goal <= 5x: MISSED" in lines
    assert (
        "optax  optax.cosine                              5e+05          0.25         1e+03      500x  MISSED" in lines
    )
    assert "torch  torch.Cosine                                n/a                       2e+05" in lines
    assert "tfa    tfa.Cyclic    error: exit status 1: ImportError" in lines
    assert lines[-2:] == [
        "records        merge s  results.json MB  report.html MB  junit.xml MB",
        "  10152  6.50 (MISSED)       14.00 (ok)   5.50 (MISSED)          1.00",
    ]
