"""Kill rates of a mutation-testing run (``tox -e mutation``), and the check that every surviving mutant is explained.

Reads mutmut's verdict per mutant (``mutmut results --all true``, from ``mutants/``) and
``tests/mutation_equivalents.md`` (the mutants no test can tell from the code, each with the reason). Prints a
table per module: mutants, killed (a timeout counts as killed, as mutmut counts it), equivalent, and the kill rates
killed / total and killed / (total - equivalent); ``cases/harness.py``'s outcome logic gets a row of its own.
Exits 1, naming them, when a mutant survives that the list does not explain, or when the list names a mutant
that was killed or no longer exists (the code changed: update the list). Mutants not checked (a run of selected
mutants) count nowhere.

    python -m tests.mutation_summary
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["OUTCOME_LOGIC", "equivalents", "main", "split_name", "summary_rows", "verdicts"]

EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.md")
#: The functions of cases/harness.py that decide an outcome: Harness._judge and the helpers only it calls.
OUTCOME_LOGIC = ("Harness._judge", "_expectation_mismatch", "_message", "_finite_or_str")
_NAME = re.compile(r"^(?P<module>[\w.]+?)\.x(?:_(?P<function>\w+?)|ǁ(?P<cls>\w+)ǁ(?P<method>\w+?))__mutmut_\d+$")
_KILLED = {"killed", "timeout"}


def verdicts(text: str) -> dict[str, str]:
    """Mutant name -> mutmut's status, from the output of ``mutmut results --all true``."""
    found = (line.strip().rsplit(": ", 1) for line in text.splitlines() if ": " in line)
    return {name: status for name, status in found if _NAME.match(name)}


def equivalents(text: str) -> set[str]:
    """The mutant names in the first column of the equivalents file's tables (written as `code`)."""
    return set(re.findall(r"^\|\s*`([^`]+)`\s*\|", text, flags=re.MULTILINE))


def split_name(name: str) -> tuple[str, str]:
    """A mutant's module and function (``Class.method`` for a method)."""
    match = _NAME.match(name)
    if match is None:
        raise ValueError(f"not a mutmut mutant name: {name!r}")
    function = match["function"] or f"{match['cls']}.{match['method']}"
    return match["module"], function


def summary_rows(status: Mapping[str, str], equivalent: Iterable[str]) -> list[tuple[str, int, int, int]]:
    """(module, mutants, killed, equivalent) per module, then the outcome logic of cases/harness.py and the total."""
    listed = set(equivalent)
    groups: dict[str, Counter[str]] = {}
    for name, verdict in status.items():
        if verdict == "not checked":
            continue
        module, function = split_name(name)
        keys = [module, "total"] + (["cases.harness: outcome logic"] if module == "cases.harness"
                                    and function in OUTCOME_LOGIC else [])  # fmt: skip
        for key in keys:
            counts = groups.setdefault(key, Counter())
            counts["mutants"] += 1
            counts["killed"] += verdict in _KILLED
            counts["equivalent"] += name in listed and verdict not in _KILLED
    order = [*sorted(k for k in groups if k != "total"), "total"]
    return [(k, groups[k]["mutants"], groups[k]["killed"], groups[k]["equivalent"]) for k in order]


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def main() -> int:
    run = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True, text=True)
    status = verdicts(run.stdout)
    if run.returncode or not status:
        print(f"no mutmut results (run `mutmut run` first): {run.stderr.strip()[-400:]}", file=sys.stderr)
        return 2
    listed = equivalents(EQUIVALENTS.read_text(encoding="utf-8"))
    print("| module | mutants | killed | equivalent | killed / mutants | killed / (mutants - equivalent) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for module, total, killed, equivalent in summary_rows(status, listed):
        print(f"| {module} | {total} | {killed} | {equivalent} | {_rate(killed, total)} | "
              f"{_rate(killed, total - equivalent)} |")  # fmt: skip
    unexplained = sorted(n for n, v in status.items() if v not in _KILLED | {"not checked"} and n not in listed)
    stale = sorted(n for n in listed if status.get(n, "gone") in _KILLED | {"gone"})
    for name in unexplained:
        print(f"{name}: {status[name]}: kill it with a test, or list it in {EQUIVALENTS.name} with the reason")
    for name in stale:
        print(f"{name}: listed in {EQUIVALENTS.name} but {status.get(name, 'no longer a mutant')}: remove the entry")
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main())
