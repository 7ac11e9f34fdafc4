"""The chart of accounts: one set of caisse-wide accounts, two accounts per member, one per outlet."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.errors import NotFound
from caisse.ledger.models import AccountKind, LedgerAccount

CAISSE_WIDE = {
    AccountKind.FUND: "Fonds de la caisse (banque)",
    AccountKind.CONTRIBUTIONS: "Cotisations",
    AccountKind.ALLOCATIONS: "Allocations de crédit alimentaire",
    AccountKind.EXPIRED_CREDIT: "Crédit expiré",
    AccountKind.COSTS: "Frais de fonctionnement",
    AccountKind.OPENING: "Réserve d'ouverture",
}


def member_code(kind: AccountKind, member_id: int) -> str:
    return f"{kind.value}:{member_id}"


async def open_caisse_accounts(session: AsyncSession, caisse_id: int) -> None:
    """Create the caisse-wide accounts (done once, when the caisse is created)."""
    await session.execute(
        insert(LedgerAccount),
        [
            {"caisse_id": caisse_id, "kind": kind, "code": kind.value, "name": name}
            for kind, name in CAISSE_WIDE.items()
        ],
    )


async def caisse_account_id(session: AsyncSession, caisse_id: int, kind: AccountKind) -> int:
    account_id = await session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.caisse_id == caisse_id, LedgerAccount.code == kind.value)
    )
    if account_id is None:
        raise NotFound(f"caisse {caisse_id} has no '{kind.value}' account")
    return account_id


async def open_member_accounts(session: AsyncSession, caisse_id: int, member_ids: Iterable[int]) -> None:
    """Give each new member a wallet and a contributions-receivable account."""
    rows = [
        {
            "caisse_id": caisse_id,
            "kind": kind,
            "code": member_code(kind, member_id),
            "name": f"{label} {member_id}",
            "member_id": member_id,
        }
        for member_id in member_ids
        for kind, label in (
            (AccountKind.WALLET, "Porte-monnaie"),
            (AccountKind.RECEIVABLE, "Cotisations dues"),
        )
    ]
    if rows:
        await session.execute(insert(LedgerAccount), rows)


async def member_account_ids(
    session: AsyncSession, caisse_id: int, kind: AccountKind, member_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """member id -> account id, for the members' wallets or receivables."""
    query = select(LedgerAccount.member_id, LedgerAccount.id).where(
        LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == kind
    )
    if member_ids is not None:
        query = query.where(LedgerAccount.member_id.in_(list(member_ids)))
    rows = await session.execute(query)
    return {member_id: account_id for member_id, account_id in rows if member_id is not None}


def outlet_code(outlet_id: int) -> str:
    return f"{AccountKind.OUTLET.value}:{outlet_id}"


async def open_outlet_account(session: AsyncSession, caisse_id: int, outlet_id: int, name: str) -> None:
    """The outlet's account: the credit it took from members and has not yet redeemed."""
    await session.execute(
        insert(LedgerAccount),
        [
            {
                "caisse_id": caisse_id,
                "kind": AccountKind.OUTLET,
                "code": outlet_code(outlet_id),
                "name": f"Lieu conventionné {outlet_id} – {name}"[:200],
                "outlet_id": outlet_id,
            }
        ],
    )


async def outlet_account_id(session: AsyncSession, caisse_id: int, outlet_id: int) -> int:
    account_id = await session.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.caisse_id == caisse_id, LedgerAccount.code == outlet_code(outlet_id)
        )
    )
    if account_id is None:
        raise NotFound(f"outlet {outlet_id} has no account in caisse {caisse_id}")
    return account_id
