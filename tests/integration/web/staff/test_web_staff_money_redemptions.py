"""The staff's redemptions page: requests approved or rejected (with a reason the outlet reads),
approved ones paid by one payout batch whose SEPA file parses and whose CSV adds up to its total, a
batch form sent twice paying once, bad input answered with nothing changed, CSRF and role refusals."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.periods import caisse_today
from caisse.redemptions import PayoutBatch, Redemption, RedemptionStatus, request_redemption
from caisse.redemptions.changes import history_of
from tests.integration.redemptions.payout_helpers import PayoutWorld, set_caisse_bank
from tests.integration.web.staff import money_fixtures
from tests.integration.web.staff.money_fixtures import GESTION, open_form, post_form
from tests.integration.web.web_fixtures import Client
from web.pages.staff.money import redemptions

money_pages = money_fixtures.money_pages
ledger_verified_after_each_test = money_fixtures.ledger_verified_after_each_test
PAGE = f"{GESTION}/reconversions"
PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}"
IDS = re.compile(r'name="ids" value="([^"]*)"')


async def _ask(db: AsyncSession, pw: PayoutWorld, outlet: str, cents: int) -> int:
    caisse = await db.get(Caisse, pw.caisse_id)
    assert caisse is not None
    result = await request_redemption(
        db, caisse, outlet_id=pw.outlets[outlet], amount_cents=cents, note="ventes"
    )
    await db.commit()
    return result.record.id


async def _status(db: AsyncSession, redemption_id: int) -> RedemptionStatus:
    found = await db.get(Redemption, redemption_id, populate_existing=True)
    assert found is not None
    return found.status


async def _batches(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(PayoutBatch)) or 0)


async def test_requests_are_approved_or_rejected_and_paid_by_one_batch(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    ferme = await _ask(db, money_pages, "ferme", 4_000)
    epicerie = await _ask(db, money_pages, "epicerie", 2_500)
    page = await client.get(PAGE, headers=staff)
    assert page.status_code == 200, page.text[:3000]
    assert "Demandes en attente de décision" in page.text and "Ferme du Couserans" in page.text
    assert page.text.index(f'id="demande-{ferme}"') < page.text.index(
        f'id="demande-{epicerie}"'
    )  # oldest first

    token, _ = await open_form(client, staff, PAGE)
    approved = await post_form(client, staff, f"{PAGE}/{ferme}/approuver", {}, token=token)
    assert approved.status_code == 303, approved.text[:3000]
    shown = await client.get(approved.headers["location"], headers=staff)
    assert f"La demande {ferme} de Ferme du Couserans pour 40,00\u00a0€ est approuvée" in html.unescape(
        shown.text
    )
    again = await post_form(client, staff, f"{PAGE}/{ferme}/approuver", {}, token=token)
    assert again.status_code == 303 and "deja=1" in again.headers["location"]

    no_reason = await post_form(client, staff, f"{PAGE}/{epicerie}/refuser", {"reason": "  "}, token=token)
    assert no_reason.status_code == 422
    assert f'id="error-reason-{epicerie}"' in no_reason.text and 'aria-invalid="true"' in no_reason.text
    assert await _status(db, epicerie) is RedemptionStatus.REQUESTED
    rejected = await post_form(
        client, staff, f"{PAGE}/{epicerie}/refuser", {"reason": "Montant déjà payé en espèces"}, token=token
    )
    assert rejected.status_code == 303
    assert await _status(db, epicerie) is RedemptionStatus.REJECTED
    events = (await history_of(db, [epicerie]))[epicerie]
    assert events[-1].reason == "Montant déjà payé en espèces"
    late = await post_form(client, staff, f"{PAGE}/{epicerie}/approuver", {}, token=token)
    assert late.status_code == 409 and await _status(db, epicerie) is RedemptionStatus.REJECTED

    page = await client.get(PAGE, headers=staff)
    found = IDS.search(page.text)
    assert found is not None and found.group(1) == str(ferme)
    token, key = await open_form(client, staff, PAGE)
    form = {"execution_date": caisse_today().isoformat(), "ids": found.group(1), "key": key or ""}
    made = await post_form(client, staff, f"{PAGE}/lots", form, token=token)
    assert made.status_code == 303, made.text[:3000]
    assert re.fullmatch(r"/c/ssa/gestion/reconversions\?lot=\d+", made.headers["location"])
    shown = await client.get(made.headers["location"], headers=staff)
    assert "1 virement, 40,00\u00a0€ en tout" in shown.text
    resent = await post_form(client, staff, f"{PAGE}/lots", form, token=token)
    assert resent.status_code == 303 and resent.headers["location"].endswith("&deja=1")
    shown = await client.get(resent.headers["location"], headers=staff)
    assert "Ce lot était déjà fait : rien n'a été payé deux fois." in html.unescape(shown.text)
    assert await _batches(db) == 1 and await _status(db, ferme) is RedemptionStatus.PAID

    batch = await db.scalar(select(PayoutBatch))
    assert batch is not None
    xml = await client.get(f"{PAGE}/lots/{batch.id}/pain001.xml", headers=staff)
    assert xml.status_code == 200 and "attachment" in xml.headers["content-disposition"]
    root = ElementTree.fromstring(xml.content)
    assert root.tag == f"{PAIN}Document"
    assert root.findtext(f".//{PAIN}CtrlSum") == "40.00"
    assert [e.text for e in root.iter(f"{PAIN}IBAN")][-1] == "FR4430004000030000012345678"
    payouts = await client.get(f"{PAGE}/lots/{batch.id}/virements.csv", headers=staff)
    # Bank details: the browser keeps no copy on disk.
    assert xml.headers.get_list("cache-control") == payouts.headers.get_list("cache-control") == ["no-store"]
    rows = list(csv.DictReader(io.StringIO(payouts.text)))
    assert sum(Decimal(r["amount"]) for r in rows) * 100 == batch.total_cents == 4_000
    assert "VIR-" in (await client.get(PAGE, headers={**staff, "Accept-Language": "en"})).text


async def test_a_batch_refused_changes_nothing_and_says_why(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    admin = money_pages.headers["admin"]
    token, _ = await open_form(client, admin, PAGE)
    no_bank = await _ask(db, money_pages, "ferme", 1_000)
    assert (await post_form(client, admin, f"{PAGE}/{no_bank}/approuver", {}, token=token)).status_code == 303
    await set_caisse_bank(db, money_pages.caisse_id, None)  # the caisse's own account is missing
    token, key = await open_form(client, admin, PAGE)
    today = caisse_today()
    good = {"execution_date": today.isoformat(), "ids": str(no_bank), "key": key or ""}
    cases = [
        ({"execution_date": (today - timedelta(days=1)).isoformat()}, "Ce jour est passé"),
        ({"execution_date": (today + timedelta(days=61)).isoformat()}, "dans les 60 jours"),
        ({"execution_date": "demain"}, "Saisissez le jour où la banque paie"),
    ]
    for change, message in cases:
        answer = await post_form(client, admin, f"{PAGE}/lots", {**good, **change}, token=token)
        assert answer.status_code == 422 and message in html.unescape(answer.text), change
        assert 'id="error-execution_date"' in answer.text
    tampered = await post_form(client, admin, f"{PAGE}/lots", {**good, "ids": "1;2"}, token=token)
    assert tampered.status_code == 422 and "incomplet" in tampered.text
    missing_iban = await post_form(client, admin, f"{PAGE}/lots", good, token=token)
    assert missing_iban.status_code == 422, missing_iban.text[:3000]
    assert "The caisse's bank account has no IBAN" in html.unescape(missing_iban.text)
    assert await _batches(db) == 0 and await _status(db, no_bank) is RedemptionStatus.APPROVED
    refused = await client.post(f"{PAGE}/lots", data=good, headers=admin)
    assert refused.status_code == 403 and await _batches(db) == 0


async def test_only_this_caisses_staff_decide_or_download(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    ferme = await _ask(db, money_pages, "ferme", 1_500)
    token, _ = await open_form(client, money_pages.headers["staff"], PAGE)
    for who in ("outsider", "member", "outlet", "ferme", "committee", "nobody"):
        headers = money_pages.headers[who]
        assert (await client.get(PAGE, headers=headers)).status_code == 403, who
        assert (
            await post_form(client, headers, f"{PAGE}/{ferme}/approuver", {}, token=token)
        ).status_code == 403
        answer = await post_form(client, headers, f"{PAGE}/{ferme}/refuser", {"reason": "non"}, token=token)
        assert answer.status_code == 403
        assert (await client.get(f"{PAGE}/lots/1/pain001.xml", headers=headers)).status_code == 403
    assert await _status(db, ferme) is RedemptionStatus.REQUESTED
    refused = await client.post(f"{PAGE}/{ferme}/approuver", headers=money_pages.headers["staff"])
    assert refused.status_code == 403 and await _status(db, ferme) is RedemptionStatus.REQUESTED
    staff = money_pages.headers["staff"]
    assert (await post_form(client, staff, f"{PAGE}/999999/approuver", {}, token=token)).status_code == 404
    assert (await client.get(f"{PAGE}/lots/999999/virements.csv", headers=staff)).status_code == 404
    assert (await client.get(f"{PAGE}?lot=abc", headers=staff)).status_code == 400


async def test_when_not_every_approved_request_is_listed_the_page_says_so(
    client: Client, db: AsyncSession, money_pages: PayoutWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = money_pages.headers["staff"]
    asked = [await _ask(db, money_pages, "ferme", 1_000), await _ask(db, money_pages, "epicerie", 2_000)]
    token, _ = await open_form(client, staff, PAGE)
    for redemption in asked:
        assert (
            await post_form(client, staff, f"{PAGE}/{redemption}/approuver", {}, token=token)
        ).status_code == 303
    monkeypatch.setattr(redemptions, "MAX_LIMIT", 1)
    page = html.unescape((await client.get(PAGE, headers=staff)).text)
    assert "1 des 2 demandes approuvées sont listées" in page and "Total des demandes listées" in page
