"""A shields.io endpoint badge per scorecard row (an adapter of a run): ``badge-<key>.json`` beside the report, e.g.
``{"schemaVersion": 1, "label": "torch 2.13.0", "message": "agree 96%", "color": "red"}``; shields.io draws it
from the file's URL (https://shields.io/badges/endpoint-badge).

The colour says whether anything fails: ``brightgreen`` when every compared record agrees, ``yellow`` when the rest
are documented divergences, ``red`` when a record fails (a new or fixed divergence, an error, a timeout, a crash),
``lightgrey`` when no record could be compared.
"""

from __future__ import annotations

import re
from typing import Any

from .scorecard import Row

__all__ = ["badge", "badge_file"]


def badge(row: Row) -> dict[str, Any]:
    """The endpoint JSON of one scorecard row."""
    label = f"{row.name} {row.version}" if row.version else row.name
    if row.agree_percent is None:
        return {"schemaVersion": 1, "label": label, "message": "not compared", "color": "lightgrey"}
    colour = "red" if row.failures else "yellow" if row.counts.get("documented_divergence") else "brightgreen"
    return {"schemaVersion": 1, "label": label, "message": f"agree {row.agree_percent}%", "color": colour}


def badge_file(row: Row) -> str:
    """``badge-torch.json``, ``badge-keras-jax.keras.json`` (characters other than letters, digits, ``.``, ``-`` and
    ``_`` as ``_``)."""
    return f"badge-{re.sub(r'[^A-Za-z0-9._-]', '_', row.key)}.json"
