"""What a run records about its platform, read back: the CPU, each adapter's kernels, and the verdicts
that depend on them.

A result envelope holds the CPU's kernel-relevant facts (``environment.cpu``, see
``model.platform.machine_facts``) and, per adapter and kernel variant (``adapters.<key>``), the
kernel choice (``kernel``) and the framework's own view (``facts``). Two runs whose facts differ may
round float32 differently: the report shows the facts, and ``reports diff`` says when they differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["cpu_text", "kernel_dependent", "kernel_texts", "platform_differences"]


def cpu_text(environment: Mapping[str, Any] | None, switches: bool = True) -> str:
    """``Intel(R) Xeon(R) Processor (GenuineIntel, x86_64), widest SIMD avx512, 2 cores: avx2 fma ...``, then the
    kernel switches set in the run's environment (``; KERAS_BACKEND=jax``) unless ``switches`` is false."""
    cpu = (environment or {}).get("cpu") or {}
    if not cpu:
        return "not recorded"
    where = ", ".join(str(cpu[k]) for k in ("vendor", "machine") if cpu.get(k))
    return (
        f"{cpu.get('cpu') or 'unknown CPU'} ({where}), widest SIMD {cpu.get('simd') or '?'}, "
        f"{cpu.get('cores') or '?'} cores: {' '.join(cpu.get('isa') or []) or 'no flags recorded'}"
        + "".join(f"; {k}={v}" for k, v in ((cpu.get("env") or {}) if switches else {}).items())
    )


def _flat(facts: Any, prefix: str = "") -> dict[str, str]:
    if not isinstance(facts, Mapping):
        return {prefix: " ".join(map(str, facts)) if isinstance(facts, list) else str(facts)}
    return {k: v for key, value in facts.items() for k, v in _flat(value, f"{prefix}.{key}" if prefix else key).items()}


def kernel_texts(adapters: Mapping[str, Any] | None) -> dict[str, str]:
    """Per adapter key: its kernel choice and the framework's facts, as one line."""
    lines = {}
    for key, info in (adapters or {}).items():
        info = info or {}
        chosen = " ".join(f"{k}={v}" for k, v in (info.get("kernel") or {}).items())
        facts = ", ".join(f"{k}={v}" for k, v in _flat(info.get("facts") or {}).items() if not k.startswith("numpy."))
        lines[key] = "; ".join(part for part in (chosen, facts) if part) or "no facts recorded"
    return lines


def _facts(run: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """A run's platform facts by part: ``cpu``, then each adapter key."""
    parts = {"cpu": _flat((run.get("environment") or {}).get("cpu") or {})}
    parts.update({key: _flat((info or {}).get("facts") or {}) for key, info in (run.get("adapters") or {}).items()})
    return parts


def platform_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """How two runs' platforms differ (the CPU's facts, and the facts of each adapter both ran), one line each."""
    before, after = _facts(old), _facts(new)
    return [
        f"{part} {fact}: {before[part].get(fact, '(none)')} -> {after[part].get(fact, '(none)')}"
        for part in before
        if part in after
        for fact in dict.fromkeys([*before[part], *after[part]])
        if before[part].get(fact) != after[part].get(fact)
    ]


def kernel_dependent(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The tests whose verdict depends on the CPU kernels (``{"id", "case", "outcomes": {kernel: outcome}}``,
    ``default`` for the framework's own choice), where the default and the variants that ran disagree."""
    verdicts: dict[str, dict[str, Any]] = {}
    for record in records:
        redundant = record["outcome"] == "skipped" and record.get("kernel")
        if not redundant:
            base = f"{record['case']}-{record['column'].split('@')[0]}"
            found = verdicts.setdefault(base, {"id": base, "case": record["case"], "outcomes": {}})
            found["outcomes"][record.get("kernel") or "default"] = record["outcome"]
    return [found for found in verdicts.values() if len(set(found["outcomes"].values())) > 1]
