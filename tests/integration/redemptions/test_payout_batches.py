"""Payout batches: approved redemptions paid by one SEPA file and one ledger entry, all or nothing."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from typing import Any

import pytest
import sepaxml
import xmlschema
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.db.engine import make_sessionmaker
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.ledger import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger.accounts import caisse_account_id, outlet_account_id
from caisse.ledger.posting import Line, post_entry, reverse_entry
from caisse.ledger.verify.checker import Checker
from caisse.money import record_operating_cost
from caisse.money.booking import Recorded
from caisse.outlets.models import Outlet
from caisse.redemptions import batches
from caisse.redemptions.approval import approve_redemption
from caisse.redemptions.batch_lookup import get_batch, list_batches, transfers_of
from caisse.redemptions.changes import history_of
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionStatus
from caisse.redemptions.position import outlet_balance
from caisse.redemptions.requests import request_redemption
from caisse.redemptions.verify import check_payout_batches
from caisse.reports.month import month_report
from tests.integration.redemptions.payout_helpers import (
    CAISSE_BANK,
    EPICERIE_BANK,
    FERME_BANK,
    PayoutWorld,
    caisse_of,
    pay_outlet,
    set_caisse_bank,
)
from tests.ledger_checks import assert_ledger_ok

TODAY = date(2026, 11, 23)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")


async def _approved(db: AsyncSession, pw: PayoutWorld, outlet: str, cents: int | None = None) -> int:
    caisse = await caisse_of(db, pw.caisse_id)
    result = await request_redemption(
        db, caisse, outlet_id=pw.outlets[outlet], amount_cents=cents, all_available=cents is None
    )
    await approve_redemption(db, pw.caisse_id, result.record.id, by_user_id=None)
    await db.commit()
    return result.record.id


async def _create(db: AsyncSession, pw: PayoutWorld, **kw: Any) -> Recorded[PayoutBatch]:
    caisse = await caisse_of(db, pw.caisse_id)
    kw.setdefault("execution_date", TODAY)
    result = await batches.create_payout_batch(db, caisse, today=TODAY, **kw)
    await db.commit()
    return result


async def _count(db: AsyncSession, model: type[object]) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def _nothing_paid(db: AsyncSession) -> None:
    await db.rollback()
    assert await _count(db, PayoutBatch) == 0
    assert await db.scalar(select(func.count()).where(JournalEntry.kind == EntryKind.REDEMPTION)) == 0
    assert await db.scalar(select(func.count()).where(Redemption.status == RedemptionStatus.PAID)) == 0


def _text(node: ET.Element, path: str) -> str:
    found = node.find(path, NS)
    assert found is not None and found.text is not None, path
    return found.text


async def test_full_flow_pays_the_outlets_from_the_fund(db: AsyncSession, payouts: PayoutWorld) -> None:
    ferme = await _approved(db, payouts, "ferme")
    epicerie = await _approved(db, payouts, "epicerie", 2_500)
    result = await _create(db, payouts)
    batch = result.record
    assert result.created
    assert (batch.reference, batch.execution_date, batch.total_cents, batch.transfer_count) == (
        "VIR-2026-11-0001", TODAY, 6_500, 2,
    )  # fmt: skip
    assert batch.message_id.startswith("VIR-2026-11-0001-") and len(batch.message_id) <= 35

    # The SEPA file: valid against the schema; counts, sums, accounts and amounts as paid.
    xmlschema.XMLSchema(XSD).validate(batch.pain001_xml)
    root = ET.fromstring(batch.pain001_xml.encode())
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert header is not None and info is not None
    assert (_text(header, "p:MsgId"), _text(header, "p:NbOfTxs"), _text(header, "p:CtrlSum")) == (
        batch.message_id, "2", "65.00",
    )  # fmt: skip
    assert (_text(info, "p:NbOfTxs"), _text(info, "p:CtrlSum"), _text(info, "p:ReqdExctnDt")) == (
        "2", "65.00", "2026-11-23",
    )  # fmt: skip
    assert (_text(info, "p:PmtInfId"), _text(info, "p:PmtMtd"), _text(info, "p:Dbtr/p:Nm")) == (
        "VIR-2026-11-0001", "TRF", "Caisse SSA de l'Ariege",
    )  # fmt: skip
    assert _text(info, "p:DbtrAcct/p:Id/p:IBAN") == CAISSE_BANK[1]
    assert _text(info, "p:DbtrAgt/p:FinInstnId/p:BIC") == CAISSE_BANK[2]
    sent = [
        (
            _text(tx, "p:PmtId/p:EndToEndId"),
            _text(tx, "p:Amt/p:InstdAmt"),
            tx.find("p:Amt/p:InstdAmt", NS).attrib["Ccy"],  # type: ignore[union-attr]
            _text(tx, "p:Cdtr/p:Nm"),
            _text(tx, "p:CdtrAcct/p:Id/p:IBAN"),
            _text(tx, "p:CdtrAgt/p:FinInstnId/p:BIC"),
        )
        for tx in info.findall("p:CdtTrfTxInf", NS)
    ]
    assert sent == [
        (f"VIR-2026-11-0001-R{ferme}", "40.00", "EUR", "Ferme du Couserans", *FERME_BANK),
        (f"VIR-2026-11-0001-R{epicerie}", "25.00", "EUR", "Epicerie solidaire + Cie", *EPICERIE_BANK),
    ]

    # The CSV: the same transfers, names as written.
    rows = list(csv.DictReader(io.StringIO(batch.payouts_csv)))
    assert [(r["outlet"], r["iban"], r["bic"], r["amount"], r["reference"]) for r in rows] == [
        ("Ferme du Couserans", *FERME_BANK, "40.00", f"VIR-2026-11-0001-R{ferme}"),
        ("Épicerie solidaire & Cie", *EPICERIE_BANK, "25.00", f"VIR-2026-11-0001-R{epicerie}"),
    ]
    assert [t.amount_cents for t in transfers_of(batch)] == [4_000, 2_500]

    # The ledger: one redemption entry, Dr outlets, Cr fund, dated the execution day.
    entry = await db.get(JournalEntry, batch.entry_id)
    assert entry is not None and entry.kind is EntryKind.REDEMPTION and entry.occurred_on == TODAY
    assert entry.idempotency_key == "payout:VIR-2026-11-0001" and "VIR-2026-11-0001" in entry.memo
    lines = await db.execute(
        select(LedgerAccount.code, JournalLine.amount_cents)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(JournalLine.entry_id == entry.id)
        .order_by(LedgerAccount.code)
    )
    assert sorted(lines.all()) == sorted(
        [
            ("fund", -6_500),
            (f"outlet:{payouts.outlets['ferme']}", 4_000),
            (f"outlet:{payouts.outlets['epicerie']}", 2_500),
        ]
    )
    assert await outlet_balance(db, payouts.caisse_id, payouts.outlets["ferme"]) == 0
    assert await outlet_balance(db, payouts.caisse_id, payouts.outlets["epicerie"]) == 0

    # Each redemption is paid, in this batch, and its history says so.
    for rid in (ferme, epicerie):
        redemption = await db.get(Redemption, rid, populate_existing=True)
        assert (
            redemption is not None
            and redemption.status is RedemptionStatus.PAID
            and redemption.batch_id == batch.id
        )
        last = (await history_of(db, [rid]))[rid][-1]
        assert (last.from_status, last.to_status, last.batch_id) == (
            RedemptionStatus.APPROVED, RedemptionStatus.PAID, batch.id,
        )  # fmt: skip

    # The monthly report counts the money out in the execution month.
    report = await month_report(db, await caisse_of(db, payouts.caisse_id), "2026-11")
    assert report.money_out.redemptions_cents == 6_500 and report.money_out.total_cents == 6_500
    assert report.reserve_cents == 50_000 - 6_500
    await assert_ledger_ok(db)


async def test_references_number_batches_within_their_execution_month(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    first = await _approved(db, payouts, "ferme", 1_000)
    assert (await _create(db, payouts)).record.reference == "VIR-2026-11-0001"
    await _approved(db, payouts, "ferme", 1_000)
    assert (await _create(db, payouts)).record.reference == "VIR-2026-11-0002"
    await _approved(db, payouts, "ferme", 1_000)
    december = await _create(db, payouts, execution_date=date(2026, 12, 1))
    assert december.record.reference == "VIR-2026-12-0001"
    found = await get_batch(db, payouts.caisse_id, "vir-2026-11-0001")
    assert found.reference == "VIR-2026-11-0001" and (await db.get(Redemption, first)).batch_id == found.id  # type: ignore[union-attr]
    rows, total = await list_batches(db, payouts.caisse_id, limit=2)
    assert total == 3 and len(rows) == 2
    await assert_ledger_ok(db)


async def test_named_redemptions_only_are_paid(db: AsyncSession, payouts: PayoutWorld) -> None:
    ferme = await _approved(db, payouts, "ferme")
    epicerie = await _approved(db, payouts, "epicerie")
    batch = (await _create(db, payouts, redemption_ids=[epicerie])).record
    assert batch.total_cents == 2_500 and batch.transfer_count == 1
    assert (await db.get(Redemption, ferme, populate_existing=True)).status is RedemptionStatus.APPROVED  # type: ignore[union-attr]


async def test_missing_bank_details_are_listed_together_and_nothing_is_paid(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    await _approved(db, payouts, "ferme")
    await _approved(db, payouts, "epicerie")
    await set_caisse_bank(db, payouts.caisse_id, None)
    await db.execute(update(Outlet).where(Outlet.id == payouts.outlets["epicerie"]).values(bic=None))
    await db.commit()
    with pytest.raises(ValidationFailed) as refused:
        await _create(db, payouts)
    fields = [p["field"] for p in refused.value.problems]
    assert fields == ["bank_account_name", "bank_iban", "bank_bic", f"outlet {payouts.outlets['epicerie']}"]
    assert "The caisse's bank account has no IBAN" in refused.value.detail
    assert (
        f"Épicerie solidaire & Cie (outlet {payouts.outlets['epicerie']}) has no BIC" in refused.value.detail
    )
    assert "PATCH /api/v1/caisses/ssa" in refused.value.detail
    await _nothing_paid(db)


async def test_a_bic_the_sepa_schema_refuses_is_named(db: AsyncSession, payouts: PayoutWorld) -> None:
    await _approved(db, payouts, "ferme")
    await db.execute(update(Outlet).where(Outlet.id == payouts.outlets["ferme"]).values(bic="BNPAFR1A"))
    await db.commit()
    with pytest.raises(
        ValidationFailed, match=r"Ferme du Couserans .*BNPAFR1A is not a BIC a SEPA file accepts"
    ):
        await _create(db, payouts)
    await _nothing_paid(db)


async def test_a_fund_below_the_total_is_refused_with_both_amounts(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    await _approved(db, payouts, "ferme")
    await _approved(db, payouts, "epicerie")
    caisse = await caisse_of(db, payouts.caisse_id)
    await record_operating_cost(
        db, caisse, category="loyer", amount_cents=45_000, paid_on=date(2026, 3, 1), today=TODAY
    )
    await db.commit()
    with pytest.raises(
        Conflict, match=r"The fund holds 50\.00 €, less than the 65\.00 € this batch pays out"
    ):
        await _create(db, payouts)
    await _nothing_paid(db)


async def test_nothing_approved_is_refused(db: AsyncSession, payouts: PayoutWorld) -> None:
    caisse = await caisse_of(db, payouts.caisse_id)
    await request_redemption(db, caisse, outlet_id=payouts.outlets["ferme"], amount_cents=100)
    await db.commit()
    with pytest.raises(Conflict, match="No approved redemption to pay: approve requests first"):
        await _create(db, payouts)
    await _nothing_paid(db)


async def test_named_redemptions_must_exist_and_be_approved(db: AsyncSession, payouts: PayoutWorld) -> None:
    approved = await _approved(db, payouts, "ferme", 1_000)
    caisse = await caisse_of(db, payouts.caisse_id)
    requested = (
        await request_redemption(db, caisse, outlet_id=payouts.outlets["ferme"], amount_cents=500)
    ).record.id
    await db.commit()
    with pytest.raises(Conflict, match=f"Only approved redemptions can be paid: {requested} is requested"):
        await _create(db, payouts, redemption_ids=[approved, requested])
    await db.rollback()
    with pytest.raises(NotFound, match="No redemption 998, 999 in this caisse"):
        await _create(db, payouts, redemption_ids=[approved, 999, 998])
    await db.rollback()
    with pytest.raises(ValidationFailed, match="named twice"):
        await _create(db, payouts, redemption_ids=[approved, approved])
    await _nothing_paid(db)


@pytest.mark.parametrize(
    ("execution_date", "message"),
    [
        (TODAY - timedelta(days=1), "is in the past"),
        (TODAY + timedelta(days=61), "more than 60 days ahead"),
    ],
)
async def test_execution_dates_a_bank_would_not_take_are_refused(
    db: AsyncSession, payouts: PayoutWorld, execution_date: date, message: str
) -> None:
    await _approved(db, payouts, "ferme")
    with pytest.raises(ValidationFailed, match=message):
        await _create(db, payouts, execution_date=execution_date)
    await _nothing_paid(db)


async def test_an_outlet_is_never_paid_more_than_it_holds(db: AsyncSession, payouts: PayoutWorld) -> None:
    """Approved, then a refund at the till lowered the outlet's balance: the batch refuses."""
    extra = await pay_outlet(
        db, payouts.caisse_id, payouts.mw.members["SA-1"], payouts.outlets["ferme"], 1_000
    )
    await _approved(db, payouts, "ferme")
    await reverse_entry(
        db, caisse_id=payouts.caisse_id, entry_id=extra, occurred_on=date(2026, 3, 11), memo="refund"
    )
    await db.commit()
    with pytest.raises(Conflict, match=r"Ferme du Couserans holds 40\.00 € but would be paid 50\.00 €"):
        await _create(db, payouts)
    await _nothing_paid(db)
    await assert_ledger_ok(db)


