"""The adapter skeleton: what every adapter is made of, and the helpers they share.

An adapter is a declaration over :class:`ProgramAdapter`: its framework (``name``, ``distribution``,
``module``, ``kernels``), the hints it reads, its **bindings** (formula -> the framework's APIs that can
express it, closest first, each a function from the case's completed parameters to a :class:`Call`),
the reference identities it may rewrite a formula through when it has no direct API, its **probes**
and its **program** (a template the plan fills: the standalone reproducer that the run executes). The
base class does the rest the same way for every framework: complete the case's parameters with the
reference's defaults, try the bindings (:func:`first_fit`), render the call, build the plan, run the
program and pick each probe's values.
"""

from __future__ import annotations

import importlib
import math
import re
import textwrap
import warnings
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, ClassVar, NamedTuple, TypeVar

import numpy as np

import reference
from model.adapter import NotExpressible, OtherVariant, Plan, Probe, Trajectory, py
from model.case import Case
from model.hints import HintError, HintKey, HintKeys, one_of
from reference import identities

__all__ = [
    "NEW_INTERPRETER",
    "RESUME_PROLOGUE",
    "Binding",
    "Call",
    "Ctx",
    "Mapped",
    "ProgramAdapter",
    "ProgramRun",
    "Renamed",
    "Rewrite",
    "SgdLoop",
    "api_hint",
    "as_int",
    "at_steps",
    "constructing",
    "construction_span",
    "first_fit",
    "import_problem",
    "picked",
    "program_blocks",
    "resume_epilogue",
    "resume_probes",
    "run_program",
    "select",
    "steps_source",
    "via",
]

Spec = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One call of a framework API, as the program makes it and the record shows it; ``parts`` are the
    calls nested in it (``SequentialLR``'s schedulers, ``join_schedules``' schedules)."""

    api: str
    kwargs: Mapping[str, Any]
    parts: tuple[Call, ...] = ()

    def arguments(self) -> str:
        """``k=v, ...`` as Python source (shortest round-trip floats, code unquoted)."""
        return ", ".join(f"{k}={py(v)}" for k, v in self.kwargs.items())


@dataclass(frozen=True)
class Mapped:
    """A binding's answer: the call, why closer APIs were not used, and what else the program needs
    (``extra``: e.g. the optimizer rate a torch scheduler is relative to, source to define first)."""

    call: Call
    note: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ctx:
    """What a binding may depend on besides the parameters: the last step the call runs to (local to it)
    and the adapter's hints (top-level call only). Adapters extend it with their own fields."""

    last_step: int
    hint: Mapping[str, Any] = field(default_factory=dict)
    adapter: ProgramAdapter | None = field(default=None, repr=False, compare=False)
    #: The case is an invalid-parameter case: a binding that fails on its values cannot express it.
    invalid: bool = False

    def nested(self, spec: Mapping[str, Any], **changes: Any) -> Mapped:
        """Map a spec nested in this call (a part of a sequence, a factor of a product) with this adapter,
        in this context with ``changes`` and without the top-level hints."""
        if self.adapter is None:
            raise TypeError("a context without its adapter cannot map nested specs")
        return self.adapter.map(spec, replace(self, hint={}, **changes))


#: A binding: (completed parameters, context) -> the call; :class:`NotExpressible` when it cannot.
Binding = Callable[[Mapping[str, Any], Any], Mapped]
#: A rewrite through a reference identity: (completed spec, context) -> an equivalent spec, or ``None``.
Rewrite = Callable[[Mapping[str, Any], Any], Mapping[str, Any] | None]


#: Where an invalid-parameter case's NaN and infinities come from in its program: values and code are written with
#: ``repr``, which writes them as these names.
_NON_FINITE = "from math import inf, nan  # the case's non-finite parameters, as repr writes them\n"

#: What a binding or identity may raise on values out of the domain (a division by the zero it was given, the first
#: of an empty list): for an invalid-parameter case, the mapping cannot write the call.
_MAPPING_FAILURES = (ArithmeticError, LookupError, ValueError, TypeError)


