"""Member codes `<PREFIX>-000001`, sequential per caisse, safe under concurrent creation."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.members.models import Member

DIGITS = 6


def member_code(prefix: str, number: int) -> str:
    """The code of the caisse's `number`-th household.

    >>> member_code("LY", 42)
    'LY-000042'
    """
    return f"{prefix}-{number:0{DIGITS}d}"


async def lock_caisse_members(session: AsyncSession, caisse_id: int) -> None:
    """Serialise member creation in one caisse until the transaction ends.

    PostgreSQL: a row lock on the caisse (SELECT ... FOR UPDATE). SQLite: a no-op write to the
    caisse, which takes the database's write lock now, before the codes and e-mails are read, so
    that two creations never read the same "last code" (the busy timeout makes the second wait).
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.execute(select(Caisse.id).where(Caisse.id == caisse_id).with_for_update())
    else:
        await session.execute(
            update(Caisse)
            .where(Caisse.id == caisse_id)
            .values(member_code_prefix=Caisse.member_code_prefix)
            .execution_options(synchronize_session=False)
        )


async def next_member_number(session: AsyncSession, caisse: Caisse) -> int:
    """The number after the caisse's highest code with its current prefix (1 for the first)."""
    prefix = f"{caisse.member_code_prefix}-"
    last = await session.scalar(
        select(Member.code)
        .where(Member.caisse_id == caisse.id, Member.code.like(f"{prefix}%"))
        # Longest first: past 999999 the codes grow a digit and text order alone would be wrong.
        .order_by(func.length(Member.code).desc(), Member.code.desc())
        .limit(1)
    )
    if last is None:
        return 1
    suffix = last[len(prefix) :]
    return int(suffix) + 1 if suffix.isdigit() else 1
