"""`verify_ledger` and `caisse ledger verify`: healthy books pass, each kind of broken data is named."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse, RuleSet
from caisse.cycle.models import PeriodClose
from caisse.db import append_only
from caisse.ledger import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount, Line, post_entry
from caisse.ledger.accounts import caisse_account_id, member_account_ids
from caisse.ledger.corrections import correct_by_reversal
from caisse.ledger.verify import verify_ledger
from caisse.money import (
    create_subsidy_source,
    record_contribution_payment,
    record_opening_reserve,
    record_operating_cost,
    record_subsidy,
)
from caisse.money.models import ContributionPayment
from caisse.settings import Settings
from tests.ledger_checks import (
    MoneyWorld,
    add_member,
    assert_ledger_ok,
    build_money_world,
    invoke_cli,
    post_allocations,
    post_dues,
    post_expiry,
)

TODAY = date(2026, 11, 23)


async def _caisse(db: AsyncSession, mw: MoneyWorld) -> Caisse:
    found = await db.get(Caisse, mw.caisse_id)
    assert found is not None
    return found


async def _codes(db: AsyncSession, caisse_id: int | None = None) -> set[str]:
    return {p.code for p in (await verify_ledger(db, caisse_id)).problems}


async def _a_payment(db: AsyncSession, mw: MoneyWorld, cents: int = 3000) -> int:
    caisse = await _caisse(db, mw)
    result = await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=cents,
        method="transfer",
        received_on=date(2026, 3, 5),
        today=TODAY,
    )
    await db.commit()
    return result.record.entry_id


async def test_new_caisses_have_healthy_books(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    report = await verify_ledger(db)
    assert report.ok and report.problems == []
    assert report.caisses == 2
    assert (await verify_ledger(db, money_caisse.caisse_id)).caisses == 1


async def test_every_kind_of_posting_leaves_the_ledger_healthy(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    mw = money_caisse
    caisse = await _caisse(db, mw)
    sa1, sa2 = mw.members["SA-1"], mw.members["SA-2"]
    await post_dues(db, mw.caisse_id, "2026-01", {sa1: 3000, sa2: 5000})
    await post_allocations(db, mw.caisse_id, "2026-01", {sa1: 10000, sa2: 10000})
    await post_expiry(db, mw.caisse_id, "2026-01", {sa1: 2500})
    await assert_ledger_ok(db)
    payment = await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=3000,
        method="cash",
        received_on=date(2026, 1, 10),
        today=TODAY,
    )
    await assert_ledger_ok(db)
    source = await create_subsidy_source(db, caisse, name="Ville", kind="city")
    await record_subsidy(
        db, caisse, source=source.id, amount_cents=50000, received_on=date(2026, 1, 2), today=TODAY
    )
    await record_operating_cost(
        db, caisse, category="loyer", amount_cents=8000, paid_on=date(2026, 1, 31), today=TODAY
    )
    await record_opening_reserve(db, caisse, amount_cents=100000, received_on=date(2026, 1, 1), today=TODAY)
    await assert_ledger_ok(db)
    await correct_by_reversal(
        db,
        caisse_id=mw.caisse_id,
        entry_id=payment.record.entry_id,
        reason="cheque refused",
        occurred_on=date(2026, 2, 1),
        today=TODAY,
    )
    await db.commit()
    await assert_ledger_ok(db)
    await assert_ledger_ok(db, mw.caisse_id)


async def test_unbalanced_line_inserted_with_sql_is_named(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    entry_id = await _a_payment(db, money_caisse)
    fund = await caisse_account_id(db, money_caisse.caisse_id, AccountKind.FUND)
    # INSERT is allowed (append-only refuses only UPDATE and DELETE): a script could do this.
    await db.execute(
        text("INSERT INTO journal_line (entry_id, account_id, amount_cents) VALUES (:e, :a, 5)"),
        {"e": entry_id, "a": fund},
    )
    await db.commit()
    report = await verify_ledger(db, money_caisse.caisse_id)
    assert not report.ok
    codes = {p.code for p in report.problems}
    assert {"entry_unbalanced", "caisse_unbalanced"} <= codes
    # Money record vs entry: the fund moved 3005 for a payment of 3000.
    assert "contribution_paid_record_mismatch" in codes
    unbalanced = next(p for p in report.problems if p.code == "entry_unbalanced")
    assert unbalanced.entry_id == entry_id and "5 cents" in unbalanced.message


async def test_cli_verify_exits_0_when_healthy_and_1_naming_the_broken_invariant(
    db: AsyncSession, settings: Settings, money_caisse: MoneyWorld
) -> None:
    entry_id = await _a_payment(db, money_caisse)
    healthy = await invoke_cli(settings, "ledger", "verify")
    assert healthy.exit_code == 0, healthy.output
    entries = await db.scalar(select(func.count()).select_from(JournalEntry))
    lines = await db.scalar(select(func.count()).select_from(JournalLine))
    assert healthy.output.strip() == f"ledger OK: {entries} entries, {lines} lines, 2 caisses"

    fund = await caisse_account_id(db, money_caisse.caisse_id, AccountKind.FUND)
    await db.execute(
        text("INSERT INTO journal_line (entry_id, account_id, amount_cents) VALUES (:e, :a, -7)"),
        {"e": entry_id, "a": fund},
    )
    await db.commit()
    broken = await invoke_cli(settings, "ledger", "verify", "--caisse", "ssa")
    assert broken.exit_code == 1
    lines_out = broken.output.splitlines()
    assert any(line.startswith("entry_unbalanced: ") and f"entry {entry_id}" in line for line in lines_out)
    assert any(line.startswith("caisse_unbalanced: ") for line in lines_out)

    as_json = await invoke_cli(settings, "ledger", "verify", "--json")
    assert as_json.exit_code == 1
    body = json.loads(as_json.stdout)
    assert body["ok"] is False and "entry_unbalanced" in {p["code"] for p in body["problems"]}

    unknown = await invoke_cli(settings, "ledger", "verify", "--caisse", "nope")
    assert unknown.exit_code == 1 and "nope" in unknown.output


async def test_entry_with_a_single_line_is_named(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    fund = await caisse_account_id(db, money_caisse.caisse_id, AccountKind.FUND)
    entry_id = (
        await db.execute(
            insert(JournalEntry)
            .values(
                caisse_id=money_caisse.caisse_id,
                kind=EntryKind.OPENING,
                occurred_on=date(2026, 1, 1),
                memo="",
            )
            .returning(JournalEntry.id)
        )
    ).scalar_one()
    await db.execute(insert(JournalLine).values(entry_id=entry_id, account_id=fund, amount_cents=0))
    await db.commit()
    assert "entry_too_few_lines" in await _codes(db)


async def test_line_on_another_caisses_account_is_named(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    mine = await caisse_account_id(db, money_caisse.caisse_id, AccountKind.FUND)
    theirs = await caisse_account_id(db, money_caisse.other_caisse_id, AccountKind.OPENING)
    await post_entry(
        db,
        caisse_id=money_caisse.caisse_id,
        kind=EntryKind.OPENING,
        occurred_on=date(2026, 1, 1),
        lines=[Line(mine, 100), Line(theirs, -100)],
    )
    await db.commit()
    report = await verify_ledger(db)
    problem = next(p for p in report.problems if p.code == "line_in_other_caisse")
    assert problem.account_id == theirs
    assert "caisse_unbalanced" in {p.code for p in report.problems}


async def test_wallet_spending_credit_never_granted_is_named(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    await post_expiry(db, money_caisse.caisse_id, "2026-01", {money_caisse.members["SA-1"]: 500})
    await db.commit()
    report = await verify_ledger(db, money_caisse.caisse_id)
    problem = next(p for p in report.problems if p.code == "wallet_negative")
    assert "-500" in problem.message or "500" in problem.message


async def test_reversal_not_mirroring_its_entry_is_named(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    entry_id = await _a_payment(db, money_caisse, cents=3000)
    fund = await caisse_account_id(db, money_caisse.caisse_id, AccountKind.FUND)
    receivable = (
        await member_account_ids(
            db, money_caisse.caisse_id, AccountKind.RECEIVABLE, [money_caisse.members["SA-1"]]
        )
    )[money_caisse.members["SA-1"]]
    # Balanced, but it takes back 2000 where the payment was 3000.
    await post_entry(
        db,
        caisse_id=money_caisse.caisse_id,
        kind=EntryKind.REVERSAL,
        occurred_on=date(2026, 3, 6),
        lines=[Line(fund, -2000), Line(receivable, 2000)],
        reverses_entry_id=entry_id,
    )
    await db.commit()
    assert await _codes(db) == {"reversal_mismatch"}


async def test_reversal_of_another_caisses_entry_is_named(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    entry_id = await _a_payment(db, money_caisse)
    fund = await caisse_account_id(db, money_caisse.other_caisse_id, AccountKind.FUND)
    opening = await caisse_account_id(db, money_caisse.other_caisse_id, AccountKind.OPENING)
    await post_entry(
        db,
        caisse_id=money_caisse.other_caisse_id,
        kind=EntryKind.REVERSAL,
        occurred_on=date(2026, 3, 6),
        lines=[Line(fund, -3000), Line(opening, 3000)],
        reverses_entry_id=entry_id,
    )
    await db.commit()
    assert "reversal_invalid" in await _codes(db)


async def test_payment_record_disagreeing_with_its_entry_is_named(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    mw = money_caisse
    fund = await caisse_account_id(db, mw.caisse_id, AccountKind.FUND)
    receivable = (await member_account_ids(db, mw.caisse_id, AccountKind.RECEIVABLE, [mw.members["SA-2"]]))[
        mw.members["SA-2"]
    ]
    posted = await post_entry(
        db,
        caisse_id=mw.caisse_id,
        kind=EntryKind.CONTRIBUTION_PAID,
        occurred_on=date(2026, 2, 1),
        lines=[Line(fund, 1000), Line(receivable, -1000)],
    )
    assert "money_record_missing" in await _codes(db)
    db.add(
        ContributionPayment(
            caisse_id=mw.caisse_id,
            member_id=mw.members["SA-2"],
            amount_cents=900,
            method="cash",
            received_on=date(2026, 2, 1),
            entry_id=posted.entry.id,
        )
    )
    await db.commit()
    assert await _codes(db) == {"contribution_paid_record_mismatch"}


async def test_closed_month_totals_must_match_its_entries(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    mw = money_caisse
    sa1, sa2 = mw.members["SA-1"], mw.members["SA-2"]
    await post_dues(db, mw.caisse_id, "2026-01", {sa1: 3000, sa2: 5000})
    await post_allocations(db, mw.caisse_id, "2026-01", {sa1: 10000, sa2: 10000})
    rule_set_id = await db.scalar(select(RuleSet.id).where(RuleSet.caisse_id == mw.caisse_id))
    close = PeriodClose(
        caisse_id=mw.caisse_id,
        month="2026-01",
        rule_set_id=rule_set_id,
        households=2,
        contributions_due_cents=8000,
        allocations_cents=20000,
        withheld_cents=0,
        expired_cents=0,
    )
    db.add(close)
    await db.commit()
    await assert_ledger_ok(db)
    close.allocations_cents = 19999
    await db.commit()
    report = await verify_ledger(db)
    assert [p.code for p in report.problems] == ["period_close_mismatch"]
    assert "allocations_cents = 19999" in report.problems[0].message


async def test_member_account_in_the_wrong_caisse_is_named(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    stranger = await add_member(db, money_caisse.other_caisse_id, "O-9")
    db.add(
        LedgerAccount(
            caisse_id=money_caisse.caisse_id,
            kind=AccountKind.WALLET,
            code=f"wallet:{stranger.id}",
            name="stray",
            member_id=stranger.id,
        )
    )
    await db.commit()
    assert "member_account_mismatch" in await _codes(db, money_caisse.caisse_id)


async def test_missing_append_only_trigger_is_named(
    db: AsyncSession, backend: str, money_caisse: MoneyWorld
) -> None:
    if backend == "sqlite":
        await db.execute(text("DROP TRIGGER journal_line_append_only_update"))
    else:
        await db.execute(text("DROP TRIGGER journal_line_append_only ON journal_line"))
    report = await verify_ledger(db)
    assert [(p.code, "journal_line" in p.message) for p in report.problems] == [("triggers_missing", True)]
    # PostgreSQL DDL is transactional (the rollback restores the trigger); SQLite's driver
    # commits DDL at once, so the trigger is installed again.
    await db.rollback()
    if backend == "sqlite":
        for statement in append_only.install_statements("sqlite"):
            await db.execute(text(statement))
        await db.commit()
    await assert_ledger_ok(db)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_line SET amount_cents = amount_cents + 1",
        "DELETE FROM journal_line",
        "UPDATE journal_entry SET memo = 'rewritten'",
        "DELETE FROM journal_entry",
    ],
)
async def test_triggers_refuse_rewriting_history(
    db: AsyncSession, money_caisse: MoneyWorld, statement: str
) -> None:
    await _a_payment(db, money_caisse)
    with pytest.raises(DBAPIError, match="append-only"):
        await db.execute(text(statement))
    await db.rollback()
    await assert_ledger_ok(db)


@pytest.mark.parametrize("credit_requires_payment", [False, True])
async def test_books_stay_healthy_through_real_closes_and_payments(
    db: AsyncSession, credit_requires_payment: bool
) -> None:
    from caisse.cycle.close import close_month

    mw = await build_money_world(db, credit_requires_payment=credit_requires_payment)
    caisse = await _caisse(db, mw)
    for month, paid_on in (("2026-01", date(2026, 1, 20)), ("2026-02", date(2026, 2, 20))):
        result = await close_month(db, caisse, month, today=TODAY)
        await db.commit()
        await assert_ledger_ok(db)
        due = result.contributions_due_cents // result.households
        caisse = await _caisse(db, mw)
        await record_contribution_payment(
            db, caisse, member="SA-1", amount_cents=due + 100, method="cash", received_on=paid_on, today=TODAY
        )
        await db.commit()
        await assert_ledger_ok(db)
    close = await db.scalar(select(PeriodClose).where(PeriodClose.month == "2026-02"))
    assert close is not None
    assert (close.withheld_cents > 0) is credit_requires_payment
