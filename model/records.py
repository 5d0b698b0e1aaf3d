"""How records store their numbers, and the helpers every reader of them shares.

In memory a trajectory is a list of floats, non-finite ones as the strings ``"nan"``, ``"inf"`` and
``"-inf"`` (JSON has no literal for them); steps are ``{"start", "stop", "step"}`` when they form a range,
else a list. A file stores (:func:`stored_form`, read back by :func:`expand_stored`):

- each case's reference trajectory once, in ``references`` (:func:`attach_references`);
- every trajectory packed (:func:`pack_floats`: the float32 or float64 bytes, byte-shuffled, zlib-compressed,
  base64) once in ``arrays``, under a key derived from its content, and each reproducer once in ``texts``;
  a record holds ``{"array": key}`` and ``{"text": key}`` in their place. Identical trajectories (a
  framework's jit and eager probes, two runs of one release) and reproducers (every probe of one program)
  are stored once. Values are kept bit for bit: float32 is used only where every value is a float32;
- the ``texts`` and ``values`` tables each as one zlib stream of their JSON (``{"zlib": base64}``: reproducers of
  one framework share most of their lines, so the stream is a small fraction of the text); files of schema /6 before
  this kept them as plain tables, which read too;
- a record's null fields among :data:`NULLABLE` as the bits of its ``nulls`` instead of ``"field": null``;
- the fields that every probe, adapter or run of a case repeats (:data:`SHARED_FIELDS`: its parameters, the
  call's keyword arguments, the tolerance's reason, ...) once in ``values``, under a key derived from their JSON;
  a record lists them in ``shared`` (``{field: key}``) in their place. A value whose JSON is short stays inline.

:func:`peak` is the scale of absolute tolerances and of value changes; :func:`glob_regex` matches
test-id patterns.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import math
import re
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "attach_references",
    "decode_floats",
    "encode_data",
    "encode_floats",
    "encode_steps",
    "expand_steps",
    "expand_stored",
    "glob_regex",
    "pack_floats",
    "pack_table",
    "peak",
    "share_reference",
    "stored_form",
    "unpack_floats",
    "unpack_table",
]


def encode_floats(values: Iterable[float]) -> list[float | str]:
    """Floats for JSON, exact (shortest round-trip repr), non-finite values as strings. Converted as one array
    (a record's trajectories reach 93,700 values: a Python test per value took most of the time)."""
    array = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=np.float64)
    encoded: list[float | str] = array.tolist()
    for index in np.flatnonzero(~np.isfinite(array)).tolist():
        encoded[index] = "nan" if np.isnan(array[index]) else ("inf" if array[index] > 0 else "-inf")
    return encoded


def encode_data(value: Any) -> Any:
    """Plain data (parameters, keyword arguments) for JSON: each non-finite float as :func:`encode_floats` writes it
    (an invalid-parameter case's ``nan`` rate), tables and lists through, everything else as it is."""
    if isinstance(value, float) and not math.isfinite(value):
        return encode_floats([value])[0]
    if isinstance(value, Mapping):
        return {k: encode_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_data(v) for v in value]
    return value


def decode_floats(values: Iterable[float | str]) -> np.ndarray:
    """Inverse of :func:`encode_floats` (NumPy parses the strings ``"nan"``, ``"inf"`` and ``"-inf"`` itself)."""
    return np.array(values, dtype=np.float64)


def encode_steps(steps: np.ndarray) -> dict[str, int] | list[int]:
    """A range table when the steps are evenly spaced, else the list."""
    if steps.size > 1:
        gaps = np.diff(steps)
        if np.all(gaps == gaps[0]):
            return {"start": int(steps[0]), "stop": int(steps[-1]) + int(gaps[0]), "step": int(gaps[0])}
    return [int(s) for s in steps]


def expand_steps(encoded: Mapping[str, int] | list[int]) -> np.ndarray:
    """Inverse of :func:`encode_steps`."""
    if isinstance(encoded, Mapping):
        return np.arange(encoded["start"], encoded["stop"], encoded.get("step", 1), dtype=np.int64)
    return np.asarray(encoded, dtype=np.int64)


