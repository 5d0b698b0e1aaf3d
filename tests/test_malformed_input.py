"""Fuzzed data files: every malformed case file, tolerance table and expectation file is one CaseFileError.

Variants are generated from one valid case (and one valid tolerance table and expectation entry) by
changing one thing at a time: each field given a value of every wrong kind, required fields removed,
unknown keys added, names misspelt, bytes that are not UTF-8 or not TOML, nesting too deep, references
that are not finite, and paths that are not regular files. Each must raise :class:`CaseFileError`
(any other exception fails the test) with a one-line message naming the file, the case (where there
is one) and the field.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cases.catalogue import load_catalogue, load_tolerances
from cases.datafile import MAX_BYTES
from cases.expectations import load_expectations
from model.case import MAX_STEP
from model.errors import CaseFileError

NAN, INF = math.nan, math.inf


def toml(value: Any) -> str:
    """``value`` as a TOML value (inline tables, quoted keys)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else {INF: "inf", -INF: "-inf"}.get(value, repr(value))
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + " }"


def table(header: str, entry: dict[str, Any]) -> str:
    return header + "\n" + "".join(f"{json.dumps(k)} = {toml(v)}\n" for k, v in entry.items())


VALID_CASE: dict[str, Any] = {
    "id": "fuzz[1]",
    "formula": "exponential",
    "steps": {"start": 0, "stop": 20, "step": 2},
    "params": {"init_lr": 0.1, "decay_steps": 5, "decay_rate": 0.5, "staircase": False},
    "about": "a valid case, changed one field at a time",
    "origin": "tests/test_malformed_input.py",
    "family": "exponential",
    "only": ["torch", "keras"],
    "hints": {
        "torch": {"api": "ExponentialLR"},
        "keras": {"omit": ["staircase"], "kwargs": {"name": "fuzz"}},
        "optax": {"kwargs": {"end_value": 0.01}},
        "mindspore-dynamic": {"length": 25},
    },
    "tolerance": {"float32": {"rtol": 1e-5, "atol": 0.0, "reason": "fuzz"}},
}

#: Values of each wrong kind for a field that wants a string, a number, a bool, a list or a table.
WRONG_STRING = [1, 1.5, True, ["x"], {"x": 1}]
WRONG_NUMBER = [True, False, "0.1", [0.1], {"x": 0.1}, NAN, INF, -INF, 10**400]
WRONG_BOOL = [1, 0, 1.0, "false", "no", [True], {"x": True}]
WRONG_LIST = [1, "torch", True, {"x": 1}]
WRONG_TABLE = [1, "x", True, [1]]


@dataclass(frozen=True)
class Variant:
    """A malformed file: its bytes, and what the message must name (``case``: empty for a file-level problem)."""

    name: str
    data: bytes
    case: str
    field: str
    fragments: tuple[str, ...] = ()


def label(case: dict[str, Any]) -> str:
    case_id = case.get("id")
    return "case #1" + (f" ({case_id!r})" if isinstance(case_id, str) else "")


def changed(name: str, field: str, *fragments: str, **changes: Any) -> Variant:
    """The valid case with top-level ``changes`` (a value of ``...`` removes the key)."""
    case = {k: v for k, v in {**VALID_CASE, **changes}.items() if v is not ...}
    return Variant(name, table("[[case]]", case).encode(), label(case), field, fragments)


def nested(key: str, depth: int) -> Any:
    return {key: nested(key, depth - 1)} if depth else 1


def with_params(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in {**VALID_CASE["params"], **params}.items() if v is not ...}


def with_hints(section: str, hint: Any) -> dict[str, Any]:
    return {**VALID_CASE["hints"], section: hint}


def with_tolerance(**entry: Any) -> dict[str, Any]:
    return {"float32": {k: v for k, v in {**VALID_CASE["tolerance"]["float32"], **entry}.items() if v is not ...}}


