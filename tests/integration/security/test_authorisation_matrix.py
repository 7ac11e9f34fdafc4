"""The authorisation matrix: every route of the app (from Litestar's route table) called by every caller —
anonymous, each role of caisse "test", a superuser, a user without any role, and the staff and the admin
of another caisse — and checked against the decision in `authz_table.ROUTES`.

Then the leaks across caisses and between neighbours: every route whose path names an object is called
with the other caisse's object under "test" (and with "test"'s under "other", by the other caisse's own
users), and, for an outlet's and a household's user, with the neighbouring outlet's or household's object;
each must be refused (403) or not found (404), never answered.

Each test builds its world once and gathers every mismatch before failing, so one run lists them all.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.routes import HTTPRoute
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.periods import caisse_today
from tests.conftest import World
from tests.integration.security.authz_access import CALLERS, OTHER_CAISSE, Access
from tests.integration.security.authz_table import ROUTES
from tests.integration.security.authz_world import PIN, AuthzWorld, CaisseObjects, build_authz_world
from tests.integration.web.web_fixtures import Client, form_token

PARAMETER = re.compile(r"\{(\w+):\w+\}")
# Not parameters naming an object of a caisse: the caisse itself, months, years, file names.
NOT_OBJECTS = {"slug", "month", "year", "name", "file_path", "path"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = {"403", "404"}
# Small enough to finish in a moment; the officials' pages' own tests use the same figures.
TINY_RUN = {
    "base": "montpellier", "name": "Matrice", "months": "3", "paths": "20", "seed": "5",
    "contribution_percent": "100", "allocation_percent": "100", "subsidy_percent": "100",
    "take_up_percent": "20", "initial_reserve": "50 000", "operating_costs": "3000", "extra_subsidy": "0",
    "extra_subsidy_renewal_percent": "100",
}  # fmt: skip


def route_table(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    """(method, path template) -> handler, for every HTTP route; without the OPTIONS answers Litestar
    adds to every path by itself."""
    table: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method == "OPTIONS" and handler.handler_name == "options_handler":
                continue
            table[(method, route.path)] = handler
    return table


def is_page(template: str) -> bool:
    return not template.startswith(("/api/", "/schema", "/static/"))


def fill(template: str, objects: CaisseObjects, access: Access, **swap: str) -> str:
    """The template with the objects' ids (`swap`: a parameter's value taken from elsewhere)."""

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if name in swap:
            return swap[name]
        return objects.params[access.params.get(name, name)]

    return PARAMETER.sub(value, template)


def object_parameters(template: str) -> list[str]:
    return [name for name in PARAMETER.findall(template) if name not in NOT_OBJECTS]


def outcome(response: Response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        login = response.headers.get("location", "").startswith("/connexion")
        return f"{status} login" if login else str(status)
    if status == 403 and "security token" in response.text:
        return "403 csrf"
    return str(status)


class Caller:
    """Sends a route's request as one caller: JSON to the API, a form with its CSRF token to a page."""

    def __init__(self, client: Client, aw: AuthzWorld, csrf: str) -> None:
        self.client, self.aw, self.csrf = client, aw, csrf

    async def __call__(
        self, caller: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Response:
        headers = self.aw.headers.get(caller, {})
        sent: dict[str, Any] = {}
        if method in WRITES and method != "DELETE":
            sent = {"json": body or {}}
            if is_page(path):
                sent = {"data": {"_csrf_token": self.csrf, **(body or {})}}
        return await self.client.request(method, path, headers=headers, follow_redirects=False, **sent)


def in_call_order(keys: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Reads first, then writes, then deletions: a write cannot change what a read of the same run
    expects, and a deletion comes after everything that uses what it deletes."""
    rank = {"GET": 0, "HEAD": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}
    yield from sorted(keys, key=lambda key: rank[key[0]])


async def finished_runs(client: Client, aw: AuthzWorld, csrf: str) -> None:
    """A tiny forecast run to its end in each caisse, for the pages and exports of a finished run."""
    for objects, caller in ((aw.test, "official"), (aw.other, "other_admin")):
        headers = aw.headers[caller]
        started = await client.post(
            f"/c/{objects.slug}/simulations/nouvelle", data={"_csrf_token": csrf, **TINY_RUN}, headers=headers
        )
        assert started.status_code == 200 and started.history, started.text[:500]
        location = started.history[-1].headers["location"]
        objects.params["run_id"] = location.rstrip("/").rsplit("/", 1)[1]
        for _ in range(600):
            page = await client.get(location, headers=headers)
            if "Refresh" not in page.headers:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the run {location} never finished")


@pytest.fixture
async def authz(db: AsyncSession, world: World, client: Client) -> tuple[AuthzWorld, Caller]:
    aw = await build_authz_world(db, world)
    csrf = await form_token(client)
    await finished_runs(client, aw, csrf)
    return aw, Caller(client, aw, csrf)


def report(title: str, mismatches: list[str]) -> str:
    return f"{len(mismatches)} {title}:\n" + "\n".join(mismatches)


def undecided(app: Litestar) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(routes of the app without a decision, decisions for routes the app does not have)."""
    routes, decided = set(route_table(app)), set(ROUTES)
    return sorted(routes - decided), sorted(decided - routes)


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_every_route_has_a_decision(app: Litestar) -> None:
    without, gone = undecided(app)
    assert not without, (
        "routes without a decision in tests/integration/security/authz_table.py (say who may call them):\n"
        + "\n".join(f"  {method} {path}" for method, path in without)
    )
    assert not gone, "decisions for routes the app no longer has:\n" + "\n".join(
        f"  {method} {path}" for method, path in gone
    )


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_a_new_route_is_undecided_until_the_table_names_it(app: Litestar) -> None:
    @get("/api/v1/caisses/{slug:str}/something-new", sync_to_thread=False)
    def something_new(slug: FromPath[str]) -> str:
        return slug

    app.register(something_new)
    assert undecided(app) == ([("GET", "/api/v1/caisses/{slug:str}/something-new")], [])


@pytest.mark.parametrize("area", ["pages", "api"])
async def test_every_caller_gets_the_decided_answer_from_every_route(
    area: str, authz: tuple[AuthzWorld, Caller]
) -> None:
    aw, call = authz
    keys = [key for key in ROUTES if is_page(key[1]) == (area == "pages")]
    mismatches, calls = [], 0
    for method, template in in_call_order(keys):
        access = ROUTES[(method, template)]
        path = fill(template, aw.test, access)
        for caller in CALLERS:
            got = outcome(await call(caller, method, path))
            calls += 1
            wanted = access.expected(caller, page=is_page(template))
            if got != wanted:
                mismatches.append(f"  {method} {path} as {caller}: got {got}, decided {wanted}")
    assert calls == len(keys) * len(CALLERS)
    assert not mismatches, report(f"answers differ from the table ({calls} calls)", mismatches)


def _leaks(aw: AuthzWorld) -> Iterator[tuple[str, Access, str, str, str]]:
    """(caller, access, method, path, what) for every call naming an object its caller must not reach."""
    for method, template in in_call_order(list(ROUTES)):
        access = ROUTES[(method, template)]
        names = object_parameters(template)
        if not names or "{slug:str}" not in template:
            continue
        # The other caisse's objects under "test", to the callers "test" lets through.
        foreign = {name: aw.other.params[access.params.get(name, name)] for name in names}
        for caller in sorted(access.allowed):
            yield caller, access, method, fill(template, aw.test, access, **foreign), "other caisse's object"
        # "test"'s objects under "other", to the other caisse's own users.
        mine = {name: aw.test.params[access.params.get(name, name)] for name in names}
        for caller in OTHER_CAISSE:
            yield (
                caller,
                access,
                method,
                fill(template, aw.other, access, **mine),
                "object of 'test' under 'other'",
            )
        # A neighbour's household or outlet, to a household's or an outlet's user, where the route
        # lets them in for their own (not where it lets everyone in).
        peer = {name: aw.test.peer[name] for name in names if access.params.get(name, name) in aw.test.peer}
        for caller in ("member", "outlet"):
            if peer and caller in access.allowed and "nobody" not in access.allowed:
                yield caller, access, method, fill(template, aw.test, access, **peer), "neighbour's object"


async def test_no_caller_reaches_another_caisses_or_a_neighbours_objects(
    authz: tuple[AuthzWorld, Caller],
) -> None:
    aw, call = authz
    mismatches, calls = [], 0
    for caller, access, method, path, what in _leaks(aw):
        body = None if access.body is None else dict(access.body)
        got = outcome(await call(caller, method, path, body))
        calls += 1
        if got not in REFUSED:
            why = (
                " (stopped at validation: give the route a body in the table)"
                if got in {"400", "422"}
                else ""
            )
            mismatches.append(f"  {method} {path} as {caller}, {what}: got {got}{why}")
    assert calls > 0
    assert not mismatches, report(
        f"objects reached that must be refused or not found ({calls} calls)", mismatches
    )


def _named_elsewhere(aw: AuthzWorld) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(caller, method, path, body): calls under "test" naming the other caisse's object in their query
    or their body, by a caller "test" lets through."""
    other, mine = aw.other.params, aw.test.params
    api, today = "/api/v1/caisses/test", caisse_today()
    outlet, redemption = int(other["outlet_id"]), int(other["redemption_id"])
    return [
        ("staff", "GET", f"{api}/redemptions/available?outlet_id={other['outlet_id']}", None),
        ("staff", "GET", f"{api}/outlet-payments?outlet_id={other['outlet_id']}", None),
        ("staff", "GET", f"{api}/outlet-payments?member_code={other['code']}", None),
        ("staff", "GET", f"{api}/payments?member_code={other['code']}", None),
        ("staff", "POST", f"{api}/redemptions", {"outlet_id": outlet, "amount_cents": 100}),
        (
            "staff", "POST", f"{api}/payout-batches",
            {"execution_date": str(today + timedelta(days=2)), "redemption_ids": [redemption]},
        ),
        (
            "staff", "POST", f"{api}/payments",
            {"member_code": other["code"], "amount_cents": 100, "method": "cash", "received_on": str(today)},
        ),
        ("staff", "POST", f"{api}/lotteries/{mine['reference']}/volunteers", {"member_code": other["code"]}),
        (
            "committee", "POST", f"{api}/outlets/{mine['outlet_id']}/assessments",
            {"criterion_id": int(other["criterion_id"]), "value": True},
        ),
        ("committee", "POST", f"{api}/ballots", {"title": "Fin", "kind": "suspend", "outlet_id": outlet}),
        ("committee", "POST", f"{api}/committee/links", {"outlet_id": outlet, "nature": "owner"}),
        (
            "outlet", "POST", f"{api}/outlets/{mine['outlet_id']}/payments",
            {"member_code": other["code"], "pin": PIN, "amount_cents": 100, "idempotency_key": "matrice-x"},
        ),
        (
            "admin", "POST", f"{api}/grants",
            {"user_email": "nobody@example.org", "role": "outlet", "outlet_id": outlet},
        ),
    ]  # fmt: skip


async def test_an_object_of_another_caisse_named_in_a_query_or_a_body_is_not_found(
    authz: tuple[AuthzWorld, Caller],
) -> None:
    aw, call = authz
    mismatches = []
    for caller, method, path, body in _named_elsewhere(aw):
        response = await call(caller, method, path, body)
        detail = response.json().get("detail", "")
        # Not found, or refused as a field naming nothing of this caisse; a payment by the other
        # caisse's household's code and PIN is refused as an unknown code.
        refused = response.status_code in (404, 422) and "this caisse" in detail
        refused |= response.status_code == 403 and response.json()["error"] == "pin_refused"
        if not refused:
            mismatches.append(f"  {method} {path} {body} as {caller}: got {response.status_code} {detail}")
    assert not mismatches, report("objects of another caisse named in a query or a body", mismatches)
