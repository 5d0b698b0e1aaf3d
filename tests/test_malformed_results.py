"""Malformed result files: every one stops ``merge``, ``diff`` and ``upgrade`` with one line naming the
file, the record (number and id) and the field, exit status 2, never a traceback.

Each variant breaks one thing in a real result file (or a merged one) as written by the suite.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from model.records import NULLABLE, expand_stored, pack_floats, unpack_table
from reports import cli, merge
from tests.report_synthetic import by_family, catalogue, synthetic_run

CASES = [c for c in catalogue() if c.id == "cosine[T10-eta0-periodic]"]
RECORD = "record #1 ('cosine[T10-eta0-periodic]-fw')"
SECOND = "record #2 ('cosine[T10-eta0-periodic]-fw.applied')"
ROOT = Path(__file__).resolve().parent.parent

Edit = Callable[[dict[str, Any]], object]
#: Stands for the JSON number ``1e999`` (it parses as an infinite float), written in its place.
OVERFLOW = "@@1e999@@"


def record(**fields: Any) -> Edit:
    """Set fields of the first record (``...`` deletes one)."""

    def edit(envelope: dict[str, Any]) -> None:
        first = envelope["results"][0]
        for key, value in fields.items():
            first.pop(key) if value is ... else first.__setitem__(key, value)

    return edit


def envelope(**fields: Any) -> Edit:
    """Set envelope fields (``...`` deletes one)."""

    def edit(data: dict[str, Any]) -> None:
        for key, value in fields.items():
            data.pop(key) if value is ... else data.__setitem__(key, value)

    return edit


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"k": value}
    return value


def references(value: Any) -> Edit:
    return lambda data: data["references"].__setitem__("cosine[T10-eta0-periodic]", value)


def actual_with(value: Any) -> Edit:
    return lambda data: data["results"][0]["actual"].__setitem__(3, value)


# fmt: off
#: (id, edit of the stored JSON, the error after "<file>: ")
VARIANTS: list[tuple[str, Edit, str]] = [
    ("schema-missing", envelope(schema=...), "not an lrconform result file (schema None, want one of"),
    ("schema-foreign", envelope(schema="junit/1"), "not an lrconform result file (schema 'junit/1', want one of"),
    ("schema-number", envelope(schema=3), "not an lrconform result file (schema 3, want one of"),
    ("results-missing", envelope(results=...), "field 'results': must be a list of records, got null"),
    ("results-table", envelope(results={}), "field 'results': must be a list of records, got a table"),
    ("references-list", envelope(references=[1]), "field 'references': must be a table, got a list"),
    ("reference-string", references("0.1, 0.2"), "field 'references' (case 'cosine[T10-eta0-periodic]'): must be a list of numbers, got a string"),
    ("reference-word", references(["0.1", "abc"]), "field 'references' (case 'cosine[T10-eta0-periodic]'): value #1 must be a finite number or one of ('nan', 'inf', '-inf'), got a string"),
    ("reference-nested", references([[0.1]]), "field 'references' (case 'cosine[T10-eta0-periodic]'): value #1 must be a finite number or one of ('nan', 'inf', '-inf'), got a list"),
    ("reference-null-values", references([None] * 41), "field 'references' (case 'cosine[T10-eta0-periodic]'): value #1 must be a finite number or one of ('nan', 'inf', '-inf'), got null"),
    ("reference-short", references([0.1]), f"{RECORD}: field 'reference': has 1 values for 41 steps"),
    ("created-number", envelope(created_utc=20240101), "field 'created_utc': must be a string, got an integer"),
    ("created-not-a-time", envelope(created_utc="yesterday"), "field 'created_utc': must be an ISO 8601 time, got 'yesterday'"),
    ("complete-string", envelope(complete="yes"), "field 'complete': must be true or false, got a string"),
    ("session-number", envelope(session=7), "field 'session': must be a string, got an integer"),
    ("run-missing", envelope(run=...), "field 'run': must be a table with the run's 'name'"),
    ("run-string", envelope(run="fw"), "field 'run': must be a table with the run's 'name'"),
    ("run-name-empty", envelope(run={"name": ""}), "field 'run': must be a table with the run's 'name'"),
    ("run-name-number", envelope(run={"name": 1}), "field 'run': must be a table with the run's 'name'"),
    ("run-argv-string", envelope(run={"name": "fw", "argv": "-k x"}), "field 'run': 'argv' must be a list of strings, got a string"),
    ("suite-string", envelope(suite="0.1.0"), "field 'suite': must be a table, got a string"),
    ("suite-commit-number", envelope(suite={"commit": 123}), "field 'suite': 'commit' must be a string, got an integer"),
    ("suite-dirty-string", envelope(suite={"dirty": "no"}), "field 'suite': 'dirty' must be true or false, got a string"),
    ("environment-list", envelope(environment=[]), "field 'environment': must be a table, got a list"),
    ("environment-python-number", envelope(environment={"python": 3.11}), "field 'environment': 'python' must be a string, got a number"),
    ("packages-list", envelope(environment={"packages": ["numpy"]}), "field 'environment': 'packages' must map distributions to versions"),
    ("adapters-list", envelope(adapters=["fw"]), "field 'adapters': must be a table, got a list"),
    ("adapter-string", envelope(adapters={"fw": "1.0"}), "field 'adapters': adapter 'fw': must be a table, got a string"),
    ("adapter-version-number", envelope(adapters={"fw": {"version": 1}}), "field 'adapters': adapter 'fw': 'version' must be a string, got an integer"),
    ("record-string", lambda data: data["results"].__setitem__(0, "cosine"), "record #1: must be a table, got a string"),
    ("record-null", lambda data: data["results"].__setitem__(0, None), "record #1: must be a table, got null"),
    ("id-missing", record(id=...), "record #1: field 'id': missing"),
    ("id-number", record(id=7), "record #1: field 'id': must be a non-empty string, got an integer"),
    ("id-repeated", lambda data: data["results"].append(data["results"][0]), "run 'fw': test id 'cosine[T10-eta0-periodic]-fw' appears twice"),
    ("case-missing", record(case=...), f"{RECORD}: field 'case': missing"),
    ("adapter-empty", record(adapter=""), f"{RECORD}: field 'adapter': must be a non-empty string, got an empty string"),
    ("family-list", record(family=["cosine"]), f"{RECORD}: field 'family': must be a string, got a list"),
    ("outcome-unknown", record(outcome="passed"), f"{RECORD}: field 'outcome': must be one of agree, diverge, documented_divergence, fixed_divergence, not_expressible, skipped, error, crashed, timeout, rejects, raises_late, non_finite, silent, behaviour_changed, got 'passed'"),
    ("outcome-list", record(outcome=["agree"]), f"{RECORD}: field 'outcome': must be one of agree,"),
    ("steps-missing", record(steps=...), f"{RECORD}: field 'steps': must be a range table or a list of integers, got null"),
    ("steps-string", record(steps="0..41"), f"{RECORD}: field 'steps': must be a range table or a list of integers, got a string"),
    ("steps-step-0", record(steps={"start": 0, "stop": 41, "step": 0}), f"{RECORD}: field 'steps': a range's 'step' must not be 0"),
    ("steps-no-stop", record(steps={"start": 0}), f"{RECORD}: field 'steps': a range must have 'start', 'stop' and optionally 'step', got keys ['start']"),
    ("steps-float", record(steps={"start": 0, "stop": 41.0}), f"{RECORD}: field 'steps': 'stop' must be an integer, got a number"),
    ("steps-empty", record(steps=[]), f"{RECORD}: field 'steps': must name between 1 and 10,000,000 steps, names 0"),
    ("steps-huge", record(steps={"start": 0, "stop": 10**12}), f"{RECORD}: field 'steps': must name between 1 and 10,000,000 steps, names 1,000,000,000,000"),
    ("steps-huge-int", record(steps=[10**30]), f"{RECORD}: field 'steps': a list of steps must hold integers only"),
    ("steps-list-float", record(steps=[0, 1.5]), f"{RECORD}: field 'steps': a list of steps must hold integers only"),
    ("actual-string", record(actual="0.1 0.2"), f"{RECORD}: field 'actual': must be a list of numbers, got a string"),
    ("actual-word", actual_with("abc"), f"{RECORD}: field 'actual': value #4 must be a finite number or one of ('nan', 'inf', '-inf'), got a string"),
    ("actual-boolean", actual_with(True), f"{RECORD}: field 'actual': value #4 must be a finite number or one of ('nan', 'inf', '-inf'), got a boolean"),
    ("actual-table", actual_with({"v": 1}), f"{RECORD}: field 'actual': value #4 must be a finite number or one of ('nan', 'inf', '-inf'), got a table"),
    ("actual-huge-int", actual_with(10**400), f"{RECORD}: field 'actual': value #4 must be a finite number or one of ('nan', 'inf', '-inf'), got an integer"),
    ("actual-short", record(actual=[0.1, 0.2]), f"{RECORD}: field 'actual': has 2 values for 41 steps"),
    ("actual-without-rtol", record(rtol=...), f"{RECORD}: field 'rtol': missing: a record with 'actual' needs it"),
    ("rtol-string", record(rtol="1e-12"), f"{RECORD}: field 'rtol': must be a finite number, got a string"),
    ("atol-negative", record(atol=-1.0), f"{RECORD}: field 'atol': must be a finite number >= 0, got -1.0"),
    ("max-rel-err-list", record(max_rel_err=[1]), f"{RECORD}: field 'max_rel_err': must be a finite number, got a list"),
    ("first-step-float", record(first_divergent_step=1.0), f"{RECORD}: field 'first_divergent_step': must be an integer, got a number"),
    ("first-step-outside", record(first_divergent_step=99), f"{RECORD}: field 'first_divergent_step': step 99 is not one of the record's steps"),
    ("shift-list", record(shift=[-1]), f"{RECORD}: field 'shift': must be an integer, got a list"),
    ("warnings-string", record(warnings="deprecated"), f"{RECORD}: field 'warnings': must be a list of strings, got a string"),
    ("expectation-string", record(expectation="documented"), f"{RECORD}: field 'expectation': must be a table, got a string"),
    ("expectation-link-number", record(expectation={"id": "x", "reason": "r", "link": 1}), f"{RECORD}: field 'expectation': 'link' must be a string, got an integer"),
    ("params-list", record(params=[0.1]), f"{RECORD}: field 'params': must be a table, got a list"),
    ("params-nested", record(params=nested(200)), f"{RECORD}: field 'params': nests deeper than 32 levels"),
    ("kwargs-string", record(kwargs="lr=0.1"), f"{RECORD}: field 'kwargs': must be a table, got a string"),
    ("reason-number", record(reason=1), f"{RECORD}: field 'reason': must be a string, got an integer"),
    ("repro-list", record(repro=["import x"]), f"{RECORD}: field 'repro': must be a string, got a list"),
    ("duration-string", record(duration_s="fast"), f"{RECORD}: field 'duration_s': must be a finite number, got a string"),
    ("own-reference-string", lambda data: data["results"][1].__setitem__("reference", "x"), f"{SECOND}: field 'reference': must be a list of numbers, got a string"),
    ("actual-overflow", actual_with(OVERFLOW), f"{RECORD}: field 'actual': value #4 must be a finite number or one of ('nan', 'inf', '-inf'), got inf"),
    ("max-abs-err-overflow", record(max_abs_err=OVERFLOW), f"{RECORD}: field 'max_abs_err': must be a finite number, got inf"),
    ("params-overflow", record(params={"init_lr": OVERFLOW}), f"{RECORD}: field 'params': holds a number out of range (inf)"),
    ("unknown-field-overflow", record(added_later={"x": [OVERFLOW]}), f"{RECORD}: field 'added_later': holds a number out of range (inf)"),
    ("unknown-field-nested", record(added_later=nested(100)), f"{RECORD}: field 'added_later': nests deeper than 32 levels"),
    ("envelope-field-overflow", envelope(added_later=OVERFLOW), "field 'added_later': holds a number out of range (inf)"),
]
# fmt: on


def packed(name: str, value: Any, field: str = "actual") -> Edit:
    """Store ``value`` as the packed array ``name`` and point the first record's ``field`` at it."""

    def edit(data: dict[str, Any]) -> None:
        data["arrays"][name] = value
        data["results"][0][field] = {"array": name}

    return edit