def case_variants() -> list[Variant]:
    v: list[Variant] = []
    for key in ("id", "formula", "steps", "params"):
        v.append(changed(f"missing-{key}", key, "missing required field", **{key: ...}))
    v += [changed("unknown-field", "colour", "unknown field", colour="red"),
          changed("unknown-field-case", "Formula", "unknown field", Formula="cosine")]  # fmt: skip
    for key in ("id", "formula", "about", "origin", "family"):
        v += [changed(f"{key}={w!r}", key, **{key: w}) for w in WRONG_STRING]
    v += [changed(f"id={w!r}", "id", "must match", id=w) for w in ("", "has space", "a/b", "x;y", "é")]
    v += [changed(f"formula={w!r}", "formula", "unknown formula", formula=w) for w in ("konstant", "", "Exponential")]
    # steps: kinds, order, and the bound on values, all checked before an array exists
    steps = [True, "0..10", 1.5, [], {}, {"stop": True}, {"stop": "10"}, {"stop": 10.0}, {"stop": 10, "step": 0},
             {"stop": 10, "step": -1}, {"start": -1, "stop": 10}, {"start": 5, "stop": 5}, {"stop": 10, "end": 3},
             {"stop": 2**63}, {"stop": 10**30}, {"stop": MAX_STEP + 1}, {"stop": 1_000_000_000_000}, [0, 10**12],
             [0, 2**63], [0, MAX_STEP], [-1], [1, 1], [2, 1], [0, 1.5], [0, True], ["0"], [[0]], [0, NAN]]  # fmt: skip
    v += [changed(f"steps={w!r}"[:60], "steps", steps=w) for w in steps]
    # params: the table, each parameter with values of the wrong kind, missing, unknown, out of range
    v += [changed(f"params={w!r}", "params", params=w) for w in WRONG_TABLE]
    for name in ("init_lr", "decay_steps", "decay_rate"):
        v += [changed(f"{name}={w!r}"[:60], "params", name, params=with_params(**{name: w})) for w in WRONG_NUMBER]
    v += [changed(f"staircase={w!r}", "params", "staircase", params=with_params(staircase=w)) for w in WRONG_BOOL]
    v += [
        changed("missing-param", "params", "missing required parameter(s) ['decay_rate']", params=with_params(decay_rate=...)),
        changed("unknown-param", "params", "unknown parameter(s) ['gamma']", params=with_params(gamma=0.5)),
        changed("negative-lr", "params", "init_lr must be >= 0", params=with_params(init_lr=-0.1)),
        changed("zero-decay", "params", "decay_steps must be > 0", params=with_params(decay_steps=0)),
        changed("deep-params", "params", "nest more than 16 levels", params=with_params(extra=nested("x", 20))),
        changed("reference-inf", "params", "the reference is inf at step 2 (first of 9 non-finite steps)", params=with_params(init_lr=1e300, decay_rate=1e100)),
        changed("reference-nan", "params", "the reference is nan at step 2", formula="cyclic", family="c",
                params={"base_lr": 0.1, "max_lr": 0.2, "step_size_up": 1, "mode": "exp_range", "gamma": 1e300}),
        changed("sequential-deep", "params", "nest more than 16 levels", formula="sequential", family="s",
                params={"boundaries": [], "schedules": [nested("schedules", 18)]}),
    ]  # fmt: skip
    # only: a non-empty list of registered adapters or their framework prefix
    only = [1, "torch", True, {"torch": True}, [], [1], [True], [["torch"]], ["tourch"], ["keras-jaxx"], ["ker"],
            ["Torch"], ["torch", "optx"]]  # fmt: skip
    v += [changed(f"only={w!r}", "only", only=w) for w in only]
    # hints: sections an adapter reads, keys it declares, values of the declared kind and checks
    v += [changed(f"hints={w!r}", "hints", hints=w) for w in WRONG_TABLE]
    hints: list[tuple[str, Any, str]] = [
        ("tourch", {"api": "StepLR"}, "hints.tourch"), ("Torch", {"api": "StepLR"}, "hints.Torch"),
        ("fake", {"bug": "late"}, "hints.fake"), ("torch", "ExponentialLR", "hints.torch"),
        ("torch", ["ExponentialLR"], "hints.torch"), ("torch", {"apii": "StepLR"}, "hints.torch.apii"),
        ("torch", {"api": 1}, "hints.torch.api"), ("torch", {"api": True}, "hints.torch.api"),
        ("torch", {"api": ["StepLR"]}, "hints.torch.api"), ("torch", {"api": {}}, "hints.torch.api"),
        ("torch", {"api": "NoSuchLR"}, "hints.torch.api"), ("keras", {"omit": "staircase"}, "hints.keras.omit"),
        ("keras", {"omit": [1]}, "hints.keras.omit"), ("keras", {"kwargs": "name=1"}, "hints.keras.kwargs"),
        ("keras", {"kwargs": {"1a": 1}}, "hints.keras.kwargs"), ("keras", {"kwargs": {"no_such": 1}}, "hints.keras.kwargs"),
        ("keras", {"kwargs": {"name": NAN}}, "hints.keras.kwargs"), ("keras", {"schedule": 1}, "hints.keras.schedule"),
        ("keras", {"schedule": "import os"}, "hints.keras.schedule"), ("keras", {"source": 1}, "hints.keras.source"),
        ("keras", {"source": "/etc/passwd"}, "hints.keras.source"), ("keras", {"source": "../x.py"}, "hints.keras.source"),
        ("keras", {"api": "Adam"}, "hints.keras.api"), ("optax", {"api": 1}, "hints.optax.api"),
        ("optax", {"api": "nope"}, "hints.optax.api"), ("optax", {"kwargs": {"a b": 1}}, "hints.optax.kwargs"),
        ("optax", {"config": 1}, "hints.optax.config"), ("optax", {"config": {"warmup_epochs": 1}}, "hints.optax.config"),
        ("optax", {"config": {"warmup_epochs": "1", "num_epochs": 2}}, "hints.optax.config"),
        ("optax", {"config": {"warmup_epochs": True, "num_epochs": 2}}, "hints.optax.config"),
        ("optax", {"steps_per_epoch": "468"}, "hints.optax.steps_per_epoch"),
        ("optax", {"steps_per_epoch": 1.5}, "hints.optax.steps_per_epoch"),
        ("optax", {"steps_per_epoch": True}, "hints.optax.steps_per_epoch"),
        ("optax", {"steps_per_epoch": 0}, "hints.optax.steps_per_epoch"), ("tfa", {"api": 1}, "hints.tfa.api"),
        ("tfa", {"api": "CyclicLR"}, "hints.tfa.api"), ("mindspore", {"optimizer": "SGD"}, "hints.mindspore.optimizer"),
        ("mindspore", {"optimizer": {"api": "Adam"}}, "hints.mindspore.optimizer"),
        ("mindspore", {"optimizer": {"api": ["SGD"]}}, "hints.mindspore.optimizer"),
        ("mindspore", {"optimizer": {"momentum": True}}, "hints.mindspore.optimizer"),
        ("mindspore", {"groups": {"lr": "case"}}, "hints.mindspore.groups"),
        ("mindspore", {"groups": [1]}, "hints.mindspore.groups"),
        ("mindspore", {"groups": [{"lr": "case"}, {"lr": "case"}]}, "hints.mindspore.groups"),
        ("mindspore-dynamic", {"length": "10"}, "hints.mindspore-dynamic.length"),
        ("mindspore-dynamic", {"length": 1.5}, "hints.mindspore-dynamic.length"),
        ("mindspore-dynamic", {"length": True}, "hints.mindspore-dynamic.length"),
        ("mindspore-dynamic", {"length": 0}, "hints.mindspore-dynamic.length"),
        ("mindspore-dynamic", {"length": 10**12}, "hints.mindspore-dynamic.length"),
    ]  # fmt: skip
    v += [changed(f"{f}={h!r}"[:60], f, hints=with_hints(section, h)) for section, h, f in hints]
    # tolerance: known dtypes, a table with a reason and rtol and/or atol in [0, 1)
    v += [changed(f"tolerance={w!r}", "tolerance", tolerance=w) for w in WRONG_TABLE]
    v += [changed("tolerance-flaot64", "tolerance.flaot64", "unknown dtype; the tolerance table has: float32, float64",
                  tolerance={"flaot64": {"rtol": 1e-5, "reason": "typo"}}),
          changed("tolerance-float16", "tolerance.float16", "unknown dtype",
                  tolerance={"float16": {"rtol": 1e-5, "reason": "not in the table"}})]  # fmt: skip
    v += [changed(f"tolerance.float32={w!r}", "tolerance.float32", tolerance={"float32": w}) for w in (1e-5, "x", [1])]
    v += [changed(f"rtol={w!r}"[:60], "tolerance.float32.rtol", tolerance=with_tolerance(rtol=w))
          for w in [*WRONG_NUMBER, 1.5, 1, -1e-5]]  # fmt: skip
    v += [changed(f"atol={w!r}", "tolerance.float32.atol", tolerance=with_tolerance(atol=w)) for w in (True, "0", 2.0)]
    v += [
        changed("reason-missing", "tolerance.float32.reason", tolerance=with_tolerance(reason=...)),
        changed("reason-blank", "tolerance.float32.reason", tolerance=with_tolerance(reason="  ")),
        changed("reason-number", "tolerance.float32.reason", tolerance=with_tolerance(reason=1)),
        changed("tolerance-unknown-key", "tolerance.float32.rtoll", tolerance=with_tolerance(rtoll=1e-5)),
        changed("tolerance-no-bound", "tolerance.float32", "needs 'rtol' and/or 'atol'",
                tolerance={"float32": {"reason": "no bound"}}),
    ]  # fmt: skip
    twice = table("[[case]]", VALID_CASE) + table("[[case]]", VALID_CASE)
    v.append(Variant("duplicate-id", twice.encode(), "case #2 ('fuzz[1]')", "id", ("already defined in",)))
    v += [
        Variant(f"case={w}", f"case = {w}\n".encode(), "case #1", "case", ("expected a table",))
        for w in ("[1]", '["x"]')
    ]
    return v


