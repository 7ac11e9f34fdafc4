"""Payout batches: approved redemptions paid by one SEPA credit-transfer file.

Creating a batch, in one transaction (a savepoint for the writes, so a failure leaves nothing):
checks the caisse's bank account, each outlet's IBAN and BIC, each outlet's balance and the fund;
numbers the batch (VIR-<execution month>-<n>); writes the pain.001 file and the CSV; posts one
REDEMPTION entry (Dr each outlet account, Cr fund) dated on the execution day, keyed by the
reference; marks the redemptions paid. Batches of one caisse are made one at a time (a lock on the
caisse row), so two batches never pay the same redemption and references never collide.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.db.base import utcnow
from caisse.errors import Conflict, ValidationFailed
from caisse.ledger.accounts import outlet_account_id
from caisse.ledger.models import EntryKind
from caisse.ledger.posting import Line, post_entry
from caisse.money.amounts import check_idempotency_key
from caisse.money.booking import Recorded
from caisse.outlets.models import Outlet
from caisse.periods import caisse_today
from caisse.redemptions import sepa
from caisse.redemptions.batch_checks import check_batch_request, redemptions_to_pay, refuse_unpayable
from caisse.redemptions.changes import record_changes
from caisse.redemptions.locks import lock_caisse_for_payouts, lock_outlet
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionStatus


async def _next_reference(session: AsyncSession, caisse_id: int, execution_date: date) -> str:
    prefix = f"VIR-{execution_date:%Y-%m}-"
    taken = await session.scalars(
        select(PayoutBatch.reference).where(
            PayoutBatch.caisse_id == caisse_id, PayoutBatch.reference.startswith(prefix, autoescape=True)
        )
    )
    numbers = [int(ref[len(prefix) :]) for ref in taken if ref[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


async def _retry(
    session: AsyncSession, caisse_id: int, key: str, execution_date: date, ids: list[int] | None
) -> PayoutBatch | None:
    """The batch a key already made, if it asked for the same thing (Conflict if not)."""
    found = await session.scalar(
        select(PayoutBatch).where(PayoutBatch.caisse_id == caisse_id, PayoutBatch.idempotency_key == key)
    )
    if found is None:
        return None
    paid = set(await session.scalars(select(Redemption.id).where(Redemption.batch_id == found.id)))
    if found.execution_date != execution_date or (ids is not None and set(ids) != paid):
        raise Conflict("This idempotency key already made a different payout batch; use a new key.")
    return found


def _transfers(
    caisse: Caisse, reference: str, redemptions: list[Redemption], outlets: dict[int, Outlet]
) -> list[sepa.Transfer]:
    return [
        sepa.Transfer(
            redemption_id=r.id,
            outlet_id=r.outlet_id,
            outlet_name=outlets[r.outlet_id].name,
            iban=outlets[r.outlet_id].iban or "",
            bic=outlets[r.outlet_id].bic or "",
            amount_cents=r.amount_cents,
            reference=f"{reference}-R{r.id}",
            remittance=f"Reconversion {caisse.name} demande {r.id} {reference}",
        )
        for r in redemptions
    ]


async def create_payout_batch(
    session: AsyncSession,
    caisse: Caisse,
    *,
    execution_date: date,
    redemption_ids: list[int] | None = None,
    idempotency_key: str | None = None,
    by_user_id: int | None = None,
    today: date | None = None,
) -> Recorded[PayoutBatch]:
    """Pay approved redemptions (the ones named, or every approved one) by a transfer on
    `execution_date`. Amounts in cents. 422 lists every missing or unusable bank detail; 409 when
    nothing is approved, a named one is not, an outlet or the fund holds less than it pays out.
    With an `idempotency_key` already used for the same request, nothing is written and that batch
    is returned, whatever the day (409 when the key made a different batch)."""
    ids = None if redemption_ids is None else list(redemption_ids)
    key = check_idempotency_key(idempotency_key)
    # A retry finds its batch first: on a later day its execution date may already be past.
    if key is not None and (done := await _retry(session, caisse.id, key, execution_date, ids)) is not None:
        return Recorded(done, created=False)
    check_batch_request(caisse, execution_date, ids, today or caisse_today())
    caisse = await lock_caisse_for_payouts(session, caisse.id)
    # Looked up again under the lock: a retry running at the same moment may have just made it.
    if key is not None and (done := await _retry(session, caisse.id, key, execution_date, ids)) is not None:
        return Recorded(done, created=False)
    redemptions = await redemptions_to_pay(session, caisse.id, ids)
    due: dict[int, int] = defaultdict(int)
    for r in redemptions:
        due[r.outlet_id] += r.amount_cents
    outlets = {oid: await lock_outlet(session, caisse.id, oid) for oid in sorted(due)}
    fund_id = await refuse_unpayable(session, caisse, outlets, due)
    total = sum(due.values())
    reference = await _next_reference(session, caisse.id, execution_date)
    transfers = _transfers(caisse, reference, redemptions, outlets)
    debtor = sepa.Debtor(caisse.bank_account_name or "", caisse.bank_iban or "", caisse.bank_bic or "")
    created_at = utcnow()
    message_id = f"{reference}-{created_at:%Y%m%d%H%M%S}"
    try:
        xml = sepa.pain001(
            debtor, transfers, message_id=message_id, payment_info_id=reference,
            execution_date=execution_date, created_at=created_at,
        )  # fmt: skip
    except sepa.SepaFileError as exc:
        raise ValidationFailed(f"{exc}. Correct it, then create the batch again.") from None
    # Everything checked and the files written: now the writes, undone together if one fails.
    async with session.begin_nested():
        lines = [
            Line(await outlet_account_id(session, caisse.id, oid), cents)
            for oid, cents in sorted(due.items())
        ]
        posted = await post_entry(
            session,
            caisse_id=caisse.id,
            kind=EntryKind.REDEMPTION,
            occurred_on=execution_date,
            lines=[*lines, Line(fund_id, -total)],
            memo=f"Virements de reconversion {reference} ({len(transfers)} virements, exécution "
            f"{execution_date.isoformat()})",
            idempotency_key=f"payout:{reference}",
            created_by_user_id=by_user_id,
        )
        if not posted.created:
            raise Conflict(f"The ledger already holds an entry for {reference}; nothing was paid twice.")
        batch = PayoutBatch(
            caisse_id=caisse.id, reference=reference, execution_date=execution_date, total_cents=total,
            transfer_count=len(transfers), message_id=message_id, debtor_name=debtor.name,
            debtor_iban=debtor.iban, debtor_bic=debtor.bic, pain001_xml=xml,
            payouts_csv=sepa.payouts_csv(transfers), entry_id=posted.entry.id, idempotency_key=key,
            created_at=created_at, created_by_user_id=by_user_id,
        )  # fmt: skip
        session.add(batch)
        await session.flush()
        await _mark_paid(session, [r.id for r in redemptions], batch.id, by_user_id)
    return Recorded(batch, created=True)


async def _mark_paid(session: AsyncSession, ids: list[int], batch_id: int, by_user_id: int | None) -> None:
    paid = (
        (
            await session.execute(
                update(Redemption)
                .where(Redemption.id.in_(ids), Redemption.status == RedemptionStatus.APPROVED)
                .values(status=RedemptionStatus.PAID, batch_id=batch_id)
                .returning(Redemption.id)
                .execution_options(synchronize_session=False)
            )
        )
        .scalars()
        .all()
    )
    if len(paid) != len(ids):
        # The lock makes this unreachable; if it ever is, the savepoint undoes the whole batch.
        raise Conflict("Some redemptions changed while the batch was made; nothing was paid. Try again.")
    await record_changes(
        session, ids, from_status=RedemptionStatus.APPROVED, to_status=RedemptionStatus.PAID,
        by_user_id=by_user_id, batch_id=batch_id,
    )  # fmt: skip
