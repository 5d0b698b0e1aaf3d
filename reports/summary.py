"""What the report shows, computed from a merged result set: no HTML, no plotting here.

- columns: one per (run, record ``column``), i.e. per framework run and probe, grouped by run
  and adapter so that the same adapter under two framework versions shows twice; every resume probe
  of an adapter (``restored_at_50``, ...) falls in one column, ``<adapter>.resume``;
- the resumes that depart from the reference: where, how, and why when documented;
- the matrix: formula family (rows) x column, each cell counting outcomes and keeping the
  largest errors;
- cases, per family, each with one row per column;
- the equivalence table: per family and framework run, the APIs whose mapping agrees on every
  probe (with each case's call), or why there is none;
- each run's state: complete or not, stale or not (``reports.freshness``), shown as badges on its
  columns, in the environment table and in the warnings above the matrix.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from model.case import resume_point
from model.outcomes import OUTCOMES, SEVERITY, worst

from .freshness import incomplete_note
from .platform import cpu_text, kernel_dependent, kernel_texts

__all__ = [
    "PALETTE",
    "Case",
    "Cell",
    "Column",
    "Report",
    "Resume",
    "RunState",
    "build",
    "by_severity",
    "call_text",
    "column_of",
    "params_text",
    "steps_text",
]

#: Matplotlib's tab20 as (dark, light) pairs: a framework run's first probe takes the dark colour of
#: its pair, other probes the light one; the same colours mark its columns in the plots and tables.
PALETTE = (
    ("#1f77b4", "#aec7e8"), ("#ff7f0e", "#ffbb78"), ("#2ca02c", "#98df8a"), ("#d62728", "#ff9896"),
    ("#9467bd", "#c5b0d5"), ("#8c564b", "#c49c94"), ("#e377c2", "#f7b6d2"), ("#7f7f7f", "#c7c7c7"),
    ("#bcbd22", "#dbdb8d"), ("#17becf", "#9edae5"),
)  # fmt: skip


def by_severity(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """(outcome, count) of the outcomes counted, worst first (:data:`SEVERITY`)."""
    return [(o, counts[o]) for o in SEVERITY if counts.get(o)]


def steps_text(steps: Mapping[str, int] | list[int]) -> str:
    """``0..299``, ``0..990 every 10`` or ``7 listed steps (0..1000)``."""
    if isinstance(steps, Mapping):
        step = steps.get("step", 1)
        last = steps["stop"] - 1 - (steps["stop"] - 1 - steps.get("start", 0)) % step
        return f"{steps.get('start', 0)}..{last}" + (f" every {step}" if step != 1 else "")
    return f"{len(steps)} listed steps ({steps[0]}..{steps[-1]})" if steps else "no steps"


def _value_text(value: Any) -> str:
    if isinstance(value, Mapping) and set(value) == {"api", "kwargs"}:
        return call_text(value["api"], value["kwargs"])
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return repr(value)


def params_text(params: Mapping[str, Any] | None) -> str:
    """``init_lr=0.1, decay_steps=100``: parameters as keyword arguments."""
    return ", ".join(f"{k}={_value_text(v)}" for k, v in (params or {}).items())


def call_text(api: str | None, kwargs: Mapping[str, Any] | None) -> str:
    """``StepLR(step_size=3, gamma=0.1)``: the API's last name and its keyword arguments as recorded."""
    if not api:
        return ""
    return f"{api.rsplit('.', 1)[-1]}({params_text(kwargs)})"


@dataclass(frozen=True)
class Column:
    """One report column: a run's records for one adapter and probe."""

    run: str
    column: str
    adapter: str
    probe: str
    version: str | None
    index: int  # position among the report's columns
    group_index: int  # position of its adapter run among the report's
    first: bool  # the first probe of its adapter run

    @property
    def color(self) -> str:
        return PALETTE[self.group_index % len(PALETTE)][0 if self.first else 1]

    @property
    def key(self) -> tuple[str, str]:
        return (self.run, self.column)

    @property
    def group(self) -> tuple[str, str]:
        """The adapter run this column belongs to (its probes share one header)."""
        return (self.run, self.adapter)


