"""Request and response bodies of the members API (msgspec: a wrong type is a 400 naming the field).

Amounts come in as euros — a JSON number or a decimal string, at most 2 decimals — and are turned
exactly into cents (`Decimal`, never float); they go out as integer cents (`*_cents`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from caisse import rules
from caisse.amounts import cents_from_decimal
from caisse.members.household import FieldProblem, check_household
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.members.registration import problems_error
from caisse.periods import caisse_today

_MONEY = {"monthly_income": "monthly_income_cents", "chosen_contribution": "chosen_contribution_cents"}


class HouseholdIn(msgspec.Struct, forbid_unknown_fields=True):
    """A household to register. `monthly_income` and `chosen_contribution` in € (e.g. 1234.56)."""

    reference_person: str
    monthly_income: Decimal
    income_declared_on: date
    adults: int = 1
    others_14_plus: int = 0
    children_under_14: int = 0
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    chosen_contribution: Decimal | None = None
    status: MemberStatus = MemberStatus.APPLICANT
    applied_on: date | None = None
    activated_on: date | None = None
    suspended_on: date | None = None
    left_on: date | None = None


class HouseholdChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; absent ones stay as they are, null clears an optional one. A member may
    change only email, phone, address and chosen_contribution; staff anything here."""

    reference_person: str | msgspec.UnsetType = msgspec.UNSET
    email: str | msgspec.UnsetType | None = msgspec.UNSET
    phone: str | msgspec.UnsetType | None = msgspec.UNSET
    address: str | msgspec.UnsetType | None = msgspec.UNSET
    adults: int | msgspec.UnsetType = msgspec.UNSET
    others_14_plus: int | msgspec.UnsetType = msgspec.UNSET
    children_under_14: int | msgspec.UnsetType = msgspec.UNSET
    monthly_income: Decimal | msgspec.UnsetType = msgspec.UNSET
    income_declared_on: date | msgspec.UnsetType = msgspec.UNSET
    chosen_contribution: Decimal | msgspec.UnsetType | None = msgspec.UNSET


class StatusChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Move the household to status `to` from `effective_on` (default today)."""

    to: MemberStatus
    effective_on: date | None = None
    reason: str = ""


def _given(struct: msgspec.Struct) -> dict[str, Any]:
    return {
        name: value
        for name in struct.__struct_fields__
        if (value := getattr(struct, name)) is not msgspec.UNSET
    }


def household_values(data: HouseholdIn | HouseholdChanges, *, today: date | None = None) -> dict[str, Any]:
    """The Household values of a request body, amounts in cents. Amounts that are not whole
    cents raise ValidationFailed together with every other problem of a new household."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for name, value in _given(data).items():
        if name not in _MONEY:
            values[name] = value
        elif value is None:
            values[_MONEY[name]] = None
        else:
            try:
                values[_MONEY[name]] = cents_from_decimal(value)
            except ValueError as exc:
                problems.append(FieldProblem(_MONEY[name], str(exc)))
    if problems:
        if isinstance(data, HouseholdIn):
            bad = {p.field for p in problems}
            _, more = check_household(values, today=today or caisse_today())
            problems += [p for p in more if p.field not in bad]
        raise problems_error(problems)
    return values


class StatusChangeOut(msgspec.Struct):
    from_status: MemberStatus | None
    to_status: MemberStatus
    effective_on: date
    reason: str
    at: datetime

    @classmethod
    def of(cls, change: MemberStatusChange) -> StatusChangeOut:
        return cls(change.from_status, change.to_status, change.effective_on, change.reason, change.at)


class MemberOut(msgspec.Struct):
    """A household with its personal data (staff/admin and the household itself only)."""

    code: str
    reference_person: str
    email: str | None
    phone: str | None
    address: str | None
    adults: int
    others_14_plus: int
    children_under_14: int
    persons: int
    consumption_units: float
    monthly_income_cents: int
    income_declared_on: date
    chosen_contribution_cents: int | None
    status: MemberStatus
    applied_on: date
    activated_on: date | None
    suspended_on: date | None
    left_on: date | None
    history: list[StatusChangeOut] | None = None

    @classmethod
    def of(cls, member: Member, history: list[MemberStatusChange] | None = None) -> MemberOut:
        units = rules.consumption_units([member.adults], [member.others_14_plus], [member.children_under_14])
        return cls(
            code=member.code,
            reference_person=member.reference_person,
            email=member.email,
            phone=member.phone,
            address=member.address,
            adults=member.adults,
            others_14_plus=member.others_14_plus,
            children_under_14=member.children_under_14,
            persons=member.persons,
            consumption_units=float(units[0]),
            monthly_income_cents=member.monthly_income_cents,
            income_declared_on=member.income_declared_on,
            chosen_contribution_cents=member.chosen_contribution_cents,
            status=member.status,
            applied_on=member.applied_on,
            activated_on=member.activated_on,
            suspended_on=member.suspended_on,
            left_on=member.left_on,
            history=None if history is None else [StatusChangeOut.of(c) for c in history],
        )


class ImportOut(msgspec.Struct):
    """`imported` households (0 on a dry run; `valid` says how many would be)."""

    imported: int
    valid: int
    dry_run: bool
    encoding: str
    delimiter: str
    first_code: str | None
    last_code: str | None
