"""Months are written YYYY-MM, in ASCII digits, in years a caisse can live in."""

from __future__ import annotations

import pytest

from caisse.errors import ValidationFailed
from caisse.periods import check_month, last_day, months_between, next_month, previous_month


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
