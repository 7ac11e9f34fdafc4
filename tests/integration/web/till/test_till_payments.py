"""Taking payments at the till page: the success screen, a resent form that debits once, every
refusal in plain words with what to do next, and bad input answered next to its field."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.spending.models import MemberPin, OutletPayment
from tests.integration.spending.spend_helpers import CREDIT, SpendWorld, wallet_credit
from tests.integration.web.till.till_helpers import TILL, form_key, open_form, pay
from tests.integration.web.web_fixtures import Client


async def _payments(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(OutletPayment)) or 0)


async def test_a_payment_succeeds_and_the_same_form_sent_again_debits_once(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    till = spend_world.headers["till_a"]
    token, key = await open_form(client, till)
    first = await pay(client, till, code=" sa-1 ", amount="12,50", key=key, token=token)
    assert first.status_code == 303
    receipt = first.headers["location"]
    assert re.fullmatch(r"/c/ssa/mon-lieu/paiements/\d+\?nouveau=1", receipt)

    success = await client.get(receipt, headers=till)
    assert success.status_code == 200
    assert "Paiement accepté" in success.text and "12,50\u00a0€" in success.text
    assert "SA-1" in success.text  # a short code has nothing to hide
    assert "Crédit de votre lieu" in success.text and "Nouveau paiement" in success.text

    # A double tap, or the browser resending the form: the same key records nothing more.
    again = await pay(client, till, code="SA-1", amount="12.50", key=key, token=token)
    assert again.status_code == 303
    assert again.headers["location"] == receipt.replace("nouveau", "deja")
    resent = await client.get(again.headers["location"], headers=till)
    assert "n'a pas été débité deux fois" in resent.text
    assert await _payments(db) == 1
    assert await wallet_credit(db, spend_world, "SA-1") == CREDIT - 1250

    # The same form reused for another amount is refused with a fresh form.
    reused = await pay(client, till, code="SA-1", amount="3", key=key, token=token)
    assert reused.status_code == 409
    assert form_key(reused.text) != key and 'value="3"' in reused.text
    assert await _payments(db) == 1


async def test_each_refusal_says_why_and_what_to_do_and_debits_nothing(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    till = spend_world.headers["till_a"]
    wrong = await pay(client, till, code="SA-2", pin="1111", amount="5")
    assert wrong.status_code == 403
    assert "Paiement refusé" in wrong.text and "Code membre ou code secret non reconnu" in wrong.text
    assert "Rien n'a été débité." in wrong.text
    assert "Après 5 codes secrets faux" in wrong.text and "pendant 30 minutes" in wrong.text
    # Try again: the code and amount are kept, the PIN is never written back.
    assert 'value="SA-2"' in wrong.text and 'value="5"' in wrong.text and "1111" not in wrong.text

    english = await pay(client, {**till, "Accept-Language": "en"}, code="SA-2", pin="2222", amount="5")
    assert "Member code or PIN not recognised" in english.text and "What to do:" in english.text

    poor = await pay(client, till, code="SA-2", pin="1357", amount="150")
    assert poor.status_code == 409
    assert "Crédit alimentaire insuffisant" in poor.text and "100,00\u00a0€" in poor.text

    inactive = await pay(client, till, code="SA-5", pin="9512", amount="5")
    assert inactive.status_code == 409
    assert "Ce foyer ne peut pas payer avec le crédit alimentaire" in inactive.text

    for _ in range(5):  # five wrong PINs in a row lock it (the right one above reset the count)
        await pay(client, till, code="SA-2", pin="1111", amount="5")
    locked = await pay(client, till, code="SA-2", pin="1357", amount="5")
    assert locked.status_code == 423
    assert "Le code secret de ce foyer est bloqué" in locked.text
    assert "Le foyer peut réessayer à partir de" in locked.text
    pin_row = await db.scalar(select(MemberPin).where(MemberPin.member_id == spend_world.members["SA-2"]))
    assert pin_row is not None and pin_row.locked_until is not None

    user = await auth.create_user(db, email="till-s@example.org", display_name="S", password="x" * 12)
    await auth.grant_role(
        db, user_id=user.id, caisse_id=spend_world.caisse_id, role=Role.OUTLET,
        outlet_id=spend_world.outlets["suspended"],
    )  # fmt: skip
    _, api_token = await auth.issue_api_token(db, user_id=user.id, name="till")
    await db.commit()
    suspended = await pay(client, {"Authorization": f"Bearer {api_token}"}, code="SA-1", amount="5")
    assert suspended.status_code == 409
    assert "Votre lieu ne peut pas prendre le crédit alimentaire aujourd'hui" in suspended.text

    assert await _payments(db) == 0
    assert await wallet_credit(db, spend_world, "SA-2") == CREDIT


async def test_bad_input_is_answered_next_to_each_field_and_keeps_what_was_typed(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    till = spend_world.headers["till_a"]
    token, key = await open_form(client, till)
    cases = [
        ({"amount": "12,345"}, "amount", "au plus 2 décimales"),
        ({"amount": "-4"}, "amount", "plus de 0"),
        ({"amount": "2000"}, "amount", "1\u202f000,00\u00a0€ au plus"),
        ({"amount": ""}, "amount", "Saisissez le montant"),
        ({"code": ""}, "member_code", "Saisissez le code membre"),
        ({"pin": "12a4"}, "pin", "4 à 6 chiffres"),
    ]
    for change, field, message in cases:
        values = {"code": "SA-1", "pin": "2580", "amount": "7,50", **change}
        answer = await pay(client, till, key=key, token=token, **values)
        assert answer.status_code == 422, change
        assert message in answer.text, (change, answer.text[:3000])
        assert f'id="field-{field}"' in answer.text and 'aria-invalid="true"' in answer.text
        assert f'aria-describedby="hint-{field} error-{field}"' in answer.text
        assert form_key(answer.text) == key  # the same payment, still to be sent
        if field != "amount":
            assert 'value="7,50"' in answer.text
    tampered = await pay(client, till, key="short", token=token)
    assert tampered.status_code == 422 and "Le formulaire était incomplet" in tampered.text
    assert await _payments(db) == 0

    # Nothing was recorded under the key: it still takes the payment.
    assert (await pay(client, till, key=key, token=token, amount="7,50")).status_code == 303
    assert await wallet_credit(db, spend_world, "SA-1") == CREDIT - 750

    # A form sent without its CSRF token is refused, and records nothing.
    refused = await client.post(
        TILL, data={"member_code": "SA-1", "pin": "2580", "amount": "1", "key": "k" * 22}, headers=till
    )
    assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text
    assert await _payments(db) == 1
