"""`caisse spending ...`: PINs, the list of payments and refunds from the command line."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.settings import Settings
from tests.integration.spending.spend_helpers import CREDIT, SpendWorld, payment, wallet_credit
from tests.ledger_checks import invoke_cli

Client = AsyncTestClient[Litestar]


async def test_staff_set_a_pin_from_the_command_line(
    client: Client, settings: Settings, spend_world: SpendWorld
) -> None:
    sw = spend_world
    done = await invoke_cli(
        settings, "spending", "set-pin", "sa-2", "--pin", "8402", "--caisse", "ssa", "--json"
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["member_code"] == "SA-2"
    paid = await client.post(sw.pay_url("a"), json=payment("SA-2", pin="8402"), headers=sw.headers["till_a"])
    assert paid.status_code == 201
    trivial = await invoke_cli(settings, "spending", "set-pin", "SA-2", "--pin", "1111", "--caisse", "ssa")
    assert trivial.exit_code == 1 and "too easy to guess" in trivial.output
    unknown = await invoke_cli(settings, "spending", "set-pin", "SA-99", "--pin", "8402", "--caisse", "ssa")
    assert unknown.exit_code == 1 and "No member 'SA-99'" in unknown.output


async def test_payments_are_listed_and_refunded_from_the_command_line(
    client: Client, db: AsyncSession, settings: Settings, spend_world: SpendWorld
) -> None:
    sw = spend_world
    paid = await client.post(sw.pay_url("a"), json=payment("SA-1", 1500), headers=sw.headers["till_a"])
    payment_id = paid.json()["id"]

    listed = await invoke_cli(settings, "spending", "payments", "--caisse", "ssa", "--member", "SA-1")
    assert listed.exit_code == 0, listed.output
    assert "SA-1" in listed.output and "15.00 €" in listed.output and "1 of 1 payment(s)" in listed.output

    refunded = await invoke_cli(
        settings, "spending", "refund", str(sw.outlets["a"]), str(payment_id), "--caisse", "ssa", "--json"
    )
    assert refunded.exit_code == 0, refunded.output
    assert json.loads(refunded.output)["refunded"] is True
    assert await wallet_credit(db, sw, "SA-1") == CREDIT
    again = await invoke_cli(
        settings, "spending", "refund", str(sw.outlets["a"]), str(payment_id), "--caisse", "ssa"
    )
    assert again.exit_code == 1 and "already refunded" in again.output
