"""``python -m bench``: measure the figures of issue 13 on this machine, write them to one JSON file
(atomically) and print them as tables beside their goals.

Sections (``--only``): ``floor`` and ``run`` per framework env (the envs tox built under ``--tox-dir``;
an env that is not there is reported as not installed), ``vector`` per env, ``report`` once. Figures carry
their unit in their key: ``_s`` seconds, ``_bytes`` bytes, ``steps_per_s`` steps per second. Exit status:
0 measured (goals missed or not), 2 bad options, with the reason on stderr in one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from model.platform import machine_facts
from reports.atomic import write_atomic
from reports.results import suite_info, utc_now

from .floor import measure_floor
from .goals import GOALS
from .report import measure_report
from .run import measure_run
from .table import render
from .toxenvs import FRAMEWORK_ENVS, ToxEnv, read_env
from .vector import measure_vector

__all__ = ["SCHEMA", "SECTIONS", "main", "matrix_totals"]

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "lrconform-bench/1"
SECTIONS = ("floor", "run", "vector", "report")
#: report section: copies of the catalogue x pretend runs x about 573 records: 10,323 records today
REPORT_COPIES, REPORT_RUNS = 3, 6


def _names(text: str, allowed: Sequence[str]) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{', '.join(unknown) or 'nothing'} is not one of {', '.join(allowed)}")
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--envs", type=lambda t: _names(t, FRAMEWORK_ENVS), default=list(FRAMEWORK_ENVS),
                        help="framework envs, comma-separated (default: all)")  # fmt: skip
    parser.add_argument("--only", type=lambda t: _names(t, SECTIONS), default=list(SECTIONS),
                        help=f"sections, comma-separated, of {','.join(SECTIONS)} (default: all)")  # fmt: skip
    parser.add_argument("--tox-dir", type=Path, default=ROOT / ".tox", help="tox's work dir (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "out" / "bench" / "bench.json",
                        help="the JSON file (default: %(default)s)")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=2, help="pytest-xdist workers of the parallel run (default: 2)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many: floor and vector (default: 3)")
    parser.add_argument("--steps", type=int, default=1_000_000, help="steps of a vectorized call (default: 1e6)")
    parser.add_argument("--loop-steps", type=int, default=2000, help="steps of a per-step loop (default: 2000)")
    parser.add_argument(
        "--report-copies", type=int, default=REPORT_COPIES, help="copies of the catalogue (default: %(default)s)"
    )
    parser.add_argument("--report-runs", type=int, default=REPORT_RUNS, help="synthetic runs (default: %(default)s)")
    return parser


def matrix_totals(document: dict[str, Any]) -> dict[str, Any] | None:
    """The sums over every framework env, when each was installed and measured without error, else ``None``."""
    envs = list(document["envs"])
    floors, runs = document.get("floor", {}), document.get("run", {})
    whole = envs == list(FRAMEWORK_ENVS) and all(
        "seconds" in floors.get(e, {}) and "speedup" in runs.get(e, {}) for e in envs
    )
    if not whole:
        return None
    floor = sum(floors[e]["seconds"] for e in envs)
    serial = sum(runs[e]["serial"]["seconds"] for e in envs)
    parallel = sum(runs[e]["parallel"]["seconds"] for e in envs)
    records = sum(runs[e]["serial"]["records"] for e in envs)
    return {"floor_s": floor, "serial_s": serial, "parallel_s": parallel, "records": records,
            "run_over_floor": serial / floor, "speedup": serial / parallel}  # fmt: skip


def _measure_env(env: ToxEnv, sections: Sequence[str], args: argparse.Namespace, document: dict[str, Any]) -> None:
    if "floor" in sections:
        document["floor"][env.name] = measure_floor(env, ROOT, repeats=args.repeats)
    if "run" in sections:
        document["run"][env.name] = measure_run(env, ROOT, jobs=args.jobs)
    if "vector" in sections:
        steps = {"steps": args.steps, "loop_steps": args.loop_steps, "repeats": args.repeats}
        document["vector"][env.name] = measure_vector(env, ROOT, **steps)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """The benchmark document for ``args``: machine, date, commit, goals and every selected section."""
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "date": utc_now(),
        "suite": suite_info(),
        "machine": {**machine_facts(), "load_average": list(os.getloadavg())},
        "goals": GOALS,
        "settings": {"jobs": args.jobs, "repeats": args.repeats, "steps": args.steps, "loop_steps": args.loop_steps},
        "envs": {},
    }
    env_sections = [s for s in args.only if s != "report"]
    document.update({section: {} for section in env_sections})
    for name in args.envs if env_sections else []:
        env = read_env(ROOT / "tox.ini", args.tox_dir, name)
        document["envs"][name] = {"python": str(env.python), "installed": env.installed}
        if env.installed:
            print(f"bench: {name}: {', '.join(env_sections)}", file=sys.stderr, flush=True)
            _measure_env(env, env_sections, args, document)
    if totals := matrix_totals(document):
        document["matrix"] = totals
    if "report" in args.only:
        print("bench: report", file=sys.stderr, flush=True)
        document["report"] = measure_report(ROOT, copies=args.report_copies, runs=args.report_runs)
    document["machine"]["load_average_end"] = list(os.getloadavg())
    return document


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        document = measure(args)
    except ValueError as error:  # tox.ini says something the benchmark cannot run as tox would
        print(f"python -m bench: {error}", file=sys.stderr)
        return 2
    write_atomic(args.out, json.dumps(document, indent=1) + "\n")
    print(render(document), end="")
    print(f"written to {args.out}")
    return 0
