"""Facts about the machine and the frameworks' CPU kernels that can change float32 results.

Float32 transcendental kernels (``log``, ``exp``, ``cos``, ``pow``) are vectorised differently
for AVX2 and AVX-512, and round differently: Keras' ``CosineDecayRestarts`` on torch misses a
restart on an AVX2-only CPU that it hits with AVX-512 kernels. Every result envelope therefore
records :func:`machine_facts` (from the harness) and, per adapter, :func:`framework_facts` (from
inside the adapter's worker, after its framework was imported), and expectation entries can be
scoped to them (``cases.expectations``).
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "KERNEL_ENV",
    "KERNEL_VARIANTS",
    "KernelVariant",
    "cpu_fingerprint",
    "framework_facts",
    "kernel_env",
    "machine_facts",
]

#: CPU flags (as /proc/cpuinfo names them) that select kernels: vector width, FMA, matrix units.
ISA_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni",
    "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2",
)  # fmt: skip
#: The widest vector extension, as one word: what most kernel dispatchers decide on.
WIDEST_SIMD = (("avx512", "avx512f"), ("avx2", "avx2"), ("avx", "avx"), ("sse4_2", "sse4_2"), ("sve", "sve"),
               ("neon", "asimd"))  # fmt: skip
#: Environment variables that change which kernels the frameworks pick; recorded when set.
KERNEL_ENV = (
    "ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "XLA_FLAGS", "TF_ENABLE_ONEDNN_OPTS",
    "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "NPY_DISABLE_CPU_FEATURES", "OMP_NUM_THREADS", "KERAS_BACKEND",
    "LD_PRELOAD",
)  # fmt: skip


@dataclass(frozen=True)
class KernelVariant:
    """Other CPU kernels a framework can be told to use: environment variables read when it is imported."""

    env: Mapping[str, str]
    computes_like: str  # the machines whose results it reproduces
    routine: bool = True  # run unless asked otherwise (``--lrconform-kernels``); else only with ``all``


#: Per framework, so that one machine also computes what other machines compute. Only knobs measured to
#: change float32 results are listed; a framework not listed (TensorFlow's Eigen kernels are compiled for
#: AVX without runtime dispatch; MindSpore's nnacl has no switch) computes the same on every AVX2 x86 CPU.
KERNEL_VARIANTS: dict[str, dict[str, KernelVariant]] = {
    # torch's float32 log/exp run in MKL's VML, whose AVX2 and generic paths round differently from its
    # AVX-512 path (log(1.5) one ulp high); ATen's own kernels (pow) differ without AVX2.
    "torch": {
        "avx2": KernelVariant(
            {"MKL_CBWR": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}, "x86 CPUs without AVX-512 (AMD EPYC included)"
        ),
        "generic": KernelVariant(
            {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "default"},
            "MKL's and ATen's paths without vector extensions (CPUs MKL does not know)",
        ),
    },
    # XLA:CPU fuses multiply-adds where the CPU has FMA, and its log/exp polynomials give other bits without;
    # AVX2 and AVX-512 agree bit for bit, so an AVX2 machine computes what an AVX-512 one does. Measured on
    # the catalogue: the jitted polynomial residue of jax#25601 (optax and Keras on JAX) needs FMA, at
    # twice the env's time: run by the nightly workflow (LRCONFORM_KERNELS=all), not routinely.
    "jax": {
        "avx": KernelVariant(
            {"XLA_FLAGS": "--xla_cpu_max_isa=AVX"}, "x86 CPUs without FMA (before Haswell)", routine=False
        )
    },
}
#: Variables holding a list of flags: a kernel variant adds to them instead of replacing them.
_FLAG_LISTS = ("XLA_FLAGS",)


def kernel_env(variant: KernelVariant) -> dict[str, str]:
    """The environment variables to set for a kernel variant, keeping flags already in ``XLA_FLAGS``."""
    return {k: f"{os.environ.get(k, '')} {v}".strip() if k in _FLAG_LISTS else v for k, v in variant.env.items()}


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo (empty where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_fingerprint() -> str:
    """This CPU as a short name: a hash of the architecture, vendor, model and every flag /proc/cpuinfo reports.
    Code compiled for one CPU and cached under its name is reused only where the CPU reports the same."""
    info = _cpuinfo()
    flags = info.get("flags") or info.get("Features") or ""
    described = "|".join((platform.machine(), info.get("vendor_id", ""), info.get("model name", ""), flags))
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def machine_facts() -> dict[str, Any]:
    """The CPU (model, vendor, widest vector ISA, kernel-relevant ISA flags, cores) and the kernel-selecting
    environment variables."""
    info = _cpuinfo()
    flags = set((info.get("flags") or info.get("Features") or "").split())
    return {
        "cpu": info.get("model name") or platform.processor() or platform.machine(),
        "vendor": info.get("vendor_id") or info.get("CPU implementer") or "",
        "machine": platform.machine(),
        "simd": next((name for name, flag in WIDEST_SIMD if flag in flags), "none"),
        "isa": [f for f in ISA_FLAGS if f in flags],
        "cores": os.cpu_count(),
        "env": {k: os.environ[k] for k in KERNEL_ENV if k in os.environ},
    }


#: MKL's numerical-reproducibility branches (mkl_service.h ``MKL_CBWR_*``), by the number MKL returns.
MKL_BRANCHES = {
    1: "BRANCH_OFF", 2: "AUTO", 3: "COMPATIBLE", 4: "SSE2", 6: "SSSE3", 7: "SSE4_1", 8: "SSE4_2", 9: "AVX",
    10: "AVX2", 11: "AVX512_MIC", 12: "AVX512", 13: "AVX512_MIC_E1", 14: "AVX512_E1",
}  # fmt: skip


#: MKL VML's code paths (``mkl_serv_vml_cpu_detect``), as measured with ``MKL_CBWR`` on torch 2.13's MKL 2024.2;
#: another number is reported as ``path N``.
MKL_VML_PATHS = {2: "COMPATIBLE", 5: "SSE4_2", 7: "AVX2", 9: "AVX512"}


def _mkl(library: Path) -> dict[str, Any]:
    """The code path MKL takes for vector maths: torch's float32 ``log``/``exp`` run in MKL's VML, which
    picks its own kernels (``MKL_CBWR``/``MKL_ENABLE_INSTRUCTIONS``, else the CPU it detects).

    ``mkl_serv_*`` are the exported internals behind ``mkl_cbwr_get``/``mkl_cbwr_get_auto_branch``.
    """
    import ctypes

    mkl = ctypes.CDLL(str(library))
    auto, chosen = MKL_BRANCHES.get(mkl.mkl_serv_cbwr_get_auto_branch()), MKL_BRANCHES.get(mkl.mkl_serv_cbwr_get(1))
    path = mkl.mkl_serv_vml_cpu_detect()
    return {
        "mkl_branch": auto if chosen == "BRANCH_OFF" else chosen,
        "mkl_vml": MKL_VML_PATHS.get(path, f"path {path}"),
    }


def _torch(torch: Any) -> dict[str, Any]:
    facts = {
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "mkl": torch.backends.mkl.is_available(),
    }
    if facts["mkl"]:
        facts.update(_mkl(Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"))
    return facts


def _tensorflow(tf: Any) -> dict[str, Any]:
    """oneDNN is on by default only on CPUs with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX (tensorflow/core/util/
    port.cc); TF's element-wise kernels are compiled for AVX without runtime dispatch."""
    from tensorflow.python.util import _pywrap_util_port

    return {"onednn": bool(_pywrap_util_port.IsMklEnabled()), "compiler": tf.__compiler_version__}


