"""What case data may name: adapters (``only``), hint sections and keys (``hints``), dtypes (``tolerance``).

Every adapter declares the hints it reads as ``hint_keys``: section (``hints.<section>``) -> key ->
:class:`HintKey` (the kind of value, a one-line description, and any further check). The catalogue
loader accepts exactly the union of the registered adapters' declarations, so a misspelt framework
or key fails at load instead of being ignored, whichever adapters a run selects. Checks that need
the whole case (a hinted API that does not fit the formula, two keys that contradict each other)
run when an adapter plans the case and raise :class:`HintError`.

Some hints end up in the generated programs, which the harness executes: keyword names are
checked to be identifiers and keywords of the API (:func:`keyword_arguments`), values must be
plain data rendered with ``repr`` (:func:`plain_data`), code is one call of a name with literal
arguments (:func:`call_expression`) and source files must lie inside the repository's ``cases/``
folder (:func:`file_inside`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.hints import HintKey, HintKeys

if TYPE_CHECKING:
    from model.adapter import Adapter

__all__ = [
    "Vocabulary",
]


@dataclass(frozen=True)
class Vocabulary:
    """The names case data may use; built from the registered adapters and the tolerance table."""

    adapters: tuple[str, ...]
    hints: HintKeys
    dtypes: tuple[str, ...]

    @classmethod
    def of(cls, adapters: Mapping[str, Adapter], dtypes: Iterable[str]) -> Vocabulary:
        """The vocabulary of these adapters (by name) and dtypes; an adapter without ``hint_keys`` reads none."""
        hints: dict[str, dict[str, HintKey]] = {}
        for name, adapter in adapters.items():
            for section, keys in getattr(adapter, "hint_keys", {}).items():
                merged = hints.setdefault(section, {})
                clash = sorted(k for k in keys if merged.get(k, keys[k]) != keys[k])
                if clash:
                    raise ValueError(f"adapter {name!r} declares hints.{section} key(s) {clash} unlike another adapter")
                merged.update(keys)
        return cls(tuple(sorted(adapters)), hints, tuple(sorted(dtypes)))

    @property
    def frameworks(self) -> list[str]:
        """What ``only`` may name: an adapter, or the framework an adapter's name starts with (``keras`` for
        ``keras-jax``), as :meth:`cases.catalogue.Case.applies_to` matches them."""
        return sorted({*self.adapters, *(name.split("-")[0] for name in self.adapters)})


# --- checks for HintKey.check ---------------------------------------------------------------------