def share_reference(record: Mapping[str, Any], references: dict[str, list]) -> dict[str, Any]:
    """``record`` as stored: without its ``reference`` when that is its case's entry in
    ``references`` (the first one seen, added there), else with it."""
    reference = record.get("reference")
    shared = reference is not None and references.setdefault(record["case"], reference) == reference
    return {k: v for k, v in record.items() if not (shared and k == "reference")}


#: Packed record fields and what they hold in memory.
PACKED_ARRAYS = ("reference", "actual")
PACKED_TEXTS = ("repro",)
#: Record fields stored once in ``values`` when their JSON is longer than :data:`_INLINE`, with no meaning
#: (and so no check) beyond what the record's own field has.
SHARED_FIELDS = (
    "params", "kwargs", "setup", "about", "origin", "source", "tolerance_reason", "mapping_note", "reason",
    "expectation", "warnings",
)  # fmt: skip
#: Record fields left out of a file where they are null, listed instead as bits of the record's ``nulls``
#: (bit i: field i is null): most records agree, and name a dozen fields only to say they have no value.
NULLABLE = (
    "first_divergent_step", "behaviour_step", "expectation", "behaviour", "shift", "kernel", "error", "invalid",
    "tolerance_reason", "divergent_steps", "max_abs_err", "max_rel_err", "rtol", "atol", "warnings", "kwargs", "dtype",
    "api", "setup", "mapping_note", "framework_version",
)  # fmt: skip
#: A packed table may not inflate beyond this many bytes of JSON (a hostile zlib stream could claim gigabytes).
MAX_PACKED_TABLE_BYTES = 1 << 30
_INLINE = 24
_SHUFFLE_WIDTH = {"float32": 4, "float64": 8}
#: A packed array may not inflate beyond this many values (a hostile zlib stream could claim gigabytes).
MAX_PACKED_VALUES = 10_000_000


def pack_floats(values: list[float | str]) -> dict[str, Any]:
    """A trajectory as ``{"dtype", "count", "zlib"}``: its values as float32 when every one is exactly a
    float32 (else float64), the bytes shuffled (every value's first byte, then every second byte, ...: the
    slowly varying sign and exponent bytes compress well), zlib-compressed and base64-encoded."""
    wide = decode_floats(values)
    with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf, so it stays float64
        narrow = wide.astype(np.float32)
    dtype = "float32" if np.array_equal(narrow, wide, equal_nan=True) else "float64"
    raw = (narrow if dtype == "float32" else wide).astype(f"<{dtype[0]}{_SHUFFLE_WIDTH[dtype]}").tobytes()
    shuffled = np.frombuffer(raw, np.uint8).reshape(-1, _SHUFFLE_WIDTH[dtype]).T.tobytes()
    return {"dtype": dtype, "count": int(wide.size), "zlib": base64.b64encode(zlib.compress(shuffled, 6)).decode()}


def unpack_floats(packed: Any) -> list[float | str]:
    """Inverse of :func:`pack_floats`; a malformed one raises ``ValueError`` saying what is wrong."""
    if not isinstance(packed, Mapping) or packed.keys() != {"dtype", "count", "zlib"}:
        raise ValueError("must be a table of 'dtype', 'count' and 'zlib'")
    dtype, count = packed["dtype"], packed["count"]
    if dtype not in _SHUFFLE_WIDTH:
        raise ValueError(f"'dtype' must be float32 or float64, got {str(dtype)[:40]!r}")
    if type(count) is not int or not 0 <= count <= MAX_PACKED_VALUES:
        raise ValueError(f"'count' must be an integer from 0 to {MAX_PACKED_VALUES:,}")
    width = _SHUFFLE_WIDTH[dtype]
    try:
        inflate = zlib.decompressobj()
        shuffled = inflate.decompress(base64.b64decode(packed["zlib"], validate=True), count * width + 1)
    except (TypeError, binascii.Error, zlib.error) as exc:
        raise ValueError(f"'zlib' is not base64 of zlib data: {exc}") from None
    if len(shuffled) != count * width or not inflate.eof:
        raise ValueError(f"'zlib' does not hold {count} {dtype} values")
    raw = np.frombuffer(shuffled, np.uint8).reshape(width, count).T.tobytes()
    values = np.frombuffer(raw, f"<f{width}").astype(np.float64)
    return encode_floats(values)


