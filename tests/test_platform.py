"""Verdicts that hold on any machine: platform facts, kernel variants and platform-scoped expectations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cases import isolation
from cases.expectations import Expectation, ExpectationSet, load_expectations
from cases.harness import Harness, build_targets
from cases.isolation import InProcess, make_runners
from cases.platform_scope import PlatformScope, parse_scope
from model.adapter import NotExpressible
from model.case import Case, Tolerance
from model.errors import CaseFileError
from model.platform import KernelVariant, kernel_env, machine_facts
from reports.platform import kernel_dependent
from tests.fake_framework import FakeAdapter
from tests.misbehaving_framework import KernelSensitiveAdapter

TOLERANCES = {"float64": Tolerance(1e-12, 1e-14, "float64 test tolerance")}
ENTRY = """
[[divergence]]
id = "step[k3]-fake*"
reason = "reads its step late on AVX2 kernels"
link = "https://example.org/fake/2"
first_divergent_step = 3
"""


def case(bug: str | None = None) -> Case:
    hints = {"fake": {"raise_at": 5} if bug == "raise" else {"bug": bug}} if bug else {}
    params = {"init_lr": 0.1, "step_size": 3, "gamma": 0.5}
    return Case(id="step[k3]", formula="step_decay", params=params, steps=np.arange(10), source="t", hints=hints)


class OnPlatform(InProcess):
    """The fake adapter, in this process, reporting the given platform facts."""

    def __init__(self, facts: dict[str, Any], kernel: str = ""):
        super().__init__(FakeAdapter())
        self.facts, self.kernel = facts, kernel

    def info(self) -> dict[str, Any]:
        return {"problem": None, "facts": self.facts}


def judge(the_case: Case, scope: PlatformScope, mkl_vml: str) -> dict[str, Any]:
    runner = OnPlatform({"torch": {"mkl_vml": mkl_vml}})
    entry = Expectation(("step[k3]-fake",), "late on AVX2", "https://example.org/2", "fake.toml", 3, platform=scope)
    harness = Harness({"fake": runner}, TOLERANCES)
    return harness.check(build_targets(the_case, runner, ExpectationSet([entry]))[0])


ON_AVX2 = PlatformScope((("torch.mkl_vml", ("AVX2", "COMPATIBLE")),))
UNMEASURED_ELSEWHERE = PlatformScope((("torch.mkl_vml", ("AVX2",)),), "either")


@pytest.mark.parametrize(
    ("bug", "scope", "mkl_vml", "outcome"),
    [
        ("late", ON_AVX2, "AVX2", "documented_divergence"),  # where it is documented
        (None, ON_AVX2, "COMPATIBLE", "fixed_divergence"),  # documented here, but agrees: remove or rescope
        (None, ON_AVX2, "AVX512", "agree"),  # elsewhere it must agree, and does
        ("late", ON_AVX2, "AVX512", "diverge"),  # elsewhere it must agree, and does not
        ("late", UNMEASURED_ELSEWHERE, "AVX512", "documented_divergence"),  # elsewhere either: diverging is fine
        (None, UNMEASURED_ELSEWHERE, "AVX512", "agree"),  # elsewhere either: agreeing too
        ("raise", UNMEASURED_ELSEWHERE, "AVX512", "diverge"),  # but only the documented divergence
    ],
)
def test_a_platform_scoped_entry_is_strict_where_it_applies(bug, scope, mkl_vml, outcome) -> None:
    record = judge(case(bug), scope, mkl_vml)
    assert record["outcome"] == outcome
    assert (record["reason"] == "") is (outcome == "agree"), "agreement needs no explanation, not even the scope's"
    assert record["platform"] == {"torch.mkl_vml": mkl_vml}
    assert record["expectation"]["platform"] == scope.describe()


def test_an_undocumented_divergence_elsewhere_names_the_scope_and_the_facts() -> None:
    reason = judge(case("late"), ON_AVX2, "AVX512")["reason"]
    assert reason.startswith("diverges at step 3")
    assert (
        "entry id='step[k3]-fake' in fake.toml documents a divergence only where "
        "torch.mkl_vml in ['AVX2', 'COMPATIBLE']; here {'torch.mkl_vml': 'AVX512'}" in reason
    )


def test_an_entry_scoped_to_the_machine_reads_the_harness_machine_facts() -> None:
    simd = machine_facts()["simd"]
    record = judge(case("late"), PlatformScope((("machine.simd", (simd,)),)), "AVX512")
    assert record["outcome"] == "documented_divergence" and record["platform"] == {"machine.simd": simd}


def test_a_fact_the_run_does_not_have_does_not_hold() -> None:
    scope = PlatformScope((("torch.mkl_vml", ("AVX2",)), ("machine.simd", ("avx2",))))
    assert scope.holds({"torch": {"mkl_vml": "AVX2"}, "machine": {"simd": "avx2"}})
    assert not scope.holds({"torch": {"mkl_vml": "AVX2"}, "machine": {"simd": "avx512"}})
    assert not scope.holds({"machine": {"simd": "avx2"}})
    assert PlatformScope((("tensorflow.onednn", ("false",)),)).holds({"tensorflow": {"onednn": False}})


def test_an_absent_fact_or_a_table_of_facts_matches_no_text() -> None:
    """A missing fact is not the text "None", and a fact path naming a table is not the table's text."""
    assert not PlatformScope((("torch.mkl_vml", ("None",)),)).holds({"torch": {"mkl_vml": None}})
    assert not PlatformScope((("torch.mkl_vml", ("None",)),)).holds({"torch": {}})
    assert not PlatformScope((("machine.cpu", ("{'model': 'x'}",)),)).holds({"machine": {"cpu": {"model": "x"}}})
    assert not PlatformScope((("machine.flags", ("['avx2']",)),)).holds({"machine": {"flags": ["avx2"]}})


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ('platform = "AVX2"', "field 'platform': a table of fact path = value or [values], got 'AVX2'"),
        ("platform = {}", "field 'platform': a table of fact path = value or [values], got {}"),
        ('platform = { mkl_vml = "AVX2" }', "fact path 'mkl_vml' must be dotted, starting with one of ['machine'"),
        ('platform = { "cuda.arch" = "sm80" }', "fact path 'cuda.arch' must be dotted, starting with one of"),
        ('platform = { "torch.mkl_vml" = [] }', "field 'platform.torch.mkl_vml': a value or a non-empty list"),
        ('platform = { "torch.mkl_vml" = [2] }', "field 'platform.torch.mkl_vml': a value or a non-empty list"),
        ('platform = { "torch.mkl_vml" = true }', "field 'platform.torch.mkl_vml': a value or a non-empty list"),
        ('platform = { "torch.mkl_vml" = "AVX2" }\nelsewhere = "diverge"', "field 'elsewhere': one of ['agree', "),
        ('elsewhere = "either"', "field 'platform': a table of fact path = value or [values], got None"),
    ],
)
def test_a_malformed_platform_scope_names_the_file_the_entry_and_the_field(tmp_path: Path, fields, problem) -> None:
    (tmp_path / "fake.toml").write_text(ENTRY + fields + "\n")
    with pytest.raises(CaseFileError) as error:
        load_expectations(tmp_path, "fake")
    assert str(error.value).startswith(f"{tmp_path / 'fake.toml'}: divergence #1 ('step[k3]-fake*'): ")
    assert problem in str(error.value)


