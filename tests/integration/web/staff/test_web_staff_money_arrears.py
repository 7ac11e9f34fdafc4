"""The contributions page's services (`caisse.money.month_dues`): a month's dues and payments
household by household, and the households in arrears (`caisse.money.month_dues.arrears_page`): the
count and total of all, the first households chosen in SQL in the order of the full list, and only
those shown written to the audit log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.caisses.models import Caisse
from caisse.ledger import AccountKind, EntryKind, Line, caisse_account_id, member_account_ids, post_entry
from caisse.ledger.posting import reverse_entry
from caisse.money import list_arrears, record_contribution_payment
from caisse.money.arrears import arrears_page, oldest_first
from caisse.money.month_dues import month_dues
from tests.integration.redemptions.payout_helpers import PayoutWorld
from tests.integration.web.staff import money_fixtures
from tests.integration.web.staff.money_fixtures import GESTION
from tests.integration.web.web_fixtures import Client
from tests.ledger_checks import MoneyWorld, add_member, post_dues
from web.pages.staff.money import contributions

money_pages = money_fixtures.money_pages


async def _arrears_audited(db: AsyncSession) -> int:
    await db.rollback()
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "member.arrears")
    return int(await db.scalar(query) or 0)


async def test_the_first_households_in_arrears_are_those_of_the_full_list(
    db: AsyncSession, close_world: MoneyWorld
) -> None:
    caisse = await db.get(Caisse, close_world.caisse_id)
    assert caisse is not None
    cid = close_world.caisse_id
    ids = {code: (await add_member(db, cid, code)).id for code in "ABCDEFGHI"}
    await post_dues(db, cid, "2026-01", {ids["A"]: 1000, ids["B"]: 500, ids["D"]: 1000})
    await post_dues(db, cid, "2026-02", {ids["A"]: 1000, ids["D"]: 1000, ids["E"]: 1000, ids["G"]: 1000})
    await post_dues(db, cid, "2026-02", {ids["E"]: -1000})  # February's due reversed
    await post_dues(db, cid, "2026-03", {ids["A"]: 1000, ids["C"]: 2000, ids["E"]: 300})
    for code, cents in (("A", 1500), ("D", 2000), ("F", 500)):
        await record_contribution_payment(
            db, caisse, member=ids[code], amount_cents=cents, method="transfer", received_on=date(2026, 3, 5)
        )
    # H and I owe without any month due (a due booked without its month): after every month, I first.
    receivables = await member_account_ids(db, cid, AccountKind.RECEIVABLE, [ids["H"], ids["I"]])
    contributions_account = await caisse_account_id(db, cid, AccountKind.CONTRIBUTIONS)
    for code, cents in (("H", 400), ("I", 900)):
        await post_entry(
            db, caisse_id=cid, kind=EntryKind.CONTRIBUTION_DUE, occurred_on=date(2026, 3, 6),
            lines=[Line(receivables[ids[code]], cents), Line(contributions_account, -cents)],
        )  # fmt: skip
    await db.commit()

    full = oldest_first(await list_arrears(db, cid, actor=None))
    assert [a.member_code for a in full] == ["B", "A", "G", "C", "E", "I", "H"]
    assert (
        full[1].months == ["2026-02", "2026-03"] and full[3].months == ["2026-03"] and full[-1].months == []
    )
    for limit in range(1, len(full) + 2):
        before = await _arrears_audited(db)
        shown = await arrears_page(db, cid, actor=None, limit=limit)
        await db.commit()
        assert shown.households == full[:limit]
        assert (shown.count, shown.owed_cents) == (len(full), sum(a.owed_cents for a in full))
        assert await _arrears_audited(db) == before + min(limit, len(full))


async def test_a_view_of_the_page_audits_only_the_households_it_shows(
    client: Client, db: AsyncSession, money_pages: PayoutWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contributions, "ARREARS_SHOWN", 1)
    before = await _arrears_audited(db)
    page = await client.get(f"{GESTION}/cotisations?mois=2026-03", headers=money_pages.headers["staff"])
    assert page.status_code == 200
    assert "2 foyers doivent 100,00\u00a0€ en tout." in page.text
    assert "Seuls les 1 premiers sont affichés" in page.text
    assert await _arrears_audited(db) == before + 1


async def test_a_months_dues_and_payments_household_by_household(
    db: AsyncSession, close_world: MoneyWorld
) -> None:
    caisse = await db.get(Caisse, close_world.caisse_id)
    assert caisse is not None
    cid = close_world.caisse_id
    ids = {code: (await add_member(db, cid, f"M-{code}")).id for code in "ABCDE"}
    await post_dues(db, cid, "2026-03", {ids["A"]: 3000, ids["B"]: 2000, ids["C"]: 1000, ids["D"]: 500})
    await post_dues(db, cid, "2026-03", {ids["D"]: -500})  # D's due reversed
    paid = {}
    for code, cents, day in (
        ("A", 3000, date(2026, 3, 5)),
        ("B", 500, date(2026, 2, 20)),  # in February: not March's
        ("B", 1000, date(2026, 3, 10)),
        ("C", 1000, date(2026, 3, 12)),
        ("E", 700, date(2026, 3, 15)),  # paid in advance, nothing due
    ):
        paid[code] = await record_contribution_payment(
            db, caisse, member=ids[code], amount_cents=cents, method="transfer", received_on=day
        )
    # C's payment refunded in April: a reversal without a period, counted in April.
    await reverse_entry(
        db, caisse_id=cid, entry_id=paid["C"].record.entry_id, occurred_on=date(2026, 4, 2), memo="refund"
    )
    await db.commit()

    async def contributions_audited() -> int:
        await db.rollback()
        query = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "member.contributions")
        )
        return int(await db.scalar(query) or 0)

    pages = []
    for offset in (0, 2, 4):
        before = await contributions_audited()
        pages.append(await month_dues(db, cid, "2026-03", actor=None, limit=2, offset=offset))
        await db.commit()
        assert await contributions_audited() == before + len(pages[-1].households)  # one per household shown
    assert {(p.total, p.due_cents, p.paid_cents) for p in pages} == {(5, 6000, 5700)}
    rows = {h.member_code: (h.due_cents, h.paid_cents, h.balance_cents) for p in pages for h in p.households}
    assert rows == {
        "M-A": (3000, 3000, 0),
        "M-B": (2000, 1000, 500),
        "M-C": (1000, 1000, 1000),  # refunded since, so owed again
        "M-D": (0, 0, 0),
        "M-E": (0, 700, -700),
    }
    assert sum(d for d, _p, _b in rows.values()) == 6000 and sum(p for _d, p, _b in rows.values()) == 5700
    april = await month_dues(db, cid, "2026-04", actor=None)
    assert [(h.member_code, h.paid_cents) for h in april.households] == [("M-C", -1000)]