@dataclass
class Cell:
    """Outcome counts and the largest relative error of the records in one matrix cell."""

    counts: Counter = field(default_factory=Counter)
    max_rel_err: float | None = None

    def add(self, record: Mapping[str, Any]) -> None:
        self.counts[record["outcome"]] += 1
        if record.get("max_rel_err") is None:  # not compared (not expressible, skipped, error)
            return
        value = float(record["max_rel_err"])  # "inf" as written by reports.results
        if self.max_rel_err is None or value > self.max_rel_err:
            self.max_rel_err = value

    @property
    def worst(self) -> str:
        return worst(self.counts)

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        """(outcome, count) worst first."""
        return by_severity(self.counts)


@dataclass
class Case:
    """One catalogue case and its record in every column that ran it."""

    id: str
    meta: Mapping[str, Any]
    rows: list[tuple[Column, dict[str, Any]]] = field(default_factory=list)

    @property
    def worst(self) -> str:
        return worst(r["outcome"] for _, r in self.rows)

    @property
    def outcomes(self) -> dict[tuple[str, str], str]:
        """Outcome per column key (the worst, in a column of several probes)."""
        found: dict[tuple[str, str], list[str]] = defaultdict(list)
        for column, record in self.rows:
            found[column.key].append(record["outcome"])
        return {key: worst(outcomes) for key, outcomes in found.items()}

    @property
    def expectations(self) -> list[Mapping[str, Any]]:
        """The distinct expectation entries that document this case's divergences."""
        found = {(str(e["id"]), e.get("source")): e for _, r in self.rows if (e := r.get("expectation"))}
        return list(found.values())

    def split_rows(self) -> tuple[list[tuple[Column, dict[str, Any]]], list[tuple[Column, dict[str, Any]]]]:
        """The rows with something to read (an outcome that is a problem), and the others, each in column order."""
        problems = [(column, r) for column, r in self.rows if OUTCOMES[r["outcome"]].is_problem]
        return problems, [(column, r) for column, r in self.rows if not OUTCOMES[r["outcome"]].is_problem]

    def by_group(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for column, record in self.rows:
            groups[column.group].append(record)
        return groups


@dataclass
class Equivalence:
    """How one framework run expresses one family: APIs that agree (with each case's call), else why not."""

    apis: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # api -> [(case, call, note)]
    misses: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # outcome -> [(case, why)]

    def add(self, case: str, records: list[dict[str, Any]]) -> None:
        """File one case: its call when every probe agrees, else the worst probe's outcome and why."""
        outcome = worst(r["outcome"] for r in records)
        record = next(r for r in records if r["outcome"] == outcome)
        if outcome == "agree":
            call = call_text(record["api"], record["kwargs"])
            self.apis.setdefault(record["api"], []).append((case, call, record.get("mapping_note") or ""))
        else:
            why = (record.get("expectation") or {}).get("reason") or (record.get("reason") or "").split("\n", 1)[0]
            self.misses.setdefault(outcome, []).append((case, why))


@dataclass(frozen=True)
class RunState:
    """Whether a run is complete and current, and why not."""

    complete: bool
    note: str  # how far an incomplete run got ("" when complete)
    stale: tuple[str, ...]

    @property
    def badges(self) -> list[tuple[str, str]]:
        """(label, why) for each problem: ``INCOMPLETE``, ``STALE``."""
        badges = [] if self.complete else [("INCOMPLETE", self.note)]
        return badges + ([("STALE", "; ".join(self.stale))] if self.stale else [])


@dataclass
class Report:
    """Everything the report template shows, in display order."""

    runs: list[Mapping[str, Any]]
    columns: list[Column]
    families: list[str]
    cells: dict[tuple[str, tuple[str, str]], Cell]
    cases: dict[str, list[Case]]  # family -> cases
    equivalence: dict[tuple[str, tuple[str, str]], Equivalence]  # (family, group) -> entry
    totals: Counter
    warnings: list[str]
    states: dict[str, RunState]
    kernel_dependent: list[tuple[str, dict[str, Any]]]  # (run, {"id", "outcomes": {kernel: outcome}})
    resumes: list[Resume] = field(default_factory=list)  # the resumes that depart, documented or not
    resumed: Counter = field(default_factory=Counter)  # outcome -> resume records

    @property
    def cpus(self) -> list[str]:
        """Each run's CPU, as a line."""
        return [cpu_text(run.get("environment")) for run in self.runs]

    @property
    def kernels(self) -> list[dict[str, str]]:
        """Each run's adapters and kernel variants: their kernel choice and the framework's facts."""
        return [kernel_texts(run.get("adapters")) for run in self.runs]

    @property
    def tolerances(self) -> list[tuple[str, str]]:
        """(dtype, reason) of every tolerance some record was judged with."""
        found = {
            (r["dtype"], r.get("tolerance_reason") or "")
            for cases in self.cases.values()
            for c in cases
            for _, r in c.rows
            if r.get("dtype")
        }
        return sorted(found)

    @property
    def packages(self) -> list[tuple[str, list[str | None]]]:
        """(distribution, version in each run) for every distribution installed in some run."""
        installed = [(run.get("environment") or {}).get("packages") or {} for run in self.runs]
        names = dict.fromkeys(name for packages in installed for name in packages)
        rows = [(name, [packages.get(name) for packages in installed]) for name in names]
        return [(name, versions) for name, versions in rows if any(versions)]

    @property
    def groups(self) -> list[tuple[tuple[str, str], list[Column]]]:
        """Columns grouped by framework run, in order."""
        grouped: dict[tuple[str, str], list[Column]] = {}
        for column in self.columns:
            grouped.setdefault(column.group, []).append(column)
        return list(grouped.items())


def column_of(record: Mapping[str, Any]) -> tuple[str, str]:
    """(run, column) of a record in the report: its own column, or its adapter's resume column."""
    if resume_point(record["probe"]) is None:
        return (record["run"], record["column"])
    kernel = f"@{record['kernel']}" if record.get("kernel") else ""
    return (record["run"], f"{record['adapter']}.resume{kernel}")


@dataclass(frozen=True)
class Resume:
    """A resume that departs from the reference: the case, the adapter, how it resumed and from where."""

    run: str
    case: str
    adapter: str
    way: str
    point: int
    record: Mapping[str, Any]


#: Outcomes of a faithful resume, or of none that ran.
_NOT_DEPARTING = frozenset({"agree", "skipped", "not_expressible"})


def _departing_resumes(results: list[dict[str, Any]]) -> list[Resume]:
    """The resume records that depart from the reference where the same adapter's other probes of the case do
    not: earlier than any of them, or with an error. A divergence every probe shares is the schedule's own."""

    def run_of(record: Mapping[str, Any]) -> tuple[str, str, str, str]:
        return (record["run"], record["case"], record["adapter"], record.get("kernel") or "")

    earliest: dict[tuple[str, str, str, str], float] = {}
    for record in results:
        if resume_point(record["probe"]) is None and record.get("first_divergent_step") is not None:
            key = run_of(record)
            earliest[key] = min(earliest.get(key, math.inf), record["first_divergent_step"])
    departing = []
    for record in results:
        point = resume_point(record["probe"])
        if point is None or record["outcome"] in _NOT_DEPARTING:
            continue
        step = record.get("first_divergent_step")
        if step is None or step < earliest.get(run_of(record), math.inf):
            departing.append(Resume(record["run"], record["case"], record["adapter"], *point, record))
    return departing


def _columns(runs: list[Mapping[str, Any]], results: list[dict[str, Any]]) -> dict[tuple[str, str], Column]:
    versions = {
        (run["name"], name): (info or {}).get("version")
        for run in runs
        for name, info in (run.get("adapters") or {}).items()
    }
    columns: dict[tuple[str, str], Column] = {}
    groups: dict[tuple[str, str], int] = {}
    for record in results:
        key, group = column_of(record), (record["run"], record["adapter"])
        if key not in columns:
            version = record.get("framework_version") or versions.get(group)
            first = group not in groups
            groups.setdefault(group, len(groups))
            probe = "resume" if resume_point(record["probe"]) else record["probe"]
            columns[key] = Column(*key, record["adapter"], probe, version, len(columns), groups[group], first)
    return columns


def _states(runs: list[Mapping[str, Any]], results: list[dict[str, Any]]) -> dict[str, RunState]:
    counts = Counter(record["run"] for record in results)
    return {
        run["name"]: RunState(
            complete=run.get("complete") is not False,
            note="" if run.get("complete") is not False else incomplete_note(run, counts[run["name"]]),
            stale=tuple(run.get("stale") or ()),
        )
        for run in runs
    }


def _warnings(runs: list[Mapping[str, Any]], states: Mapping[str, RunState]) -> list[str]:
    notes = [f"run {name!r} is {label}: {why}" for name, state in states.items() for label, why in state.badges]
    commits = {(run.get("suite") or {}).get("commit") for run in runs}
    if len(commits) > 1:
        notes.append(f"the runs come from {len(commits)} different suite commits: compare their environments below")
    cpus = {cpu_text(run.get("environment"), switches=False) for run in runs}  # a Keras backend is not a CPU
    if len(cpus) > 1:
        notes.append(f"the runs come from {len(cpus)} different CPUs: float32 results may round differently")
    dirty = [run["name"] for run in runs if (run.get("suite") or {}).get("dirty")]
    if dirty:
        notes.append(f"run(s) {', '.join(dirty)} ran on a work tree with uncommitted changes")
    for run in runs:
        for name, info in (run.get("adapters") or {}).items():
            if (info or {}).get("problem"):
                notes.append(f"run {run['name']!r}: adapter {name!r} could not run: {info['problem']}")
    return notes


def build(merged: Mapping[str, Any]) -> Report:
    """The report's content from a merged envelope (see ``reports.merge``)."""
    runs, results = list(merged["runs"]), merged["results"]
    states = _states(runs, results)
    columns = _columns(runs, results)
    cells: dict[tuple[str, tuple[str, str]], Cell] = defaultdict(Cell)
    cases: dict[str, dict[str, Case]] = defaultdict(dict)
    for record in results:
        column = columns[column_of(record)]
        cells[(record["family"], column.key)].add(record)
        family_cases = cases[record["family"]]
        case = family_cases.setdefault(record["case"], Case(record["case"], record))
        case.rows.append((column, record))
    order = {key: index for index, key in enumerate(columns)}
    equivalence: dict[tuple[str, tuple[str, str]], Equivalence] = defaultdict(Equivalence)
    for family, family_cases in cases.items():
        for case in family_cases.values():
            case.rows.sort(key=lambda row: order[row[0].key])
            for group, records in case.by_group().items():
                equivalence[(family, group)].add(case.id, records)
    return Report(
        runs=runs,
        columns=list(columns.values()),
        families=list(cases),
        cells=dict(cells),
        cases={family: list(found.values()) for family, found in cases.items()},
        equivalence=dict(equivalence),
        totals=Counter(r["outcome"] for r in results),
        warnings=_warnings(runs, states),
        states=states,
        kernel_dependent=[
            (run["name"], found)
            for run in runs
            for found in kernel_dependent(r for r in results if r["run"] == run["name"])
        ],
        resumes=_departing_resumes(results),
        resumed=Counter(r["outcome"] for r in results if resume_point(r["probe"])),
    )
