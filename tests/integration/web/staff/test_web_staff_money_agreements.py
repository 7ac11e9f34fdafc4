"""A funder's grant agreement on the staff's pages: given with a new funder or on the funder's page,
replaced, cleared; bad input answered next to its field with nothing recorded; CSRF, roles and
another caisse's funder refused."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.money import Agreement, agreement_of
from caisse.money.models import SubsidySource
from tests.integration.redemptions.payout_helpers import PayoutWorld
from tests.integration.web.staff import money_fixtures
from tests.integration.web.staff.money_fixtures import GESTION, open_form, post_form
from tests.integration.web.web_fixtures import Client

money_pages = money_fixtures.money_pages
ledger_verified_after_each_test = money_fixtures.ledger_verified_after_each_test
PAGE = f"{GESTION}/subventions"
FUNDER_LINK = re.compile(r'href="/c/ssa/gestion/subventions/financeurs/(\d+)"')


async def _fixture_funder(db: AsyncSession, pw: PayoutWorld) -> int:
    """The id of the fixture's funder (the city that put 500 € in the fund)."""
    found = await db.scalar(select(SubsidySource.id).where(SubsidySource.caisse_id == pw.mw.caisse_id))
    assert found is not None
    return int(found)


async def _source(db: AsyncSession, name: str) -> SubsidySource:
    db.expire_all()
    found = await db.scalar(select(SubsidySource).where(SubsidySource.name == name))
    assert found is not None
    return found


