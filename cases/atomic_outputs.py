"""pytest-html's ``--html`` report and pytest's ``--junitxml`` file, replaced atomically.

Both plugins open their file at the end of the session and write it in place: a kill while they
write (or a crash in between) used to leave a truncated file and lose the previous one. Here,
before they are configured, their paths are pointed at ``<name>.partial`` beside the target;
once every ``pytest_sessionfinish`` implementation has returned (theirs write the files there:
pytest-html 4's ``BaseReport.pytest_sessionfinish``, trylast, and ``LogXML.pytest_sessionfinish``),
each partial file is fsynced and renamed over the target (``reports.atomic.publish``). A session
that fails while writing them leaves the previous files, and the partial ones are removed.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from reports.atomic import publish

__all__ = ["OPTIONS", "AtomicOutputs"]

#: The options (``config.option`` names) of the files other plugins write at session end.
OPTIONS = ("htmlpath", "xmlpath")


class AtomicOutputs:
    """The redirected files, as a pytest plugin that moves them into place."""

    def __init__(self, targets: dict[Path, Path]):
        self.targets = targets  # partial file -> target
        self.published: list[Path] = []

    @classmethod
    def install(cls, config: pytest.Config) -> None:
        """Point the plugins' options at partial files and register the mover. Must run before
        pytest-html and junitxml read their options (our ``pytest_configure`` is tryfirst)."""
        if hasattr(config, "workerinput"):  # xdist workers write neither file
            return
        targets = {}
        for option in OPTIONS:
            value = getattr(config.option, option, None)
            if value:
                target = Path(os.path.expandvars(value)).expanduser().absolute()
                partial = target.with_name(target.name + ".partial")
                setattr(config.option, option, str(partial))
                targets[partial] = target
        if targets:
            config.pluginmanager.register(cls(targets), "lrconform-atomic-outputs")

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self) -> Generator[None, Any, Any]:
        result = yield  # every plugin's sessionfinish, theirs included, has now written its file
        for partial, target in self.targets.items():
            if partial.is_file():
                publish(partial, target)
                self.published.append(target)
        return result

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The plugins name the partial files they wrote: say where they are now."""
        for target in self.published:
            terminalreporter.write_line(f"lrconform: {target.name}.partial written in full, moved to {target}")

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        """The report's title is its file name: the target's, not the partial file's."""
        partial = Path(report.title)
        report.title = next((t.name for p, t in self.targets.items() if p.name == partial.name), report.title)

    def pytest_unconfigure(self) -> None:
        for partial in self.targets:
            partial.unlink(missing_ok=True)