def _bound(binding: Binding, params: Mapping[str, Any], ctx: Any) -> Mapped:
    """``binding(params, ctx)``; for an invalid-parameter case, an arithmetic or value error of the binding itself
    (a mapping that divides by the zero it was given), or a complex argument it computed (a negative base to a
    fractional power), is :class:`NotExpressible`, naming it: the binding cannot write the call, which is no
    behaviour of the framework."""
    if not ctx.invalid:
        return binding(params, ctx)
    try:
        mapped = binding(params, ctx)
    except HintError:
        raise
    except _MAPPING_FAILURES as exc:
        raise NotExpressible(f"the mapping cannot write the call: {type(exc).__name__}: {exc}") from None
    complex_ = next((k for k, v in mapped.call.kwargs.items() if isinstance(v, complex)), None)
    if complex_ is not None:
        raise NotExpressible(f"the mapping computes a complex {complex_}={mapped.call.kwargs[complex_]!r}")
    return mapped


def as_int(value: Any, api: str, name: str) -> int:
    """``value`` as an int, or :class:`NotExpressible` when the API needs an integer."""
    if isinstance(value, bool) or not float(value).is_integer():
        raise NotExpressible(f"{api} needs an integer {name}, the case has {name}={value!r}")
    return int(value)


@dataclass(frozen=True)
class Renamed:
    """A binding that passes the case's parameters under the API's names: ``kwargs`` maps each keyword, in the
    order the call passes them, to a reference parameter (or a function of the parameters computing its value).
    Parameters in ``unless_default`` are passed only when the case sets them to other than their default in
    ``formula`` (the API's default too), as a user writes the call. ``note`` may be a function of the parameters.
    ``refuse`` pairs a condition on (parameters, context) with the reason it makes the binding
    :class:`NotExpressible`; the first that holds wins."""

    api: str
    kwargs: Mapping[str, str | Callable[[Mapping[str, Any]], Any]]
    note: str | Callable[[Mapping[str, Any]], str] = ""
    refuse: Sequence[tuple[Callable[[Mapping[str, Any], Any], Any], str]] = ()
    unless_default: Collection[str] = ()
    formula: str = ""

    def __call__(self, p: Mapping[str, Any], ctx: Any) -> Mapped:
        reason = next((reason for condition, reason in self.refuse if condition(p, ctx)), None)
        if reason is not None:
            raise NotExpressible(reason)
        defaults = reference.parameters(self.formula) if self.unless_default else {}
        kwargs = {
            keyword: source(p) if callable(source) else p[source]
            for keyword, source in self.kwargs.items()
            if source not in self.unless_default or p[source] != defaults[source].default
        }
        return Mapped(Call(self.api, kwargs), self.note(p) if callable(self.note) else self.note)


def via(formula: str, identity: Rewrite, note: str = "", refusal: str = "") -> Binding:
    """A binding through a reference identity: the case, as a spec of ``formula``, rewritten into a formula the
    adapter binds and mapped by its bindings, with ``note``; :class:`NotExpressible` with ``refusal`` when the
    identity does not apply (returns ``None``)."""

    def bind(p: Mapping[str, Any], ctx: Any) -> Mapped:
        spec = identity({"formula": formula, **p}, ctx)
        if spec is None:
            raise NotExpressible(refusal)
        return replace(ctx.nested(spec), note=note)

    return bind


R = TypeVar("R")