def file_variants(valid: str, text_variants: list[tuple[str, str, str]]) -> list[Variant]:
    """File-level problems (no entry to name): bytes that are not UTF-8 or not TOML, nesting hundreds deep."""
    return [
        *(Variant(name, text.encode(), "", "", (fragment,)) for name, text, fragment in text_variants),
        Variant("not-utf8", b"\xff\xfe" + valid.encode(), "", "", ("not UTF-8 text: byte 0xff at offset 0",)),
        Variant("latin-1", (valid + "# caf\xe9\n").encode("latin-1"), "", "", ("not UTF-8 text: byte 0xe9",)),
        Variant("not-toml", b"[[case]\n", "", "", ("not valid TOML",)),
        Variant("bare-key", b"id = \n", "", "", ("not valid TOML",)),
        Variant("nul", b"id = 'a\x00'\n", "", "", ("not valid TOML",)),
        Variant("deep-array", ("x = " + "[" * 600 + "]" * 600).encode(), "", "", ("nested hundreds of levels deep",)),
        Variant("deep-table", ("x = " + "{a=" * 600 + "1" + "}" * 600).encode(), "", "", ("nested hundreds",)),
    ]


CASE_FILE_VARIANTS = [
    ("no-case", "", "holds no [[case]] table"),
    ("comments-only", "# nothing here\n", "holds no [[case]] table"),
    ("case-empty", "case = []\n", "holds no [[case]] table"),
    ("case-number", "case = 5\n", "field 'case': must be [[case]] tables, got 5"),
    ("case-string", 'case = "x"\n', "field 'case': must be [[case]] tables"),
    ("case-table", table("[case]", VALID_CASE), "field 'case': must be [[case]] tables"),
    ("cases-table", "[cases]\n", "expected only [[case]] tables, found ['cases']"),
    ("extra-key", "version = 1\n" + table("[[case]]", VALID_CASE), "expected only [[case]] tables, found ['version']"),
]
VARIANTS = case_variants() + file_variants(table("[[case]]", VALID_CASE), CASE_FILE_VARIANTS)


