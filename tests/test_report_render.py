"""The merged report: matrix counts and errors, cases, equivalence, environment, escaping, plots."""

from __future__ import annotations

import dataclasses
import re

import pytest
from markupsafe import escape

from cases.expectations import Expectation
from reports import merge, packing, render, summary
from tests.report_synthetic import SCALE, by_family, catalogue, synthetic_run

HOSTILE = "<script>alert('x')</script>"
LINK = "https://github.com/example/framework/issues/1"


def _cases():
    """Three families (cases whose id starts with the family, so one id pattern documents a family);
    one case's description is hostile, to check escaping."""
    families = ("cosine", "exponential", "polynomial")
    cases = [c for c in catalogue() if c.family in families and c.id.startswith(c.family)]
    return [dataclasses.replace(cases[0], about=HOSTILE), *cases[1:]]


CASES = _cases()
COUNT = {family: sum(c.family == family for c in CASES) for family in ("cosine", "exponential", "polynomial")}


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> dict:
    """Run ``late`` is one step late on cosine and cannot express polynomial; run ``scaled`` is 1e-3 off on
    exponential, documented as such, and agrees elsewhere."""
    out = tmp_path_factory.mktemp("out")
    synthetic_run(
        out / "late" / "results.json",
        "late",
        by_family({"cosine": "late", "polynomial": "not_expressible"}),
        cases=CASES,
    )
    # a list-valued id, as expectation files may write: records then carry the list
    patterns = ("exponential*-scaled", "exponential*-scaled.applied")
    documented = Expectation(patterns, f"scaled by 1.001 {HOSTILE}", LINK, "tests/expectations.toml")
    synthetic_run(
        out / "scaled" / "results.json",
        "scaled",
        by_family({"exponential": "scaled"}),
        cases=CASES,
        expectations=[documented],
    )
    return merge.merged_envelope(merge.load([out]))


@pytest.fixture(scope="module")
def page(merged: dict) -> str:
    """The page with its packed parts in place (tests/test_report_packing.py checks the packing itself)."""
    return packing.unpack(render.render_report(merged))


def test_matrix_counts_every_outcome_per_family_and_column(merged: dict) -> None:
    report = summary.build(merged)
    assert report.families == ["cosine", "exponential", "polynomial"]  # catalogue order
    assert [c.key for c in report.columns] == [
        ("late", "late"),
        ("late", "late.applied"),
        ("scaled", "scaled"),
        ("scaled", "scaled.applied"),
    ]
    cell = report.cells
    assert dict(cell[("cosine", ("late", "late"))].counts) == {"diverge": COUNT["cosine"]}
    assert dict(cell[("polynomial", ("late", "late"))].counts) == {"not_expressible": COUNT["polynomial"]}
    assert ("polynomial", ("late", "late.applied")) not in cell  # a case that is not expressible has no probes
    assert dict(cell[("exponential", ("scaled", "scaled.applied"))].counts) == {
        "documented_divergence": COUNT["exponential"]
    }
    assert cell[("cosine", ("late", "late"))].worst == "diverge"


def test_matrix_cells_keep_the_largest_errors(merged: dict) -> None:
    cells = summary.build(merged).cells
    scaled = cells[("exponential", ("scaled", "scaled"))]
    assert scaled.max_rel_err == pytest.approx(SCALE - 1, rel=1e-9)  # (r * 1.001 - r) / r, up to float64 rounding
    assert cells[("cosine", ("scaled", "scaled"))].max_rel_err == 0.0  # the reference itself: exact


def test_page_shows_the_matrix_with_counts_and_links(page: str) -> None:
    matrix = page[page.index('id="matrix-table"') : page.index("</table>", page.index('id="matrix-table"'))]
    assert matrix.count('<th class="family">') == 3
    assert f"{COUNT['cosine']} diverge" in matrix
    assert f"{COUNT['polynomial']} not expressible" in matrix
    assert "max rel err 0.001" in matrix
    assert 'href="#family-cosine"' in matrix
    assert 'id="family-cosine"' in page


def test_page_explains_each_divergence(page: str) -> None:
    assert "off-by-one, one step late: actual[t] = reference[t-1]" in page
    assert f'<a href="{LINK}">' in page
    assert "scaled has no" not in page  # the not-expressible reason belongs to run late
    assert "late has no scheduler for polynomial" in page


def test_page_escapes_everything_from_result_files(page: str) -> None:
    assert HOSTILE not in page
    assert escape(HOSTILE) in page
    assert "<script" not in page  # unpacked, the report needs no script at all


def test_calls_keep_their_quotes_and_escape_the_rest() -> None:
    escaped = "f(a=&quot;&gt;&lt;b&gt;&amp;', b='x')"
    assert render.code("""f(a="><b>&', b='x')""") == escaped
    template = render._environment().from_string('<a title="{{ text|code }}">{{ text|code }}</a>')
    assert template.render(text="""f(a="><b>&', b='x')""") == f'<a title="{escaped}">{escaped}</a>'


def test_equivalence_lists_agreeing_apis_and_why_not(merged: dict) -> None:
    report = summary.build(merged)
    late = report.equivalence[("exponential", ("late", "late"))]
    assert list(late.apis) == ["synthetic.late.exponential"]
    assert [case for case, _, _ in late.apis["synthetic.late.exponential"]] == [
        c.id for c in CASES if c.family == "exponential"
    ]
    assert not report.equivalence[("polynomial", ("late", "late"))].apis
    misses = report.equivalence[("polynomial", ("late", "late"))].misses
    assert list(misses) == ["not_expressible"]
    assert {why for _, why in misses["not_expressible"]} == {"late has no scheduler for polynomial"}
    scaled = report.equivalence[("exponential", ("scaled", "scaled"))].misses["documented_divergence"]
    assert {why for _, why in scaled} == {f"scaled by 1.001 {HOSTILE}"}


