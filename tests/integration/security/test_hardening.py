"""Hardening (issue 6, item 6), one proof per point: production mode refuses development defaults,
request bodies are bounded (a 413 that says the limit, never a 500), every answer carries the
security headers and the pages' CSP allows no inline script, the CSV import takes only CSV text,
the login brake locks and lifts, and the cookies are HttpOnly, SameSite=Lax and Secure behind TLS.
The dependency audit (`make audit`) has its own tests in tests/unit/test_audit.py."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.app import MAX_REQUEST_BODY, create_app
from caisse.auth import service as auth
from caisse.auth.identify import SESSION_COOKIE
from caisse.auth.models import LoginFailure, Role, User
from caisse.auth.secrets import hash_password
from caisse.caisses.models import Caisse
from caisse.cli import main as cli
from caisse.db.base import utcnow
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.demo import DEMO_PASSWORD
from caisse.members.csv_import import MAX_BYTES
from caisse.members.models import Member
from caisse.settings import ProductionRefused, Settings
from tests.conftest import World
from tests.integration.web.web_fixtures import PASSWORD, csrf_token, form_token
from web.app import PAGE_CSP
from web.i18n import LANG_COOKIE
from web.pages.staff.people.importing import UPLOAD_LIMIT
from web.render import CSRF_COOKIE

Client = AsyncTestClient[Litestar]
TEMPLATES = Path(__file__).resolve().parents[3] / "web" / "templates"
API_LOGIN = "/api/v1/auth/login"
API_IMPORT = "/api/v1/caisses/test/members/import"
WEB_IMPORT = "/c/test/gestion/membres/import"
CSV = b"nom;adultes;revenu_mensuel;date_declaration\nAwa Diallo;1;900;2026-01-10\n"
GOOD_SECRET = "0123456789abcdef" * 4


def production(settings: Settings, **changes: Any) -> Settings:
    """The test database's settings in production mode, done right unless `changes` say otherwise."""
    values: dict[str, Any] = {"production": True, "secret_key": GOOD_SECRET, "secure_cookies": True}
    return dataclasses.replace(settings, **{**values, **changes})


async def new_password(db: AsyncSession, user_id: int) -> None:
    changed = hash_password("a password of its own")
    await db.execute(update(User).where(User.id == user_id).values(password_hash=changed))


async def start_refused(settings: Settings) -> str:
    """The message of the ProductionRefused the app raises when starting (the test client hands it
    over inside an exception group)."""
    try:
        async with AsyncTestClient(app=create_app(settings)):
            pass
    except BaseException as exc:
        pending: list[BaseException] = [exc]
        while pending:
            error = pending.pop()
            if isinstance(error, ProductionRefused):
                return str(error)
            pending += list(getattr(error, "exceptions", [])) + [e for e in (error.__cause__,) if e]
        raise
    raise AssertionError("the app started")


