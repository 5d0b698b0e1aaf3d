"""The mutation-testing summary: mutant names, verdicts, the equivalents list and the kill rates per module."""

from __future__ import annotations

import re

import pytest

from tests.mutation_summary import EQUIVALENTS, equivalents, split_name, summary_rows, verdicts

RESULTS = """\
    reference.cyclic.x_cyclic__mutmut_1: killed
    reference.cyclic.x_cyclic__mutmut_2: survived
    reference.cyclic.x_cyclic__mutmut_3: timeout
    cases.harness.xǁHarnessǁ_judge__mutmut_7: survived
    cases.harness.xǁHarnessǁ__init____mutmut_1: killed
    cases.harness.x__expectation_mismatch__mutmut_2: killed
    cases.harness.x_runner_key__mutmut_1: not checked
"""


def test_mutant_names_give_module_and_function() -> None:
    assert split_name("reference.cyclic.x_cyclic__mutmut_117") == ("reference.cyclic", "cyclic")
    assert split_name("cases.harness.x__expectation_mismatch__mutmut_2") == ("cases.harness", "_expectation_mismatch")
    assert split_name("cases.harness.xǁHarnessǁ__init____mutmut_1") == ("cases.harness", "Harness.__init__")
    with pytest.raises(ValueError, match=re.escape("not a mutmut mutant name: 'reference.cyclic'")):
        split_name("reference.cyclic")


def test_rows_count_per_module_with_the_outcome_logic_apart() -> None:
    status = verdicts("Warning: something mutmut printed\n" + RESULTS)
    assert len(status) == 7 and status["cases.harness.xǁHarnessǁ_judge__mutmut_7"] == "survived"
    rows = summary_rows(status, {"reference.cyclic.x_cyclic__mutmut_2", "reference.cyclic.x_cyclic__mutmut_1"})
    assert rows == [
        ("cases.harness", 3, 2, 0),
        ("cases.harness: outcome logic", 2, 1, 0),
        ("reference.cyclic", 3, 2, 1),  # a listed mutant that was killed is not equivalent
        ("total", 6, 4, 1),
    ]


def test_the_equivalents_file_lists_mutants_in_its_tables() -> None:
    text = "# title\n\n| mutant | change | why |\n| --- | --- | --- |\n| `a.x_f__mutmut_1` | `<` | never equal |\n"
    assert equivalents(text) == {"a.x_f__mutmut_1"}
    listed = equivalents(EQUIVALENTS.read_text(encoding="utf-8"))
    assert listed and all(split_name(name) for name in listed)
