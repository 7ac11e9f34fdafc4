"""Amounts typed in euros become exact cents, in French or English notation, never through float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from caisse.members.amounts import cents_from_decimal, euros, parse_euros


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1234.56", 123456),
        ("1234,56", 123456),
        ("1 234,56", 123456),
        ("1\u00a0234,56", 123456),  # the non-breaking space LibreOffice writes
        ("1\u202f234,56", 123456),  # the narrow one Excel writes in French
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("12,5", 1250),
        ("0", 0),
        ("1 500 €", 150000),
        ("€ 12", 1200),
        ("12 EUR", 1200),
        ("-5", -500),
        ("0.10", 10),
        ("12.50", 1250),
    ],
)
def test_amounts_typed_in_either_notation_give_exact_cents(typed: str, cents: int) -> None:
    assert parse_euros(typed) == cents


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("12,5,0", "'12,5,0' is not an amount in euros"),
        ("1,234", "more than 2 decimals"),  # a lone comma is a decimal comma: refused, not read as 1 234
        ("12.345", "more than 2 decimals"),
        ("abc", "is not an amount"),
        ("", "is not an amount"),
        ("1e3", "is not an amount"),
        ("NaN", "is not an amount"),
        ("12 5", "is not an amount"),
        ("1000000000", "too large"),
    ],
)
def test_malformed_amounts_are_refused_with_the_value_quoted(typed: str, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(")):
        parse_euros(typed)


def test_decimal_amounts_from_json_keep_every_digit() -> None:
    assert cents_from_decimal(Decimal("0.1")) + cents_from_decimal(Decimal("0.2")) == 30
    assert cents_from_decimal(Decimal("12.500")) == 1250
    with pytest.raises(ValueError, match="more than 2 decimals"):
        cents_from_decimal(Decimal("1234.565"))
    with pytest.raises(ValueError, match="not an amount"):
        cents_from_decimal(Decimal("Infinity"))


def test_cents_are_written_back_as_euros_with_a_dot() -> None:
    assert [euros(c) for c in (123456, 5, 0, -150)] == ["1234.56", "0.05", "0.00", "-1.50"]
