"""pytest wiring: options, test generation from the catalogue, outcomes, reports.

Loaded by the root ``conftest.py``. It only wires things together: the catalogue
(``cases.catalogue``), the adapters (``adapters``), the judging (``cases.harness``), the
JSON file (``reports.results``) with its journal (``reports.journal``: each record appended as
it completes, so a killed run keeps what finished), and the atomic replacement of the HTML and
JUnit files other plugins write (``cases.atomic_outputs``).

Under pytest-xdist (``-n N``) each worker plans and runs its share; a case's tests (every probe,
adapter and kernel variant) go to one worker, so each case still runs once (``CaseScheduling``).
Records travel to the controller on their test reports (an attribute of the report, which pytest
serializes with it), and the controller alone keeps the journal and writes the one result file,
in collection order: the same records as a serial run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from adapters import REGISTRY, load_adapter
from model.adapter import distribution_version
from model.errors import CaseFileError
from model.outcomes import OUTCOMES
from reports.journal import Journal
from reports.junit import PROPERTIES
from reports.platform import kernel_dependent

from .atomic_outputs import AtomicOutputs
from .catalogue import DEFAULT_TOLERANCES, load_catalogue, load_tolerances
from .expectations import ExpectationSet, check_expectation_files, load_expectations
from .harness import Harness, Target, build_targets
from .isolation import make_runners
from .vocabulary import Vocabulary

HERE = Path(__file__).parent
ROOT = HERE.parent
STATE = pytest.StashKey["Conformance"]()
JOURNAL = pytest.StashKey[Journal]()

OPTIONS = {
    "--adapters": "comma-separated adapters to run (default: $LRCONFORM_ADAPTERS, else all registered)",
    "--lrconform-json": "result file (default: reports/out/<run name>/results.json; journal beside it while running)",
    "--lrconform-run-name": "name of this run in results (default: the selected adapters joined by '+')",
    "--lrconform-catalogue": "directory of case files (default: cases/catalogue)",
    "--lrconform-expectations": "directory of <adapter>.toml divergence files (default: cases/expectations)",
    "--lrconform-tolerances": "per-dtype tolerance table (default: cases/tolerances.toml)",
    "--lrconform-adapter": "extra adapter NAME=module:Class (repeatable), e.g. a fake framework in tests",
    "--lrconform-isolation": "where adapters run: 'process' (default: a supervised worker per adapter) or 'none' "
    "(in pytest's process, to debug an adapter)",
    "--lrconform-time-limit": "seconds a case may run before its worker is killed (default: derived from the case's "
    "number of updates, see cases/isolation.py TimeLimits)",
    "--lrconform-kernels": "CPU kernel variants to run besides the default, for adapters that offer them "
    "(comma-separated): 'routine' (default: $LRCONFORM_KERNELS, else routine), 'all', 'none', or names from "
    "model/platform.py KERNEL_VARIANTS",
}


class Conformance:
    """Session state: selected adapters, catalogue, expectations, and the harness."""

    def __init__(self, config: pytest.Config):
        opt = config.getoption
        registry = dict(REGISTRY)
        for extra in opt("lrconform_adapter") or []:
            name, sep, spec = extra.partition("=")
            if not sep or ":" not in spec:
                raise pytest.UsageError(f"--lrconform-adapter expects NAME=module:Class, got {extra!r}")
            registry[name] = spec
        chosen = opt("adapters") or os.environ.get("LRCONFORM_ADAPTERS") or ",".join(registry)
        names = [n.strip() for n in chosen.split(",") if n.strip()]
        unknown = [n for n in names if n not in registry]
        if unknown:
            raise pytest.UsageError(f"unknown framework(s) {unknown}; known: {', '.join(sorted(registry))}")
        self.run_name = opt("lrconform_run_name") or "+".join(names)
        self.json_path = Path(opt("lrconform_json") or ROOT / "reports" / "out" / self.run_name / "results.json")
        catalogue_dir = Path(opt("lrconform_catalogue") or HERE / "catalogue")
        expectation_dir = Path(opt("lrconform_expectations") or HERE / "expectations")
        registered = {n: load_adapter(spec) for n, spec in registry.items()}  # pure: no framework is imported
        adapters = {n: registered[n] for n in names}
        try:
            tolerances = load_tolerances(Path(opt("lrconform_tolerances") or DEFAULT_TOLERANCES), root=ROOT)
            # every registered adapter's names and hints are valid in the catalogue, whichever this run selects
            vocabulary = Vocabulary.of(registered, tolerances)
            self.cases = load_catalogue(catalogue_dir, root=ROOT, vocabulary=vocabulary)
            check_expectation_files(expectation_dir, registered, root=ROOT)
            self.expectations = {
                n: load_expectations(expectation_dir, n, root=ROOT, version=distribution_version(a.distribution))
                for n, a in adapters.items()
            }
        except CaseFileError as exc:
            raise pytest.UsageError(str(exc)) from None
        try:
            runners = make_runners(
                adapters,
                opt("lrconform_isolation"),
                opt("lrconform_time_limit"),
                opt("lrconform_kernels") or os.environ.get("LRCONFORM_KERNELS"),
            )
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        self.harness = Harness(runners, tolerances)
        self.adapters = list(adapters)
        self.catalogue_dir = catalogue_dir
        self.collected = False
        self.problem = ""
        self._targets: dict[str, list[Target]] | None = None
        self.records: list[dict[str, Any]] = []  # in the process that writes the result file
        self.order: dict[str, int] = {}  # node id of each conformance test -> its position in the collection
        self.worker_adapters: dict[str, dict[str, Any]] = {}  # under xdist, as the workers found them

    @property
    def targets(self) -> dict[str, list[Target]]:
        """Every generated test, by adapter: planned (in the adapters' workers) when first asked for, so a
        session that collects no conformance test (``pytest tests``) starts no worker."""
        if self._targets is None:
            self._targets = self._plan()
        return self._targets

    def _plan(self) -> dict[str, list[Target]]:
        targets: dict[str, list[Target]] = {name: [] for name in self.adapters}
        try:
            for runner in self.harness.runners.values():
                targets[runner.name] += [
                    t
                    for case in self.cases
                    if case.applies_to(runner.name)
                    for t in build_targets(case, runner, self.expectations[runner.name])
                ]
        except CaseFileError as exc:  # a hint that does not fit its case, or an ambiguous expectation
            self.problem = str(exc)  # a usage error once collection ends (not a module's error)
            return {}
        return targets

    def planning_problem(self) -> str:
        """Plan every target now (if not yet) and say what stops the run (a usage error's line), else ``""``."""
        if self._targets is None:
            self._targets = self._plan()
        return self.problem

    def close(self) -> None:
        self.harness.close()

    def adapter_info(self, config: pytest.Config) -> dict[str, dict[str, Any]]:
        """Each adapter's version, whether it imports and its platform facts: as the workers found them under
        xdist (the controller imports no framework), else from this process's runners."""
        if is_xdist_controller(config):
            return {**self.harness.declared_info(), **self.worker_adapters}
        return self.harness.adapter_info()

    def stale(self, adapter: str) -> ExpectationSet:
        ids = [t.id for t in self.targets[adapter]]
        return ExpectationSet(self.expectations[adapter].stale(ids))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lrconform", "learning-rate scheduler conformance")
    for flag, text in OPTIONS.items():
        dest = flag.lstrip("-").replace("-", "_")
        action = "append" if flag == "--lrconform-adapter" else "store"
        group.addoption(flag, dest=dest, action=action, default=None, help=text)


@pytest.hookimpl(tryfirst=True)  # before pytest-html and junitxml read their paths
def pytest_configure(config: pytest.Config) -> None:
    AtomicOutputs.install(config)
    config.stash[STATE] = state = Conformance(config)
    if not is_xdist_worker(config):
        config.pluginmanager.register(RecordKeeper(config, state), "lrconform-records")


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_xdist_controller(config: pytest.Config) -> bool:
    return not is_xdist_worker(config) and bool(getattr(config.option, "numprocesses", None))


def is_conformance_test(nodeid: str) -> bool:
    """Whether a node id is ``<folder>/test_conformance.py::test_trajectory[<test id>]``."""
    path, _, test = nodeid.partition("::")
    return path.rpartition("/")[2] == "test_conformance.py" and test.startswith("test_trajectory[")


def test_id(nodeid: str) -> str:
    """The test id (a record's ``id``) of a conformance test's node id."""
    return nodeid.partition("::test_trajectory[")[2].removesuffix("]")


def case_group(nodeid: str) -> str:
    """The scheduling group of a test: its case (the test id up to the last ``]-``, where the case id ends and
    the column begins), so that a case's probes, adapters and kernel variants share one worker and one run."""
    if not is_conformance_test(nodeid):
        return nodeid
    head, sep, _column = nodeid.rpartition("]-")
    return head if sep else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Send every test of one case to the same worker (xdist's scope scheduling, scoped by case)."""
    from xdist.scheduler import LoadScopeScheduling

    class CaseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return case_group(nodeid)

    return CaseScheduling(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        state.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    lines = [f"lrconform: {len(state.cases)} cases from {state.catalogue_dir}; results -> {state.json_path}"]
    for key, runner in state.harness.runners.items():  # whether each imports shows in the summary, once it ran
        version = distribution_version(runner.adapter.distribution) or "not installed"
        lines.append(f"lrconform adapter {key}: {runner.adapter.distribution} {version}")
    lines += [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("LRCONFORM_")]
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    state = metafunc.config.stash[STATE]
    if "target" in metafunc.fixturenames:
        targets = [t for group in state.targets.values() for t in group]
        metafunc.parametrize("target", targets, ids=[t.id for t in targets])
        state.collected = True
    if "adapter_name" in metafunc.fixturenames:
        metafunc.parametrize("adapter_name", state.adapters)


@pytest.fixture
def lrconform(request: pytest.FixtureRequest) -> Conformance:
    """The session's conformance state."""
    return request.config.stash[STATE]


def enforce(record: dict[str, Any]) -> None:
    """Turn a record's outcome into the test outcome."""
    outcome, reason = OUTCOMES[record["outcome"]], record.get("reason", "")
    if outcome.pytest == "skip":
        pytest.skip(f"{outcome.label}: {reason}")
    if outcome.pytest == "xfail":
        pytest.xfail(reason.splitlines()[0])
    if outcome.pytest == "fail":
        repro = f"\nreproduce with:\n{record['repro']}" if record.get("repro") else ""
        pytest.fail(f"{record['id']}: {outcome.name}: {reason}{repro}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    record = getattr(item, "lrconform_record", None)
    if record is None or call.when != "call":
        return report
    # as JSON text (what the file will hold), serialized with the report: it reaches an xdist controller
    report.lrconform_record = json.dumps(record, allow_nan=False)
    for key in PROPERTIES:
        item.user_properties.append((key, record.get(key)))
    report.user_properties = list(item.user_properties)
    html = item.config.pluginmanager.getplugin("html")
    if html is not None and record["outcome"] != "agree":
        from pytest_html import extras  # only when pytest-html is active

        report.extras = [*getattr(report, "extras", []), extras.text(record.get("repro") or "", name="reproducer")]
    return report


class RecordKeeper:
    """Registered in the process that writes the result file (the only one, or xdist's controller): keeps
    each test's record as its report arrives, appending it to the journal."""

    def __init__(self, config: pytest.Config, state: Conformance):
        self.config, self.state = config, state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        text = getattr(report, "lrconform_record", None)
        if text is not None and report.when == "call":
            record = json.loads(text)
            self.state.records.append(record)
            if JOURNAL in self.config.stash:
                self.config.stash[JOURNAL].append(record)


def _start_journal(config: pytest.Config, state: Conformance, ids: list[str], adapters: dict[str, Any]) -> None:
    state.order = {nodeid: index for index, nodeid in enumerate(ids) if is_conformance_test(nodeid)}
    run = {"name": state.run_name, "frameworks": state.adapters, "argv": list(config.args)}
    config.stash[JOURNAL] = Journal.start(state.json_path, run, adapters)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the journal once the tests to run are known (not for --collect-only: nothing runs)."""
    state = session.config.stash.get(STATE, None)
    if state is not None and state.problem:
        raise pytest.UsageError(state.problem)
    if state is None or not state.collected or session.config.option.collectonly or is_xdist_worker(session.config):
        return
    _start_journal(session.config, state, [item.nodeid for item in session.items], state.harness.adapter_info())


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """xdist's controller: the first worker's collection says which tests run (every worker collects the same)."""
    state = node.config.stash.get(STATE, None)
    if state is not None and JOURNAL not in node.config.stash and any(map(is_conformance_test, ids)):
        _start_journal(node.config, state, ids, state.harness.declared_info())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: what a worker found out about its adapters (whether each imports, its facts)."""
    state = node.config.stash.get(STATE, None)
    found = getattr(node, "workeroutput", {}).get("lrconform_adapters")
    if state is not None and found:
        for key, info in found.items():  # a worker that could not import an adapter is the one to believe
            if key not in state.worker_adapters or info.get("problem"):
                state.worker_adapters[key] = info


@pytest.hookimpl(tryfirst=True)  # before xdist starts its workers
def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist the controller plans too (plans are pure: the adapters' workers import no framework to make
    them), so that a hint that does not fit its case or an ambiguous expectation stops the run with its one line
    before any worker starts: a worker cannot end a session with a usage error (its controller crashes on it)."""
    state = session.config.stash.get(STATE, None)
    if state is not None and is_xdist_controller(session.config) and state.planning_problem():
        raise pytest.UsageError(state.problem)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The result file (complete when every selected conformance test left its record), then the journal goes;
    an xdist worker hands its adapters' state to the controller instead."""
    config = session.config
    state, journal = config.stash.get(STATE, None), config.stash.get(JOURNAL, None)
    if state is not None and is_xdist_worker(config) and state.collected:
        config.workeroutput["lrconform_adapters"] = state.harness.adapter_info()
    if state is None or journal is None:
        return
    position = {test_id(nodeid): index for nodeid, index in state.order.items()}
    records = sorted(state.records, key=lambda r: position.get(r["id"], len(position)))
    journal.finish(records, state.adapter_info(config), complete=len(records) >= len(state.order))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or JOURNAL not in config.stash:  # nothing ran (not collected, or --collect-only)
        return
    counts: dict[str, int] = {}
    for record in state.records:
        counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    for key, info in state.adapter_info(config).items():
        terminalreporter.write_line(f"lrconform adapter {key}: {info.get('problem') or 'available'}")
    terminalreporter.write_line(f"lrconform: {summary}; results written to {state.json_path}")
    for found in kernel_dependent(state.records):
        outcomes = ", ".join(f"{kernel} {outcome}" for kernel, outcome in found["outcomes"].items())
        terminalreporter.write_line(f"lrconform: verdict depends on the CPU kernels: {found['id']}: {outcomes}")