class _Pool:
    """Values stored once under a key derived from their content (the same key in every file)."""

    def __init__(self) -> None:
        self.arrays: dict[str, dict[str, Any]] = {}
        self.texts: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._seen: dict[int, dict[str, str]] = {}  # id of an in-memory list -> its reference

    def array(self, values: list[float | str]) -> dict[str, str]:
        if id(values) not in self._seen:
            packed = pack_floats(values)
            key = hashlib.sha256(f"{packed['dtype']}:{packed['zlib']}".encode()).hexdigest()[:20]
            self.arrays.setdefault(key, packed)
            self._seen[id(values)] = {"array": key}
        return self._seen[id(values)]

    def text(self, text: str) -> dict[str, str]:
        key = hashlib.sha256(text.encode()).hexdigest()[:20]
        self.texts.setdefault(key, text)
        return {"text": key}

    def record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        nulls = sum(1 << i for i, field in enumerate(NULLABLE) if field in record and record[field] is None)
        packed = {k: v for k, v in record.items() if not (v is None and k in NULLABLE)}
        if nulls:
            packed["nulls"] = nulls
        for field in PACKED_ARRAYS:
            if isinstance(record.get(field), list):
                packed[field] = self.array(record[field])
        for field in PACKED_TEXTS:
            if isinstance(record.get(field), str):
                packed[field] = self.text(record[field])
        shared = {}
        for field in (f for f in SHARED_FIELDS if f in packed):  # not a null one: NULLABLE left those out
            text = json.dumps(record[field], sort_keys=True, separators=(",", ":"), allow_nan=False)
            if len(text) > _INLINE:
                shared[field] = hashlib.sha256(text.encode()).hexdigest()[:16]
                self.values.setdefault(shared[field], record[field])
                del packed[field]
        return {**packed, "shared": shared} if shared else packed


