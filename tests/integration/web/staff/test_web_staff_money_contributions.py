"""The staff's contributions page: the month's dues and payments, the arrears (oldest first, and as
a CSV), and the payment form: success with the household's new position, a resent form recording
once, every bad field answered next to it with nothing recorded, CSRF and role refusals."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.members.models import Member
from caisse.money.models import ContributionPayment
from caisse.periods import caisse_today
from tests.integration.redemptions.payout_helpers import PayoutWorld
from tests.integration.web.staff import money_fixtures
from tests.integration.web.staff.money_fixtures import GESTION, open_form, post_form
from tests.integration.web.web_fixtures import Client

# The fixtures this module uses (the staff pages' conftest.py belongs to their other package).
money_pages = money_fixtures.money_pages
ledger_verified_after_each_test = money_fixtures.ledger_verified_after_each_test
PAGE = f"{GESTION}/cotisations"


async def _payments(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(ContributionPayment)) or 0)


def _form(**change: str) -> dict[str, str]:
    return {
        "member_code": "SA-1", "amount": "25,00", "received_on": "2026-03-05", "method": "transfer",
        "reference": "VIR 123", **change,
    }  # fmt: skip


async def test_the_page_shows_the_months_dues_and_the_arrears_oldest_first(
    client: Client, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    page = await client.get(f"{PAGE}?mois=2026-03", headers=staff)
    assert page.status_code == 200, page.text[:3000]
    assert "Cotisations de mars 2026" in page.text
    assert "50,00\u00a0€" in page.text  # due for March: 30 € + 20 €
    assert "SA-1" in page.text and "SA-2" in page.text
    assert "Foyers en retard de paiement" in page.text
    arrears = page.text[page.text.index("arrears-title") :]
    assert "février 2026" in arrears  # unpaid since February
    assert 'href="/c/ssa/gestion/cotisations/impayes.csv"' in page.text

    english = await client.get(f"{PAGE}?mois=2026-03", headers={**staff, "Accept-Language": "en"})
    assert "Contributions of March 2026" in english.text

    csv_file = await client.get(f"{PAGE}/impayes.csv", headers=staff)
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_file.text)))
    assert [r["member_code"] for r in rows] == ["SA-1", "SA-2"]  # both since 2026-02, the larger first
    assert rows[0]["owed_euros"] == "60.00" and rows[0]["oldest_unpaid_month"] == "2026-02"

    for bad in ("2026-13", "mars", "2026-3"):
        refused = await client.get(f"{PAGE}?mois={bad}", headers=staff)
        # The page again, the month typed kept and said wrong next to its field.
        assert refused.status_code == 422 and 'id="error-mois"' in refused.text
        assert f'value="{bad}"' in refused.text and 'aria-invalid="true"' in refused.text
    assert (await client.get(f"{PAGE}?page=0", headers=staff)).status_code == 400
    assert (await client.get(f"{PAGE}?paiement=99999", headers=staff)).status_code == 404


async def test_a_payment_is_recorded_once_and_the_new_position_shown(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    token, key = await open_form(client, staff, PAGE)
    assert key is not None
    sent = await post_form(client, staff, PAGE, {**_form(member_code=" sa-1 "), "key": key}, token=token)
    assert sent.status_code == 303, sent.text[:3000]
    assert re.fullmatch(r"/c/ssa/gestion/cotisations\?paiement=\d+", sent.headers["location"])
    shown = await client.get(sent.headers["location"], headers=staff)
    assert "Paiement de 25,00\u00a0€ de SA-1 enregistré" in shown.text
    assert "SA-1 doit maintenant 35,00\u00a0€." in shown.text

    again = await post_form(client, staff, PAGE, {**_form(), "key": key}, token=token)
    assert again.status_code == 303 and again.headers["location"].endswith("&deja=1")
    assert (
        "n'a pas été enregistré deux fois"
        in (await client.get(again.headers["location"], headers=staff)).text
    )
    assert await _payments(db) == 1

    reused = await post_form(client, staff, PAGE, {**_form(amount="3"), "key": key}, token=token)
    assert reused.status_code == 409 and 'value="3"' in reused.text
    assert await _payments(db) == 1

    # Overpaying: the household is up to date, with a payment in advance.
    admin = money_pages.headers["admin"]
    token, key = await open_form(client, admin, PAGE)
    ahead = await post_form(
        client, admin, PAGE, {**_form(amount="45", method="cash"), "key": key or ""}, token=token
    )
    assert ahead.status_code == 303
    shown = await client.get(ahead.headers["location"], headers=admin)
    assert "SA-1 est à jour et a payé 10,00\u00a0€ d'avance." in shown.text


async def test_bad_input_is_answered_next_to_its_field_and_records_nothing(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    token, key = await open_form(client, staff, PAGE)
    assert key is not None
    future = caisse_today().replace(year=caisse_today().year + 1).isoformat()
    cases = [
        ({"amount": "12,345"}, "amount", "au plus 2 décimales"),
        ({"amount": "-4"}, "amount", "plus de 0"),
        ({"amount": "abc"}, "amount", "au plus 2 décimales"),
        ({"amount": ""}, "amount", "Saisissez le montant"),
        ({"member_code": ""}, "member_code", "Saisissez le code membre"),
        ({"member_code": "SA-99"}, "member_code", "Aucun foyer n'a ce code membre"),
        ({"member_code": "SA-3"}, "member_code", "encore candidat"),
        ({"received_on": future}, "received_on", "dans le futur"),
        ({"received_on": "2025-12-31"}, "received_on", "La caisse a commencé le"),
        ({"received_on": "31/02/2026"}, "received_on", "Saisissez le jour"),
        ({"method": "bitcoin"}, "method", "Choisissez comment le foyer a payé"),
        ({"reference": "x" * 121}, "reference", "120 caractères"),
    ]
    for change, field, message in cases:
        answer = await post_form(client, staff, PAGE, {**_form(**change), "key": key}, token=token)
        assert answer.status_code == 422, change
        assert message in html.unescape(answer.text), (change, answer.text[:4000])
        assert f'id="field-{field}"' in answer.text and 'aria-invalid="true"' in answer.text
        assert f"error-{field}" in answer.text
        assert key in answer.text  # the same payment, still to be sent
    kept = await post_form(
        client, staff, PAGE, {**_form(amount="-4", reference="gardé"), "key": key}, token=token
    )
    assert 'value="gardé"' in kept.text and 'value="SA-1"' in kept.text
    tampered = await post_form(client, staff, PAGE, {**_form(), "key": "short"}, token=token)
    assert tampered.status_code == 422 and "Le formulaire était incomplet" in tampered.text
    assert await _payments(db) == 0

    refused = await client.post(PAGE, data={**_form(), "key": key}, headers=staff)
    assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text
    assert await _payments(db) == 0
    # Nothing was recorded under the key: it still records the payment.
    assert (await post_form(client, staff, PAGE, {**_form(), "key": key}, token=token)).status_code == 303


async def test_only_this_caisses_staff_see_or_record_contributions(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    for who in ("outsider", "member", "outlet", "ferme", "committee", "official", "nobody"):
        headers = money_pages.headers[who]
        assert (await client.get(PAGE, headers=headers)).status_code == 403, who
        assert (await client.get(f"{PAGE}/impayes.csv", headers=headers)).status_code == 403, who
    token, key = await open_form(client, money_pages.headers["staff"], PAGE)
    for who in ("outsider", "member", "ferme"):
        answer = await post_form(
            client, money_pages.headers[who], PAGE, {**_form(), "key": key or ""}, token=token
        )
        assert answer.status_code == 403, who
    assert (await client.get(PAGE, follow_redirects=False)).status_code in (302, 303, 401)
    assert (
        await client.get("/c/inconnue/gestion/cotisations", headers=money_pages.headers["staff"])
    ).status_code in (403, 404)
    assert await _payments(db) == 0


async def test_the_dues_shown_with_a_refused_payment_stay_in_the_audit_log(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    token, key = await open_form(client, staff, PAGE)

    async def audited() -> int:
        await db.rollback()
        query = (
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(("member.contributions", "member.arrears")))
        )
        return int(await db.scalar(query) or 0)

    before = await audited()
    answer = await post_form(client, staff, PAGE, {**_form(amount="-4"), "key": key or ""}, token=token)
    assert answer.status_code == 422 and "SA-2" in answer.text
    assert await audited() > before
    assert await _payments(db) == 0


async def test_a_day_is_read_as_on_the_household_forms(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    token, key = await open_form(client, staff, PAGE)
    arabic = await post_form(
        client, staff, PAGE, {**_form(received_on="٥/٣/٢٠٢٦"), "key": key or ""}, token=token
    )
    assert arabic.status_code == 422 and "error-received_on" in arabic.text
    short = await post_form(
        client, staff, PAGE, {**_form(received_on="2026-3-5"), "key": key or ""}, token=token
    )
    assert short.status_code == 303  # as the status form and the CSV import read it
    payment = await db.scalar(select(ContributionPayment))
    assert payment is not None and payment.received_on == date(2026, 3, 5)


async def test_a_name_that_looks_like_a_formula_after_blanks_stays_text_in_the_arrears_csv(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    member = await db.scalar(select(Member).where(Member.code == "SA-1"))
    assert member is not None
    member.reference_person = " =1+1"
    await db.commit()
    found = await client.get(f"{PAGE}/impayes.csv", headers=money_pages.headers["staff"])
    rows = list(csv.DictReader(io.StringIO(found.text)))
    assert rows[0]["reference_person"] == "' =1+1"
    assert found.headers.get_list("cache-control") == ["no-store"]


async def test_a_page_past_the_end_says_so_and_links_to_the_last(
    client: Client, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    past = html.unescape((await client.get(f"{PAGE}?mois=2026-03&page=100000", headers=staff)).text)
    assert "La page 100000 n’existe pas : la liste compte 1 pages." in past
    assert 'href="?mois=2026-03&page=1"' in past and "Rien de dû" not in past
    households = html.unescape((await client.get(f"{GESTION}/membres?page=999&q=SA", headers=staff)).text)
    assert "La page 999 n’existe pas" in households and 'href="?q=SA&page=1"' in households
