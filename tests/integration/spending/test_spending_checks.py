"""The ledger checks of payments at outlets find what is wrong, and nothing when all is right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ledger import EntryKind, Line, member_account_ids, post_entry
from caisse.ledger.accounts import outlet_account_id
from caisse.ledger.models import AccountKind
from caisse.ledger.verify.checker import Checker
from caisse.spending import OutletPayment
from caisse.spending.checks import check_outlet_payments, check_payment_records
from tests.integration.spending.spend_helpers import TODAY, SpendWorld, payment

Client = AsyncTestClient[Litestar]


async def _problems(db: AsyncSession) -> list[str]:
    checker = Checker(db, None)
    await check_outlet_payments(checker)
    await check_payment_records(checker)
    return [p.code for p in checker.problems]


async def test_payments_and_refunds_made_by_the_service_pass_the_checks(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for cents in (100, 250):
        await client.post(sw.pay_url("a"), json=payment("SA-1", cents), headers=sw.headers["till_a"])
    paid = await client.post(sw.pay_url("b"), json=payment("SA-2", 700), headers=sw.headers["till_b"])
    await client.post(f"{sw.pay_url('b')}/{paid.json()['id']}/refund", headers=sw.headers["till_b"])
    assert await _problems(db) == []


@pytest.mark.breaks_ledger
async def test_a_payment_entry_without_its_record_or_a_record_unlike_its_entry_is_found(
    db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    wallet = (await member_account_ids(db, sw.caisse_id, AccountKind.WALLET, [sw.members["SA-1"]]))[
        sw.members["SA-1"]
    ]
    outlet = await outlet_account_id(db, sw.caisse_id, sw.outlets["a"])
    day = TODAY - timedelta(days=1)
    bare = await post_entry(
        db,
        caisse_id=sw.caisse_id,
        kind=EntryKind.PAYMENT,
        occurred_on=day,
        lines=[Line(wallet, 500), Line(outlet, -500)],
    )
    await db.commit()
    assert await _problems(db) == ["outlet_payment_missing"]
    await db.execute(
        insert(OutletPayment).values(
            caisse_id=sw.caisse_id, outlet_id=sw.outlets["a"], member_id=sw.members["SA-1"], amount_cents=600,
            paid_on=day, client_key="forged-record", entry_id=bare.entry.id,
        )
    )  # fmt: skip
    await db.commit()
    assert await _problems(db) == ["outlet_payment_mismatch"]
