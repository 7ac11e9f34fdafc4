"""What a secret ballot stores: nothing that links a voter to a choice.

The same ballot is run twice by the same voters voting in the same order, with their choices
permuted (every voter chooses differently the second time). Every column of every ballot table —
and on PostgreSQL the xmin system column, on SQLite the rowid — is read back: apart from the ballot's
own id and creation time and the random receipt hashes, the two databases hold exactly the same
values. So nothing stored tells what any voter chose.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.ballots.models import Ballot, BallotReceipt, BallotTally, BallotVoter
from caisse.caisses.models import Caisse
from caisse.db.models import Base
from tests.integration.ballots.ballot_helpers import Voter, close, open_ballot, seat_committee, vote_all

FIRST = ["for", "for", "against", "abstain"]
PERMUTED = ["abstain", "against", "for", "for"]  # the same votes, every voter's choice changed


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


async def _system_columns(db: AsyncSession, backend: str, ballot_id: int) -> dict[str, Any]:
    """PostgreSQL: which rows share a transaction id (xmin), per voter. SQLite: rowid order."""
    if backend == "postgresql":
        params = {"b": ballot_id}
        voters = (
            await db.execute(
                text("SELECT user_id, xmin::text AS x FROM ballot_voter WHERE ballot_id = :b"), params
            )
        ).all()
        tally = await db.scalar(text("SELECT xmin::text FROM ballot_tally WHERE ballot_id = :b"), params)
        receipts = list(
            await db.scalars(text("SELECT xmin::text FROM ballot_receipt WHERE ballot_id = :b"), params)
        )
        return {
            user_id: {"shares_with_tally": x == tally, "receipts_in_same_transaction": receipts.count(x)}
            for user_id, x in voters
        }
    voters = (
        await db.execute(
            text("SELECT rowid, user_id FROM ballot_voter WHERE ballot_id = :b"), {"b": ballot_id}
        )
    ).all()
    ranked = sorted(voters)
    return {user_id: ranked.index((rowid, user_id)) for rowid, user_id in voters}


async def _dump(db: AsyncSession, backend: str, ballot_id: int) -> dict[str, Any]:
    ballot = _rows(await db.execute(select(Ballot.__table__).where(Ballot.id == ballot_id)))[0]
    voters = _rows(await db.execute(select(BallotVoter.__table__).where(BallotVoter.ballot_id == ballot_id)))
    tally = _rows(await db.execute(select(BallotTally.__table__).where(BallotTally.ballot_id == ballot_id)))
    receipts = _rows(
        await db.execute(select(BallotReceipt.__table__).where(BallotReceipt.ballot_id == ballot_id))
    )
    return {
        "ballot": {k: v for k, v in ballot.items() if k not in ("id", "created_at")},
        "voters": sorted(
            ({k: v for k, v in r.items() if k != "ballot_id"} for r in voters), key=lambda r: r["user_id"]
        ),
        "tally": [{k: v for k, v in r.items() if k != "ballot_id"} for r in tally],
        # The hashes are random: only their number and shape can be compared.
        "receipts": sorted(
            (len(r["receipt_hash"]), set(r) == {"receipt_hash", "ballot_id"}) for r in receipts
        ),
        "system": await _system_columns(db, backend, ballot_id),
    }


async def _row_counts(db: AsyncSession) -> dict[str, int]:
    return {
        table.name: int(await db.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


async def _run(db: AsyncSession, caisse: Caisse, voters: list[Voter], choices: list[str]) -> int:
    ballot = await open_ballot(db, caisse, title="Même question", quorum_percent=50)
    await vote_all(db, caisse, ballot.id, voters, choices)
    await close(db, caisse, ballot.id)
    return ballot.id


async def test_permuted_choices_leave_the_same_stored_values(
    db: AsyncSession, test_caisse: Caisse, backend: str
) -> None:
    voters = await seat_committee(db, test_caisse.id, 4)
    first = await _dump(db, backend, await _run(db, test_caisse, voters, FIRST))
    second = await _dump(db, backend, await _run(db, test_caisse, voters, PERMUTED))
    assert first == second
    assert first["tally"] == [{"for_count": 2, "against_count": 1, "abstain_count": 1}]
    assert all(v["has_voted"] and not v["recused"] for v in first["voters"])
    if backend == "postgresql":
        # xmin ties each voter's roll line to their receipt (which holds no choice) and the last
        # voter to the tally row (whose final counts do not say what that vote was): the same
        # links whatever was chosen, as the equality above shows.
        links = list(first["system"].values())
        assert all(link["receipts_in_same_transaction"] == 1 for link in links)
        assert sum(link["shares_with_tally"] for link in links) == 1


def test_the_roll_tally_and_receipt_tables_hold_only_their_documented_columns() -> None:
    assert [c.name for c in BallotVoter.__table__.columns] == ["ballot_id", "user_id", "recused", "has_voted"]
    assert [c.name for c in BallotTally.__table__.columns] == [
        "ballot_id", "for_count", "against_count", "abstain_count",
    ]  # fmt: skip
    assert [c.name for c in BallotReceipt.__table__.columns] == ["receipt_hash", "ballot_id"]
    assert BallotReceipt.__table__.dialect_options["sqlite"]["with_rowid"] is False
    ballot_tables = [t for t in Base.metadata.sorted_tables if t.name.startswith("ballot")]
    assert sorted(t.name for t in ballot_tables) == [
        "ballot",
        "ballot_receipt",
        "ballot_tally",
        "ballot_voter",
    ]
    assert [c.name for t in ballot_tables for c in t.columns if "choice" in c.name] == []


async def test_a_vote_writes_nothing_outside_the_three_ballot_tables_and_no_audit_event(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 3)
    ballot = await open_ballot(db, test_caisse)
    before = await _row_counts(db)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "against", "abstain"])
    after = await _row_counts(db)
    assert {name for name in after if after[name] != before[name]} == {"ballot_receipt"}
    details = list(await db.scalars(select(AuditEvent.detail)))
    actions = list(await db.scalars(select(AuditEvent.action)))
    assert not [a for a in actions if a.startswith("ballot")]
    assert not [d for d in details if any(word in d for word in ('"for"', "against", "abstain"))]


async def test_on_sqlite_receipts_have_no_rowid_and_are_stored_in_hash_order(
    db: AsyncSession, test_caisse: Caisse, backend: str
) -> None:
    if backend != "sqlite":
        return
    voters = await seat_committee(db, test_caisse.id, 6)
    ballot = await open_ballot(db, test_caisse)
    await vote_all(db, test_caisse, ballot.id, voters, ["for"] * 6)
    stored = list(await db.scalars(text("SELECT receipt_hash FROM ballot_receipt")))
    assert stored == sorted(stored)
    try:
        await db.execute(text("SELECT rowid FROM ballot_receipt"))
    except OperationalError as exc:
        assert "no such column: rowid" in str(exc)
    else:
        raise AssertionError("ballot_receipt must be a WITHOUT ROWID table")
