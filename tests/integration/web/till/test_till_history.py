"""The till's history with day totals, refunds with a confirmation step, redemption requests, and
who may open the till at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.outlets.models import Outlet
from caisse.redemptions.models import Redemption, RedemptionStatus
from tests.integration.spending.spend_helpers import CREDIT, SpendWorld, outlet_credit, wallet_credit
from tests.integration.web.till.till_helpers import open_form, pay
from tests.integration.web.web_fixtures import Client, csrf_token, form_token

REDEEM = "/c/ssa/mon-lieu/reconversions"


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


async def _receipt_id(answer: Any) -> int:
    assert answer.status_code == 303, answer.text
    found = re.search(r"/paiements/(\d+)\?", answer.headers["location"])
    assert found is not None
    return int(found.group(1))


async def test_history_groups_by_day_and_a_refund_is_confirmed_then_given_back_once(
    client: Client, db: AsyncSession, spend_world: SpendWorld, statements: list[str]
) -> None:
    till = spend_world.headers["till_a"]
    first = await _receipt_id(await pay(client, till, code="SA-1", amount="12,50"))
    await _receipt_id(await pay(client, till, code="SA-2", pin="1357", amount="7"))
    history = await client.get("/c/ssa/mon-lieu/paiements", headers=till)
    assert history.status_code == 200
    assert "2 paiements" in history.text and "19,50\u00a0€" in history.text
    assert f'href="/c/ssa/mon-lieu/paiements/{first}"' in history.text

    # The history reads the same number of statements for 2 or 8 payments (no query per row).
    few = len(statements)
    await client.get("/c/ssa/mon-lieu/paiements", headers=till)
    few = len(statements) - few
    for _ in range(6):
        await _receipt_id(await pay(client, till, code="SA-2", pin="1357", amount="1"))
    many = len(statements)
    await client.get("/c/ssa/mon-lieu/paiements", headers=till)
    assert len(statements) - many == few

    confirm = await client.get(f"/c/ssa/mon-lieu/paiements/{first}/remboursement", headers=till)
    assert "Confirmer le remboursement de 12,50\u00a0€" in confirm.text
    assert await wallet_credit(db, spend_world, "SA-1") == CREDIT - 1250  # nothing moved yet
    url = f"/c/ssa/mon-lieu/paiements/{first}/remboursement"
    token = csrf_token(confirm.text)
    too_long = await client.post(url, data={"reason": "x" * 201, "_csrf_token": token}, headers=till)
    assert too_long.status_code == 422 and 'aria-invalid="true"' in too_long.text
    assert await wallet_credit(db, spend_world, "SA-1") == CREDIT - 1250

    done = await client.post(
        url, data={"reason": "Erreur de montant", "_csrf_token": token}, headers=till, follow_redirects=False
    )
    assert done.headers["location"] == f"/c/ssa/mon-lieu/paiements/{first}?rembourse=1"
    refunded = await client.get(done.headers["location"], headers=till)
    assert "Paiement remboursé" in refunded.text and "Erreur de montant" in refunded.text
    assert "Rembourser ce paiement" not in refunded.text
    again = await client.post(url, data={"_csrf_token": token}, headers=till, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/c/ssa/mon-lieu/paiements/{first}"
    assert await wallet_credit(db, spend_world, "SA-1") == CREDIT

    day = await client.get("/c/ssa/mon-lieu/paiements", headers=till)
    assert "remboursé" in day.text and "net" in day.text

    # Another outlet's till cannot see or refund the payment: it does not exist for it.
    other = spend_world.headers["till_b"]
    assert (await client.get(f"/c/ssa/mon-lieu/paiements/{first}", headers=other)).status_code == 404
    token_b = await form_token(client, "/c/ssa/mon-lieu")
    assert (await client.post(url, data={"_csrf_token": token_b}, headers=other)).status_code == 404


async def test_a_redemption_request_is_checked_then_sent_once(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    till = spend_world.headers["till_a"]
    await _receipt_id(await pay(client, till, code="SA-1", amount="30"))
    page = await client.get(REDEEM, headers=till)
    assert "Disponible à demander" in page.text and "30,00\u00a0€" in page.text

    token, key = await open_form(client, till, REDEEM)
    no_bank = await client.post(
        REDEEM, data={"choice": "amount", "amount": "10", "key": key, "_csrf_token": token}, headers=till
    )
    assert no_bank.status_code == 409 and "IBAN et BIC" in no_bank.text
    outlet = await db.get(Outlet, spend_world.outlets["a"])
    assert outlet is not None
    outlet.iban, outlet.bic = "FR7630006000011234567890189", "AGRIFRPP"
    await db.commit()

    for amount, status, message in [
        ("dix", 422, "au plus 2 décimales"),
        ("", 422, "Saisissez le montant à reconvertir"),
        ("0", 422, "plus de 0"),
        ("50", 409, "Vous pouvez demander au plus 30,00\u00a0€."),
    ]:
        data = {"choice": "amount", "amount": amount, "note": "Semaine 12", "key": key, "_csrf_token": token}
        answer = await client.post(REDEEM, data=data, headers=till)
        assert answer.status_code == status, amount
        assert message in answer.text and 'value="Semaine 12"' in answer.text
    assert not await db.scalar(select(func.count()).select_from(Redemption))

    data = {"choice": "amount", "amount": "20,00", "key": key, "_csrf_token": token}
    sent = await client.post(REDEEM, data=data, headers=till, follow_redirects=False)
    assert sent.status_code == 303
    resent = await client.post(REDEEM, data=data, headers=till, follow_redirects=False)
    assert resent.headers["location"] == sent.headers["location"]
    shown = await client.get(sent.headers["location"], headers=till)
    assert "Votre demande de 20,00\u00a0€ a été envoyée" in shown.text
    assert "En attente de validation" in shown.text and "10,00\u00a0€" in shown.text
    rows = list(await db.scalars(select(Redemption)))
    assert [(r.amount_cents, r.status) for r in rows] == [(2000, RedemptionStatus.REQUESTED)]
    assert await outlet_credit(db, spend_world, "a") == 3000  # asked, not yet paid out

    _, key = await open_form(client, till, REDEEM)
    everything = {"choice": "all", "amount": "", "key": key, "_csrf_token": token}
    assert (
        await client.post(REDEEM, data=everything, headers=till, follow_redirects=False)
    ).status_code == 303
    shown = await client.get(REDEEM, headers=till)
    assert "Rien n'est disponible à demander" in shown.text and 'name="key"' not in shown.text
    nothing_left = await client.post(REDEEM, data={**everything, "key": "another-key-0001"}, headers=till)
    assert nothing_left.status_code == 409 and "plus de crédit à reconvertir" in nothing_left.text
    assert sorted(r.amount_cents for r in await db.scalars(select(Redemption))) == [1000, 2000]


@pytest.mark.parametrize(
    ("who", "status"), [("member", 403), ("staff", 403), ("outlet", 403), ("till_a", 200), (None, 303)]
)
async def test_only_an_outlet_account_linked_to_its_outlet_opens_the_till(
    client: Client, spend_world: SpendWorld, who: str | None, status: int
) -> None:
    """Staff take payments through their own pages; the world's "outlet" user names no outlet."""
    headers = spend_world.headers[who] if who else {}
    for path in ("/c/ssa/mon-lieu", "/c/ssa/mon-lieu/paiements", REDEEM):
        answer = await client.get(path, headers=headers, follow_redirects=False)
        assert answer.status_code == status, path
    if who == "outlet":
        assert "pas lié à un lieu" in answer.text or "not linked to an outlet" in answer.text
