"""Billing periods are months written `YYYY-MM`."""

from __future__ import annotations

import calendar
import re
from datetime import date

from caisse.errors import ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_month(month: str) -> str:
    if not isinstance(month, str) or not _MONTH.match(month):
        raise ValidationFailed(f"'{month}' is not a month; write it YYYY-MM, e.g. 2027-01.")
    return month


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
