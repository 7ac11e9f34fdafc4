"""The ballot routes: who may do what, validation, hidden results, receipts, the public log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.models import Ballot
from caisse.caisses.models import Caisse
from caisse.periods import caisse_today
from tests.integration.ballots.ballot_helpers import Voter, new_outlet, seat_committee

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/caisses/test/ballots"
PUBLIC = "/api/v1/public/caisses/test"
NOW_TERM = (caisse_today() - timedelta(days=30), caisse_today() + timedelta(days=365))


async def _committee(db: AsyncSession, world: Any, count: int = 3) -> list[Voter]:
    return await seat_committee(db, world.caisse_id, count, term=NOW_TERM)


async def _open(client: Client, world: Any, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"{BASE}", json={"title": "Motion", "kind": "motion", **body}, headers=world.headers["staff"]
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_staff_open_a_convene_ballot_on_an_outlet(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse
) -> None:
    await _committee(db, world)
    outlet = await new_outlet(db, test_caisse)
    body = await _open(client, world, kind="convene", outlet_id=outlet.id, title="Conventionner la ferme")
    assert (body["state"], body["outlet_name"], body["decision_rule"]) == (
        "open",
        outlet.name,
        "simple_majority",
    )
    assert body["participation"] == {"voted": 0, "eligible": 3, "recused": 0} and body["result"] is None
    opens = datetime.fromisoformat(body["opens_at"])
    assert datetime.fromisoformat(body["closes_at"]) - opens == timedelta(days=test_caisse.ballot_open_days)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quorum_percent": 0}, "quorum_percent"),
        ({"decision_rule": "simple_majority", "quorum_percent": 100}, None),
        ({"closes_at": (datetime.now(UTC) + timedelta(minutes=3)).isoformat()}, "closes_at"),
    ],
)
async def test_only_an_admin_opens_a_ballot_below_the_caisses_own_rules(
    client: Client,
    world: Any,
    db: AsyncSession,
    test_caisse: Caisse,
    change: dict[str, Any],
    field: str | None,
) -> None:
    await _committee(db, world)
    body = {"title": "Motion", "kind": "motion", **change}
    for role in ("committee", "staff"):
        answer = await client.post(f"{BASE}", json=body, headers=world.headers[role])
        if field is None:  # a stricter quorum than the caisse's is anyone's right
            assert answer.status_code == 201, answer.text
            return
        assert answer.status_code == 422, answer.text
        assert [p["field"] for p in answer.json()["problems"]] == [field]
        assert "only an administrator" in answer.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(Ballot)) == 0
    # The caisse's administrator may (a meeting's vote recorded afterwards, a rule changed by the statutes).
    assert (await client.post(f"{BASE}", json=body, headers=world.headers["admin"])).status_code == 201


async def test_a_smaller_qualified_fraction_asks_less_than_the_caisses(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse
) -> None:
    await _committee(db, world)
    test_caisse.ballot_decision_rule = "qualified_majority"  # type: ignore[assignment]
    test_caisse.ballot_qualified_numerator, test_caisse.ballot_qualified_denominator = 2, 3
    await db.commit()
    weaker = {"title": "M", "kind": "motion", "qualified_numerator": 3, "qualified_denominator": 5}
    answer = await client.post(f"{BASE}", json=weaker, headers=world.headers["committee"])
    assert answer.status_code == 422 and "decision_rule" in answer.text
    stronger = {**weaker, "qualified_numerator": 3, "qualified_denominator": 4}
    assert (
        await client.post(f"{BASE}", json=stronger, headers=world.headers["committee"])
    ).status_code == 201
    consent = {"title": "M", "kind": "motion", "decision_rule": "consent"}
    assert (await client.post(f"{BASE}", json=consent, headers=world.headers["committee"])).status_code == 201
    simple = {"title": "M2", "kind": "motion", "decision_rule": "simple_majority"}
    assert (await client.post(f"{BASE}", json=simple, headers=world.headers["committee"])).status_code == 422


@pytest.mark.parametrize("role", ["committee", "admin"])
async def test_the_committee_and_admins_open_ballots_too(
    client: Client, world: Any, db: AsyncSession, role: str
) -> None:
    await _committee(db, world)
    response = await client.post(
        f"{BASE}", json={"title": "Motion", "kind": "motion"}, headers=world.headers[role]
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("role", ["member", "outlet", "outsider", "nobody"])
async def test_other_roles_get_403_on_the_internal_routes(
    client: Client, world: Any, db: AsyncSession, role: str
) -> None:
    await _committee(db, world)
    ballot = await _open(client, world)
    headers = world.headers[role]
    assert (await client.get(f"{BASE}", headers=headers)).status_code == 403
    assert (await client.get(f"{BASE}/{ballot['id']}", headers=headers)).status_code == 403
    created = await client.post(f"{BASE}", json={"title": "x", "kind": "motion"}, headers=headers)
    assert created.status_code == 403
    assert (await client.post(f"{BASE}/{ballot['id']}/close", headers=headers)).status_code == 403
    voted = await client.post(f"{BASE}/{ballot['id']}/votes", json={"choice": "for"}, headers=headers)
    assert voted.status_code == 403 and "not on the committee roll of this ballot" in voted.json()["detail"]


async def test_officials_read_ballots_but_do_not_open_them(
    client: Client, world: Any, db: AsyncSession
) -> None:
    await _committee(db, world)
    ballot = await _open(client, world)
    headers = world.headers["official"]
    assert (await client.get(f"{BASE}/{ballot['id']}", headers=headers)).status_code == 200
    refused = await client.post(f"{BASE}", json={"title": "x", "kind": "motion"}, headers=headers)
    assert refused.status_code == 403


async def test_anonymous_callers_get_401(client: Client, world: Any) -> None:
    assert (await client.get(f"{BASE}")).status_code == 401
    assert (await client.post(f"{BASE}/1/votes", json={"choice": "for"})).status_code == 401


async def test_every_bad_field_is_named_in_one_422_and_nothing_is_written(
    client: Client, world: Any, db: AsyncSession
) -> None:
    await _committee(db, world)
    body = {
        "title": " ", "kind": "referendum", "opens_at": "2027-03-01T09:00:00", "closes_at": "soon",
        "decision_rule": "unanimity", "qualified_numerator": 1, "qualified_denominator": 3,
        "quorum_percent": 150,
    }  # fmt: skip
    response = await client.post(f"{BASE}", json=body, headers=world.headers["staff"])
    assert response.status_code == 422, response.text
    fields = [p["field"] for p in response.json()["problems"]]
    assert fields == [
        "title", "kind", "opens_at", "closes_at", "decision_rule", "qualified_numerator", "quorum_percent",
    ]  # fmt: skip
    assert await db.scalar(select(func.count()).select_from(Ballot)) == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "convene"}, "outlet_id", "give its id"),
        ({"kind": "motion", "outlet_id": 1}, "outlet_id", "leave outlet_id out"),
        ({"kind": "convene", "outlet_id": 999}, "outlet_id", "no outlet 999"),
        ({"kind": "convene", "outlet_id": 10**30}, "outlet_id", "not an outlet id"),
        ({"kind": "motion", "quorum_percent": 10**30}, "quorum_percent", "0 to 100"),
        ({"kind": "motion", "opens_at": "2020-01-01T00:00:00Z"}, "opens_at", "in the past"),
        ({"kind": "motion", "closes_at": "2020-01-01T00:00:00+01:00"}, "closes_at", "after the opening"),
        ({"kind": "motion", "rule_set": {"effective_from": "2027-13"}}, "rule_set", "exactly one"),
        ({"kind": "motion", "rule_set": {"effective_from": "2026-06", "preset": "lyon-8e"}},
         "rule_set.effective_from", "starts in 2027-01"),
        ({"kind": "convene", "outlet_id": 1, "rule_set": {"effective_from": "2027-06", "preset": "lyon-8e"}},
         "rule_set", "only a motion"),
    ],
)  # fmt: skip
async def test_a_bad_ballot_is_a_422_naming_the_field(
    client: Client,
    world: Any,
    db: AsyncSession,
    test_caisse: Caisse,
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    await _committee(db, world)
    await new_outlet(db, test_caisse)
    response = await client.post(
        f"{BASE}", json={"title": "Question", **body}, headers=world.headers["staff"]
    )
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert any(p["field"] == field and message in p["message"] for p in problems), problems


@pytest.mark.parametrize(
    "body",
    [
        {"title": 5, "kind": "motion"},
        {"title": "x", "kind": "motion", "colour": "red"},
        {"kind": "motion"},
        {"title": "x", "kind": "motion", "quorum_percent": "half"},
    ],
)
async def test_a_malformed_body_is_refused_naming_the_field_never_a_500(
    client: Client, world: Any, body: dict[str, Any]
) -> None:
    response = await client.post(f"{BASE}", json=body, headers=world.headers["staff"])
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid"


async def test_an_outlet_decision_its_status_does_not_allow_is_a_409_naming_the_allowed_ones(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse
) -> None:
    await _committee(db, world)
    outlet = await new_outlet(db, test_caisse)
    response = await client.post(
        f"{BASE}",
        json={"title": "Suspendre", "kind": "suspend", "outlet_id": outlet.id},
        headers=world.headers["staff"],
    )
    assert response.status_code == 409
    assert "allowed now: review, convene, reject" in response.json()["detail"]


async def test_results_stay_hidden_until_the_close_then_receipts_verify(
    client: Client, world: Any, db: AsyncSession
) -> None:
    voters = await _committee(db, world)
    ballot = await _open(client, world)
    url = f"{BASE}/{ballot['id']}"
    codes = []
    for voter, choice in zip(voters[:2], ["for", "against"], strict=True):
        response = await client.post(f"{url}/votes", json={"choice": choice}, headers=voter.headers)
        assert response.status_code == 201, response.text
        assert choice not in response.text
        codes.append(response.json()["receipt_code"])
    for reader in ("staff", "admin", "committee", "official"):
        seen = await client.get(url, headers=world.headers[reader])
        assert seen.json()["participation"] == {"voted": 2, "eligible": 3, "recused": 0}
        assert seen.json()["result"] is None and "_count" not in seen.text
        listed = await client.get(f"{BASE}?state=open", headers=world.headers[reader])
        assert listed.json()["total"] == 1 and "_count" not in listed.text
    assert (await client.get(f"{PUBLIC}/ballots/{ballot['id']}/receipts/{codes[0]}")).status_code == 409
    assert (await client.post(f"{url}/close", headers=world.headers["committee"])).status_code == 409
    last = await client.post(f"{url}/votes", json={"choice": "abstain"}, headers=voters[2].headers)
    codes.append(last.json()["receipt_code"])
    closed = await client.post(f"{url}/close", headers=world.headers["committee"])
    assert closed.status_code == 200, closed.text
    result = closed.json()["result"]
    assert (result["outcome"], result["for_count"], result["against_count"], result["abstain_count"]) == (
        "rejected", 1, 1, 1,
    )  # fmt: skip
    assert result["receipts"] == result["votes_cast"] == 3 and result["quorum_met"] is True
    for code in codes:
        checked = await client.get(f"{PUBLIC}/ballots/{ballot['id']}/receipts/{code}")
        assert checked.status_code == 200 and checked.json() == {
            "ballot_id": ballot["id"], "counted": True, "outcome": "rejected",
        }  # fmt: skip
    made_up = await client.get(f"{PUBLIC}/ballots/{ballot['id']}/receipts/abc-made-up")
    assert made_up.json()["counted"] is False


async def test_a_voter_sees_whether_they_voted_and_cannot_vote_twice(
    client: Client, world: Any, db: AsyncSession
) -> None:
    voters = await _committee(db, world, 2)
    ballot = await _open(client, world)
    url = f"{BASE}/{ballot['id']}"
    before = (await client.get(f"{url}/me", headers=voters[0].headers)).json()
    assert (before["on_roll"], before["has_voted"], before["can_vote_now"]) == (True, False, True)
    assert (
        await client.post(f"{url}/votes", json={"choice": "for"}, headers=voters[0].headers)
    ).status_code == 201
    again = await client.post(f"{url}/votes", json={"choice": "for"}, headers=voters[0].headers)
    assert again.status_code == 409 and "already voted" in again.json()["detail"]
    after = (await client.get(f"{url}/me", headers=voters[0].headers)).json()
    assert (after["has_voted"], after["can_vote_now"]) == (True, False)
    off_roll = (await client.get(f"{url}/me", headers=world.headers["staff"])).json()
    assert off_roll["on_roll"] is False and "not on the committee roll" in off_roll["reason"]
    bad = await client.post(f"{url}/votes", json={"choice": "yes"}, headers=voters[1].headers)
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "choice"


async def test_only_staff_cancel_and_the_reason_is_required(
    client: Client, world: Any, db: AsyncSession
) -> None:
    await _committee(db, world)
    ballot = await _open(client, world)
    url = f"{BASE}/{ballot['id']}/cancel"
    assert (
        await client.post(url, json={"reason": "x"}, headers=world.headers["committee"])
    ).status_code == 403
    assert (await client.post(url, json={"reason": ""}, headers=world.headers["staff"])).status_code == 422
    done = await client.post(url, json={"reason": "Question retirée"}, headers=world.headers["staff"])
    assert done.status_code == 200 and done.json()["state"] == "cancelled"
    assert done.json()["result"]["for_count"] is None
    again = await client.post(url, json={"reason": "again"}, headers=world.headers["staff"])
    assert again.status_code == 409


async def test_unknown_ballots_are_404_and_bad_ids_400(client: Client, world: Any) -> None:
    headers = world.headers["staff"]
    assert (await client.get(f"{BASE}/999", headers=headers)).status_code == 404
    assert (await client.get(f"{BASE}/0", headers=headers)).status_code == 400
    assert (await client.get(f"{BASE}?state=someday", headers=headers)).status_code == 422
    assert (await client.get(f"{PUBLIC}/ballots/999/receipts/abc")).status_code == 404


async def test_the_public_decision_log_has_counts_and_outcomes_but_no_person(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await _committee(db, world, 2)
    outlet = await new_outlet(db, test_caisse)
    first = await _open(client, world, kind="convene", outlet_id=outlet.id, title="Conventionner la ferme")
    for voter in voters:
        await client.post(f"{BASE}/{first['id']}/votes", json={"choice": "for"}, headers=voter.headers)
    assert (
        await client.post(f"{BASE}/{first['id']}/close", headers=world.headers["staff"])
    ).status_code == 200
    second = await _open(client, world, title="Motion retirée")
    await client.post(
        f"{BASE}/{second['id']}/cancel", json={"reason": "retirée"}, headers=world.headers["staff"]
    )
    await _open(client, world, title="Still open")

    log = await client.get(f"{PUBLIC}/decisions")
    assert log.status_code == 200, log.text
    page = log.json()
    assert page["total"] == 2 and [i["title"] for i in page["items"]] == [
        "Motion retirée",
        "Conventionner la ferme",
    ]
    convene = page["items"][1]
    assert (convene["outcome"], convene["outlet_name"], convene["for_count"], convene["quorum_met"]) == (
        "passed", outlet.name, 2, True,
    )  # fmt: skip
    assert convene["effect"].startswith("outlet conventioned from")
    assert not [key for key in convene if "user" in key or "by" in key.split("_")]
    for voter in voters:
        assert voter.name not in log.text and voter.email not in log.text
    for name in ("Staff", "Committee", "staff@example.org"):
        assert name not in log.text
    paged = (await client.get(f"{PUBLIC}/decisions?limit=1&offset=1")).json()
    assert [i["title"] for i in paged["items"]] == ["Conventionner la ferme"]
    assert (await client.get("/api/v1/public/caisses/nowhere/decisions")).status_code == 404


async def test_a_ballot_opening_later_refuses_votes_until_then(
    client: Client, world: Any, db: AsyncSession
) -> None:
    voters = await _committee(db, world, 1)
    opens = datetime.now(UTC) + timedelta(days=2)
    ballot = await _open(client, world, opens_at=opens.isoformat())
    assert ballot["state"] == "upcoming"
    response = await client.post(
        f"{BASE}/{ballot['id']}/votes", json={"choice": "for"}, headers=voters[0].headers
    )
    assert response.status_code == 409 and "Voting opens at" in response.json()["detail"]


@pytest.mark.parametrize(
    ("who", "status"), [("outsider", 403), ("member", 403), ("outlet", 403), ("official", 200)]
)
async def test_asking_about_ones_participation_needs_a_ballot_reading_role(
    client: Client, world: Any, db: AsyncSession, who: str, status: int
) -> None:
    """Another caisse's staff or a member learned nothing useful, but read a ballot of this caisse."""
    await _committee(db, world)
    ballot = await _open(client, world)
    response = await client.get(f"{BASE}/{ballot['id']}/me", headers=world.headers[who])
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [({"title": "Motion\x00"}, "title"), ({"description": "ligne 1\r\nligne\x00 2"}, "description")],
)
async def test_control_characters_in_a_ballots_text_are_a_422_naming_the_field(
    client: Client, world: Any, db: AsyncSession, body: dict[str, str], field: str
) -> None:
    await _committee(db, world)
    response = await client.post(
        f"{BASE}", json={"title": "Motion", "kind": "motion", **body}, headers=world.headers["staff"]
    )
    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["problems"]] == [field]
    assert await db.scalar(select(func.count()).select_from(Ballot)) == 0


async def test_a_multi_line_description_is_kept_and_a_cancel_reason_with_nul_is_a_422(
    client: Client, world: Any, db: AsyncSession
) -> None:
    await _committee(db, world)
    ballot = await _open(client, world, description="Premier point.\r\nSecond point.")
    assert ballot["description"] == "Premier point.\r\nSecond point."
    url = f"{BASE}/{ballot['id']}/cancel"
    refused = await client.post(url, json={"reason": "a\x00b"}, headers=world.headers["staff"])
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "reason"
    assert (
        await client.post(url, json={"reason": "Erreur"}, headers=world.headers["staff"])
    ).status_code == 200
