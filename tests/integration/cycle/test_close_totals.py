"""A month's close bills each household with the rules in force, in integer cents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse import rules
from caisse.caisses.service import create_caisse
from caisse.ledger import EntryKind, JournalEntry

from .helpers import Household, add_households, close, entry_count, new_caisse, owed, wallet


async def test_ariege_month_totals_match_hand_computed_values(db: AsyncSession) -> None:
    # Ariège: 2.5 % of household income, floor 10 €; 50 € per household.
    caisse = await new_caisse(db, preset="ariege-ccampa")
    incomes = [1800.0, 200.0, 1234.56, 0.0, 3000.0]
    ids = await add_households(db, caisse, [Household(income_eur=i) for i in incomes])

    result = await close(db, caisse, "2027-01")

    # 45.00 + 10.00 (floor) + 30.86 (30.864 rounded) + 10.00 (floor) + 75.00
    assert result.households == 5
    assert result.contributions_due_cents == 4500 + 1000 + 3086 + 1000 + 7500
    assert result.allocations_cents == 5 * 5000
    assert (result.withheld_cents, result.expired_cents, result.already_closed) == (0, 0, False)
    assert (result.preset, result.rule_set_effective_from) == ("ariege-ccampa", "2027-01")
    assert [await owed(db, caisse.id, m) for m in ids] == [4500, 1000, 3086, 1000, 7500]
    assert [await wallet(db, caisse.id, m) for m in ids] == [5000] * 5


async def test_per_person_month_totals_match_hand_computed_values(db: AsyncSession) -> None:
    # National proposal: 10 % of household income; 150 € per person.
    caisse = await new_caisse(db, preset="national-150")
    ids = await add_households(
        db,
        caisse,
        [
            Household(income_eur=2500.0, adults=2, children_under_14=1),
            Household(income_eur=900.0),
            Household(income_eur=3210.55, adults=2, others_14_plus=2),
        ],
    )

    result = await close(db, caisse, "2027-01")

    assert result.households == 3
    assert result.contributions_due_cents == 25000 + 9000 + 32106  # 321.055 rounds half up
    assert result.allocations_cents == 45000 + 15000 + 60000
    assert [await wallet(db, caisse.id, m) for m in ids] == [45000, 15000, 60000]


async def test_chosen_contribution_is_billed_and_missing_choice_gets_the_grid(db: AsyncSession) -> None:
    scheme = rules.SelfDeterminedScheme(
        minimum=10.0, maximum=200.0, step=1.0, suggestion=rules.ProportionalScheme(rate=0.02, step=1.0)
    )
    rule_set = rules.RuleSet(
        "2027-01", scheme, rules.PerHouseholdAllocation(base=150.0, per_extra_person=75.0)
    )
    caisse = await create_caisse(db, slug="choix", name="Choix", first_month="2027-01", rule_set=rule_set)
    await db.commit()
    ids = await add_households(
        db,
        caisse,
        [
            Household(income_eur=2000.0, chosen_eur=55.0),
            Household(income_eur=2000.0, adults=2, children_under_14=1),
        ],
    )

    result = await close(db, caisse, "2027-01")

    assert [await owed(db, caisse.id, m) for m in ids] == [5500, 4000]  # chosen; 2 % of 2000 €
    assert result.allocations_cents == 15000 + 30000
    assert result.preset is None


async def test_close_books_one_entry_per_kind_dated_the_first_of_the_month(db: AsyncSession) -> None:
    caisse = await new_caisse(db)
    await add_households(db, caisse, [Household()] * 3)

    await close(db, caisse, "2027-01")

    entries = (await db.scalars(select(JournalEntry).where(JournalEntry.caisse_id == caisse.id))).all()
    assert sorted(e.kind for e in entries) == sorted([EntryKind.CONTRIBUTION_DUE, EntryKind.ALLOCATION])
    assert {(e.period, e.occurred_on.isoformat()) for e in entries} == {("2027-01", "2027-01-01")}
    assert await entry_count(db, caisse.id) == 2


async def test_month_with_no_household_closes_with_zero_totals(db: AsyncSession) -> None:
    caisse = await new_caisse(db)

    result = await close(db, caisse, "2027-01")

    assert (result.households, result.contributions_due_cents, result.allocations_cents) == (0, 0, 0)
    assert await entry_count(db, caisse.id) == 0


async def test_mutualist_caisse_shares_out_the_mean_of_the_months_contributions(db: AsyncSession) -> None:
    # Soli'Doume: 30/40/50/60/70 € by income per consumption unit; everyone gets the mean contribution.
    caisse = await new_caisse(db, preset="soli-doume")
    ids = await add_households(
        db,
        caisse,
        [
            Household(income_eur=900.0),  # 900 €/UC → 30 €
            Household(income_eur=1800.0, adults=2),  # 1 200 €/UC → 40 €
            Household(income_eur=2500.0),  # 2 500 €/UC → 70 €
        ],
    )

    result = await close(db, caisse, "2027-01")

    assert result.contributions_due_cents == 3000 + 4000 + 7000
    assert [await wallet(db, caisse.id, m) for m in ids] == [4667] * 3  # 46.666… € rounded half up
    assert result.allocations_cents == 3 * 4667