def test_environment_lists_every_run(page: str, merged: dict) -> None:
    env = page[page.index('id="environment"') :]
    for run in merged["runs"]:
        assert f"run {run['name']}" in env
        assert escape(run["environment"]["platform"]) in env
        assert run["suite"]["version"] in env
    assert re.search(r"<th>numpy</th>(<td>[0-9.]+</td>){2}", env)


def test_a_run_that_could_not_import_its_framework_is_warned_about(merged: dict) -> None:
    broken = {
        **merged,
        "runs": [
            {
                **merged["runs"][0],
                "adapters": {"late": {"version": None, "problem": "late not importable: ImportError"}},
            }
        ],
    }
    assert any("could not run: late not importable" in w for w in summary.build(broken).warnings)


@pytest.mark.parametrize(
    ("value", "text"), [(None, "—"), (0.0, "0"), ("inf", "inf"), (0.0012345, "0.0012"), (999.0000000000048, "1e+03")]
)
def test_number(value, text: str) -> None:
    assert render.number(value) == text


@pytest.mark.parametrize(
    ("steps", "text"),
    [
        ({"start": 0, "stop": 300, "step": 1}, "0..299"),
        ({"start": 0, "stop": 1000, "step": 10}, "0..990 every 10"),
        ([0, 5, 1000], "3 listed steps (0..1000)"),
    ],
)
def test_steps_text(steps, text: str) -> None:
    assert summary.steps_text(steps) == text


def test_call_text_spells_nested_schedulers() -> None:
    kwargs = {
        "schedulers": [{"api": "torch.optim.lr_scheduler.StepLR", "kwargs": {"step_size": 3, "gamma": 0.1}}],
        "milestones": [10],
    }
    assert (
        summary.call_text("torch.optim.lr_scheduler.SequentialLR", kwargs)
        == "SequentialLR(schedulers=[StepLR(step_size=3, gamma=0.1)], milestones=[10])"
    )


def test_report_size_per_case_stays_small(merged: dict) -> None:
    """Budget that keeps the full matrix (thousands of results) a few MB: measured 4.4 kB per case here as written
    (packed), 6.0 kB unpacked; most cases here have a problem, whose rows stay in the page."""
    assert len(render.render_report(merged).encode()) / len(CASES) < 5_000


def test_a_plot_budget_keeps_every_case_with_a_problem_and_the_first_others(merged: dict) -> None:
    report = summary.build(merged)
    cases = [case for group in report.cases.values() for case in group]
    problems = [c.id for c in cases if c.worst in ("documented_divergence", "diverge")]
    quiet = [c.id for c in cases if c.id not in problems]
    assert problems and len(quiet) > 2
    assert [c.id for c in render.plotted(report, None)] == [c.id for c in cases]
    kept = [c.id for c in render.plotted(report, 2)]
    assert set(kept) == {*problems, *quiet[:2]} and kept == [c.id for c in cases if c.id in kept]
    assert {c.id for c in render.plotted(report, 0)} == set(problems)


def test_a_page_over_its_plot_budget_says_how_to_draw_every_plot(merged: dict) -> None:
    page = packing.unpack(render.render_report(merged, plot_budget=1))
    report = summary.build(merged)
    drawn = len(render.plotted(report, 1))
    assert page.count('<svg class="plot"') == drawn < sum(len(g) for g in report.cases.values())
    assert page.count("No plot: this report draws every case with a problem and at most 1 of the others") == (
        sum(len(g) for g in report.cases.values()) - drawn
    )


def test_merge_takes_a_plot_budget_or_all(tmp_path, capsys) -> None:
    from reports import cli

    out = tmp_path / "runs"
    synthetic_run(out / "late" / "results.json", "late", by_family({"cosine": "late"}), cases=CASES)
    assert cli.main(["merge", str(out), "--out", str(tmp_path / "m"), "--plots", "0"]) == 0
    assert packing.unpack((tmp_path / "m" / "report.html").read_text()).count('<svg class="plot"') == COUNT["cosine"]
    assert cli.main(["merge", str(out), "--out", str(tmp_path / "m"), "--plots", "all"]) == 0
    assert packing.unpack((tmp_path / "m" / "report.html").read_text()).count('<svg class="plot"') == len(CASES)
    with pytest.raises(SystemExit):
        cli.main(["merge", str(out), "--plots", "some"])
    assert "expected a number of plots or 'all', got 'some'" in capsys.readouterr().err


def test_a_row_called_as_the_row_above_says_same_call(page: str, merged: dict) -> None:
    call = {"api": "keras.optimizers.schedules.CosineDecay", "kwargs": {"decay_steps": 100}, "mapping_note": ""}
    assert render.same_call(call, dict(call))  # e.g. Keras on another backend: another run, the same call
    assert not render.same_call(call, {**call, "kwargs": {"decay_steps": 99}})
    assert not render.same_call(call, {**call, "mapping_note": "warmup_steps passed as the case asks"})
    # here each run has its own API: every probe after a run's first says "same call", and only those
    probes = sum(1 for r in merged["results"] if r["api"] and r["probe"] != "schedule")
    assert probes and page.count('<td class="same">same call') == probes
