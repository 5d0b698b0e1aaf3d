"""The benchmark's figures as plain-text tables, each beside its goal (from the JSON document alone)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from .goals import GOALS, met

__all__ = ["render"]


def _grid(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], text: Collection[int]) -> str:
    """A table, columns two spaces apart: the ``text`` columns left-aligned, the others (numbers) right-aligned."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        aligned = (c.ljust(w) if i in text else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(aligned).rstrip()

    return "\n".join([title, line(header), *(line(row) for row in rows)])


def _verdict(goal: str, value: float) -> str:
    return "ok" if met(goal, value) else "MISSED"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _rate(value: float) -> str:
    return f"{value:.3g}"


def _mb(size: float) -> str:
    return f"{size / 1e6:.2f}"


def _missing(where: Mapping[str, Any]) -> str:
    return f"not installed: no {where['python']}"


def _env_rows(document: Mapping[str, Any]) -> list[list[str]]:
    floor, run = document.get("floor", {}), document.get("run", {})
    rows = []
    for env, where in document["envs"].items():
        if not where["installed"]:
            rows.append([env, *["-"] * 6, _missing(where)])
            continue
        measured_floor, measured = floor.get(env, {}), run.get(env, {})
        serial, parallel = measured.get("serial", {}), measured.get("parallel", {})
        problems = [f"{what}: {m['error']}" for what, m in (("floor", measured_floor), ("serial", serial),
                    ("-n", parallel)) if "error" in m]  # fmt: skip
        ratio = serial.get("seconds", 0) / measured_floor["seconds"] if "seconds" in measured_floor and serial else None
        same = {True: "yes", False: "NO", None: "-"}[measured.get("same_outcomes")]
        rows.append([
            env, _s(measured_floor.get("seconds")), _s(serial.get("seconds")),
            "-" if ratio is None else f"{ratio:.1f}x", _s(parallel.get("seconds")),
            f"{measured['speedup']:.2f}x" if "speedup" in measured else "-",
            str(serial.get("records", "-")), same if not problems else "; ".join(problems),
        ])  # fmt: skip
    return rows


def _matrix_row(totals: Mapping[str, Any]) -> list[str]:
    ratio = totals["run_over_floor"]
    return [
        "matrix", _s(totals["floor_s"]), _s(totals["serial_s"]),
        f"{ratio:.1f}x", _s(totals["parallel_s"]), f"{totals['speedup']:.2f}x", str(totals["records"]),
        f"run/floor goal <= {GOALS['run_over_floor']['max']:g}x: {_verdict('run_over_floor', ratio)}",
    ]  # fmt: skip


def _floor_and_run(document: Mapping[str, Any]) -> str:
    rows = _env_rows(document)
    if "matrix" in document:
        rows.append(_matrix_row(document["matrix"]))
    jobs = next((m["jobs"] for m in document.get("run", {}).values()), 2)
    header = ["env", "floor s", "serial s", "run/floor", f"-n {jobs} s", "speed-up", "records", "same outcomes, notes"]
    title = (
        "Import floor (best of 3) and conformance run, wall time "
        f"(goal: the matrix's serial run <= {GOALS['run_over_floor']['max']:g}x its summed floor; -n: the speed-up)"
    )
    return _grid(title, header, rows, text={0, 7})


def _vector(document: Mapping[str, Any]) -> str:
    missing = {env: where for env, where in document["envs"].items() if not where["installed"]}
    rows = [[env, *["-"] * 5, _missing(where)] for env, where in missing.items()]
    for env, apis in document["vector"].items():
        for api in apis:
            if "error" in api:
                rows.append([env, api["api"], f"error: {api['error']}", "", "", "", ""])
                continue
            vector, loop = api.get("vector"), api.get("loop")
            rows.append([
                env, api["api"],
                _rate(vector["steps_per_s"]) if vector else "n/a", _s(vector["first_call_s"]) if vector else "",
                _rate(loop["steps_per_s"]) if loop else "n/a",
                f"{vector['steps_per_s'] / loop['steps_per_s']:.0f}x" if vector and loop else "",
                _verdict("vector_steps_per_s", vector["steps_per_s"]) if vector else "",
            ])  # fmt: skip
    header = ["env", "api", "vectorized steps/s", "first call s", "loop steps/s", "speed-up", "goal"]
    goal = GOALS["vector_steps_per_s"]["min"]
    title = f"Vectorized (one call) vs per-step Python loop (goal: >= {goal:,.0f} steps/s vectorized)"
    return _grid(title, header, rows, text={0, 1, 6})


def _report(report: Mapping[str, Any]) -> str:
    if "error" in report:
        return f"Report merge: error: {report['error']}"
    header = ["records", "merge s", "results.json MB", "report.html MB", "junit.xml MB"]
    row = [
        str(report["records"]), f"{report['seconds']:.2f} ({_verdict('merge_s', report['seconds'])})",
        f"{_mb(report['results_json_bytes'])} ({_verdict('results_json_bytes', report['results_json_bytes'])})",
        f"{_mb(report['report_html_bytes'])} ({_verdict('report_html_bytes', report['report_html_bytes'])})",
        _mb(report["junit_xml_bytes"]),
    ]  # fmt: skip
    title = (
        f"Report: python -m reports merge, wall time (goals: 1e4 results in <= {GOALS['merge_s']['max']:g} s, "
        f"results.json <= {GOALS['results_json_bytes']['max'] / 1e6:g} MB, "
        f"report.html <= {GOALS['report_html_bytes']['max'] / 1e6:g} MB)"
    )
    return _grid(title, header, [row], text=())


def render(document: Mapping[str, Any]) -> str:
    """Every measured section of a benchmark document, one table each, with the machine and commit on top."""
    machine, suite = document["machine"], document["suite"]
    load = ", ".join(f"{x:.2f}" for x in machine["load_average"])
    parts = [
        f"lrconform bench, {document['date']}, commit {(suite['commit'] or 'unknown')[:10]}"
        f"{' (dirty)' if suite.get('dirty') else ''}: {machine['cpu']}, {machine['cores']} cores, load {load}"
    ]
    if "floor" in document or "run" in document:
        parts.append(_floor_and_run(document))
    if "vector" in document:
        parts.append(_vector(document))
    if "report" in document:
        parts.append(_report(document["report"]))
    return "\n\n".join(parts) + "\n"
