"""Convention terms and the transitions table."""

from __future__ import annotations

from datetime import date

from caisse.outlets.conventioning import allowed_decisions, convention_end
from caisse.outlets.models import OutletStatus


def test_a_twelve_month_term_ends_the_day_before_the_anniversary() -> None:
    assert convention_end(date(2027, 3, 1), 12) == date(2028, 2, 29)
    assert convention_end(date(2027, 1, 31), 1) == date(2027, 2, 27)


def test_allowed_decisions_by_status() -> None:
    assert allowed_decisions(OutletStatus.APPLICANT) == ["review", "convene", "reject"]
    assert allowed_decisions(OutletStatus.CONVENTIONED) == ["renew", "suspend", "end"]
    assert allowed_decisions(OutletStatus.REJECTED) == []
