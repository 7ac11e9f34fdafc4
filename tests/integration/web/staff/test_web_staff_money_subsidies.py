"""The staff's subsidies page: funders and what each gave, a subsidy recorded once however often
its form is sent, a new funder, operating costs; bad input answered next to its field with nothing
recorded; CSRF and role refusals."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.money.models import OperatingCost, Subsidy, SubsidySource
from caisse.periods import caisse_today
from tests.integration.redemptions.payout_helpers import PayoutWorld
from tests.integration.web.staff import money_fixtures
from tests.integration.web.staff.money_fixtures import GESTION, open_form, post_form
from tests.integration.web.web_fixtures import Client

money_pages = money_fixtures.money_pages
ledger_verified_after_each_test = money_fixtures.ledger_verified_after_each_test
PAGE = f"{GESTION}/subventions"
SOURCE_ID = re.compile(r'<option value="(\d+)">Ville ')


async def _count(db: AsyncSession, model: type) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_subsidy_is_recorded_once_and_shown_with_its_funder(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    page = await client.get(PAGE, headers=staff)
    assert page.status_code == 200, page.text[:3000]
    assert "Financeurs" in page.text and "500,00\u00a0€" in page.text  # the fixture's city subsidy
    found = SOURCE_ID.search(page.text)
    assert found is not None
    token, key = await open_form(client, staff, PAGE)
    form = {
        "source": found.group(1),
        "amount": "1 250,50",
        "received_on": "2026-03-01",
        "reference": "Convention 2026",
    }
    sent = await post_form(client, staff, PAGE, {**form, "key": key or ""}, token=token)
    assert sent.status_code == 303, sent.text[:3000]
    shown = await client.get(sent.headers["location"], headers=staff)
    assert "Subvention de 1\u202f250,50\u00a0€ de Ville" in shown.text and "Convention 2026" in shown.text
    assert "1\u202f750,50\u00a0€" in shown.text  # the funder's total
    again = await post_form(client, staff, PAGE, {**form, "key": key or ""}, token=token)
    assert again.status_code == 303 and "deja=1" in again.headers["location"]
    assert await _count(db, Subsidy) == 2  # the fixture's and this one

    english = await client.get(PAGE, headers={**staff, "Accept-Language": "en"})
    assert "Subsidies received" in english.text and "Record a subsidy received" in english.text


async def test_a_funder_and_a_cost_are_added(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    admin = money_pages.headers["admin"]
    added = await post_form(
        client,
        admin,
        f"{PAGE}/financeurs",
        {"name": "Conseil départemental", "kind": "department"},
        page=PAGE,
    )
    assert added.status_code == 303
    shown = await client.get(added.headers["location"], headers=admin)
    assert "Conseil départemental est ajouté aux financeurs" in html.unescape(shown.text)
    twice = await post_form(
        client, admin, f"{PAGE}/financeurs", {"name": "Conseil départemental", "kind": "city"}, page=PAGE
    )
    assert twice.status_code == 422 and "déjà ce nom" in html.unescape(twice.text)
    # The same funder sent again (a double click): already there, said so, not an error.
    same = {"name": "Conseil départemental", "kind": "department"}
    again = await post_form(client, admin, f"{PAGE}/financeurs", same, page=PAGE)
    assert again.status_code == 303 and again.headers["location"].endswith("&deja=1")
    said = await client.get(again.headers["location"], headers=admin)
    assert "C'était déjà enregistré" in html.unescape(said.text)
    assert 'id="field-f-name"' in twice.text and 'aria-describedby="hint-f-name error-f-name"' in twice.text
    assert await _count(db, SubsidySource) == 2

    token, key = await open_form(client, admin, PAGE)
    cost = {
        "category": "loyer",
        "amount": "450",
        "paid_on": "2026-03-02",
        "reference": "F-12",
        "key": key or "",
    }
    paid = await post_form(client, admin, f"{PAGE}/frais", cost, token=token)
    assert paid.status_code == 303
    shown = await client.get(paid.headers["location"], headers=admin)
    assert "Frais de 450,00\u00a0€ pour loyer enregistrés" in html.unescape(shown.text)
    assert (await post_form(client, admin, f"{PAGE}/frais", cost, token=token)).status_code == 303
    assert await _count(db, OperatingCost) == 1


async def test_bad_input_is_answered_next_to_its_field_and_records_nothing(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    token, key = await open_form(client, staff, PAGE)
    page = await client.get(PAGE, headers=staff)
    found = SOURCE_ID.search(page.text)
    assert found is not None and key is not None
    future = caisse_today().replace(year=caisse_today().year + 1).isoformat()
    good = {
        "source": found.group(1),
        "amount": "100",
        "received_on": "2026-03-01",
        "reference": "",
        "key": key,
    }
    cases = [
        ("", {"source": "999999"}, "s-source", "Choisissez le financeur"),
        ("", {"amount": "0"}, "s-amount", "plus de 0"),
        ("", {"amount": "1,234"}, "s-amount", "au plus 2 décimales"),
        ("", {"received_on": future}, "s-received_on", "dans le futur"),
        ("", {"received_on": "hier"}, "s-received_on", "Saisissez le jour"),
        ("/financeurs", {"name": "", "kind": "city"}, "f-name", "Saisissez le nom du financeur"),
        ("/financeurs", {"name": "Ville\x07", "kind": "city"}, "f-name", "Saisissez le nom du financeur"),
        ("/financeurs", {"name": "Mairie", "kind": "mairie"}, "f-kind", "Choisissez le type de financeur"),
        (
            "/frais",
            {"category": "", "amount": "10", "paid_on": "2026-03-01"},
            "c-category",
            "Saisissez à quoi",
        ),
        (
            "/frais",
            {"category": "loyer", "amount": "dix", "paid_on": "2026-03-01"},
            "c-amount",
            "au plus 2 décimales",
        ),
        (
            "/frais",
            {"category": "loyer", "amount": "10", "paid_on": "2025-01-01"},
            "c-paid_on",
            "La caisse a commencé",
        ),
    ]
    for rest, change, field, message in cases:
        data = {**good, **change} if not rest else {**change, "key": key}
        answer = await post_form(client, staff, f"{PAGE}{rest}", data, token=token)
        assert answer.status_code == 422, (rest, change)
        assert message in html.unescape(answer.text), (change, answer.text[:4000])
        assert f'id="field-{field}"' in answer.text and f'id="error-{field}"' in answer.text
        assert 'aria-invalid="true"' in answer.text
    kept = await post_form(client, staff, PAGE, {**good, "amount": "0", "reference": "gardée"}, token=token)
    assert 'value="gardée"' in kept.text and key in kept.text
    refused = await client.post(PAGE, data=good, headers=staff)
    assert refused.status_code == 403
    assert await _count(db, Subsidy) == 1 and await _count(db, OperatingCost) == 0
    assert await _count(db, SubsidySource) == 1


async def test_only_this_caisses_staff_see_or_record_subsidies(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    token, key = await open_form(client, money_pages.headers["staff"], PAGE)
    for who in ("outsider", "member", "outlet", "ferme", "official", "nobody"):
        headers = money_pages.headers[who]
        assert (await client.get(PAGE, headers=headers)).status_code == 403, who
        data = {"name": "Intrus", "kind": "city"}
        assert (await post_form(client, headers, f"{PAGE}/financeurs", data, token=token)).status_code == 403
        cost = {"category": "x", "amount": "1", "paid_on": "2026-03-01", "key": key or ""}
        assert (await post_form(client, headers, f"{PAGE}/frais", cost, token=token)).status_code == 403
    assert await _count(db, SubsidySource) == 1 and await _count(db, OperatingCost) == 0
    assert (
        await client.get(f"{PAGE}?subvention=999999", headers=money_pages.headers["staff"])
    ).status_code == 404
    assert (await client.get(f"{PAGE}?frais=abc", headers=money_pages.headers["staff"])).status_code == 400


async def test_a_name_sent_in_bytes_that_are_not_utf8_is_refused_next_to_the_field(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    admin = money_pages.headers["admin"]
    token, _key = await open_form(client, admin, PAGE)
    before = await _count(db, SubsidySource)
    answer = await client.post(
        f"{PAGE}/financeurs",
        content=f"name=%ED%A0%80x&kind=city&_csrf_token={token}".encode(),
        headers={**admin, "Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert answer.status_code == 422 and 'id="error-f-name"' in answer.text
    assert await _count(db, SubsidySource) == before
