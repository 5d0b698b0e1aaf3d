"""The hints an adapter reads from case data, and the checks on them.

Every adapter declares the hints it reads as ``hint_keys``: section (``hints.<section>``) -> key ->
:class:`HintKey` (the kind of value, a one-line description, and any further check). Checks that need
the whole case (a hinted API that does not fit the formula, two keys that contradict each other)
run when an adapter plans the case and raise :class:`HintError`.

Some hints end up in the generated programs, which the harness executes: keyword names are
checked to be identifiers and keywords of the API (:func:`keyword_arguments`), values must be
plain data rendered with ``repr`` (:func:`plain_data`), code is one call of a name with literal
arguments (:func:`call_expression`) and source files must lie inside the repository's ``cases/``
folder (:func:`file_inside`).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import KINDS, kind_problem, short_repr

__all__ = [
    "CASES_DIR",
    "Check",
    "HintError",
    "HintKey",
    "HintKeys",
    "call_expression",
    "file_inside",
    "keyword_arguments",
    "keyword_table",
    "one_of",
    "plain_data",
]


#: The repository's ``cases/`` folder: source files named in hints must lie inside it.
CASES_DIR = Path(__file__).resolve().parent.parent / "cases"


Check = Callable[[Any], str]


class HintError(ValueError):
    """A hint that does not fit its case, found while an adapter plans it; ``field`` is e.g. ``hints.keras.omit``.

    The harness turns it into the catalogue's error (file, case, field): it is bad case data, not a
    mapping that failed.
    """

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


@dataclass(frozen=True)
class HintKey:
    """One key an adapter reads from ``hints.<section>``: the kind of value (a :data:`~cases.datafile.KINDS`
    phrase), what it does (``about``, one line) and ``check``: what else is wrong with a value of that kind
    (``""`` when nothing is)."""

    kind: str
    about: str
    check: Check | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"HintKey kind must be one of {sorted(KINDS)}, got {self.kind!r}")

    def problem(self, value: Any) -> str:
        """What is wrong with ``value`` for this key (``""`` when it fits)."""
        return kind_problem(value, self.kind) or (self.check(value) if self.check else "")


#: What an adapter declares as ``hint_keys``: section -> key -> :class:`HintKey`.
HintKeys = Mapping[str, Mapping[str, HintKey]]


def one_of(choices: Collection[str]) -> Check:
    """A check: the value is one of the strings ``choices``."""
    return lambda v: (
        "" if isinstance(v, str) and v in choices else f"must be one of {sorted(choices)}, got {short_repr(v)}"
    )


def plain_data(value: Any, *, at: str = "") -> str:
    """What makes ``value`` more than plain data (a string, integer, finite float, bool, or lists and tables
    of them), which programs render with ``repr``: a date or a NaN would not read back as itself."""
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := plain_data(v, at=f"{at}.{k}" if at else k))), "")
    if isinstance(value, list):
        return next((p for i, v in enumerate(value) if (p := plain_data(v, at=f"{at}[{i}]"))), "")
    if isinstance(value, float) and not math.isfinite(value):
        return f"{at or 'the value'} must be finite, got {value!r}"
    if not isinstance(value, (str, int, float)):
        return f"{at or 'the value'} must be a string, number, boolean, list or table, got {short_repr(value)}"
    return ""


def keyword_table(names: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """API -> its keyword names, from API -> the names separated by spaces (as a signature lists them)."""
    return {api: frozenset(text.split()) for api, text in names.items()}


def keyword_arguments(accepted: Collection[str], api: str) -> Check:
    """A check for a table of keyword arguments pasted into a program: every key is a Python identifier and a
    keyword of some ``api`` (``accepted``: their union), every value plain data."""

    def check(table: dict[str, Any]) -> str:
        for key, value in table.items():
            if not key.isidentifier():
                return f"key {short_repr(key)} is not a Python identifier"
            if key not in accepted:
                return (
                    f"{key!r} is not a keyword of any {api} the adapter calls (keywords: {', '.join(sorted(accepted))})"
                )
            if problem := plain_data(value, at=key):
                return problem
        return ""

    return check


def call_expression(source: Any) -> str:
    """A check for code pasted into a program: one name (``StepDecay``) or one call of a name with literal
    arguments (``StepDecay(factor=0.5)``), so that case data cannot run anything a source file does not define."""
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):  # ValueError: a NUL byte
        tree = None
    if isinstance(tree, ast.Name) or _literal_call(tree):
        return ""
    example = "StepDecay(factor=0.5)"
    return f"must be a name, or a call of a name with literal arguments like {example}, got {short_repr(source)}"


def _literal_call(tree: ast.expr | None) -> bool:
    if (
        not isinstance(tree, ast.Call)
        or not isinstance(tree.func, ast.Name)
        or any(k.arg is None for k in tree.keywords)
    ):
        return False
    try:
        for argument in [*tree.args, *(k.value for k in tree.keywords)]:
            ast.literal_eval(argument)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


def file_inside(directory: Path) -> Check:
    """A check for a path, relative to the repository (``directory``'s parent), whose text is copied into programs
    and results: it must name a file that, after symbolic links, lies inside ``directory``."""

    def check(path: str) -> str:
        resolved = (directory.parent / path).resolve()
        if not resolved.is_relative_to(directory):
            return f"must name a file inside {directory.name}/, got {path!r} (resolves to {resolved})"
        return "" if resolved.is_file() else f"no file {path!r} in the repository"

    return check
