"""``python -m reports``: see :mod:`reports.cli`."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
