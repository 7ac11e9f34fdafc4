"""Months are written YYYY-MM, in ASCII digits, in years a caisse can live in; days are days in France."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from caisse.errors import ValidationFailed
from caisse.periods import (
    caisse_day,
    caisse_today,
    check_month,
    last_day,
    months_between,
    next_month,
    previous_month,
)


@pytest.mark.parametrize("month", ["2027-01", "2000-12", "2099-06"])
def test_plain_months_are_accepted(month: str) -> None:
    assert check_month(month) == month


@pytest.mark.parametrize(
    "month",
    ["2027-1", "2027-13", "2027-00", "June", "2027-01\n", " 2027-01", "２０２７-01", "0001-01", "9999-12"],
)
def test_other_spellings_and_implausible_years_are_refused(month: str) -> None:
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        check_month(month)


def test_months_step_across_years() -> None:
    assert next_month("2027-12") == "2028-01"
    assert previous_month("2028-01") == "2027-12"
    assert months_between("2027-11", "2028-02") == ["2027-11", "2027-12", "2028-01", "2028-02"]
    assert last_day("2028-02").day == 29


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        # Winter (UTC+1): 23:30 UTC is already the next day in France.
        (datetime(2027, 3, 8, 23, 30, tzinfo=UTC), date(2027, 3, 9)),
        (datetime(2027, 3, 8, 22, 59, tzinfo=UTC), date(2027, 3, 8)),
        # Summer (UTC+2), and the night the clocks change.
        (datetime(2027, 6, 30, 22, 0, tzinfo=UTC), date(2027, 7, 1)),
        (datetime(2027, 6, 30, 21, 59, tzinfo=UTC), date(2027, 6, 30)),
        (datetime(2027, 10, 30, 22, 30, tzinfo=UTC), date(2027, 10, 31)),
        # Another zone is converted; a naive moment is taken as UTC.
        (datetime(2027, 3, 8, 20, 0, tzinfo=timezone(timedelta(hours=-5))), date(2027, 3, 9)),
        (datetime(2027, 3, 8, 12, 0), date(2027, 3, 8)),
    ],
)
def test_the_caisses_day_is_the_day_in_france(moment: datetime, day: date) -> None:
    assert caisse_day(moment) == day
    assert caisse_today(moment) == day


def test_today_without_a_moment_is_the_clocks_day_in_france() -> None:
    before = caisse_day(datetime.now(UTC))
    today = caisse_today()
    assert before <= today <= caisse_day(datetime.now(UTC))
