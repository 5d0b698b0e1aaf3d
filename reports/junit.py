"""JUnit XML of a merged result set, for CI UIs: one ``<testsuite>`` per run, one ``<testcase>`` per record.

Outcomes map as pytest maps them: ``agree`` passes; ``diverge`` and ``fixed_divergence`` are
failures, ``error`` an error (each with the reason and the reproducer); ``documented_divergence``
is skipped as ``xfail``; ``not_expressible`` and ``skipped`` are skipped with their reason.
Each testcase carries the record's outcome, API, framework version and errors as properties;
each testsuite whether its run is ``complete`` and, when it is stale, why (``stale``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from typing import Any

from model.outcomes import OUTCOMES

__all__ = ["PROPERTIES", "junit_xml"]

#: Record fields each test case carries as JUnit properties (here and in pytest's own junitxml).
PROPERTIES = ("outcome", "framework_version", "api", "max_abs_err", "max_rel_err", "first_divergent_step", "shift")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # characters XML 1.0 cannot hold


def _text(value: Any) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _testcase(suite: ET.Element, run: str, record: Mapping[str, Any]) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=_text(f"{run}.{record['family']}"),
        name=_text(record["id"]),
        time=_text(record.get("duration_s", 0)),
    )
    properties = ET.SubElement(case, "properties")
    for key in PROPERTIES:
        ET.SubElement(properties, "property", name=key, value=_text(record.get(key)))
    outcome, reason = record["outcome"], record.get("reason") or ""
    message = reason.split("\n", 1)[0]
    kind = OUTCOMES[outcome]
    if kind.junit in ("failure", "error"):
        element = ET.SubElement(case, kind.junit, message=_text(message), type=outcome)
        element.text = _text(reason + (f"\n\nreproduce with:\n{record['repro']}" if record.get("repro") else ""))
    elif kind.junit == "skipped":
        ET.SubElement(case, "skipped", type="xfail" if kind.pytest == "xfail" else kind.label, message=_text(message))


def junit_xml(merged: Mapping[str, Any]) -> bytes:
    """The XML document (UTF-8, with declaration)."""
    counts = {run["name"]: Counter() for run in merged["runs"]}
    for record in merged["results"]:
        counts[record["run"]][record["outcome"]] += 1
    root = ET.Element("testsuites", name="lrconform")
    suites = {}
    for run in merged["runs"]:
        tally = counts[run["name"]]
        suites[run["name"]] = ET.SubElement(
            root,
            "testsuite",
            name=_text(run["name"]),
            tests=str(sum(tally.values())),
            failures=str(sum(n for o, n in tally.items() if OUTCOMES[o].junit == "failure")),
            errors=str(sum(n for o, n in tally.items() if OUTCOMES[o].junit == "error")),
            skipped=str(sum(n for o, n in tally.items() if OUTCOMES[o].junit == "skipped")),
            timestamp=_text(run.get("created_utc") or run.get("started_utc")),
        )
        properties = ET.SubElement(suites[run["name"]], "properties")
        ET.SubElement(properties, "property", name="complete", value=str(run.get("complete") is not False).lower())
        if run.get("stale"):
            ET.SubElement(properties, "property", name="stale", value=_text("; ".join(run["stale"])))
    for record in merged["results"]:
        _testcase(suites[record["run"]], record["run"], record)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
