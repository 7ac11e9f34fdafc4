"""The outlets before the committee: the applications list, an outlet's file with its criteria grid
filled in, a member's assessment (and its errors), and the lotteries' public record."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.committee.draws import announce_draw
from caisse.db.base import utcnow
from caisse.outlets.models import Assessment
from tests.conftest import World
from tests.integration.web.committee.committee_helpers import Committee, build_committee, post_form
from tests.integration.web.web_fixtures import Client


@pytest.fixture
async def committee(db: AsyncSession, world: World) -> Committee:
    return await build_committee(db, world)


def _file(committee: Committee) -> str:
    return f"/c/test/comite/lieux/{committee.outlet_id}"


async def test_an_application_is_listed_and_its_grid_filled_in_by_a_member(
    client: Client, db: AsyncSession, committee: Committee
) -> None:
    listed = await client.get("/c/test/comite/lieux", headers=committee.members[0])
    assert "Nouvelles candidatures" in listed.text and "Épicerie du Foirail" in listed.text

    page = _file(committee)
    before = await client.get(page, headers=committee.members[0])
    assert "Pas encore évalué." in before.text and "Score : 0 sur 100." in before.text
    assert "Ouvrir un scrutin : Conventionner un lieu" in before.text

    sent = await post_form(
        client, committee.members[0], page, f"{page}/evaluation",
        {"criterion_id": str(committee.criterion_id), "value": "yes", "evidence": "Visite du 12 mars",
         "evidence_url": ""},
    )  # fmt: skip
    assert sent.status_code == 303
    after = await client.get(page, headers=committee.members[1])
    assert "Rempli" in after.text and "Seat 0" in after.text and "Visite du 12 mars" in after.text
    assert (
        "Tous les critères obligatoires sont remplis." in unescape(after.text)
        and "Score : 100 sur 100." in after.text
    )


@pytest.mark.parametrize(
    ("value", "url", "field", "message"),
    [
        ("maybe", "", "value", "Répondez oui ou non."),
        ("yes", "javascript:alert(1)", "evidence-url", "Donnez une adresse web commençant par https://"),
    ],
)
async def test_a_bad_assessment_is_answered_next_to_its_field_and_records_nothing(
    client: Client, db: AsyncSession, committee: Committee, value: str, url: str, field: str, message: str
) -> None:
    page = _file(committee)
    sent = await post_form(
        client, committee.members[0], page, f"{page}/evaluation",
        {"criterion_id": str(committee.criterion_id), "value": value, "evidence": "vu", "evidence_url": url},
    )  # fmt: skip
    assert sent.status_code == 422
    assert f'id="error-{field}-{committee.criterion_id}"' in sent.text and message in sent.text
    assert ">vu</textarea>" in sent.text  # what was typed is kept
    assert await db.scalar(select(func.count()).select_from(Assessment)) == 0


async def test_staff_read_an_outlet_file_but_only_committee_members_assess(
    client: Client, db: AsyncSession, committee: Committee
) -> None:
    staff = committee.world.headers["staff"]
    page = _file(committee)
    shown = await client.get(page, headers=staff)
    assert shown.status_code == 200 and "Évaluer ce critère" not in shown.text
    # Staff get the page's token elsewhere: the form is not on their page.
    token_page = await client.get("/c/test/comite/liens", headers=staff)
    token = token_page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    refused = await client.post(
        f"{page}/evaluation", headers=staff,
        data={"criterion_id": str(committee.criterion_id), "value": "yes", "_csrf_token": token},
    )  # fmt: skip
    assert refused.status_code == 403
    assert await db.scalar(select(func.count()).select_from(Assessment)) == 0


async def test_another_caisses_outlet_is_not_found(client: Client, committee: Committee) -> None:
    answer = await client.get("/c/other/comite/lieux/1", headers=committee.members[0])
    assert answer.status_code in (403, 404)
    missing = await client.get("/c/test/comite/lieux/999999", headers=committee.members[0])
    assert missing.status_code == 404


async def test_a_lottery_shows_its_seed_commitment_and_quotas_before_the_draw(
    client: Client, db: AsyncSession, committee: Committee
) -> None:
    caisse = await db.get(Caisse, committee.world.caisse_id)
    assert caisse is not None
    now = utcnow()
    draw = await announce_draw(
        db, caisse, purpose="Comité 2027", description="", seats=2,
        dimensions={"income_band": ["low", "high"]},
        quotas=[({"income_band": "low"}, 1), ({"income_band": "high"}, 1)],
        closes_at=now + timedelta(days=10), now=now,
    )  # fmt: skip
    await db.commit()
    listed = await client.get("/c/test/comite/tirages", headers=committee.members[0])
    assert draw.reference in listed.text and "Comité 2027" in listed.text
    shown = await client.get(
        f"/c/test/comite/tirages/{draw.reference}", headers=committee.world.headers["staff"]
    )
    assert "révélée au moment du tirage" in shown.text and "income_band : low" in shown.text
    assert draw.seed not in shown.text  # the seed stays secret until the draw
    assert "Le tirage pourra être lancé une fois les inscriptions closes." in shown.text
    early = await post_form(
        client, committee.world.headers["staff"], f"/c/test/comite/tirages/{draw.reference}",
        f"/c/test/comite/tirages/{draw.reference}/tirage", {},
    )  # fmt: skip
    assert early.status_code == 409 and "Ce tirage ne peut pas être lancé maintenant" in early.text