def error_of(path: Path, variant: Variant, load: Callable[[Path], object]) -> str:
    """Write ``variant`` to ``path``: ``load(path)`` must raise a CaseFileError (nothing else) with a fitting message."""
    path.write_bytes(variant.data)
    with pytest.raises(CaseFileError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message and len(message) < 800, message
    if variant.case:
        assert message.startswith(f"{path}: {variant.case}: field '{variant.field}"), message
    else:
        assert "case #" not in message and "divergence #" not in message, message
    assert all(fragment in message for fragment in variant.fragments), message
    return message


def test_the_valid_case_loads(tmp_path: Path) -> None:
    (tmp_path / "fuzz.toml").write_text(table("[[case]]", VALID_CASE))
    (case,) = load_catalogue(tmp_path)
    assert (case.id, case.only, case.hint("keras")["omit"], case.tolerance["float32"].rtol) == (
        "fuzz[1]", ("torch", "keras"), ["staircase"], 1e-5
    )  # fmt: skip


def test_there_are_enough_variants() -> None:
    assert len(VARIANTS) >= 150 and len({v.name for v in VARIANTS}) == len(VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_malformed_case_file_is_one_error_naming_file_case_and_field(tmp_path: Path, variant: Variant) -> None:
    error_of(tmp_path / "fuzz.toml", variant, lambda path: load_catalogue(path.parent))


def directory(path: Path) -> str:
    path.mkdir()
    return "a directory, not a file"


def dangling_link(path: Path) -> str:
    path.symlink_to(path.parent / "gone.toml")
    return "a dangling symbolic link"


def fifo(path: Path) -> str:
    os.mkfifo(path)  # opening it would block the run forever
    return "not a regular file"


@pytest.mark.parametrize("make", [directory, dangling_link, fifo])
def test_a_catalogue_entry_that_is_no_regular_file_is_named(tmp_path: Path, make: Callable[[Path], str]) -> None:
    (tmp_path / "a.toml").write_text(table("[[case]]", VALID_CASE))
    problem = make(tmp_path / "x.toml")
    with pytest.raises(CaseFileError, match=f"^{re.escape(str(tmp_path / 'x.toml'))}: {problem}"):
        load_catalogue(tmp_path)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with (tmp_path / "huge.toml").open("wb") as sparse:
        sparse.truncate(MAX_BYTES + 1)
    with pytest.raises(
        CaseFileError, match=r"huge\.toml: 32,000,001 bytes, more than the 32,000,000 a data file may hold$"
    ):
        load_catalogue(tmp_path)


def test_a_missing_catalogue_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match=f"^{re.escape(str(tmp_path / 'none'))}: not a directory of case files$"):
        load_catalogue(tmp_path / "none")


# --- the tolerance table -------------------------------------------------------------------------

VALID_TOLERANCES = {
    "float64": {"rtol": 1e-12, "atol": 1e-14, "reason": "f64"},
    "float32": {"rtol": 5e-6, "reason": "f32"},
}


def tolerances_changed(name: str, field: str, *fragments: str, **changes: Any) -> Variant:
    document = {k: v for k, v in {**VALID_TOLERANCES, **changes}.items() if v is not ...}
    text = "".join(table(f"[{json.dumps(d)}]", e) if isinstance(e, dict) else f"{json.dumps(d)} = {toml(e)}\n"
                   for d, e in sorted(document.items(), key=lambda item: isinstance(item[1], dict)))  # fmt: skip
    return Variant(name, text.encode(), "", field, fragments)


def entry64(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**VALID_TOLERANCES["float64"], **changes}.items() if v is not ...}


