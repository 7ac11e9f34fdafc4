"""`caisse ballots list|show|close-due`: counts only once closed; close-due applies the results."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.models import Ballot
from caisse.caisses.models import Caisse
from caisse.outlets.conventioning import outlet_can_take_payments
from caisse.periods import caisse_today
from caisse.settings import Settings
from tests.integration.ballots.ballot_helpers import new_outlet, open_ballot, seat_committee, vote
from tests.ledger_checks import invoke_cli

TERM = (caisse_today() - timedelta(days=30), caisse_today() + timedelta(days=365))


async def _voted_ballot(db: AsyncSession, caisse: Caisse, **values: Any) -> int:
    """A ballot opened a minute ago by a committee of two, one of whom voted for."""
    voters = await seat_committee(db, caisse.id, 2, term=TERM)
    now = datetime.now(UTC) - timedelta(minutes=1)
    ballot = await open_ballot(db, caisse, now=now, opens_at=now, closes_at=now + timedelta(days=7), **values)
    await vote(db, caisse, ballot.id, voters[0], "for", now=now + timedelta(seconds=1))
    return ballot.id


async def test_list_and_show_give_participation_only_while_open(
    settings: Settings, db: AsyncSession, test_caisse: Caisse
) -> None:
    ballot_id = await _voted_ballot(db, test_caisse, title="Nouvelle grille")
    listed = await invoke_cli(settings, "ballots", "list", "--caisse", "test", "--json")
    assert listed.exit_code == 0, listed.output
    [item] = json.loads(listed.output)
    assert (item["id"], item["state"], item["result"]) == (ballot_id, "open", None)
    assert item["participation"] == {"voted": 1, "eligible": 2, "recused": 0}
    shown = await invoke_cli(settings, "ballots", "show", str(ballot_id), "--caisse", "test")
    assert shown.exit_code == 0, shown.output
    assert "1/2 voted" in shown.output and "for" not in shown.output.split("—")[-1]
    missing = await invoke_cli(settings, "ballots", "show", "999", "--caisse", "test")
    assert missing.exit_code == 1 and "No ballot 999" in missing.output


async def test_close_due_closes_ballots_whose_time_is_over_and_applies_them(
    settings: Settings, db: AsyncSession, test_caisse: Caisse
) -> None:
    outlet = await new_outlet(db, test_caisse)
    ballot_id = await _voted_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id, quorum_percent=50)
    nothing = await invoke_cli(settings, "ballots", "close-due")
    assert nothing.exit_code == 0 and "no ballot to close" in nothing.output
    # Its time runs out: move the closing time into the past, as the clock would.
    past = datetime.now(UTC) - timedelta(seconds=1)
    await db.execute(update(Ballot).where(Ballot.id == ballot_id).values(closes_at=past))
    await db.commit()
    closed = await invoke_cli(settings, "ballots", "close-due", "--json")
    assert closed.exit_code == 0, closed.output
    [item] = json.loads(closed.output)
    assert (item["id"], item["result"]["outcome"], item["result"]["for_count"]) == (ballot_id, "passed", 1)
    assert await outlet_can_take_payments(db, outlet.id, datetime.now(UTC).date())
    again = await invoke_cli(settings, "ballots", "close-due", "--caisse", "test")
    assert again.exit_code == 0 and "no ballot to close" in again.output
    listed = await invoke_cli(settings, "ballots", "list", "--state", "closed", "--caisse", "test")
    assert listed.exit_code == 0 and f"#{ballot_id} [closed] convene" in listed.output
