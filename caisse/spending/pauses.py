"""An outlet's payments paused after too many wrong PINs: the brake on guessing across households.

Why: the PIN lock is per household (`pins.MAX_FAILED_PINS` wrong in a row lock it), and member
codes are sequential, so without a brake one outlet account (a stolen or dishonest till) could
try 5 PINs on each of thousands of households, open a few wallets and drain them into its own
account, and lock every household out at every other outlet. So wrong PINs are also counted per
outlet, across households.

How: every wrong PIN is a row of `outlet_pin_failure` (outlet, user, member code, time; never the
PIN) and an audit event "outlet.pin.wrong" on the outlet, so staff see where the guessing came
from. The count is a sliding window: when an outlet has MAX_WRONG_PINS rows in the last
PAUSE_WINDOW, the wrong PIN that reached it gets `paused_until` = its time + PAUSE_WINDOW (an
audit event "outlet.till.paused" and a warning in the log), and every payment the outlet sends is
refused with TillPaused (429 `till_paused`) until then, or until staff lift the pause
(`lift_pause`, which marks the window's rows cleared so that the count starts again). A right PIN
does not lower the count: a guesser would type a household whose PIN it knows between guesses.

Why the pause is stored and not counted at each payment: the payment's first statement reads the
outlet's latest `paused_until` (one more column, through an index; no round trip added to a
payment, and no parameter, so `benchmarks/payments.py` runs the same statements) and compares it
with the clock here. The count itself runs only on the wrong-PIN path, which writes and commits
anyway.

Concurrency: wrong PINs at one outlet are counted one at a time (a transaction-scoped advisory
lock on PostgreSQL, the single write lock on SQLite), so a burst cannot pass the threshold without
one of its wrong PINs pausing the outlet. Payments read the pause without a lock: requests already
past that read when the pause is set still have their PIN checked, so a burst can exceed the
threshold by the requests in flight at that moment (bounded by the connection pool), once per pause.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.db.base import utcnow
from caisse.errors import NotFound
from caisse.outlets.models import Outlet
from caisse.spending.errors import TillPaused
from caisse.spending.models import OutletPinFailure

log = logging.getLogger("caisse")

# 10 wrong PINs in an hour at one outlet, across households. An honest till mistypes now and then,
# and a household that forgot its PIN locks it after 5; 10 in an hour is two such households or a
# dozen slips, far beyond a counter's day. A guesser gets 10 tries an hour: against 4-digit PINs
# (about 9 980 allowed) that is about 1 chance in 1 000 of opening a wallet per hour, each pause
# an audit event staff see, instead of ~5 wallets in minutes.
MAX_WRONG_PINS = 10
PAUSE_WINDOW = timedelta(hours=1)
# The class of PostgreSQL advisory locks that count an outlet's wrong PINs one at a time.
_LOCK_CLASS = 0x50494E  # "PIN"


@dataclass(frozen=True)
class PinAttempt:
    """Who typed a PIN, where, for which member code (as typed, normalised)."""

    caisse_id: int
    outlet_id: int
    actor: Actor | None
    member_code: str

    @property
    def user_id(self) -> int | None:
        return None if self.actor is None else self.actor.user_id


@dataclass(frozen=True)
class TillPause:
    """What staff and the outlet may know about the outlet's brake."""

    outlet_id: int
    paused_until: datetime | None  # None when not paused now
    wrong_pins_in_window: int  # the wrong PINs that count, in the last PAUSE_WINDOW


