"""Member codes `<PREFIX>-000001`, sequential per caisse, safe under concurrent creation."""

from __future__ import annotations

from sqlalchemy import func, select
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


def normalise_code(code: str) -> str:
    """A member code as people may type it, as stored: trimmed, upper case.

    >>> normalise_code(" ly-000042 ")
    'LY-000042'
    """
    return code.strip().upper()


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
