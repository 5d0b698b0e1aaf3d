"""Facts about the machine and the frameworks' CPU kernels that can change float32 results.

Float32 transcendental kernels (``log``, ``exp``, ``cos``, ``pow``) are vectorised differently
for AVX2 and AVX-512, and round differently: Keras' ``CosineDecayRestarts`` on torch misses a
restart on an AVX2-only CPU that it hits with AVX-512 kernels. Every result envelope therefore
records :func:`machine_facts` (from the harness) and, per adapter, :func:`framework_facts` (from
inside the adapter's worker, after its framework was imported), and expectation entries can be
scoped to them (``cases.expectations``).
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

__all__ = ["KERNEL_ENV", "framework_facts", "machine_facts"]

#: CPU flags (as /proc/cpuinfo names them) that select kernels: vector width, FMA, matrix units.
ISA_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni",
    "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2",
)  # fmt: skip
#: Environment variables that change which kernels the frameworks pick; recorded when set.
KERNEL_ENV = ("ATEN_CPU_CAPABILITY", "XLA_FLAGS", "TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA",
              "MKL_ENABLE_INSTRUCTIONS", "NPY_DISABLE_CPU_FEATURES", "OMP_NUM_THREADS", "KERAS_BACKEND")  # fmt: skip


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


def machine_facts() -> dict[str, Any]:
    """The CPU (model, vendor, kernel-relevant ISA flags, cores) and the kernel-selecting env vars."""
    info = _cpuinfo()
    flags = set((info.get("flags") or info.get("Features") or "").split())
    return {
        "cpu": info.get("model name") or platform.processor() or platform.machine(),
        "vendor": info.get("vendor_id") or info.get("CPU implementer") or "",
        "machine": platform.machine(),
        "isa": [f for f in ISA_FLAGS if f in flags],
        "cores": os.cpu_count(),
        "env": {k: os.environ[k] for k in KERNEL_ENV if k in os.environ},
    }


def _torch(torch: Any) -> dict[str, Any]:
    return {
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "mkl": torch.backends.mkl.is_available(),
    }


def _tensorflow(tf: Any) -> dict[str, Any]:
    build = dict(tf.sysconfig.get_build_info())
    return {"build": {k: build[k] for k in ("cpu_compiler", "is_cuda_build") if k in build}}


def _jax(jax: Any) -> dict[str, Any]:
    return {"backend": jax.default_backend(), "device": str(jax.devices()[0].device_kind)}


def _mindspore(ms: Any) -> dict[str, Any]:
    return {"device_target": str(ms.get_context("device_target"))}


def _numpy(np: Any) -> dict[str, Any]:
    config = np.show_config(mode="dicts") if np.lib.NumpyVersion(np.__version__) >= "1.26.0" else {}
    simd = config.get("SIMD Extensions", {})
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return {"blas": blas.get("name"), "simd_found": simd.get("found", [])}


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