async def test_a_funder_is_added_with_its_agreement_and_shown_with_it(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    form = {
        "name": "Conseil départemental",
        "kind": "department",
        "agreed_amount": "38 070,00",
        "agreed_every_months": "3",
        "agreed_until": "2027-12",
    }
    added = await post_form(client, staff, f"{PAGE}/financeurs", form, page=PAGE)
    assert added.status_code == 303, added.text[:3000]
    source = await _source(db, "Conseil départemental")
    assert agreement_of(source) == Agreement(3_807_000, 3, "2027-12")
    shown = html.unescape((await client.get(added.headers["location"], headers=staff)).text)
    assert "38\u202f070,00\u00a0€ tous les 3 mois, jusqu’en décembre 2027" in shown
    english = html.unescape((await client.get(PAGE, headers={**staff, "Accept-Language": "en"})).text)
    assert "38,070.00 every 3 months, until December 2027" in english and "Grant agreement" in english

    # Without the agreement's fields, a funder has none (the fixture's city too).
    plain = {"name": "Ville de Foix", "kind": "city"}
    assert (await post_form(client, staff, f"{PAGE}/financeurs", plain, page=PAGE)).status_code == 303
    assert agreement_of(await _source(db, "Ville de Foix")) is None
    assert "Aucune" in (await client.get(PAGE, headers=staff)).text


async def test_an_agreement_is_recorded_replaced_and_cleared_on_the_funders_page(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    admin = money_pages.headers["admin"]
    listing = await client.get(PAGE, headers=admin)
    found = FUNDER_LINK.search(listing.text)
    assert found is not None, listing.text[:3000]
    funder = f"{PAGE}/financeurs/{found.group(1)}"
    page = await client.get(funder, headers=admin)
    assert page.status_code == 200 and "Enregistrer la convention" in page.text
    assert "Retirer la convention" not in page.text  # nothing to clear yet

    typed = {"amount": "1200", "every_months": "1", "until": "06/2027"}
    recorded = await post_form(client, admin, f"{funder}/convention", typed, page=funder)
    assert recorded.status_code == 303 and recorded.headers["location"].endswith("?fait=convention")
    shown = html.unescape((await client.get(recorded.headers["location"], headers=admin)).text)
    assert "La convention est enregistrée : 1\u202f200,00\u00a0€ chaque mois, jusqu’en juin 2027." in shown
    assert 'value="1200,00"' in shown and 'value="2027-06"' in shown  # the form shows it again
    source = await db.get(SubsidySource, int(found.group(1)))
    assert source is not None
    await db.refresh(source)
    assert agreement_of(source) == Agreement(120_000, 1, "2027-06")

    open_ended = {"amount": "5 000", "every_months": "12", "until": ""}
    assert (
        await post_form(client, admin, f"{funder}/convention", open_ended, page=funder)
    ).status_code == 303
    await db.refresh(source)
    assert agreement_of(source) == Agreement(500_000, 12, None)
    assert "sans date de fin" in html.unescape((await client.get(funder, headers=admin)).text)

    for _ in range(2):  # cleared twice: the second finds nothing to clear
        cleared = await post_form(client, admin, f"{funder}/convention/retirer", {}, page=funder)
        assert cleared.status_code == 303 and cleared.headers["location"].endswith("?fait=retiree")
    await db.refresh(source)
    assert agreement_of(source) is None
    said = html.unescape((await client.get(cleared.headers["location"], headers=admin)).text)
    assert "La convention est retirée" in said and "Aucune convention enregistrée." in said


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount": ""}, "amount", "Saisissez le montant de chaque versement"),
        ({"amount": "0"}, "amount", "plus de 0"),
        ({"amount": "12,345"}, "amount", "au plus 2 décimales"),
        ({"every_months": ""}, "every_months", "de 1 à 120"),
        ({"every_months": "0"}, "every_months", "de 1 à 120"),
        ({"every_months": "121"}, "every_months", "de 1 à 120"),
        ({"every_months": "³"}, "every_months", "de 1 à 120"),
        ({"until": "décembre"}, "until", "Saisissez le dernier mois"),
        ({"until": "2027-13"}, "until", "Saisissez le dernier mois"),
        ({"until": "2025-12"}, "until", "La caisse a commencé en janvier 2026"),
    ],
)
async def test_a_bad_agreement_is_answered_next_to_its_field_and_records_nothing(
    client: Client,
    db: AsyncSession,
    money_pages: PayoutWorld,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    staff = money_pages.headers["staff"]
    good = {"amount": "38070", "every_months": "3", "until": "2027-12"}
    # On the form adding a funder, the same fields prefixed "agreed_".
    added = {f"agreed_{k}": v for k, v in {**good, **change}.items()}
    answer = await post_form(
        client, staff, f"{PAGE}/financeurs", {"name": "Région", "kind": "region", **added}, page=PAGE
    )
    assert answer.status_code == 422, answer.text[:3000]
    assert message in html.unescape(answer.text)
    assert f'id="error-f-agreed_{field}"' in answer.text and 'value="Région"' in answer.text
    assert await db.scalar(select(SubsidySource).where(SubsidySource.name == "Région")) is None

    source_id = await _fixture_funder(db, money_pages)
    funder = f"{PAGE}/financeurs/{source_id}"
    answer = await post_form(client, staff, f"{funder}/convention", {**good, **change}, page=funder)
    assert answer.status_code == 422 and message in html.unescape(answer.text), answer.text[:3000]
    assert f'id="error-a-{field}"' in answer.text and 'aria-invalid="true"' in answer.text
    source = await db.get(SubsidySource, source_id)
    assert source is not None
    await db.refresh(source)
    assert agreement_of(source) is None


async def test_only_this_caisses_staff_change_an_agreement(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    staff = money_pages.headers["staff"]
    source_id = await _fixture_funder(db, money_pages)
    funder = f"{PAGE}/financeurs/{source_id}"
    token, _key = await open_form(client, staff, funder)
    typed = {"amount": "100", "every_months": "1", "until": ""}
    for who in ("outsider", "member", "outlet", "ferme", "official", "nobody"):
        headers = money_pages.headers[who]
        assert (await client.get(funder, headers=headers)).status_code == 403, who
        for path in (f"{funder}/convention", f"{funder}/convention/retirer"):
            assert (await post_form(client, headers, path, typed, token=token)).status_code == 403, who
    # Without the CSRF token: refused.
    refused = await client.post(f"{funder}/convention", data=typed, headers=staff, follow_redirects=False)
    assert refused.status_code == 403
    # A funder that is not this caisse's: not found.
    assert (await client.get(f"{PAGE}/financeurs/999999", headers=staff)).status_code == 404
    missing = await post_form(client, staff, f"{PAGE}/financeurs/999999/convention", typed, token=token)
    assert missing.status_code == 404
    source = await db.get(SubsidySource, source_id)
    assert source is not None and agreement_of(source) is None
