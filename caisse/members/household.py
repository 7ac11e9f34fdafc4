"""A household's details, checked once, the same way for the API, the CSV import and the demo.

Pure: no database. `check_household` takes the values a caller has (typed: ints, dates, cents) and
returns them cleaned (trimmed, e-mail lowercased, default dates filled in) with every problem found,
so a form or a spreadsheet line gets all its errors at once rather than one per attempt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, NamedTuple

from caisse.amounts import MAX_AMOUNT_CENTS, plain_euros
from caisse.members.models import MemberStatus
from caisse.text import has_control_characters

MAX_PERSONS_PER_KIND = 50
# Earlier dates are typing errors or placeholders (some software writes 0001-01-01 for "no date").
EARLIEST_DAY = date(1900, 1, 1)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE = re.compile(r"\+?[0-9 ().\-/]{4,39}")

# Personal data: only staff/admin and the household itself see these, and each read is audited.
PERSONAL_FIELDS = (
    "email",
    "phone",
    "address",
    "monthly_income_cents",
    "income_declared_on",
    "chosen_contribution_cents",
)
# What people call the fields (the API and the CSV speak euros, the database cents).
PUBLIC_NAMES = {"monthly_income_cents": "monthly_income", "chosen_contribution_cents": "chosen_contribution"}


def public_name(field: str) -> str:
    return PUBLIC_NAMES.get(field, field)


@dataclass(frozen=True, slots=True)
class Household:
    """A checked household; money in cents per month. Build it with `check_household`."""

    reference_person: str
    monthly_income_cents: int
    income_declared_on: date
    applied_on: date
    adults: int = 1
    others_14_plus: int = 0
    children_under_14: int = 0
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    chosen_contribution_cents: int | None = None
    status: MemberStatus = MemberStatus.APPLICANT
    activated_on: date | None = None
    suspended_on: date | None = None
    left_on: date | None = None

    @property
    def persons(self) -> int:
        return self.adults + self.others_14_plus + self.children_under_14


HOUSEHOLD_FIELDS = tuple(f.name for f in fields(Household))
REQUIRED_FIELDS = ("reference_person", "monthly_income_cents", "income_declared_on")


class FieldProblem(NamedTuple):
    """`field` is a Household attribute name; `message` reads after it ("adults: must be ...").
    `conflict` marks a clash with stored data (an e-mail already used) rather than bad input."""

    field: str
    message: str
    conflict: bool = False


def _text(value: Any, *, limit: int, what: str) -> tuple[str | None, str | None]:
    """(cleaned text or None when empty, problem)."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, f"must be text, got {value!r}"
    cleaned = value.strip()
    if not cleaned:
        return None, None
    if has_control_characters(cleaned):
        return None, f"the {what} contains control characters"
    if len(cleaned) > limit:
        return None, f"the {what} is too long ({len(cleaned)} characters, at most {limit})"
    return cleaned, None


def normalise_email(value: str) -> str:
    """Lowercased, trimmed; ValueError if it is not an e-mail address."""
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        raise ValueError(f"'{value.strip()}' is not an e-mail address")
    return email


