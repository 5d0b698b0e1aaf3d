"""The JSON result file: exact floats, non-finite values, step encoding, and refusing foreign files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from model.records import decode_floats, encode_floats, encode_steps, expand_steps
from reports.results import read_results, write_results


def test_floats_round_trip_exactly_including_non_finite() -> None:
    values = np.array([0.1, 1 / 3, 5e-324, np.nan, np.inf, -np.inf])
    encoded = encode_floats(values)
    assert encoded[3:] == ["nan", "inf", "-inf"]
    decoded = decode_floats(json.loads(json.dumps(encoded)))
    np.testing.assert_array_equal(decoded, values)


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