GOOD_ZLIB = pack_floats([0.5] * 41)["zlib"]  # float32 values: 164 bytes

# fmt: off
#: Variants of the packed stored form (``model.records``), edited as written: (id, edit, the error after "<file>: ")
PACKED: list[tuple[str, Edit, str]] = [
    ("arrays-list", envelope(arrays=[1]), "field 'arrays': must be a table"),
    ("texts-string", envelope(texts="x"), "field 'texts': must be a table"),
    ("values-list", envelope(values=[1]), "field 'values': must be a table"),
    ("nulls-string", record(nulls="3"), f"{RECORD}: field 'nulls': must be an integer from 0 to {(1 << len(NULLABLE)) - 1}"),
    ("nulls-too-many-bits", record(nulls=1 << len(NULLABLE)), f"{RECORD}: field 'nulls': must be an integer from 0 to "),
    ("shared-list", record(shared=["kwargs"]), f"{RECORD}: field 'shared': must map fields to keys of the file's field 'values'"),
    ("shared-unknown-field", record(shared={"outcome": "k"}), f"{RECORD}: field 'shared': 'outcome' is not a field stored in 'values'"),
    ("shared-unknown-key", record(shared={"kwargs": "gone"}), f"{RECORD}: field 'shared' ('kwargs'): no value 'gone' in the file's field 'values'"),
    ("shared-bad-value", lambda data: data.__setitem__("values", {**unpack_table(data["values"], ""), "k": 3}) or data["results"][0].__setitem__("shared", {"kwargs": "k"}), f"{RECORD}: field 'kwargs': must be a table"),
    ("texts-not-zlib", envelope(texts={"zlib": "not base64!"}), "field 'texts': 'zlib' is not base64 of zlib data: "),
    ("values-not-json", envelope(values={"zlib": base64.b64encode(zlib.compress(b"{nope")).decode()}), "field 'values': 'zlib' does not hold JSON: "),
    ("values-not-table", envelope(values={"zlib": base64.b64encode(zlib.compress(b"[1]")).decode()}), "field 'values': 'zlib' must hold a table"),
    ("values-cut-short", envelope(values={"zlib": base64.b64encode(zlib.compress(b'{"k": 1}')[:-3]).decode()}), "field 'values': 'zlib' inflates beyond 1,073,741,824 bytes or is cut short"),
    ("array-unknown", record(actual={"array": "gone"}), f"{RECORD}: field 'actual': no array 'gone' in the file's field 'arrays'"),
    ("array-key-number", record(actual={"array": 7}), f"{RECORD}: field 'actual': no array '7' in the file's field 'arrays'"),
    ("text-unknown", record(repro={"text": "gone"}), f"{RECORD}: field 'repro': no text 'gone' in the file's field 'texts'"),
    ("text-not-string", lambda data: data.__setitem__("texts", {"t": 1}) or data["results"][0].__setitem__("repro", {"text": "t"}), "field 'texts' (key 't'): must be a string"),
    ("reference-unknown", references({"array": "gone"}), "field 'references' (case 'cosine[T10-eta0-periodic]'): no array 'gone' in the file's field 'arrays'"),
    ("array-not-table", packed("bad", [0.1]), "field 'arrays' (key 'bad'): must be a table of 'dtype', 'count' and 'zlib'"),
    ("array-dtype", packed("bad", {"dtype": "float16", "count": 41, "zlib": GOOD_ZLIB}), "field 'arrays' (key 'bad'): 'dtype' must be float32 or float64, got 'float16'"),
    ("array-count-string", packed("bad", {"dtype": "float32", "count": "41", "zlib": GOOD_ZLIB}), "field 'arrays' (key 'bad'): 'count' must be an integer from 0 to 10,000,000"),
    ("array-count-huge", packed("bad", {"dtype": "float32", "count": 10**9, "zlib": GOOD_ZLIB}), "field 'arrays' (key 'bad'): 'count' must be an integer from 0 to 10,000,000"),
    ("array-count-wrong", packed("bad", {"dtype": "float32", "count": 40, "zlib": GOOD_ZLIB}), "field 'arrays' (key 'bad'): 'zlib' does not hold 40 float32 values"),
    ("array-wider", packed("bad", {"dtype": "float64", "count": 41, "zlib": GOOD_ZLIB}), "field 'arrays' (key 'bad'): 'zlib' does not hold 41 float64 values"),
    ("array-not-base64", packed("bad", {"dtype": "float32", "count": 41, "zlib": "not base64!"}), "field 'arrays' (key 'bad'): 'zlib' is not base64 of zlib data: "),
    ("array-not-zlib", packed("bad", {"dtype": "float32", "count": 1, "zlib": "AAAAAA=="}), "field 'arrays' (key 'bad'): 'zlib' is not base64 of zlib data: Error -3"),
    ("array-short", packed("bad", pack_floats([0.1, 0.2])), f"{RECORD}: field 'actual': has 2 values for 41 steps"),
    ("array-as-repro", lambda data: data["results"][0].__setitem__("repro", data["results"][0]["actual"]), f"{RECORD}: field 'repro': must be a string, got a list"),
]
# fmt: on

