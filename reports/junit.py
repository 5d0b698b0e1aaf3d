"""JUnit XML of a merged result set, for CI UIs: one ``<testsuite>`` per run, one ``<testcase>`` per record.

Outcomes map as pytest maps them: ``agree`` passes; ``diverge`` and ``fixed_divergence`` are
failures, ``error`` an error (each with the reason and the reproducer); ``documented_divergence``
is skipped as ``xfail``; ``not_expressible`` and ``skipped`` are skipped with their reason.

The document is valid xunit2 (the schema CI UIs read; pytest's ``junit-10.xsd``, vendored in ``tests/data``),
where a testcase cannot hold ``<properties>``: each testcase carries the record's outcome, API, framework version
and errors (:data:`PROPERTIES`) as ``name: value`` lines of its ``<system-out>`` instead. Each testsuite has
properties: whether its run is ``complete``, when it is stale why (``stale``), and each adapter's framework version
(``<adapter>.version``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from model.outcomes import OUTCOMES

__all__ = ["PROPERTIES", "junit_xml"]

#: Record fields each test case carries in its ``<system-out>`` (pytest's own junitxml has them as properties).
PROPERTIES = ("outcome", "framework_version", "api", "max_abs_err", "max_rel_err", "first_divergent_step", "shift")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # characters XML 1.0 cannot hold
_IN_ATTRIBUTE = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}  # escaped as ElementTree does


def _text(value: Any, entities: Mapping[str, str] | None = None) -> str:
    """A value as XML text (or, with ``_IN_ATTRIBUTE``, an attribute's): ``&``, ``<`` and ``>`` escaped,
    characters XML cannot hold replaced."""
    return escape(_NOT_XML.sub("\ufffd", "" if value is None else str(value)), entities or {})


def _tag(indent: int, tag: str, attributes: Mapping[str, Any], close: str = " />") -> str:
    """One line of the document: a tag with its attributes, indented one space a level as ``ET.indent`` does
    (the document is written as text: ElementTree took three times as long for 1e4 records)."""
    pairs = "".join(f' {key}="{_text(value, _IN_ATTRIBUTE)}"' for key, value in attributes.items())
    return f"{' ' * indent}<{tag}{pairs}{close}"


def _properties(indent: int, properties: Mapping[str, Any]) -> list[str]:
    lines = [_tag(indent + 1, "property", {"name": key, "value": value}) for key, value in properties.items()]
    return [f"{' ' * indent}<properties>", *lines, f"{' ' * indent}</properties>"]


def _testcase(run: str, record: Mapping[str, Any]) -> list[str]:
    head = {"classname": f"{run}.{record['family']}", "name": record["id"], "time": record.get("duration_s", 0)}
    facts = "\n".join(f"{key}: {_text(record.get(key))}" for key in PROPERTIES)
    lines = [_tag(2, "testcase", head, ">"), f"   <system-out>{facts}</system-out>"]
    outcome, reason = record["outcome"], record.get("reason") or ""
    message = reason.split("\n", 1)[0]
    kind = OUTCOMES[outcome]
    if kind.junit in ("failure", "error"):
        text = reason + (f"\n\nreproduce with:\n{record['repro']}" if record.get("repro") else "")
        lines.append(_tag(3, kind.junit, {"message": message, "type": outcome}, ">") + f"{_text(text)}</{kind.junit}>")
    elif kind.junit == "skipped":
        label = "xfail" if kind.pytest == "xfail" else kind.label
        lines.append(_tag(3, "skipped", {"type": label, "message": message}))
    return [*lines, "  </testcase>"]


def junit_xml(merged: Mapping[str, Any]) -> bytes:
    """The XML document (UTF-8, with declaration)."""
    counts = {run["name"]: Counter() for run in merged["runs"]}
    cases: dict[str, list[str]] = {run["name"]: [] for run in merged["runs"]}
    for record in merged["results"]:
        counts[record["run"]][record["outcome"]] += 1
        cases[record["run"]] += _testcase(record["run"], record)
    lines = ["<?xml version='1.0' encoding='utf-8'?>", '<testsuites name="lrconform">']
    for run in merged["runs"]:
        tally = counts[run["name"]]
        suite = {
            "name": run["name"],
            "tests": sum(tally.values()),
            "failures": sum(n for o, n in tally.items() if OUTCOMES[o].junit == "failure"),
            "errors": sum(n for o, n in tally.items() if OUTCOMES[o].junit == "error"),
            "skipped": sum(n for o, n in tally.items() if OUTCOMES[o].junit == "skipped"),
            "timestamp": run.get("created_utc") or run.get("started_utc"),
        }
        properties = {"complete": str(run.get("complete") is not False).lower()}
        if run.get("stale"):
            properties["stale"] = "; ".join(run["stale"])
        for adapter, info in (run.get("adapters") or {}).items():
            properties[f"{adapter}.version"] = (info or {}).get("version") or "not installed"
        lines += [_tag(1, "testsuite", suite, ">"), *_properties(2, properties), *cases[run["name"]], " </testsuite>"]
    return "\n".join([*lines, "</testsuites>"]).encode("utf-8")