def _jax(jax: Any) -> dict[str, Any]:
    """XLA:CPU compiles for the host's features (capped by ``--xla_cpu_max_isa``), fusing multiply-adds where the
    CPU has FMA; the topology fingerprint, which JAX's compilation cache keys on, changes with the features."""
    from jax._src.lib import xla_client

    devices = jax.devices("cpu")
    cap = _xla_max_isa(os.environ.get("XLA_FLAGS", ""))
    return {
        "xla_cpu_max_isa": cap,
        "fma": "fma" in _cpuinfo().get("flags", "").split() and cap not in ("SSE4_2", "AVX"),
        "xla_topology": str(xla_client.get_topology_for_devices(devices).fingerprint()),
    }


def _xla_max_isa(flags: str) -> str:
    """The ISA cap set in ``XLA_FLAGS``, or ``host`` (XLA's default: every feature of this CPU)."""
    caps = [f.split("=", 1)[1].upper() for f in flags.split() if f.startswith("--xla_cpu_max_isa=")]
    return caps[-1] if caps else "host"


def _mindspore(ms: Any) -> dict[str, Any]:
    """nnacl, MindSpore's CPU kernel library, detects the CPU itself (the flags are exported)."""
    import ctypes

    nnacl = ctypes.CDLL(str(Path(ms.__file__).parent / "lib" / "libnnacl.so"))
    nnacl.IntelX86InstructionSetSupportCheck()
    names = {"fma": "X86_Fma_Support", "avx2": "X86_Avx_Support", "avx512": "X86_Avx512_Support"}
    for symbol in names.values():
        getattr(nnacl, symbol).restype = ctypes.c_bool
    return {"device_target": str(ms.get_context("device_target")),
            "nnacl": [isa for isa, symbol in names.items() if getattr(nnacl, symbol)()]}  # fmt: skip


def _numpy(np: Any) -> dict[str, Any]:
    config = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return {"version": np.__version__, "blas": blas.get("name"), "simd": config.get("SIMD Extensions", {}).get("found")}


_FACTS = {"torch": _torch, "tensorflow": _tensorflow, "jax": _jax, "mindspore": _mindspore, "numpy": _numpy}


def framework_facts() -> dict[str, Any]:
    """Each loaded framework's own view of its CPU kernels, keyed by module (only those imported)."""
    found: dict[str, Any] = {}
    for module, facts in _FACTS.items():
        if module in sys.modules:
            try:
                found[module] = facts(sys.modules[module])
            except Exception as exc:  # a fact that a version does not offer must not fail the run
                found[module] = {"unavailable": f"{type(exc).__name__}: {exc}"}
    return found
