"""Unspent credit carries over or expires at the close, oldest credit first, before the new allocation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ledger import AccountKind, EntryKind, JournalEntry, balances_by_kind
from caisse.members.models import Member, MemberStatus

from .helpers import Household, add_households, close, new_caisse, spend, wallet


async def test_credit_carries_over_without_a_lifetime(db: AsyncSession) -> None:
    caisse = await new_caisse(db, credit_lifetime_months=None)
    (member,) = await add_households(db, caisse, [Household()])
    await close(db, caisse, "2027-01")
    await spend(db, caisse.id, member, 1000, date(2027, 1, 20))

    february = await close(db, caisse, "2027-02")

    assert february.expired_cents == 0
    assert await wallet(db, caisse.id, member) == 4000 + 5000


async def test_lifetime_of_one_month_expires_last_months_leftovers(db: AsyncSession) -> None:
    caisse = await new_caisse(db, credit_lifetime_months=1)
    spender, saver = await add_households(db, caisse, [Household(), Household()])
    await close(db, caisse, "2027-01")
    await spend(db, caisse.id, spender, 2000, date(2027, 1, 20))

    february = await close(db, caisse, "2027-02")

    assert february.expired_cents == 3000 + 5000
    assert (await wallet(db, caisse.id, spender), await wallet(db, caisse.id, saver)) == (5000, 5000)
    expiry = await db.scalar(
        select(JournalEntry).where(JournalEntry.caisse_id == caisse.id, JournalEntry.kind == EntryKind.EXPIRY)
    )
    assert expiry is not None and (expiry.period, expiry.occurred_on) == ("2027-02", date(2027, 2, 1))
    expired_account = await balances_by_kind(db, caisse.id, AccountKind.EXPIRED_CREDIT)
    assert list(expired_account.values()) == [-8000]  # credit-normal: 80 € of income


async def test_lifetime_of_two_months_expires_oldest_credit_first(db: AsyncSession) -> None:
    caisse = await new_caisse(db, credit_lifetime_months=2)
    spender, saver = await add_households(db, caisse, [Household(), Household()])
    await close(db, caisse, "2027-01")

    february = await close(db, caisse, "2027-02")
    assert february.expired_cents == 0  # January's credit lives through February
    assert await wallet(db, caisse.id, saver) == 10000

    await spend(db, caisse.id, spender, 3000, date(2027, 2, 15))  # spends January's credit first
    march = await close(db, caisse, "2027-03")
    # spender: 70 € held, 50 € of it from February → 20 € of January's expire; saver: 50 € of January.
    assert march.expired_cents == 2000 + 5000
    assert (await wallet(db, caisse.id, spender), await wallet(db, caisse.id, saver)) == (10000, 10000)

    await spend(db, caisse.id, spender, 8000, date(2027, 3, 20))  # February's 50 €, then 30 € of March's
    april = await close(db, caisse, "2027-04")
    assert april.expired_cents == 5000  # the saver's February credit; the spender keeps March's 20 €
    assert (await wallet(db, caisse.id, spender), await wallet(db, caisse.id, saver)) == (7000, 10000)


async def test_credit_of_a_household_that_left_expires_at_the_next_close(db: AsyncSession) -> None:
    caisse = await new_caisse(db, credit_lifetime_months=None)
    staying, leaving = await add_households(db, caisse, [Household(), Household()])
    await close(db, caisse, "2027-01")
    await spend(db, caisse.id, leaving, 1500, date(2027, 1, 20))
    await db.execute(
        update(Member).where(Member.id == leaving).values(status=MemberStatus.LEFT, left_on=date(2027, 2, 10))
    )
    await db.commit()

    february = await close(db, caisse, "2027-02")
    march = await close(db, caisse, "2027-03")

    assert (february.households, february.expired_cents) == (1, 3500)
    assert march.expired_cents == 0
    assert (await wallet(db, caisse.id, leaving), await wallet(db, caisse.id, staying)) == (0, 15000)
