"""The staff's dashboard and households: each page renders, the search and filters, a household's
page, and who may see them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.spending.spend_helpers import SpendWorld
from tests.integration.web.staff.staff_helpers import STAFF
from tests.integration.web.web_fixtures import Client
from tests.ledger_checks import add_member


async def test_the_dashboard_says_where_the_caisse_stands(
    client: Client, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    page = await client.get(STAFF, headers=staff)
    assert page.status_code == 200, page.text
    text = page.text
    assert "Tableau de bord" in text and "Aucun mois n’est encore clôturé." in text
    assert "Clôturer janvier 2026" in text
    assert "/c/ssa/gestion/membres?statut=active" in text
    assert "Réserve (trésorerie)" in text and "Crédit alimentaire en circulation" in text
    english = await client.get(STAFF, headers={**staff, "Accept-Language": "en"})
    assert "Dashboard" in english.text and "Close January 2026" in english.text


async def test_the_household_list_searches_filters_and_pages(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    for n in range(30):
        await add_member(db, staff_world.caisse_id, f"SA-{100 + n}", name=f"Hélène Dupont {n}")
    await db.commit()
    listed = await client.get(f"{STAFF}/membres", headers=staff)
    assert listed.status_code == 200
    assert "35 foyers trouvés." in listed.text and "Page 1 sur 2" in listed.text
    found = await client.get(f"{STAFF}/membres?q=helene+dupont+2", headers=staff)
    assert "SA-102" in found.text and "SA-120" in found.text and "SA-101<" not in found.text
    any_status = await client.get(f"{STAFF}/membres?q=&statut=", headers=staff)  # the form's "any status"
    assert any_status.status_code == 200 and "35 foyers trouvés." in any_status.text
    left = await client.get(f"{STAFF}/membres?statut=left", headers=staff)
    assert "1 foyer trouvé." in left.text and "SA-4" in left.text
    second = await client.get(f"{STAFF}/membres?page=2&q=dupont", headers=staff)
    assert second.status_code == 200 and "Page 2 sur 2" in second.text
    for bad in ("?page=0", "?page=abc", "?q=" + "x" * 200):
        assert (await client.get(f"{STAFF}/membres{bad}", headers=staff)).status_code == 400, bad
    # An unknown status: the search form again, the problem next to the status field.
    assert (await client.get(f"{STAFF}/membres?statut=nobody", headers=staff)).status_code == 422
    none = await client.get(f"{STAFF}/membres?q=zzzz", headers=staff)
    assert "Aucun foyer ne correspond." in none.text


@pytest.fixture
def statements() -> Any:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


async def test_a_page_of_households_runs_the_same_statements_for_5_or_40_households(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str], statements: list[str]
) -> None:
    async def count() -> int:
        before = len(statements)
        assert (await client.get(f"{STAFF}/membres", headers=staff)).status_code == 200
        return len(statements) - before

    await count()  # the first request also stamps the token's last use
    few = await count()
    for n in range(35):
        await add_member(db, staff_world.caisse_id, f"SA-{200 + n}")
    await db.commit()
    assert await count() == few


async def test_a_household_page_shows_its_details_credit_and_history(
    client: Client, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    page = await client.get(f"{STAFF}/membres/SA-1", headers=staff)
    assert page.status_code == 200, page.text
    for expected in (
        "Foyer SA-1",
        "1\u202f500,00\u00a0€",
        "37,50\u00a0€",
        "100,00\u00a0€",
        "Historique des statuts",
    ):
        assert expected in page.text, expected
    assert (await client.get(f"{STAFF}/membres/sa-1", headers=staff)).status_code == 200
    assert (await client.get(f"{STAFF}/membres/SA-999", headers=staff)).status_code == 404
    left = await client.get(f"{STAFF}/membres/SA-4", headers=staff)
    assert "ne peut plus changer de statut" in left.text


@pytest.mark.parametrize(
    "path", ["", "/membres", "/membres/SA-1", "/membres/SA-1/modifier", "/membres/import", "/cloture"]
)
async def test_staff_pages_are_for_this_caisses_staff_and_admins(
    client: Client, staff_world: SpendWorld, path: str
) -> None:
    headers = staff_world.headers
    for who in ("staff", "admin", "superuser"):
        assert (await client.get(STAFF + path, headers=headers[who])).status_code == 200, who
    for who in ("outsider", "member", "till_a", "committee", "official", "nobody"):
        assert (await client.get(STAFF + path, headers=headers[who])).status_code == 403, who
    anonymous = await client.get(STAFF + path, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion")
    # The staff of another caisse reaches its own caisse's pages, not this one's.
    assert (
        await client.get("/c/other/gestion" + path.replace("SA-1", "O-1"), headers=headers["outsider"])
    ).status_code in (200, 404)


async def test_malformed_addresses_are_answered_with_a_4xx_page_never_a_500(
    client: Client, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    for path in (
        "/membres/SA-1%00", "/membres/%C3%A9%01", "/membres/" + "X" * 100, "/membres/SA-1%00/modifier",
        "/cloture/2026-13", "/cloture/%00", "/membres/import/" + "f" * 64, "/membres/import/%00",
        "/membres?page=-1", "/membres?q=%00", "/cloture?mois=%00",
    ):  # fmt: skip
        answer = await client.get(STAFF + path, headers=staff)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
        assert "<html" in answer.text


async def test_a_search_that_cannot_be_one_shows_the_form_with_the_problem_next_to_the_field(
    client: Client, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    for query, field in (("?q=Mar%00tin", "q"), ("?q=%ED%A0%80", "q"), ("?statut=flying", "statut")):
        answer = await client.get(f"{STAFF}/membres{query}", headers=staff)
        assert answer.status_code == 422, query
        assert f'id="error-{field}"' in answer.text and 'role="search"' in answer.text, query
        assert "foyers trouvés" not in answer.text and "SA-1" not in answer.text
    kept = await client.get(f"{STAFF}/membres?q=Mar%00tin", headers=staff)
    assert 'value="Martin"' in kept.text