def test_a_well_formed_scope_loads() -> None:
    scope = parse_scope({"torch.mkl_vml": ["AVX2", "COMPATIBLE"], "machine.simd": "avx2"}, None)
    assert scope == PlatformScope((("torch.mkl_vml", ("AVX2", "COMPATIBLE")), ("machine.simd", ("avx2",))), "agree")
    assert scope.describe() == "torch.mkl_vml in ['AVX2', 'COMPATIBLE'] and machine.simd in ['avx2']"
    assert parse_scope({"machine.simd": "avx2"}, "either") == PlatformScope((("machine.simd", ("avx2",)),), "either")


def test_machine_facts_name_the_cpu_and_its_kernel_flags() -> None:
    facts = machine_facts()
    assert facts["cores"] >= 1 and facts["machine"]
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if " avx2 " in flags:
        assert "avx2" in facts["isa"] and facts["simd"] in ("avx2", "avx512")
        assert (facts["simd"] == "avx512") == (" avx512f " in flags)


def test_kernel_variants_get_their_own_supervised_workers(monkeypatch) -> None:
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
    assert kernel_env(KernelVariant({"XLA_FLAGS": "--xla_cpu_max_isa=AVX", "MKL_CBWR": "AVX2"}, "")) == {
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2 --xla_cpu_max_isa=AVX",
        "MKL_CBWR": "AVX2",
    }
    torch_like = type("TorchLike", (FakeAdapter,), {"kernels": "torch"})()
    runners = make_runners({"fake": torch_like, "plain": FakeAdapter()}, None, None, None)
    assert list(runners) == ["fake", "fake@avx2", "fake@generic", "plain"]
    assert runners["fake@avx2"].env == {"MKL_CBWR": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
    assert list(make_runners({"fake": torch_like}, None, None, "generic")) == ["fake", "fake@generic"]
    assert list(make_runners({"fake": torch_like}, None, None, "none")) == ["fake"]
    jax_like = type("JaxLike", (FakeAdapter,), {"kernels": "jax"})()
    assert list(make_runners({"fake": jax_like}, None, None, None)) == ["fake"]  # no routine variant
    assert list(make_runners({"fake": jax_like}, None, None, "all")) == ["fake", "fake@avx"]
    assert list(make_runners({"fake": torch_like}, "none", None, None)) == ["fake"]  # variants need a worker
    with pytest.raises(ValueError, match=r"--lrconform-kernels: unknown variant\(s\) \['avx3'\]; known: \["):
        make_runners({"fake": torch_like}, None, None, "avx3")


def test_a_kernel_variant_takes_its_plans_from_the_default_runner(monkeypatch) -> None:
    variants = {name: KernelVariant({"LRCONFORM_TEST_KERNEL": name}, "another CPU") for name in ("late", "other")}
    monkeypatch.setitem(isolation.KERNEL_VARIANTS, "fakeframework", variants)
    runners = make_runners({"kfake": KernelSensitiveAdapter()}, None, "30", None)
    try:
        planned = runners["kfake"].plan(case())
        assert runners["kfake@late"].plan(case()) is planned  # planned once, in the default runner's worker
        assert runners["kfake@other"].plan(case()) is planned
        assert runners["kfake@late"]._process is None  # the variant's worker starts only to run a case
        other = Case(id="exp[g0.5]", formula="exponential", params={}, steps=np.arange(3), source="t")
        with pytest.raises(NotExpressible, match="no scheduler for 'exponential'") as first:
            runners["kfake"].plan(other)
        with pytest.raises(NotExpressible) as again:
            runners["kfake@other"].plan(other)
        assert again.value is first.value  # a case that could not be planned is not planned again either
    finally:
        for runner in runners.values():
            runner.close()


def test_a_verdict_that_depends_on_the_kernels_is_reported(monkeypatch) -> None:
    variants = {"late": KernelVariant({"LRCONFORM_TEST_KERNEL": "late"}, "a CPU that rounds the step late")}
    monkeypatch.setitem(isolation.KERNEL_VARIANTS, "fakeframework", variants)
    runners = make_runners({"kfake": KernelSensitiveAdapter()}, None, "30", None)
    harness = Harness(runners, TOLERANCES)
    try:
        records = [harness.check(t) for r in runners.values() for t in build_targets(case(), r, ExpectationSet([]))]
    finally:
        harness.close()
    assert {r["id"]: r["outcome"] for r in records} == {
        "step[k3]-kfake": "agree",
        "step[k3]-kfake.twice": "agree",
        "step[k3]-kfake@late": "diverge",
        "step[k3]-kfake.twice@late": "diverge",
    }
    assert records[2]["kernel"] == "late" and records[2]["column"] == "kfake@late"
    assert kernel_dependent(records) == [
        {"id": "step[k3]-kfake", "case": "step[k3]", "outcomes": {"default": "agree", "late": "diverge"}},
        {"id": "step[k3]-kfake.twice", "case": "step[k3]", "outcomes": {"default": "agree", "late": "diverge"}},
    ]
    info = harness.adapter_info()
    assert info["kfake@late"]["kernel"] == {"LRCONFORM_TEST_KERNEL": "late"} and info["kfake"]["kernel"] == {}


def test_a_variant_that_changes_nothing_on_this_machine_is_skipped() -> None:
    default, same = OnPlatform({"torch": {"mkl_vml": "AVX2"}}), OnPlatform({"torch": {"mkl_vml": "AVX2"}}, "avx2")
    default.adapter = same.adapter = type("TorchLike", (FakeAdapter,), {"kernels": "torch"})()
    harness = Harness({"fake": default, "fake@avx2": same}, TOLERANCES)
    records = [harness.check(t) for r in (default, same) for t in build_targets(case(), r, ExpectationSet([]))]
    assert [r["outcome"] for r in records] == ["agree", "agree", "skipped", "skipped"]
    assert records[2]["reason"] == (
        "on this machine the default torch kernels are already these (torch: {'mkl_vml': 'AVX2'})"
    )
    assert kernel_dependent(records) == []


def test_an_entry_for_the_default_kernels_documents_the_variants_too() -> None:
    entry = Expectation(("step[k3]-fake",), "late everywhere", "https://example.org/3", "fake.toml")
    only_avx2 = Expectation(("step[k3]-fake.twice@avx2",), "late on avx2", "https://example.org/4", "fake.toml")
    variant = OnPlatform({}, "avx2")
    targets = build_targets(case(), variant, ExpectationSet([entry, only_avx2]))
    assert [(t.id, t.expectation) for t in targets] == [
        ("step[k3]-fake@avx2", entry),
        ("step[k3]-fake.twice@avx2", only_avx2),
    ]


def test_the_jax_cache_folder_is_per_cpu(monkeypatch) -> None:
    """XLA's cache key holds no CPU feature: two CPUs that differ in one flag get two folders."""
    from model import platform as machine

    root = {"LRCONFORM_JAX_CACHE": "/cache/lrconform/jax/optax"}
    fields = {"vendor_id": "GenuineIntel", "model name": "Xeon", "flags": "fpu sse4_2 avx avx2 fma avx512f"}
    monkeypatch.setattr(machine, "_cpuinfo", lambda: dict(fields))
    with_avx512 = isolation.compilation_cache(root)["JAX_COMPILATION_CACHE_DIR"]
    assert re.fullmatch(r"/cache/lrconform/jax/optax/[0-9a-f]{16}", with_avx512)
    assert isolation.compilation_cache(root) == {"JAX_COMPILATION_CACHE_DIR": with_avx512}  # the same CPU, again
    monkeypatch.setattr(machine, "_cpuinfo", lambda: {**fields, "flags": "fpu sse4_2 avx avx2 fma"})
    assert isolation.compilation_cache(root)["JAX_COMPILATION_CACHE_DIR"] != with_avx512
    # a folder chosen by hand wins; without a root there is no cache
    assert isolation.compilation_cache({**root, "JAX_COMPILATION_CACHE_DIR": "/mine"}) == {}
    assert isolation.compilation_cache({}) == {}


def test_a_worker_gets_the_jax_cache_folder(monkeypatch, tmp_path: Path) -> None:
    from tests.fake_framework import FakeAdapter

    monkeypatch.setenv("LRCONFORM_JAX_CACHE", str(tmp_path))
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    runner = isolation.Isolated(FakeAdapter(), isolation.TimeLimits())
    assert runner._env["JAX_COMPILATION_CACHE_DIR"].startswith(f"{tmp_path}/")
