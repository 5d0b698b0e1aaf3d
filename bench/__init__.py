"""The benchmark of issue 13: the whole matrix against the speed of its imports, measured on this machine.

``python -m bench`` measures, side by side in one run, and writes to one JSON file (see :mod:`bench.cli`):

- ``floor``: per framework env, importing its framework(s), pytest and numpy in a fresh interpreter
  (:mod:`bench.floor`);
- ``run``: the env's conformance command as tox runs it, serial and with ``-n 2`` (:mod:`bench.run`);
- ``vector``: a schedule evaluated over a whole trajectory in one call against a Python loop of one
  call per step (:mod:`bench.vector`, run inside each env by :mod:`bench.stepper`);
- ``report``: merging about 1e4 synthetic results (:mod:`bench.report`).

Framework envs are the ones tox built (``.tox/<env>``); :mod:`bench.toxenvs` reads what tox would run
in each from ``tox.ini``. Nothing is imported here: :mod:`bench.stepper` runs inside framework envs.
"""

__all__: list[str] = []
