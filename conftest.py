"""pytest wiring for lrconform: the conformance plugin lives in ``cases/plugin.py``."""

pytest_plugins = ["cases.plugin"]