def stored_form(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """``envelope`` as written to a file: each case's reference once, in ``references`` (the first
    one seen; a record whose reference differs from it keeps its own), before the ``results``
    without it; every trajectory and reproducer packed once in ``arrays`` and ``texts``."""
    references: dict[str, list] = {}
    shared = [share_reference(record, references) for record in envelope["results"]]
    pool = _Pool()
    packed_references = {case: pool.array(values) for case, values in references.items()}
    records = [pool.record(record) for record in shared]
    head = {k: v for k, v in envelope.items() if k not in ("results", "references", "arrays", "texts", "values")}
    tables = {"arrays": pool.arrays, "texts": pack_table(pool.texts), "values": pack_table(pool.values)}
    tables["references"] = packed_references
    return {**head, **tables, "results": records}


def expand_stored(envelope: dict[str, Any], source: str) -> None:
    """Inverse of the packing of :func:`stored_form`, in place: each ``{"array": key}`` and ``{"text": key}``
    replaced by its value (decoded once; records share it), each field a record lists in ``shared`` put back
    from ``values``. A missing key or a malformed entry raises ``ValueError`` naming ``source``, the table or
    record, and the field."""
    arrays, texts, values = (envelope.pop(table, None) or {} for table in ("arrays", "texts", "values"))
    for table, found in (("arrays", arrays), ("texts", texts), ("values", values)):
        if not isinstance(found, Mapping):
            raise ValueError(f"{source}: field {table!r}: must be a table")
    texts, values = unpack_table(texts, f"{source}: field 'texts'"), unpack_table(values, f"{source}: field 'values'")
    decoded: dict[str, list[float | str]] = {}

    def resolve(value: Any, where: str) -> Any:
        if not (isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in ("array", "text")):
            return value
        kind, key = next(iter(value.items()))
        table = arrays if kind == "array" else texts
        if not isinstance(key, str) or key not in table:
            raise ValueError(f"{where}: no {kind} {str(key)[:40]!r} in the file's field '{kind}s'")
        if kind == "text":
            if not isinstance(texts[key], str):
                raise ValueError(f"{source}: field 'texts' (key {key!r}): must be a string")
            return texts[key]
        if key not in decoded:
            try:
                decoded[key] = unpack_floats(arrays[key])
            except ValueError as exc:
                raise ValueError(f"{source}: field 'arrays' (key {key!r}): {exc}") from None
        return decoded[key]

    references = envelope.get("references")
    if isinstance(references, dict):
        for case, value in references.items():
            references[case] = resolve(value, f"{source}: field 'references' (case {case!r})")
    for index, record in enumerate(envelope.get("results") or ()):
        if isinstance(record, dict):
            named = f" ({record['id']!r})" if isinstance(record.get("id"), str) else ""
            where = f"{source}: record #{index + 1}{named}"
            record.update(_nulls(record.pop("nulls", 0), where))
            record.update(_shared(record.pop("shared", {}), values, where))
            for field in (*PACKED_ARRAYS, *PACKED_TEXTS):
                if field in record:
                    record[field] = resolve(record[field], f"{where}: field {field!r}")


def pack_table(table: Mapping[str, Any]) -> dict[str, str]:
    """A table as one zlib stream of its JSON, base64-encoded: ``{"zlib": ...}``."""
    text = json.dumps(table, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return {"zlib": base64.b64encode(zlib.compress(text.encode(), 9)).decode()}


def unpack_table(packed: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """Inverse of :func:`pack_table`; a table that is not packed (its keys are content hashes) as it is."""
    if set(packed) != {"zlib"}:
        return packed
    try:
        inflate = zlib.decompressobj()
        text = inflate.decompress(base64.b64decode(packed["zlib"], validate=True), MAX_PACKED_TABLE_BYTES + 1)
    except (TypeError, binascii.Error, zlib.error) as exc:
        raise ValueError(f"{where}: 'zlib' is not base64 of zlib data: {exc}") from None
    if len(text) > MAX_PACKED_TABLE_BYTES or not inflate.eof:
        raise ValueError(f"{where}: 'zlib' inflates beyond {MAX_PACKED_TABLE_BYTES:,} bytes or is cut short")
    try:
        table = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{where}: 'zlib' does not hold JSON: {exc}") from None
    if not isinstance(table, dict):
        raise ValueError(f"{where}: 'zlib' must hold a table")
    return table


def _nulls(nulls: Any, where: str) -> dict[str, None]:
    """The null fields a record lists as the bits of ``nulls`` (:data:`NULLABLE`)."""
    if type(nulls) is not int or not 0 <= nulls < 1 << len(NULLABLE):
        raise ValueError(f"{where}: field 'nulls': must be an integer from 0 to {(1 << len(NULLABLE)) - 1}")
    return {field: None for i, field in enumerate(NULLABLE) if nulls >> i & 1}


def _shared(shared: Any, values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The fields a record lists in ``shared``, from the file's ``values``."""
    if not isinstance(shared, Mapping):
        raise ValueError(f"{where}: field 'shared': must map fields to keys of the file's field 'values'")
    for field, key in shared.items():
        if field not in SHARED_FIELDS:
            raise ValueError(f"{where}: field 'shared': {str(field)[:40]!r} is not a field stored in 'values'")
        if not isinstance(key, str) or key not in values:
            missing = f"no value {str(key)[:40]!r} in the file's field 'values'"
            raise ValueError(f"{where}: field 'shared' ({field!r}): {missing}")
    return {field: values[key] for field, key in shared.items()}


def attach_references(records: Iterable[dict[str, Any]], references: Any, source: str) -> None:
    """Inverse of :func:`stored_form`, in place: a record without ``reference`` gets its
    case's (shared, not copied). ``source`` names the file in the error for a malformed table."""
    if not isinstance(references, Mapping):
        raise ValueError(f"{source}: field 'references': must map case ids to trajectories")
    for record in records:
        case = record.get("case") if isinstance(record, dict) else None
        if isinstance(case, str) and "reference" not in record and case in references:
            record["reference"] = references[case]


def peak(values: np.ndarray) -> float:
    """The largest finite ``|value|`` (0.0 when there is none): the scale of absolute tolerances."""
    return float(np.max(np.abs(values[np.isfinite(values)]), initial=0.0))


@functools.cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A test-id pattern (``*`` matches any run of characters) as a regex, for ``fullmatch``."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