# fmt: off
#: (id, raw bytes of the file, the error after "<file>: ")
RAW: list[tuple[str, bytes, str]] = [
    ("empty", b"", "not a readable result file: Expecting value: line 1 column 1 (char 0)"),
    ("not-json", b"{not json", "not a readable result file: Expecting property name enclosed in double quotes"),
    ("not-utf-8", b'{"schema": "\xff\xfe"}', "not a readable result file: 'utf-8' codec can't decode byte 0xff in position 12"),
    ("nan-literal", b'{"schema": NaN}', "not a readable result file: NaN is not JSON (non-finite numbers are written as 'nan', 'inf', '-inf')"),
    ("byte-order-mark", b"\xef\xbb\xbf{}", "not a readable result file: Unexpected UTF-8 BOM"),
    ("nested-deeply", b"[" * 100_000 + b"]" * 100_000, "not a readable result file: nested too deeply"),
    ("huge-integer", b'{"schema": ' + b"9" * 5000 + b"}", "not a readable result file: Exceeds the limit (4300 digits) for integer string conversion"),
    ("list", b"[1, 2]", "not an lrconform result file (schema None, want one of"),
    ("null", b"null", "not an lrconform result file (schema None, want one of"),
]
# fmt: on


# fmt: off
#: Variants of a merged file: (id, edit, the error after "<file>: ")
MERGED: list[tuple[str, Edit, str]] = [
    ("runs-missing", envelope(runs=...), "field 'runs': must be a list of runs, got null"),
    ("runs-table", envelope(runs={"fw": {}}), "field 'runs': must be a list of runs, got a table"),
    ("run-entry-string", lambda data: data["runs"].__setitem__(0, "fw"), "run #1: must be a table, got a string"),
    ("run-entry-unnamed", lambda data: data["runs"][0].pop("name"), "run #1: field 'name': must be a non-empty string"),
    ("run-entry-created", lambda data: data["runs"][0].__setitem__("created_utc", []), "run #1 ('fw'): field 'created_utc': must be a string, got a list"),
    ("run-entry-complete", lambda data: data["runs"][0].__setitem__("complete", 0), "run #1 ('fw'): field 'complete': must be true or false, got an integer"),
    ("run-entry-twice", lambda data: data["runs"].append(data["runs"][0]), "run #2: field 'name': 'fw' appears twice"),
    ("record-of-no-run", lambda data: data["results"][0].__setitem__("run", "other"), f"{RECORD}: field 'run': must name one of the file's runs ['fw'], got 'other'"),
    ("record-run-missing", lambda data: data["results"][0].pop("run"), f"{RECORD}: field 'run': must name one of the file's runs ['fw'], got None"),
    ("record-run-number", lambda data: data["results"][0].__setitem__("run", 1), f"{RECORD}: field 'run': must be a string, got an integer"),
]
# fmt: on

