"""Seed 001's "standard decay" table against the reference formula.

The article trains ``ResNet.build(32, 32, 3, 10, ...)`` (32x32 RGB images, 10 classes:
CIFAR-10, 50,000 training images) with ``SGD(lr=1e-2, momentum=0.9, decay=1e-2/epochs)``,
i.e. ``lr0 / (1 + decay * iterations)`` with one iteration per batch, and prints the rate
of some epochs to five decimals. It states neither ``epochs`` nor the batch size.

Finding: 40 epochs of 782 updates (batches of 64; ``decay = 2.5e-4``) reproduce every row,
but not under one reading. Rows 1-3 are the rate at the *start* of epochs 1-3; rows 37-39
are the rate at the *end* of epochs 37-39, i.e. at the start of epochs 38-40. No choice of
epochs and batch size reproduces all six rows under either reading. The case
``article_standard_decay[lr0.01-E40-S782]`` uses these parameters.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import reference
from cases.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[1]

#: epoch (1-based) -> learning rate, as the article prints them.
TABLE = {1: 0.01000, 2: 0.00836, 3: 0.00719, 37: 0.00121, 38: 0.00119, 39: 0.00116}
FIRST_ROWS, LAST_ROWS = (1, 2, 3), (37, 38, 39)
LR0 = 1e-2
CIFAR10_TRAIN_IMAGES = 50_000
EPOCHS, BATCH_SIZE = 40, 64
UPDATES_PER_EPOCH = math.ceil(CIFAR10_TRAIN_IMAGES / BATCH_SIZE)  # 782, the last batch partial
HALF_UNIT = 5e-6  # the table rounds to five decimals


def _rates(iterations: list[int], epochs: int = EPOCHS) -> np.ndarray:
    """The reference formula: lr0 / (1 + decay * iterations), decay = lr0 / epochs."""
    schedule = reference.build(
        {"formula": "inverse_time", "init_lr": LR0, "decay_steps": 1, "decay_rate": LR0 / epochs}
    )
    return schedule(iterations)


def _printed(rate: float) -> float:
    return round(float(rate), 5)


def test_rows_1_to_3_are_the_rate_at_the_start_of_their_epoch() -> None:
    rates = _rates([(epoch - 1) * UPDATES_PER_EPOCH for epoch in FIRST_ROWS])
    assert [_printed(r) for r in rates] == [TABLE[e] for e in FIRST_ROWS]


def test_rows_37_to_39_are_the_rate_at_the_end_of_their_epoch() -> None:
    rates = _rates([epoch * UPDATES_PER_EPOCH for epoch in LAST_ROWS])
    assert [_printed(r) for r in rates] == [TABLE[e] for e in LAST_ROWS]


def test_rows_37_to_39_are_not_the_rate_at_the_start_of_their_epoch() -> None:
    rates = _rates([(epoch - 1) * UPDATES_PER_EPOCH for epoch in LAST_ROWS])
    assert [_printed(r) for r in rates] == [0.00124, 0.00121, 0.00119]


def _interval(row: int, updates_before: int) -> tuple[float, float]:
    """Values of x = decay * updates_per_epoch for which the row prints as in the table.

    The rate of that row is lr0 / (1 + x * updates_before); it prints as TABLE[row] when it
    lies within half a unit of the fifth decimal.
    """
    printed = TABLE[row]
    return (LR0 / (printed + HALF_UNIT) - 1) / updates_before, (LR0 / (printed - HALF_UNIT) - 1) / updates_before


def _overlap(intervals: list[tuple[float, float]]) -> tuple[float, float]:
    return max(lo for lo, _ in intervals), min(hi for _, hi in intervals)


def test_no_single_reading_reproduces_every_row() -> None:
    """Every row pins x = decay * updates_per_epoch = 0.01 * updates_per_epoch / epochs to an interval.

    Read at the start of epoch e (e - 1 epochs of updates), rows 2 and 3 need x in
    (0.19546, 0.19589] and row 37 needs x > 0.20084; read at the end of epoch e, row 1
    (0.01000) needs x <= 5.003e-4 and row 2 x > 0.0977. So no epochs and batch size give
    all six rows either way.
    """
    start = [_interval(e, e - 1) for e in TABLE if e > 1]
    low, high = _overlap(start[:2])
    assert (round(low, 5), round(high, 5)) == (0.19546, 0.19589)
    assert _interval(37, 36)[0] > 0.20084 > high
    assert _overlap(start)[0] > _overlap(start)[1]
    end = [_interval(e, e) for e in TABLE]
    assert end[0][1] < 5.003e-4 < 0.0977 < end[1][0]
    assert _overlap(end)[0] > _overlap(end)[1]


def test_forty_epochs_of_batches_of_64_are_the_only_power_of_two_reading() -> None:
    """Over batch sizes 8..1024 and 39..400 epochs (the table has 39 rows), rows 1-3 at the
    start and rows 37-39 at the end of their epoch single out 40 epochs of batches of 64."""
    found = []
    for batch in (8, 16, 32, 64, 128, 256, 512, 1024):
        per_epoch = math.ceil(CIFAR10_TRAIN_IMAGES / batch)
        for epochs in range(39, 401):
            first = _rates([(e - 1) * per_epoch for e in FIRST_ROWS], epochs)
            last = _rates([e * per_epoch for e in LAST_ROWS], epochs)
            rows = [*first, *last]
            if [_printed(r) for r in rows] == [TABLE[e] for e in (*FIRST_ROWS, *LAST_ROWS)]:
                found.append((batch, epochs))
    assert found == [(64, 40)]


def test_the_seed_cases_use_these_parameters() -> None:
    cases = {c.id: c for c in load_catalogue(ROOT / "cases" / "catalogue")}
    for case_id in ("article_standard_decay[lr0.01-E40-S782]", "article_standard_decay[lr0.01-E40-S782-SGD_decay]"):
        case = cases[case_id]
        assert dict(case.params) == {"init_lr": 0.01, "decay_steps": 1, "decay_rate": 2.5e-4}
        assert case.steps.tolist() == [epoch * 782 for epoch in range(40)]
