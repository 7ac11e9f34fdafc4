"""One household check for the API, the CSV import and the demo: every problem at once."""

from __future__ import annotations

from datetime import date

import pytest

from caisse.members.household import Household, check_household
from caisse.members.models import MemberStatus

TODAY = date(2027, 3, 15)
VALID = {
    "reference_person": "  Awa   Diallo ",
    "monthly_income_cents": 150_000,
    "income_declared_on": date(2027, 1, 10),
}


def fields_at_fault(values: dict[str, object]) -> list[str]:
    return [p.field for p in check_household(values, today=TODAY)[1]]


def test_a_minimal_household_gets_the_defaults() -> None:
    clean, problems = check_household(VALID, today=TODAY)
    assert problems == []
    household = Household(**clean)
    assert household.reference_person == "Awa   Diallo"
    assert (household.adults, household.others_14_plus, household.children_under_14) == (1, 0, 0)
    assert household.status is MemberStatus.APPLICANT
    assert household.applied_on == TODAY


def test_every_problem_of_a_household_is_reported_together() -> None:
    bad = {
        "reference_person": "   ",
        "monthly_income_cents": -1,
        "income_declared_on": date(2027, 3, 16),
        "adults": 0,
        "children_under_14": -1,
        "email": "not-an-address",
        "phone": "call me",
    }
    assert sorted(fields_at_fault(bad)) == sorted(
        ["reference_person", "monthly_income_cents", "income_declared_on", "adults", "children_under_14",
         "email", "phone"]
    )


def test_required_fields_are_named_when_missing() -> None:
    assert sorted(fields_at_fault({})) == ["income_declared_on", "monthly_income_cents", "reference_person"]


def test_email_is_lowercased_and_trimmed() -> None:
    clean, problems = check_household({**VALID, "email": "  Awa.Diallo@Example.ORG "}, today=TODAY)
    assert problems == [] and clean["email"] == "awa.diallo@example.org"


def test_an_active_household_is_active_since_it_applied_unless_told() -> None:
    clean, _ = check_household({**VALID, "status": "active", "applied_on": date(2027, 2, 1)}, today=TODAY)
    assert clean["activated_on"] == date(2027, 2, 1)
    clean, _ = check_household({**VALID, "status": "active", "activated_on": date(2027, 2, 3)}, today=TODAY)
    assert clean["applied_on"] == date(2027, 2, 3)  # no application date: its earliest known date


def test_status_dates_must_follow_each_other() -> None:
    values = {
        **VALID, "status": "suspended", "applied_on": date(2027, 2, 1), "activated_on": date(2027, 1, 1)
    }
    assert fields_at_fault(values) == ["activated_on"]


def test_an_applicant_has_no_activation_date() -> None:
    assert fields_at_fault({**VALID, "activated_on": date(2027, 2, 1)}) == ["activated_on"]


def test_dates_in_the_future_are_refused() -> None:
    assert fields_at_fault({**VALID, "applied_on": date(2027, 3, 16)}) == ["applied_on"]


def test_a_household_that_left_keeps_the_dates_of_its_path() -> None:
    values = {
        **VALID, "status": "left", "applied_on": date(2026, 1, 1), "activated_on": date(2026, 2, 1),
        "suspended_on": date(2026, 6, 1), "left_on": date(2026, 9, 1),
    }
    clean, problems = check_household(values, today=TODAY)
    assert problems == []
    assert (clean["activated_on"], clean["suspended_on"], clean["left_on"]) == (
        date(2026, 2, 1), date(2026, 6, 1), date(2026, 9, 1)
    )


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("income_declared_on", {}),
        ("applied_on", {}),
        ("activated_on", {"status": "active"}),
        ("suspended_on", {"status": "suspended", "activated_on": date(2026, 1, 1)}),
        ("left_on", {"status": "left"}),
    ],
)
def test_dates_before_1900_are_not_plausible(field: str, values: dict[str, object]) -> None:
    for day in (date(1, 1, 1), date(1899, 12, 31)):
        _, problems = check_household({**VALID, **values, field: day}, today=TODAY)
        assert [(p.field, p.message) for p in problems] == [
            (field, f"{day.isoformat()} is not a plausible date; dates start at 1900-01-01")
        ]


def test_the_first_day_of_1900_is_accepted() -> None:
    day = date(1900, 1, 1)
    values = {**VALID, "income_declared_on": day, "status": "active", "applied_on": day, "activated_on": day}
    assert check_household(values, today=TODAY)[1] == []
