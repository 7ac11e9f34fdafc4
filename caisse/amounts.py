"""Amounts in euros, as people type them, turned exactly into integer cents (never through float),
and cents written back for people. One module for the API, the CSV import and the CLI."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# 100 million euros: far above any single amount a caisse records, so a typing error (cents
# typed as euros twice) is refused instead of booked, and far inside BIGINT.
MAX_AMOUNT_CENTS = 10_000_000_000

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_CURRENCY = re.compile(r"\s*(€|eur|euros?)\s*$|^\s*€\s*", re.IGNORECASE)
# ASCII digits only: str.isdigit() and \d also accept "１２" or "٣", which no one means as euros.
_GROUPED_BY_SPACES = re.compile(r"[0-9]{1,3}( [0-9]{3})+([.,][0-9]+)?")
_PLAIN = re.compile(r"[0-9]+([.,][0-9]+)?")
_DOTS_THEN_COMMA = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+,[0-9]+")  # 1.234,56
_COMMAS_THEN_DOT = re.compile(r"[0-9]{1,3}(,[0-9]{3})+\.[0-9]+")  # 1,234.56


def cents_from_decimal(value: Decimal, shown: str | None = None) -> int:
    """Exact cents of an amount in euros; ValueError if not finite, too large, or with fractions of a cent."""
    shown = shown if shown is not None else str(value)
    if not value.is_finite():
        raise ValueError(f"'{shown}' is not an amount in euros")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"'{shown}' has more than 2 decimals; amounts are in euros and cents")
    if abs(cents) > MAX_AMOUNT_CENTS:
        raise ValueError(f"'{shown}' is more than the {MAX_AMOUNT_CENTS // 100:,} € an amount may be")
    return int(cents)


def parse_euros(text: str) -> int:
    """Cents from an amount typed in euros, in French or English notation.

    Accepted: "1234.56", "1234,56", "1 234,56" (spaces, also non-breaking, group thousands),
    "1.234,56", "1,234.56", an optional "€"/"EUR", and a sign. A lone comma is a decimal comma, so
    "1,234" reads 1.234 € and is refused for having 3 decimals rather than silently read as 1 234 €.

    >>> parse_euros("1 234,56"), parse_euros("1234.56"), parse_euros("-5 €"), parse_euros("1.234,5")
    (123456, 123456, -500, 123450)
    """
    original = text
    cleaned = _CURRENCY.sub("", text.translate(_SPACES)).strip()
    sign = ""
    if cleaned[:1] in "+-−" and cleaned:
        sign = "-" if cleaned[0] in "-−" else ""
        cleaned = cleaned[1:].strip()
    if _GROUPED_BY_SPACES.fullmatch(cleaned):
        cleaned = cleaned.replace(" ", "")
    if _PLAIN.fullmatch(cleaned):
        number = cleaned.replace(",", ".")
    elif _DOTS_THEN_COMMA.fullmatch(cleaned):
        number = cleaned.replace(".", "").replace(",", ".")
    elif _COMMAS_THEN_DOT.fullmatch(cleaned):
        number = cleaned.replace(",", "")
    else:
        raise ValueError(f"'{original.strip()}' is not an amount in euros")
    try:
        value = Decimal(sign + number)
    except InvalidOperation:  # pragma: no cover - the patterns above only let digits through
        raise ValueError(f"'{original.strip()}' is not an amount in euros") from None
    return cents_from_decimal(value, original.strip())


def plain_euros(cents: int) -> str:
    """Cents as the API writes euros: 123456 → "1234.56"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def format_euros(cents: int) -> str:
    """Cents for people reading a terminal: 123456 → "1 234.56 €"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d} €".replace(",", " ")
