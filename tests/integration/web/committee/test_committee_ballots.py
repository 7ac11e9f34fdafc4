"""The committee's ballot pages: opening a ballot, voting with a receipt shown once, one person one
vote, recusal said in plain words, closing that binds (the outlet is conventioned and can take
payments), the receipt check, and bad input answered next to its field with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.models import Ballot, BallotTally
from caisse.outlets.conventioning import outlet_can_take_payments
from caisse.outlets.models import Outlet, OutletStatus
from caisse.periods import caisse_today
from tests.conftest import World
from tests.integration.web.committee.committee_helpers import (
    BALLOT_URL,
    RECEIPT,
    Committee,
    build_committee,
    post_form,
)
from tests.integration.web.web_fixtures import Client

NEW = "/c/test/comite/scrutins/nouveau"


@pytest.fixture
async def committee(db: AsyncSession, world: World) -> Committee:
    return await build_committee(db, world)


def _ballot_form(outlet: int, **changes: str) -> dict[str, str]:
    closes = caisse_today() + timedelta(days=8)  # the caisse's ballots stay open 7 days at least
    form = {
        "kind": "convene", "outlet_id": str(outlet), "title": "Conventionner l'Épicerie du Foirail",
        "description": "Épicerie associative\nProduits du Couserans", "closes_on": closes.isoformat(),
        "closes_time": "18:00", "decision_rule": "simple_majority", "quorum_percent": "50",
    }  # fmt: skip
    return {**form, **changes}


async def _open(client: Client, committee: Committee, headers: dict[str, str]) -> int:
    opened = await post_form(client, headers, NEW, NEW, _ballot_form(committee.outlet_id))
    assert opened.status_code == 303, opened.text
    found = BALLOT_URL.search(opened.headers["location"])
    assert found is not None
    return int(found.group(1))


async def _vote(client: Client, headers: dict[str, str], ballot_id: int, choice: str) -> object:
    page = f"/c/test/comite/scrutins/{ballot_id}"
    return await post_form(client, headers, page, f"{page}/vote", {"choice": choice})


async def test_a_ballot_voted_and_closed_on_the_pages_conventions_the_outlet(
    client: Client, db: AsyncSession, committee: Committee
) -> None:
    ballot_id = await _open(client, committee, committee.world.headers["staff"])
    page = f"/c/test/comite/scrutins/{ballot_id}"
    shown = await client.get(page, headers=committee.members[0])
    assert "Envoyer mon vote" in shown.text and "0 membres sur 3" in shown.text
    assert "<p>Produits du Couserans</p>" in shown.text  # the text's lines as paragraphs

    receipts = []
    for headers, choice in zip(committee.members, ["for", "for", "against"], strict=True):
        voted = await _vote(client, headers, ballot_id, choice)
        assert voted.status_code == 201  # type: ignore[attr-defined]
        assert "Votre vote est compté" in voted.text  # type: ignore[attr-defined]
        assert "no-store" in voted.headers["cache-control"]  # type: ignore[attr-defined]
        code = RECEIPT.search(voted.text)  # type: ignore[attr-defined]
        assert code is not None
        receipts.append(code.group(1))
        # The answer never says which way the vote went.
        assert "Pour" not in voted.text and "Contre" not in voted.text  # type: ignore[attr-defined]

    # One person, one vote: the same member again is refused, and the page says why.
    again = await _vote(client, committee.members[0], ballot_id, "against")
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "Une personne, une voix" in again.text  # type: ignore[attr-defined]

    # Before the close nobody sees the counts, not even staff.
    staff_view = await client.get(page, headers=committee.world.headers["staff"])
    assert "3 membres sur 3" in staff_view.text and "Clore et publier le résultat" in staff_view.text
    assert "Résultat" not in staff_view.text

    closed = await post_form(client, committee.members[1], page, f"{page}/cloture", {})
    assert closed.status_code == 303 and closed.headers["location"] == f"{page}?clos=1"
    result = await client.get(closed.headers["location"], headers=committee.members[1])
    assert "Le scrutin est clos et son résultat appliqué." in result.text
    assert "Adopté" in result.text and "3 votes exprimés sur 3 votant·es inscrit·es" in result.text

    db.expire_all()
    outlet = await db.get(Outlet, committee.outlet_id)
    assert outlet is not None and outlet.status is OutletStatus.CONVENTIONED
    assert await outlet_can_take_payments(db, committee.outlet_id, caisse_today())

    counted = await post_form(client, committee.members[2], page, f"{page}/recu", {"recu": receipts[2]})
    assert "Ce reçu a été compté dans le résultat." in counted.text
    unknown = await post_form(client, committee.members[2], page, f"{page}/recu", {"recu": "not-a-receipt"})
    assert "Aucun vote de ce scrutin n'a ce code de reçu" in unescape(unknown.text)

    closed_again = await post_form(client, committee.members[1], page, f"{page}/cloture", {})
    assert closed_again.status_code == 409 and "Ce scrutin est déjà clos." in closed_again.text


async def test_closing_is_refused_while_members_are_still_to_vote(
    client: Client, db: AsyncSession, committee: Committee
) -> None:
    ballot_id = await _open(client, committee, committee.members[0])
    page = f"/c/test/comite/scrutins/{ballot_id}"
    await _vote(client, committee.members[0], ballot_id, "for")
    early = await post_form(client, committee.members[0], page, f"{page}/cloture", {})
    assert early.status_code == 409 and "Le vote est en cours" in early.text
    ballot = await db.scalar(select(Ballot).where(Ballot.id == ballot_id))
    assert ballot is not None and ballot.closed_at is None


@pytest.mark.parametrize(
    ("who", "changes", "field", "message"),
    [
        ("member", {"title": "  "}, "title", "Donnez un titre au scrutin"),
        ("member", {"kind": "abolish"}, "kind", "Choisissez ce que le comité décide."),
        ("member", {"kind": "suspend"}, "outlet_id", "ne correspond pas au statut du lieu (candidat)."),
        ("member", {"outlet_id": "999999"}, "outlet_id", "Choisissez le lieu concerné par cette décision."),
        ("member", {"closes_on": "2020-01-01"}, "closes_on", "L'heure de clôture doit être dans le futur."),
        ("member", {"closes_on": "15/03/2027"}, "closes_on", "Écrivez le jour de clôture sous la forme"),
        ("member", {"closes_time": "25:99"}, "closes_on", "Écrivez le jour de clôture sous la forme"),
        ("member", {"title": "a\x00b"}, "title", "Un titre fait au plus 200 caractères"),
        # A committee member cannot shorten the vote below the caisse's 7 days…
        ("member", {"closes_on": (caisse_today() + timedelta(days=2)).isoformat()}, "closes_on",
         "Un scrutin de cette caisse reste ouvert au moins 7 jours"),
        # …nor lower the quorum: the form does not even offer it (the caisse's own quorum is used).
        ("admin", {"quorum_percent": "150"}, "quorum_percent", "Le quorum est un pourcentage entier"),
        ("admin", {"quorum_percent": "²"}, "quorum_percent", "Le quorum est un pourcentage entier"),
        ("admin", {"quorum_percent": "9" * 5000}, "quorum_percent", "Le quorum est un pourcentage entier"),
        ("admin", {"decision_rule": "dictator"}, "decision_rule", "Choisissez une règle de décision"),
    ],
)  # fmt: skip
async def test_a_bad_ballot_form_is_answered_next_to_the_field_and_opens_nothing(
    client: Client,
    db: AsyncSession,
    committee: Committee,
    who: str,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    headers = committee.members[0] if who == "member" else committee.world.headers["admin"]
    form = _ballot_form(committee.outlet_id, **changes)
    answer = await post_form(client, headers, NEW, NEW, form)
    assert answer.status_code == 422
    assert f'id="error-{field}"' in answer.text and message in unescape(answer.text)
    assert "Conventionner l'Épicerie du Foirail" in unescape(answer.text) or "title" in changes  # kept
    assert await db.scalar(select(func.count()).select_from(Ballot)) == 0


async def test_a_committee_member_opens_ballots_on_the_caisses_own_rules(
    client: Client, db: AsyncSession, committee: Committee
) -> None:
    form = await client.get(NEW, headers=committee.members[0])
    assert 'name="quorum_percent"' not in form.text and 'name="decision_rule"' not in form.text
    assert "avec un quorum de 50 % des membres appelés à voter" in unescape(form.text)
    # What a member might still send is not heard: the ballot is decided by the caisse's rules.
    sent = _ballot_form(committee.outlet_id, quorum_percent="0", decision_rule="simple_majority")
    opened = await post_form(client, committee.members[0], NEW, NEW, sent)
    assert opened.status_code == 303
    ballot = await db.scalar(select(Ballot))
    assert ballot is not None and ballot.quorum_percent == 50
    assert ballot.closes_at - ballot.opens_at >= timedelta(days=7)
    # The same form sent again (a double click, a reload) opens nothing more.
    again = await post_form(client, committee.members[0], NEW, NEW, sent)
    assert again.status_code == 303 and again.headers["location"] == opened.headers["location"]
    assert await db.scalar(select(func.count()).select_from(Ballot)) == 1
    admin_form = await client.get(NEW, headers=committee.world.headers["admin"])
    assert 'name="quorum_percent"' in admin_form.text


async def test_a_member_with_a_declared_link_is_recused_and_told_why(
    client: Client, db: AsyncSession, committee: Committee
) -> None:
    member = committee.members[0]
    declared = await post_form(
        client, member, "/c/test/comite/liens", "/c/test/comite/liens",
        {"outlet_id": str(committee.outlet_id), "nature": "family", "description": "Ma sœur y travaille"},
    )  # fmt: skip
    assert declared.status_code == 303
    links = await client.get("/c/test/comite/liens", headers=member)
    assert "Épicerie du Foirail" in links.text and "Un proche en est propriétaire" in links.text

    ballot_id = await _open(client, committee, committee.world.headers["staff"])
    shown = await client.get(f"/c/test/comite/scrutins/{ballot_id}", headers=member)
    assert "Vous êtes déporté·e de ce scrutin" in shown.text and "Envoyer mon vote" not in shown.text
    refused = await _vote(client, member, ballot_id, "for")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    tally = await db.scalar(select(BallotTally).where(BallotTally.ballot_id == ballot_id))
    assert tally is not None and (tally.for_count, tally.against_count, tally.abstain_count) == (0, 0, 0)

    twice = await post_form(
        client, member, "/c/test/comite/liens", "/c/test/comite/liens",
        {"outlet_id": str(committee.outlet_id), "nature": "owner", "description": ""},
    )  # fmt: skip
    assert twice.status_code == 409 and "Vous avez déjà déclaré un lien avec ce lieu" in twice.text


async def test_a_vote_without_a_choice_or_without_its_csrf_token_counts_nothing(
    client: Client, db: AsyncSession, committee: Committee
) -> None:
    ballot_id = await _open(client, committee, committee.members[0])
    empty = await _vote(client, committee.members[1], ballot_id, "")
    assert empty.status_code == 422 and "Choisissez pour, contre ou abstention." in empty.text  # type: ignore[attr-defined]
    forged = await client.post(
        f"/c/test/comite/scrutins/{ballot_id}/vote", data={"choice": "for"}, headers=committee.members[1]
    )
    assert forged.status_code == 403
    tally = await db.scalar(select(BallotTally).where(BallotTally.ballot_id == ballot_id))
    assert tally is not None and tally.for_count == 0


@pytest.mark.parametrize("who", ["member", "outlet", "official", "outsider", "nobody"])
async def test_the_committee_pages_are_refused_to_other_roles(
    client: Client, committee: Committee, who: str
) -> None:
    for path in ("/c/test/comite", "/c/test/comite/lieux", NEW, "/c/test/comite/tirages"):
        answer = await client.get(path, headers=committee.world.headers[who], follow_redirects=False)
        assert answer.status_code == 403, (who, path, answer.status_code)
