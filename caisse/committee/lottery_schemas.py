"""Request and response bodies of the lottery routes. The public ones are in public.py."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

import msgspec

from caisse.committee.models import LotteryDraw, LotteryVolunteer
from caisse.committee.public import PublicDraw
from caisse.committee.volunteers import SeatingReport

Value = Annotated[str, msgspec.Meta(max_length=40)]
Name = Annotated[str, msgspec.Meta(max_length=32)]
Stratum = Annotated[dict[Name, Value], msgspec.Meta(max_length=8)]
Aware = Annotated[
    datetime, msgspec.Meta(tz=True, description="With a time zone, e.g. 2027-03-01T18:00:00+01:00")
]


class QuotaRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    stratum: Stratum
    seats: Annotated[int, msgspec.Meta(ge=0, le=500)]


class DrawRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Announce a draw. `dimensions` name the strata and their values (e.g. `{"income_band":
    ["low", "middle", "high"], "age_group": ["18-34", "35-59", "60+"]}`, or `{}` for a plain
    draw); `quotas` give the seats of each cell and add up to `seats`. The server draws the seed
    (32 hex digits) and publishes only its sha256 until the draw is run."""

    purpose: Annotated[str, msgspec.Meta(max_length=200)]
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    seats: Annotated[int, msgspec.Meta(ge=1, le=500)]
    dimensions: Annotated[
        dict[Name, Annotated[list[Value], msgspec.Meta(max_length=24)]], msgspec.Meta(max_length=8)
    ]
    quotas: Annotated[list[QuotaRequest], msgspec.Meta(max_length=2000)]
    closes_at: Aware


class VolunteerRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Staff name the volunteer by `member_code` (a household) or `user_email` (an account); a
    member volunteering themself names nobody. A household's income band is derived."""

    stratum: Stratum = {}
    member_code: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    user_email: Annotated[str, msgspec.Meta(max_length=254)] | None = None


class CancelRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)]


class SeatSelectedRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    starts_on: date
    ends_on: date
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class VolunteerView(msgspec.Struct, frozen=True, kw_only=True):
    """A volunteer with their private identity (staff only)."""

    pseudonym: str
    stratum: dict[str, str]
    member_id: int | None
    user_id: int | None
    registered_at: datetime
    membership_id: int | None

    @classmethod
    def of(cls, v: LotteryVolunteer) -> VolunteerView:
        return cls(
            pseudonym=v.pseudonym, stratum=json.loads(v.stratum), member_id=v.member_id, user_id=v.user_id,
            registered_at=v.registered_at, membership_id=v.membership_id,
        )  # fmt: skip


class DrawDetail(msgspec.Struct, frozen=True, kw_only=True):
    """Staff view: the public record plus who each pseudonym is."""

    record: PublicDraw
    volunteers: list[VolunteerView]


class DrawSummary(msgspec.Struct, frozen=True, kw_only=True):
    reference: str
    purpose: str
    status: str
    seats: int
    closes_at: datetime
    drawn_at: datetime | None

    @classmethod
    def of(cls, d: LotteryDraw) -> DrawSummary:
        return cls(
            reference=d.reference, purpose=d.purpose, status=d.status.value, seats=d.seats,
            closes_at=d.closes_at, drawn_at=d.drawn_at,
        )  # fmt: skip


class SeatedView(msgspec.Struct, frozen=True, kw_only=True):
    pseudonym: str
    user_id: int
    membership_id: int


class SkippedView(msgspec.Struct, frozen=True, kw_only=True):
    pseudonym: str
    reason: str


class SeatingView(msgspec.Struct, frozen=True, kw_only=True):
    reference: str
    seated: list[SeatedView]
    without_account: list[str]
    skipped: list[SkippedView]

    @classmethod
    def of(cls, r: SeatingReport) -> SeatingView:
        return cls(
            reference=r.reference,
            seated=[SeatedView(pseudonym=p, user_id=u, membership_id=m) for p, u, m in r.seated],
            without_account=r.without_account,
            skipped=[SkippedView(pseudonym=p, reason=why) for p, why in r.skipped],
        )
