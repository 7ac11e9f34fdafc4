"""A household pays a conventioned outlet with its food credit: member code, PIN, amount.

Checks, in this order, each refusal its own error code: the outlet's payments are not paused after
too many wrong PINs across households (429 till_paused, see `pauses`); the outlet has a convention
covering the day (409 convention_not_active); the code and PIN (403 pin_refused, the same for an
unknown code or a household without a PIN; 423 pin_locked, which an unknown code also reaches after
as many tries, see `pins`); the household is active (409 member_not_active); the amount (422); the
credit (409 insufficient_credit, stating the credit available: the household is at the counter and
typed its PIN, and the outlet needs the figure to charge the rest otherwise).

Then one PAYMENT entry: Dr wallet:<member> / Cr outlet:<outlet>, keyed "pay:<outlet>:<client key>",
and an OutletPayment row. The outlet's retry key makes a payment safe to resend: the same key and
content return the payment first recorded, never a second debit; the same key for another payment
is a 409.

No overdraft under concurrency: the wallet's ledger_account row is locked before its balance is
read (PostgreSQL FOR NO KEY UPDATE, which still lets other entries reference the account; SQLite
a no-op UPDATE, which takes its single write lock), and the balance is read by a later statement,
which sees every payment committed while we waited. The caisse row is not locked, so payments from
different wallets run in parallel. The same statement locks the PIN row, so concurrent guesses are
counted one after the other.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.db.base import utcnow
from caisse.errors import DomainError, InsufficientCredit, NotFound, ValidationFailed
from caisse.members.codes import normalise_code
from caisse.members.models import MemberStatus
from caisse.money.amounts import check_text
from caisse.money.booking import Recorded
from caisse.periods import caisse_today
from caisse.spending import booking, pauses, pins
from caisse.spending.conventions import why_not_active
from caisse.spending.errors import ConventionNotActive, IdempotencyKeyReused, MemberNotActive
from caisse.spending.queries import PaymentRow, find_by_key

# One payment at a counter: far above a family's shopping, so a typing slip (cents typed as
# euros) is refused rather than booked.
MAX_PAYMENT_CENTS = 100_000  # 1 000 €
MIN_KEY, MAX_KEY = 8, 100


def check_client_key(key: str) -> str:
    if not (MIN_KEY <= len(key) <= MAX_KEY and key.isascii() and key.isprintable() and " " not in key):
        raise ValidationFailed(
            f"idempotency_key: {MIN_KEY} to {MAX_KEY} visible ASCII characters, e.g. a UUID from the till.",
            problems=[{"field": "idempotency_key", "message": f"{MIN_KEY} to {MAX_KEY} visible characters"}],
        )
    return key


def check_payment_amount(cents: int) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int) or not 0 < cents <= MAX_PAYMENT_CENTS:
        message = f"a payment is 1 to {MAX_PAYMENT_CENTS} cents ({format_euros(MAX_PAYMENT_CENTS)})"
        raise ValidationFailed(
            f"amount_cents: {message}, got {cents!r}.",
            problems=[{"field": "amount_cents", "message": message}],
        )
    return cents


async def record_outlet_payment(
    session: AsyncSession,
    caisse: Caisse | str,
    *,
    outlet_id: int,
    member_code: str,
    pin: str,
    amount_cents: int,
    idempotency_key: str,
    note: str = "",
    actor: Actor | None = None,
    today: date | None = None,
) -> Recorded[PaymentRow]:
    """Take a payment of `amount_cents` (integer cents) from household `member_code` at an outlet.

    `caisse` is the caisse or its slug (the route passes the path's slug: the first query finds the
    caisse with the outlet, so the hot path loads no Caisse object).

    `created=False`: the key had already recorded this payment, returned as it was, before any check
    (its PIN was checked when it was recorded); the key with another household, amount or note is
    IdempotencyKeyReused (409). A wrong PIN (or an unknown code) is counted, for the household and
    the outlet, and committed before PinRefused is raised (see `pins.check_pin`): call this in a
    transaction of its own. Not committed otherwise: the caller's transaction does it.
    """
    key = check_client_key(idempotency_key)
    note = check_text(note, field="note", limit=200)
    code = normalise_code(member_code)
    day = today or caisse_today()
    slug = caisse if isinstance(caisse, str) else caisse.slug
    db = await session.connection()
    outlet, holder = await booking.outlet_and_holder(db, slug, outlet_id, key, day, code)
    if outlet is None:
        if await session.scalar(select(Caisse.id).where(Caisse.slug == slug)) is None:
            raise NotFound(f"No caisse '{slug}'.")
        raise NotFound(f"No outlet {outlet_id} in this caisse.")
    if outlet.recorded_id is not None:
        return await _replay(session, outlet_id, key, code, amount_cents, note)
    now = utcnow()
    pauses.check_not_paused(outlet.paused_until, now)
    if not outlet.conventioned:
        raise ConventionNotActive(await why_not_active(session, outlet_id, day))
    attempt = pauses.PinAttempt(outlet.caisse_id, outlet_id, actor, code)
    if holder is None:
        await pins.refuse_without_pin(session, attempt, now=now)
    reset = await pins.check_pin(
        session, member_id=holder.member_id, pin=pin, pin_hash=holder.pin_hash, salt=holder.salt,
        failed_attempts=holder.failed_attempts, locked_until=holder.locked_until, attempt=attempt, now=now,
    )  # fmt: skip
    try:
        if holder.status is not MemberStatus.ACTIVE:
            raise MemberNotActive(
                f"{code} is {holder.status.value}, not active: it cannot pay with the food credit. "
                "The caisse's staff can say why."
            )
        check_payment_amount(amount_cents)
        paid_at = utcnow()
        booking_done = await booking.book(
            db, caisse_id=outlet.caisse_id, outlet_id=outlet_id, outlet_account_id=outlet.account_id,
            holder=holder, amount_cents=amount_cents, day=day, paid_at=paid_at, client_key=key, note=note,
            memo=f"Paiement {code} au lieu {outlet_id}", user_id=None if actor is None else actor.user_id,
        )  # fmt: skip
        booked, available = booking_done.booked, booking_done.available_cents
        if booked is None and amount_cents > available:
            if await find_by_key(session, outlet_id, key) is not None:
                # A twin request with the same key won the wallet lock while we waited.
                return await _replay(session, outlet_id, key, code, amount_cents, note)
            raise InsufficientCredit(
                f"Insufficient credit: {format_euros(max(available, 0))} available, "
                f"{format_euros(amount_cents)} asked."
            )
    except DomainError:
        if reset:  # a right PIN clears the count even when the payment is refused
            await session.commit()
        raise
    if booked is None:  # the key was posted meanwhile, by a twin request or one for another household
        return await _replay(session, outlet_id, key, code, amount_cents, note)
    row = PaymentRow(
        booked.payment_id, outlet_id, outlet.name, holder.member_id, code, amount_cents, day, paid_at, note,
        booked.entry_id,
    )  # fmt: skip
    return Recorded(row, created=True)


async def _replay(
    session: AsyncSession, outlet_id: int, key: str, code: str, cents: int, note: str
) -> Recorded[PaymentRow]:
    """The payment recorded under the key, if the request asks for the same one; 409 otherwise."""
    found = await find_by_key(session, outlet_id, key)
    if found is None:
        raise IdempotencyKeyReused("This idempotency key was already used; make a new key per payment.")
    if (found.member_code, found.amount_cents, found.note) != (code, cents, note):
        raise IdempotencyKeyReused(
            "This idempotency key already recorded a different payment at this outlet; "
            "make a new key for a new payment."
        )
    return Recorded(found, created=False)
