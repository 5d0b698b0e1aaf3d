"""The platform in the reports: each run's CPU and kernel facts on the page, the verdicts that depend on the
kernels, and ``reports diff`` saying when two runs ran on different platforms."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from reports import diff, merge, render, summary
from reports.platform import cpu_text, kernel_texts, platform_differences
from tests.report_synthetic import by_family, catalogue, synthetic_run

CASES = [c for c in catalogue() if c.family == "cosine"][:2]
AVX512 = {"cpu": "Intel(R) Xeon(R)", "vendor": "GenuineIntel", "machine": "x86_64", "simd": "avx512", "cores": 2,
          "isa": ["avx2", "fma", "avx512f"], "env": {}}  # fmt: skip
EPYC = {**AVX512, "cpu": "AMD EPYC 7B13", "vendor": "AuthenticAMD", "simd": "avx2", "isa": ["avx2", "fma"]}
TORCH_AVX512 = {"version": "1", "kernel": {}, "facts": {"torch": {"cpu_capability": "AVX512", "mkl_vml": "AVX512"}}}
TORCH_AVX2 = {"version": "1", "kernel": {"MKL_CBWR": "AVX2"}, "facts": {"torch": {"cpu_capability": "AVX2", "mkl_vml": "AVX2"}}}  # fmt: skip


def _on(path: Path, cpu: dict, adapters: dict) -> Path:
    """Rewrite a result file as if it had run on ``cpu`` with these adapters' facts."""
    envelope = json.loads(path.read_text())
    envelope["environment"]["cpu"], envelope["adapters"] = cpu, adapters
    path.write_text(json.dumps(envelope))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("platform")
    paths = []
    for name, cpu, facts in (("intel", AVX512, TORCH_AVX512), ("amd", EPYC, TORCH_AVX2)):
        path = out / name / "results.json"
        synthetic_run(path, "fw", by_family({}), adapter="fw", cases=CASES)
        paths.append(_on(path, cpu, {"fw": facts}))
    return paths[0], paths[1]


def test_the_cpu_and_the_kernels_read_as_one_line_each() -> None:
    assert cpu_text({"cpu": EPYC}) == ("AMD EPYC 7B13 (AuthenticAMD, x86_64), widest SIMD avx2, 2 cores: avx2 fma")
    assert cpu_text({}) == "not recorded"
    assert kernel_texts({"keras-torch@avx2": TORCH_AVX2}) == {
        "keras-torch@avx2": "MKL_CBWR=AVX2; torch.cpu_capability=AVX2, torch.mkl_vml=AVX2"
    }


def test_diff_says_when_the_platform_differs(runs) -> None:
    found = diff.compare_sets(merge.load([runs[0]]), merge.load([runs[1]]))
    assert found.platform == [
        ("fw", "cpu cpu: Intel(R) Xeon(R) -> AMD EPYC 7B13"),
        ("fw", "cpu vendor: GenuineIntel -> AuthenticAMD"),
        ("fw", "cpu simd: avx512 -> avx2"),
        ("fw", "cpu isa: avx2 fma avx512f -> avx2 fma"),
        ("fw", "fw torch.cpu_capability: AVX512 -> AVX2"),
        ("fw", "fw torch.mkl_vml: AVX512 -> AVX2"),
    ]
    text = diff.text(found, "intel", "amd")
    assert "run fw: the platform differs (cpu simd: avx512 -> avx2): float32 results may round differently" in text
    same = diff.compare_sets(merge.load([runs[0]]), merge.load([runs[0]]))
    assert same.platform == [] and "platform differs" not in diff.text(same, "a", "b")


def test_platform_differences_compare_only_what_both_ran() -> None:
    old = {"environment": {"cpu": AVX512}, "adapters": {"fw": TORCH_AVX512}}
    new = {"environment": {"cpu": AVX512}, "adapters": {"other": TORCH_AVX2}}
    assert platform_differences(old, new) == []


def test_the_page_shows_each_runs_cpu_kernels_and_kernel_dependent_verdicts(runs) -> None:
    merged = merge.merged_envelope(merge.load([runs[1]]))
    variant = copy.deepcopy(next(r for r in merged["results"] if r["probe"] == "schedule"))
    variant.update(kernel="avx2", column=f"{variant['column']}@avx2", id=f"{variant['id']}@avx2", outcome="diverge")
    merged["results"].append(variant)
    report = summary.build(merged)
    assert report.kernel_dependent == [
        ("fw", {"id": variant["id"].removesuffix("@avx2"), "case": variant["case"],
                "outcomes": {"default": "agree", "avx2": "diverge"}}),
    ]  # fmt: skip
    page = render.render_report(merged)
    assert '<h2 id="kernels">Verdicts that depend on the CPU kernels</h2>' in page
    env = page[page.index('id="environment"') :]
    assert "AMD EPYC 7B13 (AuthenticAMD, x86_64), widest SIMD avx2, 2 cores: avx2 fma" in env
    assert "<b>fw</b>: MKL_CBWR=AVX2; torch.cpu_capability=AVX2, torch.mkl_vml=AVX2" in env


def test_runs_on_different_cpus_are_warned_about(runs) -> None:
    merged = merge.merged_envelope(merge.load([runs[0]]))
    other = merge.merged_envelope(merge.load([runs[1]]))
    both = {**merged, "runs": [merged["runs"][0], {**other["runs"][0], "name": "fw-amd"}]}
    assert "the runs come from 2 different CPUs: float32 results may round differently" in summary.build(both).warnings


def test_runs_on_one_cpu_with_other_kernel_switches_are_not_different_cpus(runs) -> None:
    """The Keras envs record KERAS_BACKEND among the run's kernel switches: one machine, not three CPUs."""
    merged = merge.merged_envelope(merge.load([runs[0]]))
    first = merged["runs"][0]
    switched = copy.deepcopy(first) | {"name": "fw-jax"}
    switched["environment"]["cpu"]["env"] = {"KERAS_BACKEND": "jax"}
    warnings = summary.build({**merged, "runs": [first, switched]}).warnings
    assert not [w for w in warnings if "different CPUs" in w]
    assert cpu_text(switched["environment"]).endswith("; KERAS_BACKEND=jax")
