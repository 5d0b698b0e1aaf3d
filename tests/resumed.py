"""What the tests read from a program that resumes (``adapters._base.resume_epilogue``)."""

from __future__ import annotations

import re

__all__ = ["restoring_source"]


def restoring_source(repro: str) -> str:
    """The source a resuming program runs in its new interpreter (the string ``RESUME`` holds)."""
    found = re.search(r'^RESUME = r"""(.*?)^"""', repro, re.M | re.S)
    assert found, "no restoring source in the program"
    return found.group(1)
