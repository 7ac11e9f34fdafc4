"""Free text: one check for every stored text, so NUL never reaches PostgreSQL (a 500) or SQLite."""

from __future__ import annotations

import doctest
from datetime import date

import pytest

import caisse.text
from caisse.errors import ValidationFailed
from caisse.members.household import check_household
from caisse.money.amounts import check_text
from caisse.text import control_character_problems, has_control_characters, refuse_control_characters


def test_docstring_examples() -> None:
    result = doctest.testmod(caisse.text)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("text", ["a\x00b", "\x07", "a\x1bb", "\x7f", "a\rb", "\ud800", "a\x0bb"])
def test_control_characters_are_found_in_a_line(text: str) -> None:
    assert has_control_characters(text)


@pytest.mark.parametrize("text", ["Épicerie & Cie", "tab\there", "ligne\nsuivante", "€ 12,50", "Ŀ‐œ 🍎"])
def test_ordinary_text_passes(text: str) -> None:
    assert not has_control_characters(text)


def test_a_multi_line_text_may_end_its_lines_with_carriage_returns_but_never_hold_nul() -> None:
    assert not has_control_characters("un\r\ndeux\r\n", multiline=True)
    assert has_control_characters("un\r\nde\x00ux", multiline=True)


def test_problems_name_each_field_and_refusal_lists_them_all() -> None:
    fields = {"title": "ok", "description": "a\r\nb", "reason": "x\x00", "other": None}
    assert [p["field"] for p in control_character_problems(fields, multiline={"description"})] == ["reason"]
    with pytest.raises(ValidationFailed) as caught:
        refuse_control_characters({"a": "\x00", "b": "\x01", "c": "fine"})
    assert [p["field"] for p in caught.value.problems] == ["a", "b"]


def test_money_records_and_households_use_the_same_check() -> None:
    with pytest.raises(ValidationFailed, match="control character"):
        check_text("ventes\x00", field="The note", limit=300)
    assert check_text("  ventes de mars ", field="The note", limit=300) == "ventes de mars"
    values = {
        "reference_person": "Ana\x00 Lopez",
        "monthly_income_cents": 1,
        "income_declared_on": date(2027, 1, 2),
    }
    _, problems = check_household(values, today=date(2027, 1, 5))
    assert any(p.field == "reference_person" and "control characters" in p.message for p in problems)
