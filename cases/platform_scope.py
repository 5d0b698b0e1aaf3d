"""Platform-scoped expectations: a documented divergence that occurs only under some CPU kernels.

An expectation entry may name the platform facts under which its divergence occurs::

    platform = { "torch.mkl_vml" = ["AVX2", "COMPATIBLE"] }      # fact path = accepted value(s)
    elsewhere = "agree"                                          # or "either"

Fact paths are dotted keys into the facts a run records: ``machine.*`` (the harness's
:func:`model.platform.machine_facts`) and ``<framework>.*`` (the adapter's worker's
:func:`model.platform.framework_facts`, e.g. ``torch.mkl_vml``). The scope holds when
every named fact has one of its listed values, compared as text (booleans as ``true``/``false``); a
fact the run does not have does not hold.

Where it holds, the test must diverge exactly as documented. Elsewhere, ``elsewhere = "agree"``
(the default) says the divergence is known not to occur: the test must agree, and an undocumented
divergence fails. ``elsewhere = "either"`` is for platforms nobody has measured: the test may agree
or diverge as documented.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ELSEWHERE", "PlatformScope", "ScopeError", "fact", "parse_scope"]

#: What a test must do where the scope does not hold.
ELSEWHERE = ("agree", "either")
#: Top-level names a fact path may start with.
NAMESPACES = ("machine", "torch", "tensorflow", "jax", "mindspore", "numpy")
_PATH = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclass(frozen=True)
class PlatformScope:
    """Facts (dotted path -> accepted values) under which a divergence occurs, and what happens elsewhere."""

    facts: tuple[tuple[str, tuple[str, ...]], ...]
    elsewhere: str = "agree"

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """Whether every named fact of ``facts`` has one of its accepted values."""
        return all(_text(fact(facts, path)) in accepted for path, accepted in self.facts)

    def describe(self) -> str:
        return " and ".join(f"{path} in {list(accepted)}" for path, accepted in self.facts)


def _text(value: Any) -> str | None:
    """A fact as the text entries compare with (``true``/``false`` for booleans); ``None`` when absent."""
    if value is None or isinstance(value, (Mapping, list)):
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def fact(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of nested facts, or ``None``."""
    value: Any = facts
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


class ScopeError(ValueError):
    """A malformed ``platform`` or ``elsewhere`` field: ``field`` names it, the message says what is wrong."""

    def __init__(self, field: str, problem: str):
        super().__init__(problem)
        self.field = field


def parse_scope(platform: Any, elsewhere: Any) -> PlatformScope:
    """An entry's ``platform`` and ``elsewhere`` fields as a scope; :class:`ScopeError` when malformed."""
    if not isinstance(platform, Mapping) or not platform:
        raise ScopeError("platform", f"a table of fact path = value or [values], got {platform!r}")
    facts = []
    for path, accepted in platform.items():
        if not _PATH.match(path) or path.split(".")[0] not in NAMESPACES:
            raise ScopeError("platform", f"fact path {path!r} must be dotted, starting with one of {list(NAMESPACES)}")
        values = [accepted] if isinstance(accepted, str) else accepted
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise ScopeError(f"platform.{path}", f"a value or a non-empty list of values (strings), got {accepted!r}")
        facts.append((path, tuple(values)))
    if elsewhere is None:
        elsewhere = "agree"
    if elsewhere not in ELSEWHERE:
        raise ScopeError("elsewhere", f"one of {list(ELSEWHERE)}, got {elsewhere!r}")
    return PlatformScope(tuple(facts), elsewhere)
