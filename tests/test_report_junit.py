"""JUnit XML of a merged result set: one suite per run, outcomes mapped as pytest maps them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from cases.expectations import Expectation
from reports import junit, merge
from tests.report_synthetic import FAILURE, by_family, catalogue, synthetic_run

CASES = [c for c in catalogue() if c.family in ("cosine", "cyclic", "polynomial", "step_decay")]
COUNT = {f: sum(c.family == f for c in CASES) for f in ("cosine", "cyclic", "polynomial", "step_decay")}
#: xunit2, as pytest vendors it (its header names the source and the licence)
XUNIT2 = Path(__file__).parent / "data" / "junit-10.xsd"


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> bytes:
    """Run ``a``: diverging, raising, not expressible and documented families; run ``b``: every case agrees."""
    out = tmp_path_factory.mktemp("out")
    behaviour = by_family(
        {"cosine": "late", "cyclic": "raise", "polynomial": "not_expressible", "step_decay": "scaled"}
    )
    step_ids = tuple(f"{c.id}-a*" for c in CASES if c.family == "step_decay")
    documented = Expectation(step_ids, "scaled on purpose", "https://example.org/issue", "tests")
    synthetic_run(out / "a" / "results.json", "a", behaviour, cases=CASES, expectations=[documented])
    synthetic_run(out / "b" / "results.json", "b", by_family({}), cases=CASES)
    return junit.junit_xml(merge.merged_envelope(merge.load([out])))


@pytest.fixture(scope="module")
def suites(document: bytes) -> dict[str, ET.Element]:
    return {s.get("name"): s for s in ET.fromstring(document).iter("testsuite")}


def _facts(testcase: ET.Element) -> dict[str, str]:
    """The ``name: value`` lines of a testcase's system-out."""
    return dict(line.split(": ", 1) for line in testcase.find("system-out").text.splitlines())


def test_the_document_is_valid_xunit2(document: bytes) -> None:
    """Every outcome's testcase, the suites' properties (stale ones too: the runs come from a past commit)."""
    schema = xmlschema.XMLSchema(XUNIT2)
    assert [str(e.reason) for e in schema.iter_errors(document.decode())] == []
    error = {"id": "x-c", "family": "f", "outcome": "crashed", "reason": "signal 11", "run": "c", "repro": "x"}
    merged = {"runs": [{"name": "c", "stale": ["old"], "adapters": {"fw": {"version": "1"}}}], "results": [error]}
    assert [str(e.reason) for e in schema.iter_errors(junit.junit_xml(merged).decode())] == []


def test_suite_properties_hold_the_run_state_and_each_adapters_version(suites) -> None:
    properties = {p.get("name"): p.get("value") for p in suites["a"].find("properties")}
    assert properties["complete"] == "true" and properties["a.version"] == "1.0.0"
    assert all(t.find("properties") is None for t in suites["a"].iter("testcase"))


def test_one_suite_per_run_with_counts(suites) -> None:
    probes = 2
    a, b = suites["a"], suites["b"]
    assert (
        int(a.get("tests")) == probes * (COUNT["cosine"] + COUNT["cyclic"] + COUNT["step_decay"]) + COUNT["polynomial"]
    )
    assert int(a.get("failures")) == probes * (
        COUNT["cosine"] + COUNT["cyclic"]
    )  # a run that raises diverges (NaN steps)
    assert int(a.get("skipped")) == probes * COUNT["step_decay"] + COUNT["polynomial"]
    assert int(a.get("errors")) == 0
    assert (int(b.get("tests")), int(b.get("failures")), int(b.get("skipped"))) == (probes * len(CASES), 0, 0)


def test_a_divergence_is_a_failure_with_its_reason_and_reproducer(suites) -> None:
    case = next(c for c in CASES if c.family == "cyclic")
    testcase = next(t for t in suites["a"].iter("testcase") if t.get("name") == f"{case.id}-a")
    assert testcase.get("classname") == "a.cyclic"
    failure = testcase.find("failure")
    assert failure.get("type") == "diverge"
    assert f"the run raised {FAILURE}" in failure.get("message")
    assert "reproduce with:\n# a: the reference of" in failure.text
    facts = _facts(testcase)
    assert list(facts) == list(junit.PROPERTIES)
    assert facts["outcome"] == "diverge" and facts["api"] == "synthetic.a.cyclic"
    assert (
        facts["framework_version"] == "1.0.0" and facts["first_divergent_step"] == "50"
    )  # NaN from half-way (100 steps)


def test_documented_and_inexpressible_cases_are_skipped_with_a_type(suites) -> None:
    skipped = [t.find("skipped") for t in suites["a"].iter("testcase") if t.find("skipped") is not None]
    assert sorted({s.get("type") for s in skipped}) == ["not expressible", "xfail"]
    assert all(s.get("message") for s in skipped)


def test_characters_xml_cannot_hold_are_replaced() -> None:
    record = {"id": "x-a", "family": "f", "outcome": "diverge", "reason": "bad \x00 byte", "run": "a"}
    merged = {"runs": [{"name": "a"}], "results": [record]}
    failure = ET.fromstring(junit.junit_xml(merged)).find("testsuite/testcase/failure")
    assert failure.get("message") == "bad \ufffd byte"


def test_markup_quotes_and_newlines_survive_in_attributes_and_text() -> None:
    """The document is written as text: every value a record can hold parses back as it was."""
    reason = "got <0.1 & \"0.2\"\n\tthen\r'3'"
    record = {"id": 'x<"&>-a', "family": "f", "outcome": "error", "reason": reason, "run": 'a"b', "repro": "a < b"}
    merged = {"runs": [{"name": 'a"b', "stale": ["old <run>"]}], "results": [record]}
    suite = ET.fromstring(junit.junit_xml(merged)).find("testsuite")
    assert suite.get("name") == 'a"b' and suite.find("properties/property[@name='stale']").get("value") == "old <run>"
    testcase = suite.find("testcase")
    assert testcase.get("name") == 'x<"&>-a' and testcase.get("classname") == 'a"b.f'
    error = testcase.find("error")
    assert error.get("message") == 'got <0.1 & "0.2"'
    assert error.text == reason.replace("\r", "\n") + "\n\nreproduce with:\na < b"  # XML reads a text's \r as \n
