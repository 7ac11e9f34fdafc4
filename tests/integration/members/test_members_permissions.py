"""Who may do what on the members routes: 401 anonymous, 403 other roles, 404 someone else's household."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.periods import caisse_today
from tests.integration.members.helpers import BASE, AddMember, household_payload, link_member_user

ROUTES = ["list", "create", "import", "read own", "read other", "change own", "change other", "status", "me"]
STAFF_LIKE = {
    "list": 200, "create": 201, "import": 201, "read own": 200, "read other": 200,
    "change own": 200, "change other": 200, "status": 200, "me": 403,
}
EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": dict.fromkeys(ROUTES, 401),
    "committee": dict.fromkeys(ROUTES, 403),
    "official": dict.fromkeys(ROUTES, 403),
    "outlet": dict.fromkeys(ROUTES, 403),
    "outsider": dict.fromkeys(ROUTES, 403),  # staff of another caisse
    "nobody": dict.fromkeys(ROUTES, 403),
    "member": {
        "list": 403, "create": 403, "import": 403, "read own": 200, "read other": 404,
        "change own": 200, "change other": 404, "status": 403, "me": 200,
    },
    "admin": STAFF_LIKE,
    "staff": STAFF_LIKE,
    # A superuser holds every role, but has no household of their own.
    "superuser": {**STAFF_LIKE, "me": 404},
}
# Each caller allowed to change statuses makes the next legal move of the "other" household.
STATUS_MOVES = {"admin": "active", "staff": "suspended", "superuser": "active"}


async def test_every_members_route_answers_each_role_as_documented(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    own = await add_member(test_caisse, "Own household", applied_on=date(2026, 1, 5))
    other = await add_member(test_caisse, "Other household", applied_on=date(2026, 1, 5))
    await link_member_user(db, world, own)
    for role, expected in EXPECTED.items():
        headers = {} if role == "anonymous" else world.headers[role]
        csv = f"nom;adultes;revenu_mensuel;date_declaration\nImport {role};1;900;2026-01-10\n".encode()
        requests: dict[str, tuple[str, str, dict[str, Any]]] = {
            "list": ("GET", f"{BASE}/members", {}),
            "create": ("POST", f"{BASE}/members", {"json": household_payload(email=None)}),
            "import": ("POST", f"{BASE}/members/import",
                       {"content": csv, "headers": {**headers, "Content-Type": "text/csv"}}),
            "read own": ("GET", f"{BASE}/members/{own.code}", {}),
            "read other": ("GET", f"{BASE}/members/{other.code}", {}),
            "change own": ("PATCH", f"{BASE}/members/{own.code}", {"json": {"phone": "05 61 00 00 00"}}),
            "change other": ("PATCH", f"{BASE}/members/{other.code}", {"json": {"phone": "05 61 00 00 01"}}),
            "status": ("POST", f"{BASE}/members/{other.code}/status",
                       {"json": {"to": STATUS_MOVES.get(role, "left"), "effective_on": "2026-02-01"}}),
            "me": ("GET", f"{BASE}/me/household", {}),
        }
        for route, (method, url, options) in requests.items():
            options.setdefault("headers", headers)
            response = await client.request(method, url, **options)
            assert response.status_code == expected[route], (role, route, response.text)


async def test_a_member_sees_their_own_household_with_its_personal_data(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    own = await add_member(test_caisse, "Awa Diallo", email="awa@example.org", monthly_income_cents=123_456)
    await link_member_user(db, world, own)
    mine = await client.get(f"{BASE}/me/household", headers=world.headers["member"])
    assert mine.status_code == 200
    assert mine.json()["code"] == own.code and mine.json()["monthly_income_cents"] == 123_456
    by_code = await client.get(f"{BASE}/members/{own.code.lower()}", headers=world.headers["member"])
    assert by_code.status_code == 200


async def test_someone_elses_household_looks_exactly_like_an_unknown_one(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    own = await add_member(test_caisse, "Own")
    other = await add_member(test_caisse, "Other")
    await link_member_user(db, world, own)
    existing = await client.get(f"{BASE}/members/{other.code}", headers=world.headers["member"])
    missing = await client.get(f"{BASE}/members/T-999999", headers=world.headers["member"])
    assert existing.status_code == missing.status_code == 404
    detail = existing.json()["detail"].replace(other.code, "X")
    assert detail == missing.json()["detail"].replace("T-999999", "X")


async def test_a_member_changes_only_their_contact_and_chosen_contribution(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    own = await add_member(test_caisse, "Own", email="own@example.org")
    await link_member_user(db, world, own)
    headers, url = world.headers["member"], f"{BASE}/members/{own.code}"
    contact = await client.patch(url, json={"email": "new@example.org", "address": None}, headers=headers)
    assert contact.status_code == 200 and contact.json()["email"] == "new@example.org"
    income = await client.patch(url, json={"monthly_income": "10", "email": "x@example.org"}, headers=headers)
    assert income.status_code == 403 and "monthly_income" in income.json()["detail"]
    # Allowed to ask, but this caisse's grid sets the contribution.
    chosen = await client.patch(url, json={"chosen_contribution": "15"}, headers=headers)
    assert chosen.status_code == 422 and "members do not choose" in chosen.json()["detail"]
    after = await client.get(url, headers=headers)
    assert after.json()["email"] == "new@example.org" and after.json()["monthly_income_cents"] == 150_000


async def test_staff_change_income_and_composition(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse
) -> None:
    member = await add_member(test_caisse, "Foyer")
    url = f"{BASE}/members/{member.code}"
    response = await client.patch(
        url, json={"monthly_income": 1100.5, "children_under_14": 2}, headers=world.headers["staff"]
    )
    body = response.json()
    assert response.status_code == 200, response.text
    assert body["monthly_income_cents"] == 110050 and body["persons"] == 3
    assert body["income_declared_on"] == caisse_today().isoformat()  # a new income is a new declaration
    refused = await client.patch(url, json={"adults": 0, "status": "active"}, headers=world.headers["staff"])
    assert refused.status_code == 400  # status is not a field of PATCH: it has its own route
    refused = await client.patch(url, json={"adults": 0}, headers=world.headers["staff"])
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "adults"


async def test_a_member_is_not_told_which_household_uses_an_email(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    own = await add_member(test_caisse, "Own", email="own@example.org")
    other = await add_member(test_caisse, "Other", email="other@example.org")
    await link_member_user(db, world, own)
    url, taken = f"{BASE}/members/{own.code}", {"email": "Other@Example.org"}

    by_member = await client.patch(url, json=taken, headers=world.headers["member"])
    assert by_member.status_code == 409
    assert by_member.json()["detail"] == "This e-mail address cannot be used; ask the caisse's staff."
    assert other.code not in by_member.text and "other@example.org" not in by_member.text.lower()
    mine = await client.get(url, headers=world.headers["member"])
    assert mine.json()["email"] == "own@example.org"

    # Staff need to know which household it is, to sort the mix-up out.
    by_staff = await client.patch(url, json=taken, headers=world.headers["staff"])
    assert by_staff.status_code == 409 and other.code in by_staff.json()["detail"]
