"""Amounts typed in euros become exact cents, in French or English notation, never through float;
cents are written back for the API and for people (caisse.amounts)."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest

from caisse import amounts
from caisse.amounts import MAX_AMOUNT_CENTS, cents_from_decimal, format_euros, parse_euros, plain_euros


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
        ("1000000000", "is more than the 100,000,000 €"),
    ],
)
def test_malformed_amounts_are_refused_with_the_value_quoted(typed: str, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(")):
        parse_euros(typed)


@pytest.mark.parametrize("typed", ["１２", "１２,５０", "٣", "1\u0662"])
def test_digits_other_than_ascii_are_refused(typed: str) -> None:
    # str.isdigit() and Decimal() accept full-width and Arabic-Indic digits; nobody means them as euros.
    with pytest.raises(ValueError, match="is not an amount in euros"):
        parse_euros(typed)


def test_the_largest_amount_is_accepted_and_one_cent_more_refused() -> None:
    assert parse_euros(plain_euros(MAX_AMOUNT_CENTS)) == MAX_AMOUNT_CENTS
    assert parse_euros("-" + plain_euros(MAX_AMOUNT_CENTS)) == -MAX_AMOUNT_CENTS
    with pytest.raises(ValueError, match="is more than"):
        parse_euros(plain_euros(MAX_AMOUNT_CENTS + 1))


def test_decimal_amounts_from_json_keep_every_digit() -> None:
    assert cents_from_decimal(Decimal("0.1")) + cents_from_decimal(Decimal("0.2")) == 30
    assert cents_from_decimal(Decimal("12.500")) == 1250
    with pytest.raises(ValueError, match="more than 2 decimals"):
        cents_from_decimal(Decimal("1234.565"))
    with pytest.raises(ValueError, match="not an amount"):
        cents_from_decimal(Decimal("Infinity"))
    with pytest.raises(ValueError, match="is more than"):
        cents_from_decimal(Decimal("1e12"))


def test_cents_are_written_back_as_euros_with_a_dot() -> None:
    assert [plain_euros(c) for c in (123456, 5, 0, -150)] == ["1234.56", "0.05", "0.00", "-1.50"]


def test_cents_are_written_for_people_with_grouped_thousands() -> None:
    assert [format_euros(c) for c in (123456, 5, -150_000_00)] == ["1 234.56 €", "0.05 €", "-150 000.00 €"]


def test_docstring_examples() -> None:
    result = doctest.testmod(amounts)
    assert result.attempted > 0 and result.failed == 0
