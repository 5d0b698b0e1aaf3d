"""The JSON result file: exact floats, non-finite values, step encoding, and refusing foreign files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from model.records import (
    NULLABLE,
    decode_floats,
    encode_floats,
    encode_steps,
    expand_steps,
    expand_stored,
    pack_floats,
    unpack_floats,
    unpack_table,
)
from reports import cli
from reports.results import read_results, write_results


def test_floats_round_trip_exactly_including_non_finite() -> None:
    values = np.array([0.1, 1 / 3, 5e-324, np.nan, np.inf, -np.inf])
    encoded = encode_floats(values)
    assert encoded[3:] == ["nan", "inf", "-inf"]
    decoded = decode_floats(json.loads(json.dumps(encoded)))
    np.testing.assert_array_equal(decoded, values)


def test_floats_encode_as_python_floats_from_any_iterable() -> None:
    float32 = np.array([0.1, np.nan, -np.inf, -0.0], dtype=np.float32)
    encoded = encode_floats(float32)
    assert encoded == [0.10000000149011612, "nan", "-inf", -0.0]
    assert [type(v) for v in encoded] == [float, str, str, float]
    assert str(encoded[3]) == "-0.0"
    assert encode_floats(iter([1, 2.5, float("inf")])) == [1.0, 2.5, "inf"]


@pytest.mark.parametrize(
    ("steps", "encoded"),
    [
        (np.arange(5), {"start": 0, "stop": 5, "step": 1}),
        (np.arange(2, 20, 6), {"start": 2, "stop": 20, "step": 6}),
        (np.array([0, 1, 99999, 100000]), [0, 1, 99999, 100000]),
        (np.array([7]), [7]),
    ],
)
def test_steps_encode_as_a_range_when_evenly_spaced(steps: np.ndarray, encoded) -> None:
    assert encode_steps(steps) == encoded
    assert expand_steps(json.loads(json.dumps(encoded))).tolist() == steps.tolist()


def test_envelope_records_where_and_with_what(tmp_path: Path) -> None:
    envelope = write_results(tmp_path / "r.json", records=[], run={"name": "x"}, adapters={})
    assert set(envelope) == {
        "schema", "created_utc", "complete", "session", "started_utc", "suite", "run", "environment", "adapters", "results"
    }  # fmt: skip
    assert envelope["complete"] is True and len(envelope["session"]) == 32
    assert envelope["suite"]["commit"] is None or len(envelope["suite"]["commit"]) == 40
    assert read_results(tmp_path / "r.json")["run"] == {"name": "x"}


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not a readable result file"), ('{"schema": "other/2"}', "not an lrconform result file")],
)
def test_foreign_or_broken_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "r.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_results(tmp_path / "r.json")
    with pytest.raises(ValueError, match="not a readable result file"):
        read_results(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([0.5, 0.25, 1.5, -0.0, 0.0, 2.0**127], "float32"),
        ([0.1, 1 / 3, 5e-324, 1e308], "float64"),
        ([0.5, "nan", "inf", "-inf", 2.0**-149], "float32"),
        ([0.1, "nan"], "float64"),
        ([float(np.float32(0.1))] * 1000, "float32"),
        ([], "float32"),
    ],
    ids=["float32-exact", "float64", "non-finite", "float64-non-finite", "float32-of-0.1", "empty"],
)
def test_packed_trajectories_round_trip_bit_for_bit(values: list, dtype: str) -> None:
    packed = json.loads(json.dumps(pack_floats(values)))
    assert packed["dtype"] == dtype and packed["count"] == len(values)
    back = unpack_floats(packed)
    assert np.array_equal(decode_floats(back), decode_floats(values), equal_nan=True)
    assert [np.signbit(v) for v in decode_floats(back)] == [np.signbit(v) for v in decode_floats(values)]
    assert back == values or back[1] == "nan"  # same floats, non-finite ones as the same strings


def test_a_file_stores_each_trajectory_and_reproducer_once_and_reads_back_equal(tmp_path: Path) -> None:
    ramp = [float(v) for v in np.linspace(0.0, 0.1, 2000)]  # float64 values
    common = {"case": "c", "family": "f", "adapter": "fw", "outcome": "agree", "steps": encode_steps(np.arange(2000))}
    records = [
        {**common, "id": f"c-fw.{probe}", "column": f"fw.{probe}", "probe": probe, "reference": ramp,
         "actual": list(values), "rtol": 1e-6, "atol": 0.0, "repro": "print('the program')"}
        for probe, values in (("eager", ramp), ("jit", ramp), ("x32", np.float32(ramp).tolist()))
    ]  # fmt: skip
    path = tmp_path / "results.json"
    write_results(path, records=records, run={"name": "fw"}, adapters={})
    stored = json.loads(path.read_text())
    assert [len(stored["arrays"]), len(unpack_table(stored["texts"], ""))] == [
        2,
        1,
    ]  # the ramp (reference, eager, jit), its float32
    assert sorted(a["dtype"] for a in stored["arrays"].values()) == ["float32", "float64"]
    assert stored["results"][0]["actual"] == stored["results"][1]["actual"] == stored["references"]["c"]
    assert path.stat().st_size < len(json.dumps(records)) / 2
    assert read_results(path)["results"] == json.loads(json.dumps(records))


def test_a_file_stores_what_every_probe_of_a_case_repeats_once(tmp_path: Path) -> None:
    """Parameters, keyword arguments and the tolerance's reason are stored once in ``values``; short ones inline."""
    params = {"init_lr": 0.1, "decay_steps": 1000, "alpha": 0.0}
    common = {"case": "c", "family": "f", "adapter": "fw", "outcome": "agree", "steps": [0, 1], "params": params,
              "kwargs": {"learning_rate": 0.1, "decay_steps": 1000}, "setup": {}, "about": "a cosine",
              "tolerance_reason": "float32: " + "the schedule's rounding " * 4}  # fmt: skip
    records = [{**common, "id": f"c-fw.{p}", "column": f"fw.{p}", "probe": p} for p in ("schedule", "applied")]
    path = tmp_path / "results.json"
    write_results(path, records=records, run={"name": "fw"}, adapters={})
    stored = json.loads(path.read_text())
    values = unpack_table(stored["values"], "")
    assert len(values) == 3 and sorted(values.values(), key=str) == sorted(
        [params, common["kwargs"], common["tolerance_reason"]], key=str
    )
    assert [sorted(r["shared"]) for r in stored["results"]] == [["kwargs", "params", "tolerance_reason"]] * 2
    assert [(r["setup"], r["about"], "params" in r) for r in stored["results"]] == [({}, "a cosine", False)] * 2
    assert read_results(path)["results"] == records


