"""Errors on web pages are HTML pages in the reader's language; the JSON API keeps its JSON errors."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.testing import TestClient

from caisse.http.errors import EXCEPTION_HANDLERS
from tests.conftest import World
from tests.integration.web.web_fixtures import Client
from web.app import template_config
from web.errors import by_path


def _is_html(response: Any) -> bool:
    return str(response.headers["content-type"]).startswith("text/html") and "<main" in response.text


async def test_unknown_page_is_an_html_404(world: World, client: Client) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404 and _is_html(response)
    assert "Page introuvable" in response.text and "Erreur 404" in response.text


async def test_bad_query_value_is_an_html_400(world: World, client: Client) -> None:
    response = await client.get("/c/test/decisions", params={"page": "0"})
    assert response.status_code == 400 and _is_html(response)
    assert "La demande n'est pas valide" in response.text


async def test_bad_month_is_a_422_page_naming_the_field(world: World, client: Client) -> None:
    for month in ("2027-13", "janvier", "2026-12"):  # the caisse starts in 2027-01
        response = await client.get("/c/test/transparence", params={"mois": month})
        assert response.status_code == 422 and _is_html(response)
        assert 'id="error-mois"' in response.text
        assert "pas avant janvier 2027" in response.text


async def test_wrong_method_is_an_html_405(world: World, client: Client) -> None:
    response = await client.delete("/c/test/lieux")
    assert response.status_code == 405 and _is_html(response)


async def test_error_pages_follow_the_language(world: World, client: Client) -> None:
    response = await client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in response.text and "Page not found" in response.text


async def test_api_errors_stay_json(world: World, client: Client) -> None:
    missing = await client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    anonymous = await client.get("/api/v1/me")
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "not_authenticated"
    forbidden = await client.get("/api/v1/caisses/test/reports/months/", headers=world.headers["outsider"])
    assert forbidden.status_code == 403 and forbidden.json()["error"] == "forbidden"


async def test_api_posts_need_no_csrf_token(world: World, client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": "staff@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 200


@get("/boom")
async def boom() -> str:
    raise RuntimeError("a bug")


@get("/api/boom")
async def api_boom() -> str:
    raise RuntimeError("a bug")


def test_a_crash_is_an_html_500_page_without_the_internal_message() -> None:
    app = Litestar(
        route_handlers=[boom, api_boom],
        template_config=template_config(),
        exception_handlers=by_path(EXCEPTION_HANDLERS),
    )
    with TestClient(app=app) as client:
        page = client.get("/boom")
        assert page.status_code == 500 and _is_html(page)
        assert "Un problème est survenu" in page.text and "a bug" not in page.text
        api = client.get("/api/boom")
        assert api.status_code == 500 and api.json()["error"] == "internal"