def first_fit(
    bindings: Mapping[str, Sequence[tuple[str, Callable[..., R]]]],
    formula: str,
    api: str | None,
    hint_only: Collection[tuple[str, str]],
    apply: Callable[[Callable[..., R]], R],
    what: str,
    *,
    hint_field: str,
) -> R:
    """The first binding of ``formula`` that expresses the case, its ``note`` prefixed with why closer
    ones did not (the bindings return dataclasses with a ``note`` field).

    ``bindings`` maps a formula to ``(api, binding)`` pairs, closest API first; ``api`` picks one
    (a case hint), and pairs in ``hint_only`` are tried only when picked. ``apply`` calls a
    binding; one raising :class:`NotExpressible` passes to the next. When none fits, the
    :class:`NotExpressible` names every reason (``what`` names the kind of API, e.g.
    ``"torch scheduler"``). An ``api`` that is no binding of ``formula`` is a :class:`HintError`
    in ``hint_field`` (the hint that named it, e.g. ``"hints.torch.api"``).
    """
    known = ", ".join(name for name, _ in bindings.get(formula, ())) or "none"
    choices = [(name, fn) for name, fn in bindings.get(formula, ()) if api in (None, name)]
    if api is None:
        choices = [(name, fn) for name, fn in choices if (formula, name) not in hint_only]
    elif not choices:
        raise HintError(hint_field, f"{api} is no {what} for formula {formula!r} (mapped: {known})")
    if not choices:
        raise NotExpressible(f"no {what} for {formula!r} (mapped: {known})")
    reasons: list[str] = []
    others: list[str] = []  # APIs for another variant of the formula: named only when no other reason is
    for name, fn in choices:
        try:
            found = apply(fn)
        except OtherVariant as exc:
            others.append(f"{name}: {exc}")
            continue
        except NotExpressible as exc:
            reasons.append(f"{name}: {exc}")
            continue
        passed_over = f"closer APIs do not fit ({'; '.join(reasons)})" if reasons else ""
        return replace(found, note="; ".join(n for n in (passed_over, found.note) if n))
    raise NotExpressible("; ".join(reasons or others))


def api_hint(bindings: Mapping[str, Sequence[tuple[str, object]]], about: str) -> HintKey:
    """The ``api`` hint of an adapter with :func:`first_fit` bindings: the name of one of its APIs."""
    return HintKey("a string", about, one_of({api for pairs in bindings.values() for api, _ in pairs}))


def import_problem(module: str, source: str = "") -> str | None:
    """``None`` when ``module`` imports (by ``source``, the lines a program imports it with, when given), else the
    reason it does not."""
    try:
        if source:
            exec(compile(source, f"<import {module}>", "exec"), {"__name__": "__lrconform_import__"})
        else:
            importlib.import_module(module)
    except Exception as exc:  # an install can be broken in many ways; report, do not crash
        return f"{module} not importable: {type(exc).__name__}: {exc}"
    return None


class ProgramRun(NamedTuple):
    """What a program left: its output lists (as far as they got), its error (``"Type: message"``) or ``None``,
    the warnings raised while it ran, and whether the error was raised before the first call (:func:`constructing`)."""

    lists: dict[str, list]
    error: str | None
    warnings: tuple[str, ...]
    in_construction: bool = False


def run_program(
    source: str, filename: str, outputs: tuple[str, ...], construction: str = "", given: Mapping[str, Any] | None = None
) -> ProgramRun:
    """Execute a reproducer and collect its output lists, even when it stops part-way; ``construction`` is the
    source text of its API call (:attr:`model.adapter.Plan.construction`), to tell where an error came from;
    ``given`` names that the program finds defined (``in_new_interpreter``: :attr:`ProgramAdapter.new_interpreter`)."""
    namespace: dict[str, Any] = {"__name__": "__lrconform_repro__", "math": math, **(given or {})}
    in_construction = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(source, filename, "exec"), namespace)  # the program is our own, generated by plan()
            error = None
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            in_construction = constructing(exc.__traceback__, filename, construction_span(source, construction))
    seen = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return ProgramRun({name: list(namespace.get(name, [])) for name in outputs}, error, seen, in_construction)


def construction_span(source: str, construction: str) -> tuple[int, int] | None:
    """The (1-based) first and last line of the first occurrence of ``construction`` (the rendered call) in
    ``source``, found by its first line (a program may indent the rest); ``None`` when it does not occur."""
    head = construction.split("\n", 1)[0]
    start = source.find(head) if head else -1
    if start < 0:
        return None
    first = source.count("\n", 0, start) + 1
    return first, first + construction.count("\n")


