"""Billing periods are months written `YYYY-MM`, and the caisse's calendar day.

Days (a decision's effective day, a link's declaration, a payout's execution) are days in
France: `caisse_today` and `caisse_day` turn a moment into the day it is in Europe/Paris, so a
decision taken at 00:30 in Foix is dated that day and not the day before (as UTC would say).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from caisse.errors import ValidationFailed
from caisse.rules import validate_month

CAISSE_ZONE = ZoneInfo("Europe/Paris")


def caisse_day(moment: datetime) -> date:
    """The day `moment` falls on in Europe/Paris. A naive `moment` is taken as UTC.

    >>> caisse_day(datetime(2027, 3, 31, 22, 30, tzinfo=UTC))  # 00:30 in Paris (summer time)
    datetime.date(2027, 4, 1)
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CAISSE_ZONE).date()


def caisse_today(now: datetime | None = None) -> date:
    """Today in Europe/Paris (`now`, a moment, for tests and replays; default: the clock)."""
    return caisse_day(now if now is not None else datetime.now(UTC))


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