TOLERANCE_VARIANTS = [
    tolerances_changed("no-float64", "", "no tolerance for float64", float64=...),
    tolerances_changed("no-float32", "", "no tolerance for float32", float32=...),
    tolerances_changed("flaot64", "flaot64", "not the name of a NumPy floating-point dtype", flaot64=entry64()),
    tolerances_changed("int32", "int32", "not the name of a NumPy floating-point dtype", int32=entry64()),
    tolerances_changed("f8", "f8", "not the name", f8=entry64()),
    tolerances_changed("float64-number", "float64", "expected a table", float64=5),
    tolerances_changed("float64-string", "float64", "expected a table", float64="tight"),
    *(tolerances_changed(f"rtol={w!r}"[:40], "float64.rtol", "must be a number in [0, 1)", float64=entry64(rtol=w))
      for w in [*WRONG_NUMBER, 1.5, -1e-12]),
    tolerances_changed("atol-bool", "float64.atol", float64=entry64(atol=False)),
    tolerances_changed("no-reason", "float64.reason", "every tolerance needs a stated reason", float64=entry64(reason=...)),
    tolerances_changed("blank-reason", "float64.reason", float64=entry64(reason="")),
    tolerances_changed("list-reason", "float64.reason", float64=entry64(reason=["a"])),
    tolerances_changed("unknown-key", "float64.rtoll", "unknown field", float64=entry64(rtoll=1e-12)),
    tolerances_changed("no-bound", "float64", "needs 'rtol' and/or 'atol'", float64={"reason": "none"}),
]  # fmt: skip
TOLERANCE_FILE_VARIANTS = file_variants(tolerances_changed("x", "").data.decode(), [])


@pytest.mark.parametrize("variant", TOLERANCE_VARIANTS + TOLERANCE_FILE_VARIANTS, ids=lambda v: v.name)
def test_malformed_tolerance_table_is_one_error_naming_file_and_field(tmp_path: Path, variant: Variant) -> None:
    message = error_of(tmp_path / "tolerances.toml", variant, load_tolerances)
    assert not variant.field or f": field '{variant.field}': " in message