# fmt: off
#: What only a folder can be: (id, make it at the result file's path, the error after "<file>: ")
SPECIAL: list[tuple[str, Callable[[Path], object], str]] = [
    ("folder-named-results.json", Path.mkdir, "not a readable result file: not a regular file"),
    ("dangling-link", lambda path: path.symlink_to(path.parent / "gone.json"), "not a readable result file: a symbolic link to nothing"),
    ("fifo", lambda path: os.mkfifo(path), "not a readable result file: not a regular file"),
]
# fmt: on


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A run's file and a merged file of it, as the suite writes them."""
    root = tmp_path_factory.mktemp("good")
    synthetic_run(root / "fw" / "results.json", "fw", by_family({"cosine": "late"}), cases=CASES)
    merge.write_json(merge.merged_envelope(merge.load([root / "fw"])), root / "merged.json")
    return root


def _broken(good: Path, tmp_path: Path, source: str, edit: Edit, *, unpacked: bool = True) -> Path:
    """The file ``source`` with ``edit`` applied: to its values as lists (the form every schema may hold), or
    to the packed form as written (``unpacked=False``)."""
    data = json.loads((good / source).read_text())
    if unpacked:
        expand_stored(data, source)
    edit(data)
    path = tmp_path / "runs" / "broken" / "results.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data).replace(json.dumps(OVERFLOW), "1e999"))
    return path


