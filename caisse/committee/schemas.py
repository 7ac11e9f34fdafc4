"""Request and response bodies of the committee routes (seats and declared links).

Source, nature and the person named arrive as plain text or ids and are checked by the
services, so a bad one is a 422 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from caisse.committee.eligibility import last_sitting_day
from caisse.committee.links import LinkRow
from caisse.committee.membership import Seat
from caisse.http.params import BodyId

Email = Annotated[str, msgspec.Meta(max_length=254)]
Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text500 = Annotated[str, msgspec.Meta(max_length=500)]


class SeatRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Seat a person (by `user_id` or `user_email`) for a term, both days included."""

    user_id: BodyId | None = None
    user_email: Email | None = None
    starts_on: date
    ends_on: date
    source: Annotated[str, msgspec.Meta(max_length=16, description="lottery|elected|appointed|volunteer")]
    source_ref: Annotated[
        str, msgspec.Meta(max_length=200, description="e.g. the draw's reference or the assembly's minutes")
    ] = ""
    note: Text500 = ""


class EndSeatRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The member no longer sits from `left_on` (they last sat the day before)."""

    left_on: date
    reason: Text500


class SeatView(msgspec.Struct, frozen=True, kw_only=True):
    """A term. `email` only for staff; `note` and `left_reason` for staff and the committee."""

    id: int
    user_id: int
    display_name: str
    email: str | None
    starts_on: date
    ends_on: date
    left_on: date | None
    last_day: date
    source: str
    source_ref: str
    note: str | None
    left_reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, seat: Seat, *, with_email: bool, with_notes: bool) -> SeatView:
        m = seat.membership
        return cls(
            id=m.id, user_id=m.user_id, display_name=seat.display_name,
            email=seat.email if with_email else None, starts_on=m.starts_on, ends_on=m.ends_on,
            left_on=m.left_on, last_day=last_sitting_day(m), source=m.source.value, source_ref=m.source_ref,
            note=m.note if with_notes else None, left_reason=m.left_reason if with_notes else None,
            created_at=m.created_at,
        )  # fmt: skip


class LinkRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A link to an outlet. A committee member declares their own (no user given); staff record
    one for a member by `user_id` or `user_email`."""

    outlet_id: BodyId
    nature: Annotated[
        str, msgspec.Meta(max_length=16, description="owner|employee|family|supplier|member|other")
    ]
    description: Text500 = ""
    declared_on: date | None = None
    user_id: BodyId | None = None
    user_email: Email | None = None


class WithdrawLinkRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    withdrawn_on: date | None = None


class LinkView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    user_id: int
    display_name: str
    outlet_id: int
    outlet_name: str
    nature: str
    description: str
    declared_on: date
    withdrawn_on: date | None

    @classmethod
    def of(cls, row: LinkRow) -> LinkView:
        k = row.link
        return cls(
            id=k.id, user_id=k.user_id, display_name=row.display_name, outlet_id=k.outlet_id,
            outlet_name=row.outlet_name, nature=k.nature.value, description=k.description,
            declared_on=k.declared_on, withdrawn_on=k.withdrawn_on,
        )  # fmt: skip