async def test_same_key_makes_the_batch_once(db: AsyncSession, payouts: PayoutWorld) -> None:
    await _approved(db, payouts, "ferme")
    first = await _create(db, payouts, idempotency_key="lot-mars")
    await _approved(db, payouts, "epicerie")  # approved since: a retry must not pay it
    again = await _create(db, payouts, idempotency_key="lot-mars")
    assert again.created is False and again.record.id == first.record.id
    assert await _count(db, PayoutBatch) == 1
    assert await db.scalar(select(func.count()).where(JournalEntry.kind == EntryKind.REDEMPTION)) == 1
    with pytest.raises(Conflict, match="already made a different payout batch"):
        await _create(db, payouts, idempotency_key="lot-mars", execution_date=TODAY + timedelta(days=1))
    await assert_ledger_ok(db)


async def test_the_same_redemptions_cannot_be_paid_twice(db: AsyncSession, payouts: PayoutWorld) -> None:
    rid = await _approved(db, payouts, "ferme")
    total = (await _create(db, payouts, redemption_ids=[rid])).record.total_cents
    with pytest.raises(Conflict, match=f"{rid} is paid"):
        await _create(db, payouts, redemption_ids=[rid])
    await db.rollback()
    with pytest.raises(Conflict, match="No approved redemption to pay"):
        await _create(db, payouts)
    await db.rollback()
    assert await _count(db, PayoutBatch) == 1 and total == 4_000
    await assert_ledger_ok(db)