def test_a_file_lists_null_fields_as_bits_and_reads_them_back(tmp_path: Path) -> None:
    """A null field among NULLABLE is a bit of the record's ``nulls``; a field the record does not have stays absent."""
    record = {"id": "c-fw", "case": "c", "family": "f", "adapter": "fw", "column": "fw", "probe": "schedule",
              "outcome": "agree", "steps": [0, 1], "first_divergent_step": None, "kernel": None, "shift": 2}  # fmt: skip
    path = tmp_path / "results.json"
    write_results(path, records=[record], run={"name": "fw"}, adapters={})
    (stored,) = json.loads(path.read_text())["results"]
    assert stored["nulls"] == 1 << NULLABLE.index("first_divergent_step") | 1 << NULLABLE.index("kernel")
    assert not {"first_divergent_step", "kernel", "error"} & stored.keys() and stored["shift"] == 2
    assert read_results(path)["results"] == [record]


def test_files_of_schema_5_still_read(tmp_path: Path) -> None:
    """Before /6 every record held its own parameters, keyword arguments and tolerance reason."""
    records = [{"id": "c-fw", "case": "c", "family": "f", "adapter": "fw", "column": "fw", "probe": "schedule",
                "outcome": "agree", "steps": [0, 1], "params": {"init_lr": 0.1, "decay_steps": 1000, "alpha": 0.0}}]  # fmt: skip
    path = tmp_path / "results.json"
    write_results(path, records=records, run={"name": "fw"}, adapters={})
    stored = json.loads(path.read_text())
    stored["results"][0] |= {"params": records[0]["params"]}
    del stored["results"][0]["shared"], stored["values"]
    path.write_text(json.dumps({**stored, "schema": "lrconform-results/5"}))
    assert read_results(path)["results"] == records


def test_files_of_schema_4_still_read(tmp_path: Path) -> None:
    """Before /5 every trajectory and reproducer was written out in its record."""
    records = [{"id": "c-fw", "case": "c", "family": "f", "adapter": "fw", "column": "fw", "probe": "schedule",
                "outcome": "agree", "steps": [0, 1], "reference": [0.1, "nan"], "actual": [0.1, "nan"], "rtol": 0.0,
                "atol": 0.0, "repro": "x = 1"}]  # fmt: skip
    path = tmp_path / "results.json"
    write_results(path, records=records, run={"name": "fw"}, adapters={})
    old = json.loads(path.read_text())
    expand_stored(old, str(path))
    assert "arrays" not in old and old["results"][0]["actual"] == [0.1, "nan"] and old["results"][0]["repro"] == "x = 1"
    path.write_text(json.dumps({**old, "schema": "lrconform-results/4"}))
    assert read_results(path)["results"] == records


def test_expand_prints_every_value_and_its_output_reads_back(tmp_path: Path, capsys) -> None:
    records = [{"id": "c-fw", "case": "c", "family": "f", "adapter": "fw", "column": "fw", "probe": "schedule",
                "outcome": "agree", "steps": [0, 1], "reference": [0.1, 0.2], "actual": [0.1, "inf"], "rtol": 0.0,
                "atol": 0.0, "repro": "x = 1"}]  # fmt: skip
    write_results(path := tmp_path / "results.json", records=records, run={"name": "fw"}, adapters={})
    assert cli.main(["expand", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["results"] == records and "arrays" not in printed
    (again := tmp_path / "expanded.json").write_text(json.dumps(printed))
    assert read_results(again)["results"] == records


def test_a_missing_module_is_one_line_naming_it(monkeypatch, capsys) -> None:
    def needs_jinja2(args) -> int:
        raise ModuleNotFoundError("No module named 'jinja2'", name="jinja2")

    monkeypatch.setattr(cli, "cmd_expand", needs_jinja2)
    assert cli.main(["expand", "x.json"]) == 2
    assert (
        capsys.readouterr().err == "error: expand needs jinja2, which is not installed (pip install -e . installs it)\n"
    )
