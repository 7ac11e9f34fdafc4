"""Household PINs: set by staff (handed over on paper) or by the household itself, checked at outlets.

Why HMAC-SHA256 with a per-member salt and not argon2: a PIN has 10^4 to 10^6 values, so whoever
steals the table finds any PIN by offline search whatever the hash (argon2 at 50 ms a try: minutes
for 10^4, hours for 10^6). A slow hash would not protect PINs; it would only cap payments at about
20 per second per core. The protection is online: MAX_FAILED_PINS consecutive wrong PINs lock the
PIN for PIN_LOCK, and the salt keeps equal PINs from showing as equal hashes; every wrong PIN
also counts against the outlet that typed it (`pauses`), so guessing across households is braked.

An unknown member code, or a household without a PIN, is refused as a wrong PIN, and locks the
same way after MAX_FAILED_PINS tries (`refuse_without_pin`): otherwise "pin_locked" would tell a
guesser which codes exist and have a PIN, and which are worth its tries.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import NoReturn

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.db.base import utcnow
from caisse.errors import Conflict, ValidationFailed
from caisse.members.models import Member, MemberStatus
from caisse.spending import pauses
from caisse.spending.errors import PinLocked, PinRefused
from caisse.spending.models import MemberPin, OutletPinFailure
from caisse.spending.pauses import PinAttempt

# The lockout, in one place: this many wrong PINs in a row lock the PIN for this long. After a
# lockout each further wrong PIN locks it again at once; a right PIN or a new PIN resets the count.
MAX_FAILED_PINS = 5
PIN_LOCK = timedelta(minutes=30)

_PIN = re.compile(r"[0-9]{4,6}")
# One message for an unknown code, a wrong PIN and a household without a PIN, so that the answer
# never tells which codes exist.
REFUSED = (
    "Unknown member code or wrong PIN. Check both with the household; a household without a PIN "
    "asks the caisse's staff for one."
)


def is_trivial(pin: str) -> bool:
    """One digit repeated (0000) or a straight run up or down (1234, 4321, 98765)."""
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    return steps in ({0}, {1}, {-1})


def check_new_pin(pin: str) -> str:
    """A PIN a household may choose: 4 to 6 ASCII digits, not trivial; ValidationFailed otherwise."""
    if not _PIN.fullmatch(pin):
        message = "A PIN is 4 to 6 digits (0-9)."
    elif is_trivial(pin):
        message = "This PIN is too easy to guess (one digit repeated, or digits in a row); choose another."
    else:
        return pin
    raise ValidationFailed(f"pin: {message}", problems=[{"field": "pin", "message": message}])


def pin_digest(salt: str, pin: str) -> str:
    return hmac.new(bytes.fromhex(salt), pin.encode("ascii"), hashlib.sha256).hexdigest()


def pin_matches(salt: str, pin_hash: str, pin: str) -> bool:
    if not _PIN.fullmatch(pin):
        return False
    return hmac.compare_digest(pin_digest(salt, pin), pin_hash)


@dataclass(frozen=True)
class PinState:
    """What staff and the household may know about a PIN (never the PIN or its hash)."""

    member_id: int
    member_code: str
    is_set: bool
    set_at: datetime | None
    failed_attempts: int
    locked_until: datetime | None  # None when not locked now


def _state(member: Member, row: MemberPin | None, now: datetime) -> PinState:
    if row is None:
        return PinState(member.id, member.code, False, None, 0, None)
    locked = row.locked_until if row.locked_until is not None and row.locked_until > now else None
    return PinState(member.id, member.code, True, row.set_at, row.failed_attempts, locked)


async def pin_state(session: AsyncSession, member: Member, *, now: datetime | None = None) -> PinState:
    row = await session.scalar(select(MemberPin).where(MemberPin.member_id == member.id))
    return _state(member, row, now or utcnow())


async def set_pin(
    session: AsyncSession, caisse: Caisse, member: Member, pin: str, *, actor: Actor | None
) -> PinState:
    """Give the household a new PIN (replacing any old one); this also unlocks a locked PIN.

    Staff set it for any household of the caisse, a household for itself (the route checks who);
    audit-logged as "member.pin.set" (the PIN itself is never logged).
    """
    check_new_pin(pin)
    if member.status is MemberStatus.LEFT:
        raise Conflict(f"{member.code} has left the caisse: it cannot be given a PIN.")
    salt = secrets.token_hex(16)
    values = {
        "pin_hash": pin_digest(salt, pin),
        "salt": salt,
        "failed_attempts": 0,
        "locked_until": None,
        "set_at": utcnow(),
        "set_by_user_id": None if actor is None else actor.user_id,
    }
    row = await session.scalar(select(MemberPin).where(MemberPin.member_id == member.id).with_for_update())
    if row is None:
        row = MemberPin(member_id=member.id, **values)
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:
            raise Conflict(
                f"{member.code}'s PIN is being set by someone else right now; try again."
            ) from None
    else:
        for name, value in values.items():
            setattr(row, name, value)
        await session.flush()
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="member.pin.set", subject_type="member",
        subject_ids=[member.id], fields=["pin"],
    )  # fmt: skip
    return _state(member, row, utcnow())


def _locked(until: datetime, now: datetime) -> PinLocked:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return PinLocked(
        f"This household's PIN is locked after {MAX_FAILED_PINS} wrong attempts, until "
        f"{until:%Y-%m-%d %H:%M} UTC (in {minutes} minute{'s' * (minutes > 1)}). "
        "The caisse's staff can set a new PIN to unlock it now.",
        until=until,
    )


async def check_pin(
    session: AsyncSession,
    *,
    member_id: int,
    pin: str,
    pin_hash: str,
    salt: str,
    failed_attempts: int,
    locked_until: datetime | None,
    attempt: PinAttempt,
    now: datetime,
) -> bool:
    """Check a PIN typed at an outlet against the stored row (read under the payment's lock).

    Locked: PinLocked, nothing written. Wrong: the failure is counted (and the PIN locked at the
    limit), recorded against the outlet (`pauses.record_wrong_pin`) and **committed**, then
    PinRefused is raised: the counts must survive the refusal, which rolls the request back; so
    call this before writing anything else in the transaction. Right: resets a non-zero count
    (not committed) and returns True when it did; the outlet's count stays.
    """
    if locked_until is not None and locked_until > now:
        raise _locked(locked_until, now)
    if not pin_matches(salt, pin_hash, pin):
        # One atomic UPDATE: concurrent wrong PINs each count.
        await session.execute(
            update(MemberPin)
            .where(MemberPin.member_id == member_id)
            .values(
                failed_attempts=MemberPin.failed_attempts + 1,
                locked_until=case(
                    (MemberPin.failed_attempts + 1 >= MAX_FAILED_PINS, now + PIN_LOCK),
                    else_=MemberPin.locked_until,
                ),
            )
            .execution_options(synchronize_session=False)
        )
        await pauses.record_wrong_pin(session, attempt, member_id=member_id, now=now)
        await session.commit()
        raise PinRefused(REFUSED)
    if failed_attempts or locked_until is not None:
        await session.execute(
            update(MemberPin)
            .where(MemberPin.member_id == member_id)
            .values(failed_attempts=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        return True
    return False


async def refuse_without_pin(session: AsyncSession, attempt: PinAttempt, *, now: datetime) -> NoReturn:
    """Refuse a code that is unknown or whose household has no PIN exactly as a wrong PIN for a
    household with one: PinRefused, recorded against the outlet and committed; and after
    MAX_FAILED_PINS such tries, PinLocked for PIN_LOCK from the last one, then again at each
    further try, as `check_pin` does. Its tries are the outlet's rows without a member."""
    tries, last = (
        await session.execute(
            select(func.count(), func.max(OutletPinFailure.at)).where(
                OutletPinFailure.caisse_id == attempt.caisse_id,
                OutletPinFailure.member_code == attempt.member_code[:20],
                OutletPinFailure.member_id.is_(None),
            )
        )
    ).one()
    if tries >= MAX_FAILED_PINS and last is not None and last + PIN_LOCK > now:
        raise _locked(last + PIN_LOCK, now)
    await pauses.record_wrong_pin(session, attempt, member_id=None, now=now)
    await session.commit()
    raise PinRefused(REFUSED)
