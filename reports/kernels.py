"""Verdicts that depend on the CPU kernels: the same test under the default kernels and under kernel
variants (``cases.platform_facts.KERNEL_VARIANTS``; records with a ``kernel``), with different outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["kernel_dependent"]


def kernel_dependent(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The tests whose verdict depends on the CPU kernels: each with its outcome per kernel (``default``
    for the framework's own choice), where the default and the variants that ran do not all agree on it."""
    verdicts: dict[str, dict[str, str]] = {}
    for record in records:
        redundant = record["outcome"] == "skipped" and record.get("kernel")
        if not redundant:
            base = f"{record['case']}-{record['column'].split('@')[0]}"
            verdicts.setdefault(base, {})[record.get("kernel") or "default"] = record["outcome"]
    return [{"id": i, "outcomes": v} for i, v in verdicts.items() if len(set(v.values())) > 1]
