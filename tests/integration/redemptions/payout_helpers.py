"""Arranging redemptions: outlets with bank details, credit they took from members, money in the fund.

Payments at outlets are posted directly as PAYMENT entries (Dr the member's wallet, Cr the outlet's
account), as the spending package books them, so these tests do not depend on the till.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.ledger import AccountKind, EntryKind, member_account_ids
from caisse.ledger.accounts import outlet_account_id
from caisse.ledger.posting import Line, post_entry
from caisse.money import create_subsidy_source, record_subsidy
from caisse.outlets.models import Outlet
from caisse.outlets.service import create_outlet
from tests.ledger_checks import MoneyWorld, post_allocations

# Valid French IBANs (mod-97) and BICs the pain.001 schema accepts.
CAISSE_BANK = ("Caisse SSA de l'Ariège", "FR7630006000011234567890189", "CMCIFR2A")
FERME_BANK = ("FR4430004000030000012345678", "BNPAFRPP")
EPICERIE_BANK = ("FR6910278000000002000012345", "CMCIFR2AXXX")
OUTLET_ENTERED_ON = date(2026, 1, 5)
PAID_ON = date(2026, 3, 10)


async def caisse_of(db: AsyncSession, caisse_id: int) -> Caisse:
    found = await db.get(Caisse, caisse_id, populate_existing=True)
    assert found is not None
    return found


async def set_caisse_bank(
    db: AsyncSession, caisse_id: int, bank: tuple[str, str, str] | None = CAISSE_BANK
) -> None:
    caisse = await caisse_of(db, caisse_id)
    caisse.bank_account_name, caisse.bank_iban, caisse.bank_bic = bank or (None, None, None)
    await db.commit()


async def add_outlet(
    db: AsyncSession, caisse_id: int, name: str, bank: tuple[str, str] | None, **values: Any
) -> Outlet:
    caisse = await caisse_of(db, caisse_id)
    iban, bic = bank or (None, None)
    outlet = await create_outlet(
        db, caisse, values={"name": name, "kind": "producer", "iban": iban, "bic": bic, **values},
        today=OUTLET_ENTERED_ON,
    )  # fmt: skip
    await db.commit()
    return outlet


async def credit_wallets(
    db: AsyncSession, caisse_id: int, credits: dict[int, int], month: str = "2026-02"
) -> None:
    await post_allocations(db, caisse_id, month, credits)
    await db.commit()


async def pay_outlet(
    db: AsyncSession, caisse_id: int, member_id: int, outlet_id: int, cents: int, on: date = PAID_ON
) -> int:
    """A payment at the outlet: Dr the member's wallet, Cr the outlet (its entry id)."""
    wallet = (await member_account_ids(db, caisse_id, AccountKind.WALLET, [member_id]))[member_id]
    outlet = await outlet_account_id(db, caisse_id, outlet_id)
    posted = await post_entry(
        db, caisse_id=caisse_id, kind=EntryKind.PAYMENT, occurred_on=on,
        lines=[Line(wallet, cents), Line(outlet, -cents)], memo=f"paiement test au lieu {outlet_id}",
    )  # fmt: skip
    await db.commit()
    return posted.entry.id


async def fill_fund(db: AsyncSession, caisse_id: int, cents: int, on: date = date(2026, 2, 1)) -> None:
    """Money into the fund: a subsidy from a city."""
    caisse = await caisse_of(db, caisse_id)
    source = await create_subsidy_source(db, caisse, name=f"Ville {cents} {on}", kind="city")
    await record_subsidy(db, caisse, source=source.id, amount_cents=cents, received_on=on)
    await db.commit()


async def outlet_user(db: AsyncSession, caisse_id: int, outlet_id: int, name: str) -> dict[str, str]:
    user = await auth.create_user(
        db, email=f"{name}@example.org", display_name=name, password="correct horse battery"
    )
    await auth.grant_role(db, user_id=user.id, caisse_id=caisse_id, role=Role.OUTLET, outlet_id=outlet_id)
    _, token = await auth.issue_api_token(db, user_id=user.id, name="tests")
    await db.commit()
    return {"Authorization": f"Bearer {token}"}


@dataclass
class PayoutWorld:
    """Caisse "ssa" with its bank account set; outlets "ferme" (holds 40 €) and "epicerie" (25 €),
    both with bank details; "sans_iban" (holds 10 €, no bank details); 500 € in the fund.
    `headers` has the world's users plus "ferme" and "epicerie" (outlet users) when built with users."""

    mw: MoneyWorld
    outlets: dict[str, int] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def caisse_id(self) -> int:
        return self.mw.caisse_id


async def build_payout_world(db: AsyncSession, mw: MoneyWorld, *, with_users: bool = False) -> PayoutWorld:
    pw = PayoutWorld(mw=mw, headers=dict(mw.headers))
    await set_caisse_bank(db, mw.caisse_id)
    pw.outlets["ferme"] = (await add_outlet(db, mw.caisse_id, "Ferme du Couserans", FERME_BANK)).id
    pw.outlets["epicerie"] = (
        await add_outlet(db, mw.caisse_id, "Épicerie solidaire & Cie", EPICERIE_BANK)
    ).id
    pw.outlets["sans_iban"] = (await add_outlet(db, mw.caisse_id, "Marché de Foix", None)).id
    sa1, sa2 = mw.members["SA-1"], mw.members["SA-2"]
    await credit_wallets(db, mw.caisse_id, {sa1: 10_000, sa2: 10_000})
    await pay_outlet(db, mw.caisse_id, sa1, pw.outlets["ferme"], 4_000)
    await pay_outlet(db, mw.caisse_id, sa2, pw.outlets["epicerie"], 2_500)
    await pay_outlet(db, mw.caisse_id, sa2, pw.outlets["sans_iban"], 1_000)
    await fill_fund(db, mw.caisse_id, 50_000)
    if with_users:
        for name in ("ferme", "epicerie"):
            pw.headers[name] = await outlet_user(db, mw.caisse_id, pw.outlets[name], name)
    return pw
