"""lrconform (or python -m reports): result reports, diffs, declared and candidate upgrades, recovery, CI.

merge runs into the report (``unpack`` writes its page without script), diff two result sets, check the declared
upgrades or validate a candidate build of an env (``upgrade ENV --to SPEC``), recover interrupted runs, answer the
nightly workflow.

Exit status: 0 done; 1 the diff found a regression, or an upgrade check missed an expected
change; 2 bad input (an unreadable, malformed or empty result set, a bad option, a candidate refused
or failing to install), with the reason on stderr in one line (pip's last lines after it).

Every file is written atomically and the output folders of ``merge`` and ``upgrade`` are replaced
as a whole (``reports.atomic``): a kill leaves the previous outputs or the new ones, never a mix.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# stdlib only at import time: `ci` runs where only tox is installed (the others import numpy)
from .atomic import finish_swap, interrupted_swaps, staged_folder, write_atomic
from .freshness import BASELINE_STALE_AFTER, STALE_AFTER

if TYPE_CHECKING:
    from .merge import ResultSet

__all__ = ["main"]

OUT = Path(__file__).parent / "out"
#: Plots of cases without a problem (every column agrees, or cannot run the case) ``merge`` draws by default;
#: a case with a problem always gets its plot. A plot costs about 1.6 ms and 2.3 kB of the page: every case of
#: 10,000 synthetic results (846) takes the page from 7.1 to 7.7 MB, where the goal is 5 MB.
PLOT_BUDGET = 300


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.2f} MB"


def _stale_after(args: argparse.Namespace) -> datetime.timedelta:
    return datetime.timedelta(hours=args.stale_after)


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge result files into results.json, report.html, junit.xml, summary.md, trend.json and a badge per adapter
    under --out; append summary.md to $GITHUB_STEP_SUMMARY when it is set."""
    from . import badges, junit, merge, render, scorecard, step_summary, trend

    started = time.perf_counter()
    previous = trend.read_history(args.history)
    result_set = merge.load(args.inputs, exclude=[args.out], stale_after=_stale_after(args))
    if not result_set.runs:
        raise ValueError(
            f"no result files in {', '.join(map(str, args.inputs))}: run a framework env first (e.g. tox -e torch)"
        )
    envelope = merge.merged_envelope(result_set)
    card = scorecard.rows(envelope["runs"], envelope["results"])
    history = trend.extend(previous, trend.entry(envelope, card))
    summary = step_summary.summary_markdown(envelope, report_url=args.report_url)

    def write_data(staging: Path) -> None:
        merge.write_json(envelope, staging / "results.json")
        write_atomic(staging / "junit.xml", junit.junit_xml(envelope))

    with staged_folder(args.out) as staging, alongside(write_data, staging, "results.json and junit.xml"):
        page = render.render_report(envelope, plot_budget=args.plots, scorecard=card, history=history)
        write_atomic(staging / "report.html", page)
        write_atomic(staging / "summary.md", summary)
        write_atomic(staging / "trend.json", json.dumps(history, indent=1) + "\n")
        for row in card:
            write_atomic(staging / badges.badge_file(row), json.dumps(badges.badge(row)) + "\n")
    appended = step_summary.append_step_summary(summary)
    runs = ", ".join(f"{run.name} ({len(run.records)})" for run in result_set.runs)
    print(f"merged {len(envelope['results'])} results from {len(result_set.runs)} runs: {runs}")
    flags = [f"  run {run.name}: {flag}" for run in result_set.runs for flag in run.flags]
    print("\n".join(flags) or "  every run complete and current")
    for name in ("results.json", "junit.xml", "report.html", "summary.md"):
        print(f"  {args.out / name} ({_size(args.out / name)})")
    carried = f"{len(previous)} from {args.history}" if previous else f"a new history: {args.history or 'no --history'}"
    print(f"  {args.out / 'trend.json'}: {len(history['entries'])} entries ({carried})")
    print(f"  {len(card)} badges: {', '.join(badges.badge_file(row) for row in card)}")
    if appended:
        print(f"  summary.md appended to {appended} ($GITHUB_STEP_SUMMARY)")
    print(f"in {time.perf_counter() - started:.1f} s")
    return 0


@contextlib.contextmanager
def alongside(work: Callable[[Path], None], folder: Path, what: str) -> Iterator[None]:
    """Run ``work(folder)`` in a forked process while the block runs (a second core writes the data files while
    this one renders the page: about a quarter of a 1e4-result merge); on leaving, wait for it and raise if it
    failed, so that the staged folder is discarded. Without ``os.fork`` (Windows) it runs first, here."""
    if not hasattr(os, "fork"):
        work(folder)
        yield
        return
    child = multiprocessing.get_context("fork").Process(target=work, args=(folder,), name=f"lrconform: {what}")
    child.start()
    try:
        yield
    finally:
        child.join()
    if child.exitcode:
        raise RuntimeError(f"writing {what} failed (its process exited with {child.exitcode}; see above)")


