"""Billing periods are months written `YYYY-MM`."""

from __future__ import annotations

import calendar
from datetime import date

from caisse.errors import ValidationFailed
from caisse.rules import validate_month


def check_month(month: str) -> str:
    """`month` if it is a period YYYY-MM (the rules' own definition), else ValidationFailed."""
    try:
        return validate_month(month)
    except ValueError:
        raise ValidationFailed(
            f"{month!r} is not a month; write it YYYY-MM (years 2000 to 2099), e.g. 2027-01."
        ) from None


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


def last_day(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:])
    return date(year, mon, calendar.monthrange(year, mon)[1])


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months