async def test_a_failure_while_writing_leaves_nothing_half_written(
    db: AsyncSession, payouts: PayoutWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _approved(db, payouts, "ferme")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(batches, "_mark_paid", broken)
    caisse = await caisse_of(db, payouts.caisse_id)
    with pytest.raises(RuntimeError, match="disk full"):
        await batches.create_payout_batch(db, caisse, execution_date=TODAY, today=TODAY)
    # Even if the caller commits what is left, the entry and the batch were undone together.
    await db.commit()
    await _nothing_paid(db)
    assert await db.scalar(select(func.count()).where(Redemption.status == RedemptionStatus.APPROVED)) == 1
    await assert_ledger_ok(db)


async def test_a_batch_is_never_changed_once_written(db: AsyncSession, payouts: PayoutWorld) -> None:
    await _approved(db, payouts, "ferme")
    batch = (await _create(db, payouts)).record
    batch.pain001_xml = "<forged/>"
    with pytest.raises(RuntimeError, match="never changed once written"):
        await db.flush()


async def _create_in_own_session(engine: AsyncEngine, caisse_id: int, **kw: Any) -> PayoutBatch | str:
    async with make_sessionmaker(engine)() as session, session.begin():
        caisse = await caisse_of(session, caisse_id)
        try:
            result = await batches.create_payout_batch(
                session, caisse, execution_date=TODAY, today=TODAY, **kw
            )
        except Conflict as exc:
            return exc.detail
        return result.record


async def test_two_batches_at_once_never_pay_the_same_redemption(
    backend: str, engine: AsyncEngine, db: AsyncSession, payouts: PayoutWorld
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sessions only race on PostgreSQL")
    await _approved(db, payouts, "ferme")
    await _approved(db, payouts, "epicerie")
    outcomes = await asyncio.gather(*(_create_in_own_session(engine, payouts.caisse_id) for _ in range(4)))
    made = [o for o in outcomes if isinstance(o, PayoutBatch)]
    assert len(made) == 1 and made[0].total_cents == 6_500
    assert all(
        isinstance(o, str) and o.startswith("No approved redemption") for o in outcomes if o not in made
    )
    assert await db.scalar(select(func.count()).where(JournalEntry.kind == EntryKind.REDEMPTION)) == 1
    await assert_ledger_ok(db)


async def test_batches_of_different_redemptions_at_once_get_their_own_references(
    backend: str, engine: AsyncEngine, db: AsyncSession, payouts: PayoutWorld
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sessions only race on PostgreSQL")
    ferme = await _approved(db, payouts, "ferme")
    epicerie = await _approved(db, payouts, "epicerie")
    outcomes = await asyncio.gather(
        _create_in_own_session(engine, payouts.caisse_id, redemption_ids=[ferme]),
        _create_in_own_session(engine, payouts.caisse_id, redemption_ids=[epicerie]),
    )
    assert all(isinstance(o, PayoutBatch) for o in outcomes), outcomes
    assert sorted(o.reference for o in outcomes) == ["VIR-2026-11-0001", "VIR-2026-11-0002"]  # type: ignore[union-attr]
    await assert_ledger_ok(db)


async def test_retries_with_one_key_at_once_make_one_batch(
    backend: str, engine: AsyncEngine, db: AsyncSession, payouts: PayoutWorld
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sessions only race on PostgreSQL")
    await _approved(db, payouts, "ferme")
    outcomes = await asyncio.gather(
        *(_create_in_own_session(engine, payouts.caisse_id, idempotency_key="same") for _ in range(4))
    )
    assert len({o.id for o in outcomes if isinstance(o, PayoutBatch)}) == 1 and all(
        isinstance(o, PayoutBatch) for o in outcomes
    )
    assert await _count(db, PayoutBatch) == 1


async def _payout_problems(db: AsyncSession, caisse_id: int) -> list[str]:
    checker = Checker(db, caisse_id)
    await check_payout_batches(checker)
    return [p.code for p in checker.problems]


async def test_payout_checks_find_batches_that_disagree_with_the_ledger(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    rid = await _approved(db, payouts, "ferme")
    await _approved(db, payouts, "epicerie")
    await _create(db, payouts)
    assert await _payout_problems(db, payouts.caisse_id) == []
    # A redemption rewritten behind the service's back, and a redemption entry posted by hand.
    await db.execute(update(Redemption).where(Redemption.id == rid).values(amount_cents=3_999))
    fund = await caisse_account_id(db, payouts.caisse_id, AccountKind.FUND)
    outlet = await outlet_account_id(db, payouts.caisse_id, payouts.outlets["sans_iban"])
    await post_entry(
        db, caisse_id=payouts.caisse_id, kind=EntryKind.REDEMPTION, occurred_on=TODAY,
        lines=[Line(outlet, 500), Line(fund, -500)], memo="virement à la main",
    )  # fmt: skip
    await db.commit()
    assert await _payout_problems(db, payouts.caisse_id) == [
        "payout_batch_total_mismatch",
        "payout_batch_outlet_mismatch",
        "redemption_entry_without_batch",
    ]
