"""A caisse whose households can pay outlets: outlets in every convention state, till users, PINs, credit.

`build_spend_world` extends `tests.ledger_checks.build_money_world` (caisse "ssa", first month
2026-01, the `world` users with their roles there; SA-1, SA-2 active, SA-3 applicant, SA-4 left):

* outlets "a" and "b" conventioned from 30 days ago; "suspended" suspended from today; "expired"
  whose 12-month convention ended more than a month ago; "applicant" never conventioned;
* users "till_a" and "till_b" (role outlet naming "a" and "b"), with API-token headers; the world's
  "outlet" user holds the outlet role in "ssa" without naming an outlet; the world's "member" user is
  household SA-1;
* SA-5 suspended; PINs for SA-1, SA-2, SA-3 and SA-5 (`PINS`); CREDIT cents of allocation for each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.ledger import AccountKind, account_balance, member_account_ids, natural
from caisse.ledger.accounts import outlet_account_id
from caisse.members.models import Member, MemberStatus
from caisse.outlets.conventioning import record_decision
from caisse.outlets.service import create_outlet
from caisse.periods import caisse_today
from caisse.spending import set_pin
from tests.conftest import World
from tests.ledger_checks import add_member, build_money_world, post_allocations

TODAY = caisse_today()
CONVENED_ON = TODAY - timedelta(days=30)
CREDIT = 10_000  # 100 € per household
PINS = {"SA-1": "2580", "SA-2": "1357", "SA-3": "2468", "SA-5": "9512"}
SLUG = "ssa"


@dataclass
class SpendWorld:
    caisse_id: int
    headers: dict[str, dict[str, str]]
    user_ids: dict[str, int]
    members: dict[str, int]
    outlets: dict[str, int] = field(default_factory=dict)

    def pay_url(self, outlet: str = "a") -> str:
        return f"/api/v1/caisses/{SLUG}/outlets/{self.outlets[outlet]}/payments"


def payment(code: str = "SA-1", cents: int = 1250, *, pin: str | None = None, **extra: Any) -> dict[str, Any]:
    """A payment body with the household's right PIN and a fresh idempotency key."""
    return {
        "member_code": code,
        "pin": PINS.get(code, "2580") if pin is None else pin,
        "amount_cents": cents,
        "idempotency_key": f"till-{uuid.uuid4().hex}",
        **extra,
    }


async def caisse_of(db: AsyncSession, sw: SpendWorld) -> Caisse:
    found = await db.get(Caisse, sw.caisse_id)
    assert found is not None
    return found


async def wallet_credit(db: AsyncSession, sw: SpendWorld, code: str) -> int:
    """The household's credit, cents."""
    member_id = sw.members[code]
    account = (await member_account_ids(db, sw.caisse_id, AccountKind.WALLET, [member_id]))[member_id]
    return natural(AccountKind.WALLET, await account_balance(db, account))


async def outlet_credit(db: AsyncSession, sw: SpendWorld, outlet: str) -> int:
    account = await outlet_account_id(db, sw.caisse_id, sw.outlets[outlet])
    return natural(AccountKind.OUTLET, await account_balance(db, account))


async def _outlet(
    db: AsyncSession, caisse: Caisse, name: str, decisions: list[tuple[str, date, int | None]]
) -> int:
    outlet = await create_outlet(
        db,
        caisse,
        values={"name": name, "kind": "shop", "commune": "Foix"},
        today=TODAY - timedelta(days=500),
    )
    for decision, on, months in decisions:
        await record_decision(db, caisse, outlet.id, decision=decision, effective_on=on, months=months)
    return outlet.id


async def build_spend_world(db: AsyncSession, world: World) -> SpendWorld:
    mw = await build_money_world(db, world)
    caisse = await caisse_of(db, SpendWorld(mw.caisse_id, {}, {}, {}))
    sw = SpendWorld(mw.caisse_id, dict(mw.headers), dict(mw.user_ids), dict(mw.members))
    sw.members["SA-5"] = (await add_member(db, caisse.id, "SA-5", status=MemberStatus.SUSPENDED)).id
    sw.outlets["a"] = await _outlet(db, caisse, "Épicerie A", [("convene", CONVENED_ON, None)])
    sw.outlets["b"] = await _outlet(db, caisse, "Ferme B", [("convene", CONVENED_ON, None)])
    sw.outlets["suspended"] = await _outlet(
        db, caisse, "Marché S", [("convene", CONVENED_ON, None), ("suspend", TODAY, None)]
    )
    sw.outlets["expired"] = await _outlet(
        db, caisse, "Coop E", [("convene", TODAY - timedelta(days=430), 12)]
    )
    sw.outlets["applicant"] = await _outlet(db, caisse, "Boutique N", [])
    for name in ("a", "b"):
        user = await auth.create_user(
            db,
            email=f"till-{name}@example.org",
            display_name=f"Till {name}",
            password="correct horse battery",
        )
        await auth.grant_role(
            db, user_id=user.id, caisse_id=caisse.id, role=Role.OUTLET, outlet_id=sw.outlets[name]
        )
        _, token = await auth.issue_api_token(db, user_id=user.id, name="till")
        sw.headers[f"till_{name}"] = {"Authorization": f"Bearer {token}"}
        sw.user_ids[f"till_{name}"] = user.id
    await auth.grant_role(
        db,
        user_id=world.user_ids["member"],
        caisse_id=caisse.id,
        role=Role.MEMBER,
        member_id=sw.members["SA-1"],
    )
    for code, pin in PINS.items():
        member = await db.get(Member, sw.members[code])
        assert member is not None
        await set_pin(db, caisse, member, pin, actor=None)
    await post_allocations(db, caisse.id, "2026-01", {sw.members[code]: CREDIT for code in PINS})
    await db.commit()
    return sw
