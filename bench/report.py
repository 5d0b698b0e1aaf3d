"""The merged report at scale: merging about 1e4 results with ``python -m reports merge``, its time and sizes.

The results are synthetic (``python -m tests.report_synthetic``: the real catalogue judged by the real
harness for pretend frameworks, about 573 records per copy of the catalogue and run); the merge runs as the
``report`` env runs it, in a fresh interpreter, and is timed wall clock, start-up included.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .process import timed

__all__ = ["measure_merge", "measure_report", "synthesize"]

OUTPUTS = ("results.json", "report.html", "junit.xml")


def synthesize(folder: Path, root: Path, *, copies: int, runs: int, timeout: float = 1800) -> str | None:
    """Write ``runs`` synthetic result files of ``copies`` catalogues under ``folder``; ``None`` or the failure."""
    sizes = ["--copies", str(copies), "--runs", str(runs)]
    command = [sys.executable, "-m", "tests.report_synthetic", str(folder), *sizes]
    return timed(command, env=os.environ, cwd=root, timeout=timeout).failure


def measure_merge(inputs: Path, out: Path, root: Path, *, timeout: float = 1800) -> dict[str, Any]:
    """Merge the result files under ``inputs`` into ``out``: wall time, record count, each output's size."""
    command = [sys.executable, "-m", "reports", "merge", str(inputs), "--out", str(out)]
    done = timed(command, env=os.environ, cwd=root, timeout=timeout)
    if done.failure:
        return {"error": done.failure}
    records = len(json.loads((out / "results.json").read_text())["results"])
    sizes = {f"{name.replace('.', '_')}_bytes": (out / name).stat().st_size for name in OUTPUTS}
    return {"records": records, "seconds": done.seconds, **sizes}


def measure_report(root: Path, *, copies: int, runs: int) -> dict[str, Any]:
    """Synthesize ``copies`` x ``runs`` catalogues of results in a temporary folder and time their merge."""
    with tempfile.TemporaryDirectory(prefix="lrconform-bench-report-") as work:
        inputs, out = Path(work) / "runs", Path(work) / "merged"
        failure = synthesize(inputs, root, copies=copies, runs=runs)
        if failure:
            return {"error": f"python -m tests.report_synthetic: {failure}"}
        return {"copies": copies, "runs": runs, **measure_merge(inputs, out, root)}