async def post_in_chunks(app: Litestar, path: str, chunks: list[bytes]) -> tuple[int, bytes]:
    """POST `chunks` straight to the app, without a Content-Length (the test client cannot stream)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    last = len(chunks) - 1
    events = [{"type": "http.request", "body": c, "more_body": i < last} for i, c in enumerate(chunks)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return events.pop(0) if events else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def cookie_header(response: Any, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {response.headers.get_list('set-cookie')}"
    return found[0]


def cookie_flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


# --- production mode --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"secret_key": ""}, "CAISSE_SECRET_KEY"),
        ({"secret_key": "too-short-a-secret"}, "CAISSE_SECRET_KEY"),
        ({"secure_cookies": False}, "CAISSE_SECURE_COOKIES"),
        ({"debug": True}, "CAISSE_DEBUG"),
        ({"echo_sql": True}, "CAISSE_ECHO_SQL"),
    ],
)
def test_production_mode_refuses_to_build_the_app_with_a_development_default(
    changes: dict[str, Any], variable: str
) -> None:
    settings = production(Settings(database_url="sqlite+aiosqlite:///:memory:"), **changes)
    with pytest.raises(ProductionRefused, match=variable) as refused:
        create_app(settings)
    assert "CAISSE_PRODUCTION=true refuses to start" in str(refused.value)


def test_production_mode_lists_every_problem_at_once_and_is_off_by_default() -> None:
    everything_wrong = Settings.from_env({"CAISSE_PRODUCTION": "true", "CAISSE_DEBUG": "true"})
    problems = " ".join(everything_wrong.production_problems())
    for variable in ("CAISSE_SECRET_KEY", "CAISSE_SECURE_COOKIES", "CAISSE_DEBUG"):
        assert variable in problems
    assert Settings.from_env({}).production is False
    assert Settings.from_env({"CAISSE_DEBUG": "true"}).production_problems() == []
    with pytest.raises(ValueError, match="CAISSE_PRODUCTION"):
        Settings.from_env({"CAISSE_PRODUCTION": "maybe"})


def test_serve_and_demo_commands_refuse_production_mode_with_defaults() -> None:
    runner = CliRunner()
    env = {"CAISSE_PRODUCTION": "true", "CAISSE_SECRET_KEY": "", "CAISSE_SECURE_COOKIES": "false"}
    served = runner.invoke(cli, ["serve", "--workers", "2"], env=env)
    assert served.exit_code == 1
    assert "CAISSE_SECRET_KEY" in served.output and "CAISSE_SECURE_COOKIES" in served.output
    # Even with everything else right, the demo's accounts have a published password.
    env = {"CAISSE_PRODUCTION": "true", "CAISSE_SECRET_KEY": GOOD_SECRET, "CAISSE_SECURE_COOKIES": "true"}
    demo = runner.invoke(cli, ["demo", "--if-empty"], env=env)
    assert demo.exit_code == 1 and "published password" in demo.output


async def test_production_mode_serves_when_set_up_right(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(production(settings))) as client:
        page = await client.get("/connexion")
    assert page.status_code == 200
    assert "secure" in cookie_flags(cookie_header(page, CSRF_COOKIE))
    assert page.headers["strict-transport-security"] == "max-age=31536000"


async def test_production_mode_refuses_to_start_while_a_demo_login_opens(
    settings: Settings, db: AsyncSession, world: World
) -> None:
    demo_admin = await auth.create_user(
        db, email="admin@demo.caisse-commune.fr", display_name="Alice Admin", password=DEMO_PASSWORD
    )
    await db.commit()
    refusal = await start_refused(production(settings))
    assert "admin@demo.caisse-commune.fr" in refusal
    # A household of the demo caisse with the demo's password is found too, whatever its e-mail.
    await new_password(db, demo_admin.id)
    await db.execute(update(Caisse).where(Caisse.id == world.caisse_id).values(slug="demo"))
    household = await auth.create_user(
        db, email="awa@example.net", display_name="Awa", password=DEMO_PASSWORD
    )
    await auth.grant_role(db, user_id=household.id, caisse_id=world.caisse_id, role=Role.COMMITTEE)
    await db.commit()
    refusal = await start_refused(production(settings))
    assert "awa@example.net" in refusal and "admin@demo" not in refusal
    await new_password(db, household.id)
    await db.commit()
    async with AsyncTestClient(app=create_app(production(settings))) as client:
        assert (await client.get("/")).status_code == 200


def test_serve_says_which_demo_login_opens_before_starting(settings: Settings) -> None:
    async def arrange() -> None:
        engine = make_engine(settings)
        async with make_sessionmaker(engine)() as session:
            await auth.create_user(
                session, email="lieu@demo.caisse-commune.fr", display_name="Louise", password=DEMO_PASSWORD
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(arrange())
    env = {
        "CAISSE_PRODUCTION": "true",
        "CAISSE_SECRET_KEY": GOOD_SECRET,
        "CAISSE_SECURE_COOKIES": "true",
        "CAISSE_DATABASE_URL": settings.database_url,
        "CAISSE_DATABASE_SCHEMA": settings.database_schema,
    }
    served = CliRunner().invoke(cli, ["serve"], env=env)
    assert served.exit_code == 1
    assert "lieu@demo.caisse-commune.fr" in served.output and "demo's password" in served.output


# --- request body limits ----------------------------------------------------------------------


def test_only_the_upload_routes_take_more_than_the_apps_body_limit(settings: Settings) -> None:
    app = create_app(settings)
    larger = {
        (route.path, method)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if isinstance(handler, HTTPRouteHandler)
        for method in handler.http_methods
        if (handler.resolve_request_max_body_size() or float("inf")) > MAX_REQUEST_BODY
    }
    assert larger == {
        ("/api/v1/caisses/{slug:str}/members/import", "POST"),
        ("/c/{slug:str}/gestion/membres/import", "POST"),
        ("/c/{slug:str}/gestion/membres/import/confirmer", "POST"),
    }


async def test_an_oversized_api_body_is_a_413_saying_the_limit(world: World, client: Client) -> None:
    body = b'{"email": "' + b"a" * MAX_REQUEST_BODY + b'"}'
    announced = await client.post(API_LOGIN, content=body, headers={"content-type": "application/json"})
    assert announced.status_code == 413
    assert announced.json() == {
        "error": "too_large",
        "detail": "The request's body is too large: this route takes at most 1 MB.",
    }

    # No Content-Length: the limit holds on the bytes as they arrive.
    status, answer = await post_in_chunks(client.app, API_LOGIN, [b"a" * (MAX_REQUEST_BODY // 2)] * 3)
    assert status == 413 and b"at most 1 MB" in answer
    # A body within the limit is read as usual.
    assert (await client.post(API_LOGIN, json={"email": "x@example.org", "password": "p"})).status_code == 401


async def test_an_oversized_form_is_a_413_page_saying_the_limit(world: World, client: Client) -> None:
    token = await form_token(client)
    answer = await client.post(
        "/connexion", data={"email": "a" * MAX_REQUEST_BODY, "password": "p", "_csrf_token": token}
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "Trop volumineux" in answer.text and "Au plus 1 Mo peut être envoyé ici." in answer.text


async def test_an_import_over_its_limit_is_a_413_naming_the_files_limit(world: World, client: Client) -> None:
    staff = {**world.headers["staff"], "content-type": "text/csv"}
    over_the_file_limit = await client.post(API_IMPORT, content=b"x" * (MAX_BYTES + 1), headers=staff)
    assert over_the_file_limit.status_code == 413
    assert "the limit is 5 MB" in over_the_file_limit.json()["detail"]
    over_the_route_limit = await client.post(API_IMPORT, content=b"x" * (7 * 1024 * 1024), headers=staff)
    assert over_the_route_limit.status_code == 413
    assert over_the_route_limit.json()["detail"].endswith("this route takes at most 5 MB.")

    token = csrf_token((await client.get(WEB_IMPORT, headers=world.headers["staff"])).text)
    page = await client.post(
        WEB_IMPORT,
        files={"fichier": ("foyers.csv", b"x" * UPLOAD_LIMIT, "text/csv")},
        data={"_csrf_token": token},
        headers=world.headers["staff"],
    )
    assert page.status_code == 413 and "Un fichier d’au plus 5 Mo peut être envoyé ici" in page.text


# --- security headers and the pages' CSP ------------------------------------------------------


@pytest.mark.parametrize("secure", [False, True])
async def test_every_answer_carries_the_security_headers(settings: Settings, secure: bool) -> None:
    app = create_app(dataclasses.replace(settings, secure_cookies=secure))
    async with AsyncTestClient(app=app) as client:
        answers = {
            "page": await client.get("/connexion"),
            "unknown page": await client.get("/nulle-part"),
            "api": await client.get("/api/v1/me"),
            "unknown api path": await client.get("/api/v1/nowhere"),
            "static file": await client.get("/static/site.css"),
            "api docs": await client.get("/schema/openapi.json"),
        }
    for what, answer in answers.items():
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff", what
        assert headers["referrer-policy"] == "same-origin", what
        assert headers["x-frame-options"] == "DENY", what
        assert "frame-ancestors 'none'" in headers["content-security-policy"], what
        assert headers.get("strict-transport-security") == ("max-age=31536000" if secure else None), what
    for what in ("page", "unknown page", "static file"):
        assert answers[what].headers["content-security-policy"] == PAGE_CSP, what
    assert answers["api"].headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_the_pages_csp_allows_no_inline_script_nor_outside_source() -> None:
    directives = dict(part.strip().split(" ", 1) for part in PAGE_CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in PAGE_CSP and "http" not in PAGE_CSP and "*" not in PAGE_CSP


# What the CSP would block in a template (and so break it), or what it exists to stop.
INLINE = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "a style element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
}


def test_no_template_holds_inline_script_handlers_or_styles() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in templates
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert found == []
    # The scan itself finds what it looks for.
    assert all(p.search(s) for p, s in zip(INLINE.values(), [
        "<script>x()</script>", '<button onclick="x()">', '<a href="javascript:x()">', "<style>",
        '<p style="color: red">',
    ], strict=True))  # fmt: skip


# --- upload types of the CSV import -----------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json", "application/x-www-form-urlencoded", "image/png", "application/octet-stream",
     "application/zip", "text/html"],
)  # fmt: skip
async def test_the_api_import_refuses_a_body_that_is_not_csv_text(
    world: World, client: Client, db: AsyncSession, content_type: str | None
) -> None:
    headers = dict(world.headers["staff"])
    if content_type is not None:
        headers["content-type"] = content_type
    answer = await client.post(API_IMPORT, content=CSV, headers=headers)
    if content_type is None:
        # httpx names no type for raw bytes; the import says which one it wants.
        assert "content-type" not in answer.request.headers
    assert answer.status_code == 415
    assert answer.json()["error"] == "unsupported_media_type"
    assert "Content-Type: text/csv" in answer.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(Member)) == 0


async def test_the_api_import_refuses_a_multipart_upload_and_binary_data(
    world: World, client: Client
) -> None:
    staff = world.headers["staff"]
    multipart = await client.post(API_IMPORT, files={"file": ("a.csv", CSV, "text/csv")}, headers=staff)
    assert multipart.status_code == 415
    for data, message in (
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data (NUL bytes)"),
        (b"PK\x03\x04" + CSV, "spreadsheet file (.xlsx/.ods)"),
        (b"nom;adultes\nA\x81\x8d;1\n", "not UTF-8 text"),
    ):
        answer = await client.post(API_IMPORT, content=data, headers={**staff, "content-type": "text/csv"})
        assert answer.status_code == 422 and message in answer.json()["detail"], data


@pytest.mark.parametrize(
    "content_type", ["text/csv; charset=utf-8", "text/plain", "application/vnd.ms-excel"]
)
async def test_the_api_import_takes_csv_under_the_names_spreadsheets_give_it(
    world: World, client: Client, content_type: str
) -> None:
    headers = {**world.headers["staff"], "content-type": content_type}
    answer = await client.post(API_IMPORT, content=CSV, headers=headers, params={"dry_run": "true"})
    assert answer.status_code == 200 and answer.json()["valid"] == 1


@pytest.mark.parametrize(
    ("data", "name", "kind", "message"),
    [
        (b"\x89PNG\r\n\x1a\n", "photo.png", "image/png", "Choisissez un fichier CSV"),
        (b"%PDF-1.7", "foyers.pdf", "application/pdf", "Choisissez un fichier CSV"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "foyers.csv", "text/csv", "pas du texte"),
        (b"PK\x03\x04xxxx", "foyers.xlsx", "application/octet-stream", "fichier de tableur"),
        (b"x" * (MAX_BYTES + 1), "foyers.csv", "text/csv", "Le fichier dépasse 5 Mo"),
    ],
)
async def test_the_web_import_says_next_to_the_field_what_is_wrong_with_the_file(
    world: World, client: Client, data: bytes, name: str, kind: str, message: str
) -> None:
    staff = world.headers["staff"]
    token = csrf_token((await client.get(WEB_IMPORT, headers=staff)).text)
    answer = await client.post(
        WEB_IMPORT, files={"fichier": (name, data, kind)}, data={"_csrf_token": token}, headers=staff
    )
    assert answer.status_code == 422
    field_error = r'<p class="error-message" id="error-fichier">(.*?)</p>'
    next_to_field = re.search(field_error, answer.text, re.DOTALL)
    assert next_to_field is not None and message in next_to_field.group(1)
    assert 'aria-invalid="true"' in answer.text


# --- the login brake --------------------------------------------------------------------------


async def test_the_api_login_locks_after_five_failures_even_for_the_right_password_then_lifts(
    world: World, client: Client, db: AsyncSession
) -> None:
    for _ in range(5):
        failed = await client.post(API_LOGIN, json={"email": "staff@example.org", "password": "a guess!!"})
        assert failed.status_code == 401
    locked = await client.post(API_LOGIN, json={"email": "STAFF@example.org ", "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts"
    assert SESSION_COOKIE not in locked.headers.get("set-cookie", "")
    # Fourteen minutes later the brake still holds; once the failures are 15 minutes old it lifts.
    await db.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=14)))
    await db.commit()
    still = await client.post(API_LOGIN, json={"email": "staff@example.org", "password": PASSWORD})
    assert still.status_code == 429 and "try again in 1 minute," in still.json()["detail"]
    await db.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=15, seconds=1)))
    await db.commit()
    lifted = await client.post(API_LOGIN, json={"email": "staff@example.org", "password": PASSWORD})
    assert lifted.status_code == 200


async def test_the_login_page_locks_and_lifts_the_same_way(
    world: World, client: Client, db: AsyncSession
) -> None:
    async def attempt(password: str) -> Any:
        token = await form_token(client)
        form = {"email": "staff@example.org", "password": password, "_csrf_token": token}
        return await client.post("/connexion", data=form, follow_redirects=False)

    for _ in range(5):
        assert (await attempt("a guess!!")).status_code == 401
    locked = await attempt(PASSWORD)
    assert locked.status_code == 429 and "Trop de connexions échouées" in locked.text
    assert not [h for h in locked.headers.get_list("set-cookie") if h.startswith(f"{SESSION_COOKIE}=")]
    await db.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
    await db.commit()
    assert (await attempt(PASSWORD)).status_code == 303


# --- cookies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("secure", [False, True])
async def test_every_cookie_is_httponly_samesite_lax_and_secure_behind_tls(
    settings: Settings, world: World, secure: bool
) -> None:
    app = create_app(dataclasses.replace(settings, secure_cookies=secure))
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        api = await client.post(API_LOGIN, json={"email": "staff@example.org", "password": PASSWORD})
        page = await client.get("/connexion")
        token = csrf_token(page.text)
        form = {"email": "staff@example.org", "password": PASSWORD, "_csrf_token": token}
        web = await client.post("/connexion", data=form, follow_redirects=False)
        lang = await client.post("/langue", data={"lang": "en", "_csrf_token": token}, follow_redirects=False)
        logout = await client.post("/deconnexion", data={"_csrf_token": token}, follow_redirects=False)
    cookies = {
        "API session": cookie_header(api, SESSION_COOKIE),
        "CSRF": cookie_header(page, CSRF_COOKIE),
        "web session": cookie_header(web, SESSION_COOKIE),
        "language": cookie_header(lang, LANG_COOKIE),
        "cleared session": cookie_header(logout, SESSION_COOKIE),
    }
    for what, header in cookies.items():
        flags = cookie_flags(header)
        assert {"httponly", "samesite=lax", "path=/"} <= flags, what
        assert ("secure" in flags) is secure, what
    assert "max-age=0" in cookie_flags(cookies["cleared session"])