def constructing(tb: TracebackType | None, filename: str, span: tuple[int, int] | None) -> bool:
    """Whether an exception was raised before the first call: the program's top-level statement stood on a line up
    to the end of the API's construction (``span``; the setup before it included, e.g. an optimizer rejecting the
    rate a scheduler scales), or a function of the program stood inside the construction (optax's
    ``make_schedule()``, called later at top level), unless that function is written inside the call itself (a
    ``LambdaLR``'s lambda, run by the framework at a later step: its error is the later call's)."""
    if span is None:
        return False
    first, last = span
    frames = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            frames.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    if frames and frames[0][1] <= last:
        return True
    return any(first <= line <= last and not first <= code.co_firstlineno <= last for code, line in frames[1:])


def steps_source(steps: np.ndarray) -> str:
    """The case's steps as the NumPy int64 array a user would write (``np.arange`` for a range)."""
    if steps.size > 1 and np.all(np.diff(steps) == steps[1] - steps[0]):
        start, stop, stride = int(steps[0]), int(steps[-1]) + int(steps[1] - steps[0]), int(steps[1] - steps[0])
        return f"np.arange({start}, {stop})" if stride == 1 else f"np.arange({start}, {stop}, {stride})"
    return f"np.array({[int(s) for s in steps]})"


def at_steps(values: list[float], steps: np.ndarray) -> np.ndarray:
    """Values recorded at the case's own steps, in order; NaN where the run stopped before one."""
    table = np.full(steps.size, np.nan)
    table[: min(len(values), steps.size)] = values[: steps.size]
    return table


def select(values: list[float], steps: np.ndarray) -> np.ndarray:
    """Values recorded for steps 0, 1, 2, ... picked at ``steps``; NaN where none was recorded."""
    table = np.full(int(steps[-1]) + 1, np.nan)
    table[: min(len(values), table.size)] = values[: table.size]
    return table[steps]


#: A line that starts a block of a program: ``# probe "applied": ...`` or ``# probes "a" and "b": ...``.
_BLOCK = re.compile(r'^# probes? ((?:"[\w.-]+"(?:, | and )?)+):', re.M)