def _count(value: Any, minimum: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of persons, got {value!r}"
    if value < minimum:
        return f"must be at least {minimum}, got {value}"
    if value > MAX_PERSONS_PER_KIND:
        return f"must be at most {MAX_PERSONS_PER_KIND}, got {value}"
    return None


def _money(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be an amount in cents, got {value!r}"
    if value < 0:
        return f"must be 0 € or more, got {plain_euros(value)} €"
    if value > MAX_AMOUNT_CENTS:
        return f"{plain_euros(value)} € is too large for a monthly amount"
    return None


def _day(value: Any, today: date, what: str) -> str | None:
    if not isinstance(value, date):
        return f"must be a date, got {value!r}"
    if value < EARLIEST_DAY:
        return f"{value.isoformat()} is not a plausible date; dates start at {EARLIEST_DAY.isoformat()}"
    if value > today:
        return f"{value.isoformat()} is in the future; the {what} cannot be after today ({today.isoformat()})"
    return None


def check_household(values: Mapping[str, Any], *, today: date) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Check and clean the values of a household (keys: Household attribute names).

    Missing optional values take their defaults: composition 1 adult, status applicant, applied
    on its earliest status date or else today; an active/suspended/left household's missing dates
    default to the date of the step before (activated on the day it applied, and so on).
    Returns the cleaned values (complete when there are no problems: `Household(**cleaned)`) and
    every problem found.
    """
    unknown = sorted(set(values) - set(HOUSEHOLD_FIELDS))
    if unknown:
        raise TypeError(f"unknown household fields: {', '.join(unknown)}")
    problems: list[FieldProblem] = []
    clean: dict[str, Any] = {}

    def problem(field: str, message: str | None) -> bool:
        if message:
            problems.append(FieldProblem(field, message))
        return message is None

    for field in REQUIRED_FIELDS:
        if values.get(field) is None:
            problems.append(FieldProblem(field, "is required"))

    raw_name = values.get("reference_person")
    name, message = _text(raw_name, limit=200, what="name")
    if problem("reference_person", message) and name is not None:
        clean["reference_person"] = name
    elif message is None and raw_name is not None:
        problems.append(FieldProblem("reference_person", "is empty; give the reference person's name"))

    raw_email, message = _text(values.get("email"), limit=254, what="e-mail address")
    if problem("email", message):
        try:
            clean["email"] = None if raw_email is None else normalise_email(raw_email)
        except ValueError as exc:
            problems.append(FieldProblem("email", str(exc)))
    phone, message = _text(values.get("phone"), limit=40, what="phone number")
    if problem("phone", message):
        if phone is not None and (not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 4):
            problems.append(FieldProblem("phone", f"'{phone}' is not a phone number"))
        else:
            clean["phone"] = phone
    address, message = _text(values.get("address"), limit=1000, what="address")
    if problem("address", message):
        clean["address"] = address

    for field, minimum, default in (("adults", 1, 1), ("others_14_plus", 0, 0), ("children_under_14", 0, 0)):
        count = values.get(field, default)
        count = default if count is None else count
        if problem(field, _count(count, minimum)):
            clean[field] = count

    for field in ("monthly_income_cents", "chosen_contribution_cents"):
        amount = values.get(field)
        if amount is not None and problem(field, _money(amount)):
            clean[field] = amount
    clean.setdefault("chosen_contribution_cents", None)

    declared = values.get("income_declared_on")
    if declared is not None and problem("income_declared_on", _day(declared, today, "income declaration")):
        clean["income_declared_on"] = declared

    status = values.get("status") or MemberStatus.APPLICANT
    try:
        clean["status"] = MemberStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in MemberStatus)
        problems.append(FieldProblem("status", f"'{status}' is not a status; use one of {allowed}"))
    _check_status_dates(values, clean, problems, today)
    return clean, problems


def _check_status_dates(
    values: Mapping[str, Any], clean: dict[str, Any], problems: list[FieldProblem], today: date
) -> None:
    """The dates of the steps a household went through: in order, none in the future."""
    given: dict[str, date | None] = {}
    for field, label in _STEP_LABELS.items():
        day = values.get(field)
        message = None if day is None else _day(day, today, f"{label} date")
        if message:
            problems.append(FieldProblem(field, message))
        given[field] = None if message else day
    status = clean.get("status")
    if status is None or (values.get("applied_on") is not None and given["applied_on"] is None):
        return
    wanted = _STEPS[status]
    for field in ("activated_on", "suspended_on", "left_on"):
        # A household that left may have been active, even suspended, before: those dates may stay.
        kept_on_leaving = status is MemberStatus.LEFT and field != "left_on"
        if given[field] is not None and field not in wanted and not kept_on_leaving:
            message = f"a household with status {status.value} has no {_STEP_LABELS[field]} date"
            problems.append(FieldProblem(field, message))
            given[field] = None
    if status is MemberStatus.LEFT and given["suspended_on"] and not given["activated_on"]:
        problems.append(FieldProblem("activated_on", "a household suspended before leaving was active first"))

    # Without an application date, the household applied on its earliest known date (else today).
    applied = given["applied_on"] or min((d for d in given.values() if d is not None), default=today)
    chain: list[tuple[str, date]] = [("applied_on", applied)]
    for field in ("activated_on", "suspended_on", "left_on"):
        day = given[field]
        if day is None and field in wanted:
            day = chain[-1][1]  # a missing date: the day of the step before
        if day is None:
            continue
        before_field, before = chain[-1]
        if day < before:
            problems.append(
                FieldProblem(
                    field,
                    f"the {_STEP_LABELS[field]} date {day.isoformat()} is before the "
                    f"{_STEP_LABELS[before_field]} date {before.isoformat()}",
                )
            )
        chain.append((field, day))
    clean.update({"activated_on": None, "suspended_on": None, "left_on": None})
    clean.update(dict(chain))


_STEP_LABELS = {
    "applied_on": "application",
    "activated_on": "activation",
    "suspended_on": "suspension",
    "left_on": "departure",
}
# The dated steps a household with this status has been through (besides applying).
_STEPS: dict[MemberStatus, tuple[str, ...]] = {
    MemberStatus.APPLICANT: (),
    MemberStatus.ACTIVE: ("activated_on",),
    MemberStatus.SUSPENDED: ("activated_on", "suspended_on"),
    MemberStatus.LEFT: ("left_on",),
}
