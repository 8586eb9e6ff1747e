"""The mutants `make mutation` makes outside function bodies, which mutmut never mutates: field bounds,
patterns, constants, the names a validator checks and the validators a model runs."""

from __future__ import annotations

import ast

from tests import mutation

SOURCE = """import re
from pydantic import Field, field_validator, model_validator

LIMIT = 5
NAMES = ("a", "b")
_WORD = re.compile(r"^[a-z]+$")


def _helper(value):
    return value + 1 if value > 3 else "^x"


class Model(StrictModel):
    n: int = Field(description="At least one (≥ 1).", ge=1)
    _check = field_validator("n", "m")(_helper)
    _whole = model_validator(mode="after")(_helper)
"""


def test_each_part_of_a_pattern_is_loosened_or_tightened_one_step() -> None:
    assert dict(mutation.pattern_mutants(r"^([0-9]+(s|m|h))+$")) == {
        "[0-9] at 2 also takes a-z": r"^([0-9a-z]+(s|m|h))+$",
        "+ at 7 → *": r"^([0-9]*(s|m|h))+$",
        "(s|m|h) at 8 without 's'": r"^([0-9]+(m|h))+$",
        "(s|m|h) at 8 without 'm'": r"^([0-9]+(s|h))+$",
        "(s|m|h) at 8 without 'h'": r"^([0-9]+(s|m))+$",
        "+ at 16 → *": r"^([0-9]+(s|m|h))*$",
        "$ dropped": r"^([0-9]+(s|m|h))+",
    }


def test_a_class_with_digits_also_takes_letters_and_an_escape_is_not_a_quantifier() -> None:
    assert dict(mutation.pattern_mutants(r"^[0-9]\+$")) == {
        "[0-9] at 1 also takes a-z": r"^[0-9a-z]\+$",
        "$ dropped": r"^[0-9]\+",
    }


def test_repeat_counts_move_one_step_and_never_below_zero() -> None:
    assert [mutated for _, mutated in mutation.pattern_mutants(r"^a{12}")] == [r"^a{13}", r"^a{11}"]
    assert [mutated for _, mutated in mutation.pattern_mutants(r"^a{0,3}")] == [r"^a{0,4}", r"^a{0,2}"]
    assert [mutated for _, mutated in mutation.pattern_mutants(r"^a{2,2}")] == [r"^a{1,2}", r"^a{2,3}"]
    assert [mutated for _, mutated in mutation.pattern_mutants(r"^a{1,}")] == [r"^a{0,}"]


def test_mutants_reach_what_lies_outside_functions_and_nothing_inside() -> None:
    mutants = mutation.constraint_mutants(SOURCE)
    assert [mutant.name for mutant in mutants] == [
        "4:9: 5 → 6",
        "4:9: 5 → 4",
        "5:9: ('a', 'b') without 'a'",
        "5:9: ('a', 'b') without 'b'",
        "6:20: [a-z] at 1 also takes 0-9",
        "6:20: + at 6 → *",
        "6:20: $ dropped",
        "14:58: 1 → 2",
        "14:58: 1 → 0",
        "15:5: _check removed",
        "15:14: field_validator without 'n'",
        "15:14: field_validator without 'm'",
        "16:5: _whole removed",
    ]
    by_name = {mutant.name: mutant.source for mutant in mutants}
    assert "NAMES = ('b',)\n" in by_name["5:9: ('a', 'b') without 'a'"]
    assert "_WORD = re.compile('^[a-z0-9]+$')\n" in by_name["6:20: [a-z] at 1 also takes 0-9"]
    # Offsets count bytes: the `≥` before them does not shift a change on its line.
    assert 'Field(description="At least one (≥ 1).", ge=0)' in by_name["14:58: 1 → 0"]
    assert "    pass\n    _whole" in by_name["15:5: _check removed"]
    assert "_check = field_validator('m')(_helper)" in by_name["15:14: field_validator without 'n'"]
    for source in by_name.values():
        ast.parse(source)
        assert "return value + 1 if value > 3" in source


def test_changes_that_read_alike_get_numbers_so_each_keeps_its_own_verdict() -> None:
    assert [mutant.name for mutant in mutation.constraint_mutants('X = ("^a$", "^a$")\n')] == [
        "1:5: ('^a$', '^a$') without '^a$'",
        "1:5: ('^a$', '^a$') without '^a$' #2",
        "1:6: $ dropped",
        "1:13: $ dropped",
    ]