def _pairs(raw: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for item in raw:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            raise ValueError(f"--pair expects OLD_RUN=NEW_RUN, got {item!r}")
        pairs[old] = new
    return pairs


def _side(path: Path, side: str, stale_after: datetime.timedelta) -> ResultSet:
    """One side of a diff; an empty one is bad input: nothing to compare cannot mean "no regressions"."""
    from . import merge

    result_set = merge.load([path], stale_after=stale_after)
    if not any(run.records for run in result_set.runs):
        found = "no result files" if not result_set.runs else "no records"
        raise ValueError(f"{side} {path}: {found}: an empty result set cannot be compared")
    return result_set


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what changed from OLD to NEW; exit 1 on a regression, 2 when a side is empty or unreadable."""
    from . import diff

    stale_after = _stale_after(args)
    old, new = _side(args.old, "old", stale_after), _side(args.new, "new", stale_after)
    found = diff.compare_sets(
        old,
        new,
        threshold=args.threshold,
        pairs=_pairs(args.pair),
        baseline_stale_after=datetime.timedelta(days=args.baseline_stale_after),
    )
    if args.format == "markdown":
        from .markdown import render_markdown

        print(render_markdown(found, old=str(args.old), new=str(args.new)), end="")
    else:
        print(diff.text(found, str(args.old), str(args.new)), end="")
    if args.html:
        from .render import render_diff

        write_atomic(args.html, render_diff(found, old=str(args.old), new=str(args.new)))
        print(f"  {args.html} ({_size(args.html)})")
    return 1 if found.regressions else 0


def _pip_options(args: argparse.Namespace) -> dict[str, str]:
    """pip's index options for the candidate's installs, as the PIP_* variables tox passes to pip."""
    pip = {"PIP_INDEX_URL": args.index_url} if args.index_url else {}
    links = [*os.environ.get("PIP_FIND_LINKS", "").split(), *args.find_links]
    return pip | ({"PIP_FIND_LINKS": " ".join(links)} if links else {})


def cmd_candidate(args: argparse.Namespace) -> int:
    """Build ENV with --to SPEC (and the baseline: the env's pins or --from SPEC), run both, diff them."""
    from . import ci, diff
    from .candidate import plan_builds
    from .candidate_report import facts, pinned_results
    from .candidate_run import build_paths, install, run
    from .markdown import render_markdown
    from .render import render_diff

    envs = ci.framework_envs()
    if args.env not in envs:
        raise ValueError(f"upgrade {args.env}: unknown env; the framework envs: {', '.join(envs)}")
    pip = _pip_options(args)
    deps = ci.env_deps(args.env)
    baseline, candidate = plan_builds(
        args.env, deps, args.to, args.base, args.python, pip.get("PIP_FIND_LINKS", "").split()
    )
    out = build_paths(candidate, pip)[1]
    reusable = build_paths(baseline, pip)[1] / "results.json"
    why_not = pinned_results(reusable, deps) if baseline.pinned else "the baseline is a build of its own"
    builds = [candidate] if not why_not else [baseline, candidate]
    print(f"baseline {baseline.name}: " + (f"reusing {reusable}" if not why_not else f"building it ({why_not})"))
    for build in reversed(builds):  # the candidate first: its install is the one likely to fail
        install(build, pip)
    paths = [reusable] if not why_not else []
    paths += [run(build, pip) for build in builds]
    print(f"diffing {baseline.name} -> {candidate.name}")
    stale_after = _stale_after(args)
    old, new = _side(paths[0], "baseline", stale_after), _side(paths[1], "candidate", stale_after)
    found = diff.compare_sets(old, new, threshold=args.threshold)
    summary = facts(old.runs[0], new.runs[0])
    print(diff.text(found, str(paths[0]), str(paths[1])) + "\n".join(summary))
    write_atomic(out / "diff.html", render_diff(found, old=baseline.name, new=candidate.name))
    write_atomic(out / "diff.md", render_markdown(found, old=baseline.name, new=candidate.name, facts=summary))
    print(f"  {out / 'diff.html'} ({_size(out / 'diff.html')})\n  {out / 'diff.md'}")
    return 1 if found.regressions else 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Diff every declared upgrade's two runs and check that the expected changes are found; with ENV --to SPEC,
    validate a candidate build of ENV instead."""
    if args.env:
        if args.file or args.results or args.out:
            raise ValueError(f"upgrade {args.env}: --file, --results and --out are for the declared upgrades, not ENV")
        return cmd_candidate(args)
    if args.to or args.base or args.python or args.index_url or args.find_links:
        raise ValueError(
            "upgrade: --to, --from, --python, --index-url and --find-links need ENV (upgrade ENV --to SPEC)"
        )
    args.results, args.out = args.results or OUT, args.out or OUT / "upgrade"
    from . import diff, merge
    from .render import render_diff
    from .upgrade import UPGRADES_FILE, check, load_upgrades

    args.file = args.file or UPGRADES_FILE
    upgrades = load_upgrades(args.file)
    results = (
        merge.load([args.results], exclude=[args.out, args.results / "merged"], stale_after=_stale_after(args))
        if upgrades
        else merge.ResultSet(())
    )
    failed = 0
    with staged_folder(args.out) as staging:
        for entry in upgrades:
            outcome = check(entry, results, args.threshold)
            if outcome.diff is None:
                missing = ", ".join(outcome.missing_runs)
                print(f"upgrade {entry.name}: skipped, no results for run(s) {missing} in {args.results}")
                continue
            page = f"{entry.name}.html"
            write_atomic(staging / page, render_diff(outcome.diff, old=entry.old, new=entry.new))
            print(f"upgrade {entry.name}: {entry.about} ({entry.link})")
            print(f"{diff.text(outcome.diff, entry.old, entry.new)}  {args.out / page}")
            for pattern in outcome.not_found:
                print(
                    f"upgrade {entry.name}: FAILED: the diff shows no change for {pattern!r}, which {args.file} expects"
                )
            failed += not outcome.ok
    print(f"{len(upgrades)} declared upgrade(s) in {args.file}, {failed} failed")
    return 1 if failed else 0


def cmd_recover(args: argparse.Namespace) -> int:
    """Turn interrupted runs' journals into result files marked incomplete; finish interrupted folder replacements."""
    from . import merge
    from .journal import SUFFIX, recover

    done = []
    for folder in args.folders:
        if not folder.is_dir():
            raise ValueError(f"{folder}: not a folder")
        for target in interrupted_swaps(folder):
            finish_swap(target)
            done.append(f"{target}: finished its interrupted replacement")
        for subfolder in (folder, *merge.subfolders(folder)):
            done += [recover(journal) for journal in sorted(subfolder.glob(f"*{SUFFIX}"))]
    print("\n".join(done) or f"nothing to recover in {', '.join(map(str, args.folders))}")
    return 0


def cmd_ci(args: argparse.Namespace) -> int:
    """Answer the workflow: the framework envs (JSON list), or the deps override for latest builds."""
    from . import ci

    if args.what == "matrix":
        print(json.dumps(ci.framework_envs()))
    elif args.what == "exclude":
        print(json.dumps(ci.latest_exclusions()))
    else:
        print(ci.latest_override(args.env))
    return 0


def cmd_expand(args: argparse.Namespace) -> int:
    """Print a result file (a run's or a merged one) as JSON with every value written out, for jq and eyes."""
    from .merge import READABLE_MERGED_SCHEMAS
    from .results import READABLE_SCHEMAS, read_results

    envelope = read_results(args.file, READABLE_SCHEMAS + READABLE_MERGED_SCHEMAS)
    print(json.dumps(envelope, indent=1, allow_nan=False))
    return 0


def cmd_unpack(args: argparse.Namespace) -> int:
    """Write a report page with every packed part in place and no script (for a browser without JavaScript, grep)."""
    from .packing import unpack

    out = args.out or args.page.with_name(f"{args.page.stem}-unpacked.html")
    try:
        page = args.page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{args.page}: cannot read the page ({error})") from None
    try:
        unpacked = unpack(page)
    except ValueError as error:
        raise ValueError(f"{args.page}: {error}") from None
    write_atomic(out, unpacked)
    print(f"{out} ({_size(out)})")
    return 0


def _plot_budget(text: str) -> int | None:
    if text == "all":
        return None
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of plots or 'all', got {text!r}")
    return int(text)


def _stale_option(parser: argparse.ArgumentParser, *, baseline: bool = False) -> None:
    """--stale-after HOURS; with ``baseline`` (diff), --baseline-stale-after DAYS too."""
    options = [("--stale-after", STALE_AFTER / datetime.timedelta(hours=1), "HOURS",
                "a run created this much before the newest run of its set is stale")]  # fmt: skip
    if baseline:
        options.append(("--baseline-stale-after", BASELINE_STALE_AFTER / datetime.timedelta(days=1), "DAYS",
                        "OLD is a stale baseline when its newest run is this much older than NEW's"))  # fmt: skip
    for flag, default, unit, meaning in options:
        parser.add_argument(flag, type=float, default=default, metavar=unit, help=f"{meaning} (default: %(default)g)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrconform", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("merge", help=cmd_merge.__doc__)
    p.add_argument("inputs", nargs="*", type=Path, default=[OUT], help=f"result files or folders (default: {OUT})")
    p.add_argument("--out", type=Path, default=OUT / "merged", help="output folder (default: %(default)s)")
    p.add_argument(
        "--plots",
        type=_plot_budget,
        default=PLOT_BUDGET,
        metavar="N|all",
        help="plot every case with a problem and at most N others (default: %(default)s), or every case",
    )
    p.add_argument(
        "--history",
        type=Path,
        default=os.environ.get("LRCONFORM_HISTORY") or None,
        help="the trend.json to append this merge's scorecard to (default: $LRCONFORM_HISTORY; none: a new one)",
    )
    p.add_argument(
        "--report-url",
        default=os.environ.get("LRCONFORM_REPORT_URL") or None,
        help="where readers of summary.md find report.html (default: $LRCONFORM_REPORT_URL)",
    )
    _stale_option(p)
    p.set_defaults(run=cmd_merge)
    p = commands.add_parser("diff", help=cmd_diff.__doc__)
    p.add_argument("old", type=Path, help="result file, merged file or folder")
    p.add_argument("new", type=Path, help="result file, merged file or folder")
    p.add_argument("--html", type=Path, help="also write the diff as an HTML page")
    p.add_argument(
        "--threshold", type=float, default=1e-9, help="largest change relative to the peak that is no change"
    )
    p.add_argument("--pair", action="append", default=[], metavar="OLD=NEW", help="compare run OLD with run NEW")
    p.add_argument(
        "--format",
        choices=["text", "markdown"],
        default="text",
        help="text (default), or Markdown for a pull-request comment or a step summary (regressions first)",
    )
    _stale_option(p, baseline=True)
    p.set_defaults(run=cmd_diff)
    p = commands.add_parser("upgrade", help=cmd_upgrade.__doc__)
    p.add_argument("env", nargs="?", help="a framework env to validate a candidate build of (with --to)")
    p.add_argument("--to", action="append", default=[], metavar="SPEC", help="candidate: a requirement or wheel path")
    p.add_argument(
        "--from", dest="base", action="append", default=[], metavar="SPEC", help="baseline other than the pins"
    )
    p.add_argument(
        "--python",
        type=lambda text: text if "/" in text else f"python{text}",
        metavar="X.Y|PATH",
        help="run both sides on this Python (a version tox finds on PATH, or an interpreter's path)",
    )
    p.add_argument("--index-url", help="pip's index for both sides' installs")
    p.add_argument("--find-links", action="append", default=[], metavar="URL", help="more places pip looks for wheels")
    p.add_argument("--file", type=Path, help="declared upgrades (default: reports/upgrades.toml)")
    p.add_argument("--results", type=Path, help=f"folder of runs (default: {OUT})")
    p.add_argument("--out", type=Path, help=f"where the diff pages go (default: {OUT / 'upgrade'})")
    p.add_argument("--threshold", type=float, default=1e-9, help="as for diff")
    _stale_option(p)
    p.set_defaults(run=cmd_upgrade)
    p = commands.add_parser("recover", help=cmd_recover.__doc__)
    p.add_argument("folders", nargs="*", type=Path, default=[OUT], help=f"folders of runs (default: {OUT})")
    p.set_defaults(run=cmd_recover)
    p = commands.add_parser("expand", help=cmd_expand.__doc__)
    p.add_argument("file", type=Path, help="result file or merged file")
    p.set_defaults(run=cmd_expand)
    p = commands.add_parser("unpack", help=cmd_unpack.__doc__)
    p.add_argument("page", type=Path, help="a report.html written by merge")
    p.add_argument("--out", type=Path, help="where the unpacked page goes (default: beside it, NAME-unpacked.html)")
    p.set_defaults(run=cmd_unpack)
    p = commands.add_parser("ci", help=cmd_ci.__doc__)
    p.add_argument("what", choices=["matrix", "exclude", "latest-deps"])
    p.add_argument("env", nargs="?", help="the env, for latest-deps")
    p.set_defaults(run=cmd_ci)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "ci" and args.what == "latest-deps" and not args.env:
        _parser().error("ci latest-deps needs the env name")
    try:
        return args.run(args)
    except BrokenPipeError:  # e.g. `expand ... | head`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ModuleNotFoundError as exc:  # e.g. the report's jinja2 missing where reports/ is used from a bare checkout
        print(
            f"error: {args.command} needs {exc.name}, which is not installed (pip install -e . installs it)",
            file=sys.stderr,
        )
        return 2
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