def program_blocks(source: str, probes: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    """(probes, source to run) per block of a program: a program whose probes come from separate blocks
    (each after a ``# probe "name":`` line) runs each block after the shared preamble on its own, so that
    a block that raises (TF-Addons' ``TypeError`` on an int64 step) does not hide the other probes'
    numbers. A program without such lines is one block yielding every probe."""
    marks = list(_BLOCK.finditer(source))
    if not marks:
        return [(probes, source)]
    ends = [m.start() for m in marks[1:]] + [len(source)]
    preamble = source[: marks[0].start()]
    return [
        (tuple(re.findall(r'"([\w.-]+)"', m.group(1))), preamble + source[m.start() : end])
        for m, end in zip(marks, ends, strict=True)
    ]


def picked(probe: Probe, run: ProgramRun, steps: np.ndarray) -> Trajectory:
    """A probe's trajectory from the values its program recorded: the compared steps, picked as the probe
    is indexed; NaN where the run stopped early, and the run's error only when it stopped this probe early
    (``raised_in="construction"`` when it was raised before the first call: :func:`constructing`)."""
    values = run.lists[probe.name]
    expected = steps.size if probe.per == "step" else int(steps[-1]) + 1
    pick = at_steps if probe.per == "step" else select
    dtype = str(np.asarray(values).dtype) if probe.measured and values else probe.dtype
    if len(values) >= expected or run.error is None:
        return Trajectory(pick(values, steps), dtype, None, run.warnings)
    reached = min(len(values), steps.size) if probe.per == "step" else int(np.searchsorted(steps, len(values)))
    raised_in = "construction" if run.in_construction else ""
    return Trajectory(pick(values, steps), dtype, run.error, run.warnings, raised_in, reached)


class ProgramAdapter:
    """An adapter made of declarations (see the module docstring); subclasses set the class attributes and
    write :meth:`render` and :meth:`program`."""

    name: ClassVar[str]
    distribution: ClassVar[str]
    module: ClassVar[str]
    kernels: ClassVar[str | None] = None
    #: How the programs import the framework, when not ``import <module>`` (checked the same way).
    import_source: ClassVar[str] = ""
    hint_keys: ClassVar[HintKeys] = {}
    #: The ``hints.<section>`` this adapter reads ``api`` from (default: its name).
    hint_section: ClassVar[str | None] = None
    #: What its APIs are, in messages ("torch scheduler").
    what: ClassVar[str]
    #: formula -> (api, binding) pairs, closest API first.
    bindings: ClassVar[Mapping[str, Sequence[tuple[str, Binding]]]]
    #: (formula, api) pairs used only when a case asks for that API (``hints.<section>.api``).
    hint_only: ClassVar[Collection[tuple[str, str]]] = frozenset()
    #: formula -> why the framework has no API for it.
    unmapped: ClassVar[Mapping[str, str]] = {}
    #: formula -> a rewrite into a formula the bindings cover (a reference identity), tried first.
    rewrites: ClassVar[Mapping[str, Rewrite]] = {}
    #: The key under which a call's ``parts`` are recorded.
    parts_key: ClassVar[str] = "schedules"
    #: Where the APIs live, for their qualified names in records (``torch.optim.lr_scheduler``).
    namespace: ClassVar[str]
    #: How a program that resumes runs its restoring source in a new interpreter: ``None``, a new Python process
    #: each time, as the program does when run by hand; a worker sets one restoring interpreter that it reuses
    #: (``cases.restorer.Restorer``), so the framework is imported once per worker, not once per case.
    new_interpreter: Callable[..., Any] | None = None

    # --- what each framework writes ---------------------------------------------------------------

    def render(self, call: Call, indent: str = "") -> str:
        """The call as source in the program."""
        raise NotImplementedError

    def qualified(self, call: Call) -> str:
        """The call's fully qualified API name, as records show it."""
        return f"{self.namespace}.{call.api}"

    def program(self, case: Case, mapped: Mapped, ctx: Ctx) -> tuple[str, Mapping[str, Any], tuple[Probe, ...], str]:
        """(the program's source, the setup to record, the probes it yields, a note) for a mapped case."""
        raise NotImplementedError

    def context(self, case: Case) -> Ctx:
        """The context of the case's top-level call."""
        return Ctx(int(case.steps[-1]), self.hint(case), self)

    # --- the same for every framework ------------------------------------------------------------

    def hint(self, case: Case) -> Mapping[str, Any]:
        return case.hint(self.hint_section or self.name)

    def map(self, spec: Mapping[str, Any], ctx: Any, api: str | None = None) -> Mapped:
        """The first binding that expresses a completed spec (nested specs map through here too)."""
        formula = spec["formula"]
        rewritten = self.rewritten(spec, ctx, api)
        if rewritten is not None:
            try:
                return self.map((reference.fill if ctx.invalid else reference.complete)(rewritten), ctx, api)
            except NotExpressible as exc:
                if formula in self.rewrites:  # the adapter's own rewrite: its reasons are the formula's
                    raise
                raise NotExpressible(f"as {rewritten['formula']} (a reference identity of {formula}): {exc}") from None
        if formula in self.unmapped:
            raise NotExpressible(self.unmapped[formula])
        params = {k: v for k, v in spec.items() if k != "formula"}
        section = self.hint_section or self.name
        return first_fit(
            self.bindings, formula, api, self.hint_only, lambda fn: _bound(fn, params, ctx), self.what,
            hint_field=f"hints.{section}.api",
        )  # fmt: skip

    def rewritten(self, spec: Mapping[str, Any], ctx: Any, api: str | None) -> Mapping[str, Any] | None:
        """The spec as another formula the adapter maps instead, or ``None``: the adapter's own rewrite for the
        formula, else, when the adapter has no API for the formula and no reason why not (``unmapped``), its
        reference identity (``reference.identities.BY_FORMULA``). An API of the formula that the case asks for
        wins over both."""
        formula = spec["formula"]
        if api is not None and any(name == api for name, _ in self.bindings.get(formula, ())):
            return None
        if formula in self.rewrites:
            return self.rewrites[formula](spec, ctx)
        if formula in self.bindings or formula in self.unmapped:
            return None
        identity = identities.BY_FORMULA.get(formula)
        return identity(spec) if identity else None

    def hinted(self, mapped: Mapped, ctx: Ctx) -> Mapped:
        """The top-level call as the case's hints change it (arguments added, or left at the framework's
        defaults); as mapped unless the adapter reads such hints. Nested calls are not hinted."""
        return mapped

    def record(self, call: Call) -> dict[str, Any]:
        """The call's keyword arguments as records show them, nested calls under :attr:`parts_key`."""
        kwargs = dict(call.kwargs)
        if call.parts:
            kwargs[self.parts_key] = [{"api": self.qualified(p), "kwargs": self.record(p)} for p in call.parts]
        return kwargs

    def plan(self, case: Case) -> Plan:
        """The case's plan. An invalid-parameter case's parameters are filled in without the reference's checks,
        and a binding that fails on them (divides by zero, ...) makes the case not expressible: every framework
        that can express the call is given it, whatever the values."""
        ctx = replace(self.context(case), invalid=bool(case.invalid))
        if case.invalid:
            try:
                mapped = self.hinted(self.map(reference.fill({"formula": case.formula, **case.params}), ctx,
                                              self.hint(case).get("api")), ctx)  # fmt: skip
            except HintError:
                raise
            except _MAPPING_FAILURES as exc:  # a reference identity the adapter maps through, on these values
                raise NotExpressible(f"the mapping cannot write the call: {type(exc).__name__}: {exc}") from None
        else:
            spec = reference.complete({"formula": case.formula, **case.params})
            mapped = self.hinted(self.map(spec, ctx, self.hint(case).get("api")), ctx)
        source, setup, probes, note = self.program(case, mapped, ctx)
        if case.invalid:
            source = _NON_FINITE + source
        return Plan(self.qualified(mapped.call), self.record(mapped.call), setup, source, probes, note,
                    self.render(mapped.call))  # fmt: skip

    def run(self, case: Case, plan: Plan) -> dict[str, Trajectory]:
        by_name, out = {p.name: p for p in plan.probes}, {}
        for names, source in program_blocks(plan.repro, plan.probe_names):
            given = {"in_new_interpreter": self.new_interpreter} if self.new_interpreter else None
            ran = run_program(source, f"<{self.name} repro {case.id}>", names, plan.construction, given)
            out |= {name: picked(by_name[name], ran, case.steps) for name in names}
        return out


# --- resume: checkpoints restored into new objects in a new interpreter ------------------------------------------

#: How a program that resumes starts its new interpreter when run by hand: a new Python process per restore.
#: The suite's workers define ``in_new_interpreter`` before running it (:attr:`ProgramAdapter.new_interpreter`).
NEW_INTERPRETER = '''\
if "in_new_interpreter" not in globals():  # lrconform's workers bring one restoring interpreter, reused per worker

    def in_new_interpreter(source, *args):
        """Run ``source`` in a new Python process (this one's interpreter and environment); its last line is JSON."""
        done = subprocess.run([sys.executable, "-c", source, *args], capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"the new interpreter failed: {' '.join(done.stderr.strip().splitlines()[-1:])}")
        return json.loads(done.stdout.strip().splitlines()[-1])
'''

#: Appended to a program that resumes: ``RESUME`` (the adapter's restoring source, which defines one function per
#: way of resuming, taking the resume point ``k`` and returning the rates at the compared steps from ``k`` on) runs
#: in a new Python process that shares nothing with this one but the checkpoint files; each ``<how>_at_<k>`` probe
#: is this run's rates before ``k`` followed by the restored run's.
_RESUME_EPILOGUE = '''
RESUME = r"""
import json
import os
import sys
import warnings

folder, compared, last = sys.argv[1], set(json.loads(sys.argv[2])), int(sys.argv[3])
{restore}

answers = {{}}
for name, how, k in {points}:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            answers[name] = {{"rates": how(k), "error": None}}
        except Exception as exc:
            answers[name] = {{"rates": [], "error": f"{{type(exc).__name__}}: {{exc}}"}}
    answers[name]["warnings"] = sorted({{f"{{w.category.__name__}}: {{w.message}}" for w in caught}})
print(json.dumps(answers))
"""


{new_interpreter}

compared_steps = [int(s) for s in {steps}]
answers = in_new_interpreter(RESUME, checkpoints, json.dumps(compared_steps), str({last}))
shutil.rmtree(checkpoints)
failed = []


def resumed(name, k):
    """{prefix} before ``k``, then what the restored objects gave; a failure is raised below, after every probe."""
    for warning in answers[name]["warnings"]:
        warnings.warn(f"{{name}}: {{warning}}", stacklevel=1)
    if answers[name]["error"]:
        failed.append(f"{{name}}: {{answers[name]['error']}}")
    return [rate for step, rate in zip(compared_steps, {prefix}) if step < k] + answers[name]["rates"]


{assignments}
if failed:
    raise RuntimeError("; ".join(failed))
'''

#: Defines ``checkpoints`` (a new folder) and ``resume_at`` in a program that resumes, before its training loop.
RESUME_PROLOGUE = """\
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

checkpoints = tempfile.mkdtemp(prefix="lrconform-checkpoints-")  # the files a restarted job finds
resume_at = {points}  # after this many updates a checkpoint is saved
"""


def resume_probes(case: Case, ways: Sequence[str]) -> tuple[Probe, ...]:
    """The ``<how>_at_<k>`` probes of a case's resume points: rates at the compared steps, in Python floats."""
    return tuple(Probe(case.resume_probe(how, k)) for how in ways for k in case.resume)


def resume_epilogue(case: Case, ways: Sequence[str], restore: str, prefix: str) -> str:
    """The end of a program that resumes (:data:`_RESUME_EPILOGUE`): ``restore`` defines a function per name in
    ``ways``; ``prefix`` is this run's list of rates at the compared steps, the probes' values before ``k``."""
    if '"""' in restore:
        raise ValueError("a restoring source must not contain triple double quotes: it is embedded in them")
    points = [(case.resume_probe(how, k), how, k) for how in ways for k in case.resume]
    listed = "[" + ", ".join(f"({name!r}, {how}, {k})" for name, how, k in points) + "]"
    return _RESUME_EPILOGUE.format(
        restore=restore,
        points=listed,
        steps=steps_source(case.steps),
        last=int(case.steps[-1]),
        prefix=prefix,
        new_interpreter=NEW_INTERPRETER.rstrip(),
        assignments="\n".join(f"{name} = resumed({name!r}, {k})" for name, _, k in points),
    )


# --- the training loop of a stateful scheduler over plain SGD (torch, Paddle) -------------------------------------

_LOOP = """\
import math

import numpy as np
{imports}
{block}{prologue}{metrics}
{objects}
compared = set({steps}.tolist())
{lists} = {empty}
for step in range({count}):
    if {tick}:
        {step_call}  # {when}
{save}    if step in compared:  # an update whose rate is compared (the others would not change the schedule)
{reads}{zero}
        optimizer.step()  # the parameter moves by exactly -lr
        applied.append(-param.item())
"""

_LOOP_SAVE = """\
    if step in resume_at:  # a checkpoint after `step` updates, saved as {framework} documents
        state = {{"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}}
        {save}(state, os.path.join(checkpoints, f"{{step}}.{suffix}"))
"""

#: Each way of resuming builds new objects in the new interpreter and continues from ``k`` to the last step.
_LOOP_RESTORE = """
import math

{imports}
{metrics}

def build({build_takes}):
{parameter}
    return param, {optimizer}


def continued(k, param, optimizer, scheduler):
    '''The rates the optimizer applies at the compared steps from k on, stepped as the training loop does.'''
    rates = []
    for step in range(k, last + 1):
        if step > k{and_epoch}:
            {step_call}
        if step in compared:
{zero}
            optimizer.step()
            rates.append(-param.item())
    return rates


def restored(k):
    '''New objects, then optimizer.{load_state} and scheduler.{load_state} of what {load} reads.'''
{new}
    state = {load}(os.path.join(folder, f"{{k}}.{suffix}"))
    optimizer.{load_state}(state["optimizer"])
    scheduler.{load_state}(state["scheduler"])
    return continued(k, param, optimizer, scheduler)
{ways}"""


@dataclass(frozen=True)
class SgdLoop:
    """How one framework writes the training loop of a stateful scheduler (torch's, Paddle's): one float64
    parameter whose gradient is 1, zeroed before each compared update so that plain SGD moves it by exactly -lr,
    the scheduler stepped after the update; checkpoints of both state dicts, restored in a new interpreter
    (:func:`resume_epilogue`) by ``restored(k)`` and the other ways' functions."""

    framework: str  # who documents the checkpoint ("torch", "Paddle")
    parameter: str  # the lines that make ``param`` and give it its gradient 1
    gradient_note: str  # the comment on the gradient's line in the training loop
    optimizer: str  # the SGD constructor; ``{lr}``: the rate the case's scheduler starts from
    zero: str  # the lines that set the parameter to 0
    reads: tuple[tuple[str, str], ...]  # (probe, expression) read at a compared step, before the update
    save: str  # the function that writes a checkpoint
    load: str  # the function that reads one
    suffix: str  # a checkpoint file's suffix
    load_state: str  # the objects' method that takes a state dict back
    scheduler_first: bool = False  # the optimizer takes the scheduler as its rate (Paddle), so it is made first

    def objects(self, scheduler: str, lr: str, indent: str = "", build: str = "") -> str:
        """The lines making ``param``, ``optimizer`` and ``scheduler``: in full (``build`` empty) as the
        training loop does, or through the restoring source's ``build``."""
        made = [f"param, optimizer = {build}"] if build else [
            *self.parameter.splitlines()[:-1],
            self.parameter.splitlines()[-1] + f"  # {self.gradient_note}",
            f"optimizer = {self.optimizer.format(lr=lr)}",
        ]  # fmt: skip
        lines = [f"scheduler = {scheduler}", *made] if self.scheduler_first else [*made, f"scheduler = {scheduler}"]
        return "\n".join(indent + line for line in lines)

    def new(self, scheduler: str) -> str:
        """A way of resuming's new objects (in a function of the restoring source): ``scheduler`` built anew."""
        return self.objects(scheduler, "", "    ", "build(scheduler)" if self.scheduler_first else "build()")

    def program(self, *, imports: str, scheduler: str, steps: str, count: int, every: int, step_call: str,
                prologue: str, metrics: str, lr: str = "", block: str = "", save: bool = False) -> str:  # fmt: skip
        """The training loop: ``count`` updates, the scheduler stepped after each (each epoch's last if ``every``
        is not 1), the probes of :attr:`reads` and ``applied`` recorded at the compared steps."""
        names = [*(name for name, _ in self.reads), "applied"]
        return _LOOP.format(
            imports=imports,
            block=block,
            prologue=prologue,
            metrics=metrics,
            objects=self.objects(scheduler, lr),
            steps=steps,
            lists=", ".join(names),
            empty=", ".join("[]" for _ in names),
            count=count,
            tick="step" if every == 1 else f"step and step % {every} == 0",
            step_call=step_call,
            when="after the previous update, as a training loop does"
            if every == 1
            else f"after the last update of an epoch ({every} updates), as a per-epoch training loop does",
            save=_LOOP_SAVE.format(framework=self.framework, save=self.save, suffix=self.suffix) if save else "",
            reads="".join(f"        {name}.append({expression})\n" for name, expression in self.reads),
            zero=textwrap.indent(self.zero, " " * 8),
        )

    def restore(self, *, imports: str, scheduler: str, every: int, step_call: str, metrics: str, ways: str,
                lr: str = "") -> str:  # fmt: skip
        """The restoring source: ``build``, ``continued``, ``restored`` (the state dicts) and ``ways``, the other
        ways' functions (each a ``def <way>(k)`` that makes its objects with :meth:`new`)."""
        return _LOOP_RESTORE.format(
            imports=imports,
            metrics=metrics,
            build_takes="scheduler" if self.scheduler_first else "",
            parameter=textwrap.indent(self.parameter, "    "),
            optimizer=self.optimizer.format(lr=lr),
            and_epoch="" if every == 1 else f" and step % {every} == 0",
            step_call=step_call,
            zero=textwrap.indent(self.zero, " " * 12),
            load_state=self.load_state,
            load=self.load,
            new=self.new(scheduler),
            suffix=self.suffix,
            ways=ways,
        )
