"""Amounts and dates of money records, checked once for the API, the CLI and the services."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from caisse.errors import ValidationFailed
from caisse.periods import first_day

# 100 million euros: far above any caisse's single payment, so a typo (cents typed as euros
# twice) is refused instead of booked.
MAX_AMOUNT_CENTS = 10_000_000_000
_EUROS = re.compile(r"^\d+(?:[.,]\d{1,2})?$")


def euros_to_cents(value: str | int | Decimal) -> int:
    """'12.5' / '12,50' / 12 / Decimal('12.50') € -> 1250 cents, exactly (no float on the way).

    Refuses more than two decimals, signs, exponents and anything that is not a positive amount.
    """
    if isinstance(value, bool):
        raise ValidationFailed(f"{value!r} is not an amount in euros.")
    if isinstance(value, int):
        cents = value * 100
    else:
        raw = str(value).strip()
        if not _EUROS.match(raw):
            raise ValidationFailed(
                f"'{raw}' is not an amount in euros: write a positive number "
                "with at most 2 decimals, e.g. 12.50."
            )
        try:
            cents = int(Decimal(raw.replace(",", ".")) * 100)
        except InvalidOperation:  # pragma: no cover - the pattern already excludes it
            raise ValidationFailed(f"'{raw}' is not an amount in euros.") from None
    return check_amount_cents(cents)


def check_amount_cents(cents: int) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise ValidationFailed(f"Amounts are whole cents, got {cents!r}.")
    if cents <= 0:
        raise ValidationFailed(f"The amount must be more than 0, got {cents} cents.")
    if cents > MAX_AMOUNT_CENTS:
        raise ValidationFailed(
            f"{cents} cents is more than the {MAX_AMOUNT_CENTS // 100:,} € a record may hold."
        )
    return cents


def check_day(day: date, *, first_month: str, today: date, what: str) -> date:
    """A day money moved: not in the future, not before the caisse's first month."""
    if day > today:
        raise ValidationFailed(
            f"The {what} date {day.isoformat()} is in the future (today is {today.isoformat()})."
        )
    if day < first_day(first_month):
        raise ValidationFailed(
            f"The {what} date {day.isoformat()} is before the caisse's first month ({first_month})."
        )
    return day


def check_text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"{field} is empty.")
    if len(value) > limit:
        raise ValidationFailed(f"{field} is limited to {limit} characters.")
    return value


def check_idempotency_key(key: str | None) -> str | None:
    """A client's retry key: 1-100 visible ASCII characters (e.g. a UUID or a bank reference)."""
    if key is None:
        return None
    if not re.fullmatch(r"[\x21-\x7e]{1,100}", key):
        raise ValidationFailed("The idempotency key takes 1-100 visible ASCII characters, e.g. a UUID.")
    return key


def format_euros(cents: int) -> str:
    """10050 -> '100.50 €' (for CLI output)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d} €".replace(",", " ")
