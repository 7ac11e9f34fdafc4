"""What every money record shares: a member or source looked up in the caisse, and an
idempotent posting whose retry returns the record first written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.errors import Conflict, NotFound
from caisse.ledger.models import EntryKind
from caisse.ledger.posting import Line, Posted, post_entry
from caisse.members.models import Member
from caisse.money.amounts import check_idempotency_key

T = TypeVar("T")


@dataclass(frozen=True)
class Recorded(Generic[T]):
    """A money record and whether this call wrote it (False: an idempotent retry found it)."""

    record: T
    created: bool


async def find_member(session: AsyncSession, caisse_id: int, member: int | str) -> Member:
    """A household of the caisse by id (int) or member code (str, e.g. 'T-000042')."""
    query = select(Member).where(Member.caisse_id == caisse_id)
    if isinstance(member, int) and not isinstance(member, bool):
        query = query.where(Member.id == member)
    else:
        query = query.where(Member.code == str(member).strip().upper())
    found = await session.scalar(query)
    if found is None:
        raise NotFound(f"No member {member} in this caisse.")
    return found


async def post_keyed(
    session: AsyncSession,
    *,
    caisse_id: int,
    kind: EntryKind,
    occurred_on: date,
    lines: Sequence[Line],
    memo: str,
    namespace: str,
    idempotency_key: str | None,
    created_by_user_id: int | None,
) -> Posted:
    """Post an entry under `<namespace>:<key>`, so a payment's key and a subsidy's never collide."""
    key = check_idempotency_key(idempotency_key)
    return await post_entry(
        session,
        caisse_id=caisse_id,
        kind=kind,
        occurred_on=occurred_on,
        lines=lines,
        memo=memo,
        idempotency_key=None if key is None else f"{namespace}:{key}",
        created_by_user_id=created_by_user_id,
    )


def same_or_conflict(existing: tuple[object, ...], asked: tuple[object, ...], what: str) -> None:
    """A retry must ask for the same thing; reusing a key for something else is a client bug."""
    if existing != asked:
        raise Conflict(
            f"This idempotency key already recorded a different {what}; use a new key for a new {what}."
        )


async def record_for_entry(session: AsyncSession, model: type[T], entry_id: int, what: str) -> T:
    entry_column: Any = model.entry_id  # type: ignore[attr-defined]
    found: T | None = await session.scalar(select(model).where(entry_column == entry_id))  # type: ignore[arg-type]
    if found is None:
        raise Conflict(f"This idempotency key was already used for something other than a {what}.")
    return found
