"""Resume probes in the report: one ``resume`` column per adapter, and the resumes that depart, where and why."""

from __future__ import annotations

from typing import Any

import pytest

from model.case import resume_point
from reports import summary


def record(case: str, probe: str, outcome: str = "agree", step: int | None = None, **extra: Any) -> dict[str, Any]:
    column = "torch" if probe == "schedule" else f"torch.{probe}"
    return {
        "run": "torch", "case": case, "family": "step_decay", "adapter": "torch", "probe": probe,
        "column": column, "id": f"{case}-{column}", "outcome": outcome, "first_divergent_step": step,
        "max_rel_err": None if step is None else 0.5, **extra,
    }  # fmt: skip


RECORDS = [
    record("step", "schedule"),
    record("step", "restored_at_30"),
    record("step", "last_epoch_at_30", "diverge", 30),
    record("step", "last_epoch_at_60", "error"),
    record("cycle", "schedule", "documented_divergence", 35),
    record("cycle", "restored_at_10", "documented_divergence", 35),  # the schedule's own divergence: not listed
    record("cycle", "restored_at_15", "documented_divergence", 20),  # departs earlier: listed
]


@pytest.fixture
def report() -> summary.Report:
    return summary.build({"runs": [{"name": "torch"}], "results": RECORDS})


@pytest.mark.parametrize(
    ("probe", "point"),
    [("restored_at_30", ("restored", 30)), ("last_epoch_at_7", ("last_epoch", 7)), ("schedule", None),
     ("applied", None), ("at_3", None), ("restored_at_", None), ("x64", None)],
)  # fmt: skip
def test_resume_point_reads_way_and_point(probe: str, point: tuple[str, int] | None) -> None:
    assert resume_point(probe) == point


def test_every_resume_probe_of_an_adapter_falls_in_one_column(report: summary.Report) -> None:
    assert [(c.column, c.probe) for c in report.columns] == [("torch", "schedule"), ("torch.resume", "resume")]
    cell = report.cells[("step_decay", ("torch", "torch.resume"))]
    assert dict(cell.counts) == {"agree": 1, "diverge": 1, "error": 1, "documented_divergence": 2}
    step = next(c for c in report.cases["step_decay"] if c.id == "step")
    assert step.outcomes == {("torch", "torch"): "agree", ("torch", "torch.resume"): "error"}  # the worst


def test_the_resumes_that_depart_earlier_than_the_schedule_are_listed(report: summary.Report) -> None:
    assert [(r.case, r.way, r.point, r.record["outcome"]) for r in report.resumes] == [
        ("step", "last_epoch", 30, "diverge"),
        ("step", "last_epoch", 60, "error"),
        ("cycle", "restored", 15, "documented_divergence"),
    ]
    assert dict(report.resumed) == {"agree": 1, "diverge": 1, "error": 1, "documented_divergence": 2}


def test_the_page_lists_the_departing_resumes_and_names_each_probe_in_its_case(tmp_path) -> None:
    from reports import merge, render
    from tests.report_synthetic import by_family, catalogue, synthetic_run

    synthetic_run(tmp_path / "results.json", "torch", by_family({}), cases=catalogue()[:1])
    envelope = merge.merged_envelope(merge.load([tmp_path / "results.json"]))
    base = envelope["results"][0]
    records = [{**base, **r, "expectation": None, "warnings": []} for r in RECORDS]
    page = render.render_report({**envelope, "results": records}, plot_budget=0)
    section = page[page.index('<h2 id="resume">') : page.index('<h2 id="cases">')]
    assert "Of 5 resume results" in section and section.count("<tr><td>") == 3
    assert '<code>last_epoch</code></td><td class="num">30</td><td class="num">30</td>' in section
    assert "torch 1.0.0 · resume <code>last_epoch_at_60</code>" in page


def test_a_kernel_variant_has_its_own_resume_column() -> None:
    variant = record("step", "restored_at_30", kernel="avx2", column="torch.restored_at_30@avx2")
    report = summary.build({"runs": [{"name": "torch"}], "results": [*RECORDS, variant]})
    assert ("torch", "torch.resume@avx2") in {c.key for c in report.columns}
    assert not any(r.record.get("kernel") for r in report.resumes)