@pytest.mark.parametrize("make", [directory, dangling_link, fifo, lambda path: "no such file"])
def test_a_tolerance_table_that_is_no_regular_file_is_named(tmp_path: Path, make: Callable[[Path], str]) -> None:
    path = tmp_path / "tolerances.toml"
    problem = make(path)
    with pytest.raises(CaseFileError, match=f"^{re.escape(str(path))}: {problem}"):
        load_tolerances(path)


# --- expectation files ---------------------------------------------------------------------------

VALID_DIVERGENCE = {
    "id": "fuzz[1]-fw*",
    "reason": "a reason",
    "link": "https://example.org/1",
    "first_divergent_step": 3,
}


def divergence_changed(name: str, field: str, *fragments: str, **changes: Any) -> Variant:
    entry = {k: v for k, v in {**VALID_DIVERGENCE, **changes}.items() if v is not ...}
    entry_id = entry.get("id")
    where = "divergence #1" + (f" ({entry_id!r})" if isinstance(entry_id, str) else "")
    return Variant(name, table("[[divergence]]", entry).encode(), where, field, fragments)


EXPECTATION_VARIANTS = [
    *(divergence_changed(f"id={w!r}", "id", id=w) for w in (1, True, [], [1], "", [""], {"x": 1})),
    divergence_changed("no-id", "id", "required", id=...),
    *(divergence_changed(f"reason={w!r}", "reason", reason=w) for w in (1, "", ["a"], ...)),
    *(divergence_changed(f"link={w!r}", "link", link=w) for w in (1, "", "http://example.org/1", "example.org", ...)),
    *(divergence_changed(f"step={w!r}", "first_divergent_step", "must be a step (int >= 0)", first_divergent_step=w)
      for w in (True, -1, 1.5, "3", [3], NAN)),
    *(divergence_changed(f"error={w!r}", "error", error=w) for w in (1, True, ["ValueError"])),
    *(divergence_changed(f"versions={w!r}", "versions", versions=w) for w in (1, True, "newest", [">=1"])),
    divergence_changed("unknown-field", "os", "unknown field", os="linux"),
    divergence_changed("platform-string", "platform", "a table of fact path = value", platform="linux"),
    divergence_changed("platform-path", "platform", "must be dotted", platform={"cpu": "avx2"}),
    divergence_changed("platform-value", "platform.torch.mkl_vml", "non-empty list", platform={"torch.mkl_vml": [1]}),
    divergence_changed("elsewhere", "elsewhere", "one of ['agree', 'either']", platform={"machine.simd": "avx2"},
                       elsewhere="never"),
    divergence_changed("deep", "link", "nest more than 16 levels", link=nested("x", 20)),
    Variant("entry-number", b"divergence = [1]\n", "divergence #1", "divergence", ("expected a table",)),
]  # fmt: skip
EXPECTATION_FILE_VARIANTS = file_variants(
    table("[[divergence]]", VALID_DIVERGENCE),
    [
        ("divergence-number", "divergence = 5\n", "field 'divergence': must be [[divergence]] tables, got 5"),
        ("divergence-string", 'divergence = "x"\n', "field 'divergence': must be [[divergence]] tables"),
        ("divergence-table", table("[divergence]", VALID_DIVERGENCE), "field 'divergence': must be [[divergence]]"),
        ("extra-table", "[skip]\n", "expected only [[divergence]] tables, found ['skip']"),
    ],
)


def test_there_are_enough_tolerance_and_expectation_variants() -> None:
    count = len(TOLERANCE_VARIANTS + TOLERANCE_FILE_VARIANTS + EXPECTATION_VARIANTS + EXPECTATION_FILE_VARIANTS)
    assert count >= 40


@pytest.mark.parametrize("variant", EXPECTATION_VARIANTS + EXPECTATION_FILE_VARIANTS, ids=lambda v: v.name)
def test_malformed_expectation_file_is_one_error_naming_file_entry_and_field(tmp_path: Path, variant: Variant) -> None:
    error_of(tmp_path / "fw.toml", variant, lambda path: load_expectations(path.parent, "fw"))


@pytest.mark.parametrize("make", [directory, dangling_link, fifo])
def test_an_expectation_file_that_is_no_regular_file_is_named(tmp_path: Path, make: Callable[[Path], str]) -> None:
    problem = make(tmp_path / "fw.toml")
    with pytest.raises(CaseFileError, match=f"^{re.escape(str(tmp_path / 'fw.toml'))}: {problem}"):
        load_expectations(tmp_path, "fw")