def _minutes() -> int:
    return int(PAUSE_WINDOW.total_seconds() // 60)


def till_paused(until: datetime, now: datetime) -> TillPaused:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return TillPaused(
        f"This outlet's payments are paused after {MAX_WRONG_PINS} wrong PINs within {_minutes()} minutes, "
        f"until {until:%Y-%m-%d %H:%M} UTC "
        f"(in {minutes} minute{'s' * (minutes > 1)}). Call the caisse: its staff can lift the pause.",
        until=until,
    )


def check_not_paused(paused_until: datetime | None, now: datetime) -> None:
    """TillPaused when the outlet's payments are paused at `now` (`paused_until` as the payment's
    first statement read it)."""
    if paused_until is not None and paused_until > now:
        raise till_paused(paused_until, now)


def _counted(outlet_id: int, now: datetime) -> ColumnElement[bool]:
    """The outlet's wrong PINs that count at `now`: in the window, not cleared by staff."""
    return and_(
        OutletPinFailure.outlet_id == outlet_id,
        OutletPinFailure.at > now - PAUSE_WINDOW,
        OutletPinFailure.cleared_at.is_(None),
    )


async def record_wrong_pin(
    session: AsyncSession, attempt: PinAttempt, *, member_id: int | None, now: datetime
) -> None:
    """Record a wrong PIN (never the PIN) and pause the outlet when it reaches MAX_WRONG_PINS in
    the window. Not committed: the caller commits it with the household's count (`pins`)."""
    if (await session.connection()).dialect.name == "postgresql":
        # Wrong PINs at one outlet counted one after the other: two at once would each count
        # the other's row as not yet there, and neither pause the outlet.
        await session.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, attempt.outlet_id % 2**31)))
    row = OutletPinFailure(
        caisse_id=attempt.caisse_id, outlet_id=attempt.outlet_id, user_id=attempt.user_id,
        member_id=member_id, member_code=attempt.member_code[:20], at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    await audit.record(
        session, actor=attempt.actor, caisse_id=attempt.caisse_id, action="outlet.pin.wrong",
        subject_type="outlet", subject_ids=[attempt.outlet_id], note=f"member code {row.member_code}",
    )  # fmt: skip
    counted = await session.scalar(
        select(func.count()).select_from(OutletPinFailure).where(_counted(attempt.outlet_id, now))
    )
    if int(counted or 0) >= MAX_WRONG_PINS:
        row.paused_until = now + PAUSE_WINDOW
        await session.flush()
        await audit.record(
            session, actor=attempt.actor, caisse_id=attempt.caisse_id, action="outlet.till.paused",
            subject_type="outlet", subject_ids=[attempt.outlet_id],
            note=f"{counted} wrong PINs within {_minutes()} minutes; paused until {row.paused_until:%H:%M}",
        )  # fmt: skip
        log.warning(
            "outlet %s of caisse %s paused until %s: %s wrong PINs in %s",
            attempt.outlet_id, attempt.caisse_id, row.paused_until, counted, PAUSE_WINDOW,
        )  # fmt: skip


async def _own_outlet(session: AsyncSession, caisse: Caisse, outlet_id: int) -> None:
    found = await session.scalar(
        select(Outlet.id).where(Outlet.id == outlet_id, Outlet.caisse_id == caisse.id)
    )
    if found is None:
        raise NotFound(f"No outlet {outlet_id} in this caisse.")


async def till_pause(
    session: AsyncSession, caisse: Caisse, outlet_id: int, *, now: datetime | None = None
) -> TillPause:
    """Whether the outlet's payments are paused now, and how many wrong PINs count."""
    now = now or utcnow()
    await _own_outlet(session, caisse, outlet_id)
    until, counted = (
        await session.execute(
            select(
                select(func.max(OutletPinFailure.paused_until))
                .where(OutletPinFailure.outlet_id == outlet_id, OutletPinFailure.cleared_at.is_(None))
                .scalar_subquery(),
                select(func.count())
                .select_from(OutletPinFailure)
                .where(_counted(outlet_id, now))
                .scalar_subquery(),
            )
        )
    ).one()
    return TillPause(outlet_id, until if until is not None and until > now else None, int(counted))


async def lift_pause(
    session: AsyncSession, caisse: Caisse, outlet_id: int, *, actor: Actor | None
) -> TillPause:
    """Staff let the outlet take payments again: the wrong PINs that count are marked cleared (kept,
    as the record of what was typed), so the outlet starts from zero. Audit-logged as
    "outlet.till.resumed". Not committed."""
    now = utcnow()
    await _own_outlet(session, caisse, outlet_id)
    await session.execute(
        update(OutletPinFailure)
        .where(
            OutletPinFailure.outlet_id == outlet_id,
            OutletPinFailure.cleared_at.is_(None),
            (OutletPinFailure.at > now - PAUSE_WINDOW) | (OutletPinFailure.paused_until > now),
        )
        .values(cleared_at=now, cleared_by_user_id=None if actor is None else actor.user_id)
        .execution_options(synchronize_session=False)
    )
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="outlet.till.resumed", subject_type="outlet",
        subject_ids=[outlet_id],
    )  # fmt: skip
    return await till_pause(session, caisse, outlet_id, now=now)