def _fails_cleanly(capsys, path: Path, message: str, *argv: str) -> None:
    """``python -m reports ARGV`` exits 2 with one line: the file, then ``message``."""
    assert cli.main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: {message}") and err.count("\n") == 1, err


def _both_commands(capsys, path: Path, message: str, good: Path) -> None:
    folder = path.parent.parent
    _fails_cleanly(capsys, path, message, "merge", str(folder), "--out", str(folder.parent / "merged"))
    _fails_cleanly(capsys, path, message, "diff", str(folder), str(good / "fw"))


@pytest.mark.parametrize(("edit", "message"), [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_a_malformed_run_file(good: Path, tmp_path: Path, capsys, edit: Edit, message: str) -> None:
    _both_commands(capsys, _broken(good, tmp_path, "fw/results.json", edit), message, good)


@pytest.mark.parametrize(("edit", "message"), [v[1:] for v in PACKED], ids=[v[0] for v in PACKED])
def test_a_malformed_packed_file(good: Path, tmp_path: Path, capsys, edit: Edit, message: str) -> None:
    _both_commands(capsys, _broken(good, tmp_path, "fw/results.json", edit, unpacked=False), message, good)


@pytest.mark.parametrize(("edit", "message"), [v[1:] for v in MERGED], ids=[v[0] for v in MERGED])
def test_a_malformed_merged_file(good: Path, tmp_path: Path, capsys, edit: Edit, message: str) -> None:
    _both_commands(capsys, _broken(good, tmp_path, "merged.json", edit), message, good)


@pytest.mark.parametrize(("content", "message"), [v[1:] for v in RAW], ids=[v[0] for v in RAW])
def test_an_unreadable_file(good: Path, tmp_path: Path, capsys, content: bytes, message: str) -> None:
    path = tmp_path / "runs" / "broken" / "results.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    _both_commands(capsys, path, message, good)


@pytest.mark.parametrize(("make", "message"), [v[1:] for v in SPECIAL], ids=[v[0] for v in SPECIAL])
def test_something_else_named_results_json(good: Path, tmp_path: Path, capsys, make, message: str) -> None:
    path = tmp_path / "runs" / "broken" / "results.json"
    path.parent.mkdir(parents=True)
    make(path)
    _both_commands(capsys, path, message, good)


def test_enough_variants_for_each_command() -> None:
    assert len(VARIANTS) + len(PACKED) + len(MERGED) + len(RAW) + len(SPECIAL) >= 65


def test_upgrade_names_the_malformed_file_too(good: Path, tmp_path: Path, capsys) -> None:
    path = _broken(good, tmp_path, "fw/results.json", record(actual="0.1"))
    declared = tmp_path / "upgrades.toml"
    declared.write_text(
        '[[upgrade]]\nold = "a"\nnew = "b"\nabout = "x"\nlink = "https://example.org"\nexpect = ["x"]\n'
    )
    args = ["upgrade", "--file", str(declared), "--results", str(path.parent.parent), "--out", str(tmp_path / "pages")]
    _fails_cleanly(capsys, path, f"{RECORD}: field 'actual': must be a list of numbers, got a string", *args)


def test_no_traceback_from_the_command_line(good: Path, tmp_path: Path) -> None:
    path = _broken(good, tmp_path, "fw/results.json", actual_with("abc"))
    argv = ["merge", str(path.parent.parent), "--out", str(tmp_path / "m")]
    done = subprocess.run([sys.executable, "-m", "reports", *argv], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        done.stderr
        == f"error: {path}: {RECORD}: field 'actual': value #4 must be a finite number or one of ('nan', 'inf', '-inf'), got a string\n"
    )
