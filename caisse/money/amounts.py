"""Amounts and dates of money records, checked once for the API, the CLI and the services.

Parsing and writing euros is `caisse.amounts` (shared with the members' incomes); this module
adds what a money record requires of them: a positive amount, a day that is not in the future.
"""

from __future__ import annotations

import re
from datetime import date

from caisse.amounts import MAX_AMOUNT_CENTS, parse_euros
from caisse.errors import ValidationFailed
from caisse.periods import first_day
from caisse.text import control_character_message, has_control_characters


def euros_to_cents(text: str) -> int:
    """An amount typed in euros ('12.5', '12,50', '1 234,56 €') -> positive cents, exactly.

    `caisse.amounts.parse_euros` reads it (ASCII digits only, at most 2 decimals); a money record
    then needs it to be more than 0.
    """
    try:
        cents = parse_euros(text)
    except ValueError as exc:
        raise ValidationFailed(f"{exc}: write a positive amount in euros, e.g. 12.50.") from None
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
    """`value` trimmed; ValidationFailed when empty (if `required`), longer than `limit`
    characters, or holding a control character (see `caisse.text`)."""
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"{field} is empty.")
    if has_control_characters(value):
        raise ValidationFailed(control_character_message(field))
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
