"""A close that fails half-way leaves nothing: no entry, no closed month, no withheld row."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.cycle import close as close_module
from caisse.cycle.close import close_month
from caisse.cycle.models import WithheldAllocation
from caisse.ledger import EntryKind

from .helpers import (
    Household,
    add_households,
    close,
    closed_months,
    entry_count,
    new_caisse,
    rollback,
    wallet,
)


class InjectedFailure(RuntimeError):
    pass


@pytest.fixture
def failing_allocation_posting(monkeypatch: pytest.MonkeyPatch) -> list[EntryKind]:
    """Make the allocation posting raise, after the expiry and the contributions were posted."""
    posted: list[EntryKind] = []
    original = close_module.post_compound

    async def post_compound(session: AsyncSession, **kwargs: Any) -> Any:
        if kwargs["kind"] is EntryKind.ALLOCATION:
            raise InjectedFailure("the allocation posting broke")
        entry = await original(session, **kwargs)
        if entry is not None:
            posted.append(kwargs["kind"])
        return entry

    monkeypatch.setattr(close_module, "post_compound", post_compound)
    return posted


async def test_failure_after_contributions_were_posted_leaves_nothing(
    db: AsyncSession, failing_allocation_posting: list[EntryKind]
) -> None:
    caisse = await new_caisse(db, credit_lifetime_months=1, credit_requires_payment=True)
    await add_households(db, caisse, [Household()])

    with pytest.raises(InjectedFailure):
        await close_month(db, caisse, "2027-01", allow_future=True)
    assert failing_allocation_posting == [EntryKind.CONTRIBUTION_DUE]  # it did get half-way
    await rollback(db, caisse)

    assert await entry_count(db, caisse.id) == 0
    assert await closed_months(db, caisse.id) == []
    assert await db.scalar(select(func.count()).select_from(WithheldAllocation)) == 0


async def test_caller_that_commits_after_a_failed_close_saves_nothing_of_it(
    db: AsyncSession, failing_allocation_posting: list[EntryKind]
) -> None:
    # The close runs in a savepoint: the caller's own work survives, the close's does not.
    caisse = await new_caisse(db)
    await add_households(db, caisse, [Household()])

    with pytest.raises(InjectedFailure):
        await close_month(db, caisse, "2027-01", allow_future=True)
    await db.commit()

    assert await entry_count(db, caisse.id) == 0
    assert await closed_months(db, caisse.id) == []


async def test_month_closes_normally_once_the_failure_is_gone(
    db: AsyncSession, monkeypatch: pytest.MonkeyPatch, failing_allocation_posting: list[EntryKind]
) -> None:
    caisse = await new_caisse(db)
    (member,) = await add_households(db, caisse, [Household()])
    with pytest.raises(InjectedFailure):
        await close_month(db, caisse, "2027-01", allow_future=True)
    await rollback(db, caisse)
    monkeypatch.undo()

    result = await close(db, caisse, "2027-01")

    assert (result.already_closed, result.households) == (False, 1)
    assert await wallet(db, caisse.id, member) == 5000
