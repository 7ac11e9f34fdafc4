"""What the API fuzzing (test_fuzz_api.py) found, each kept fixed by a focused test: answers the
OpenAPI schema described wrongly, so that a client generated from it would refuse them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.periods import caisse_today
from tests.conftest import World
from tests.integration.redemptions.payout_helpers import build_payout_world
from tests.ledger_checks import MoneyWorld, money_world

__all__ = ["money_world"]

Client = AsyncTestClient[Litestar]


def _schema(app: Litestar) -> dict[str, Any]:
    return app.openapi_schema.to_schema()


async def test_api_errors_are_documented_with_the_body_they_have(
    app: Litestar, client: Client, world: World
) -> None:
    # Litestar documented only a 400 of its own shape (`status_code`, `extra`), which the API never sends.
    schema = _schema(app)
    responses = schema["paths"]["/api/v1/caisses/{slug}/members/{code}"]["get"]["responses"]
    for documented_status in ("400", "401", "403", "404", "409", "422"):
        assert responses[documented_status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    documented = schema["components"]["schemas"]["ErrorBody"]

    missing = await client.get("/api/v1/caisses/test/members/T-999999", headers=world.headers["staff"])
    forbidden = await client.get("/api/v1/caisses/test/members", headers=world.headers["nobody"])

    for answer, status in ((missing, 404), (forbidden, 403)):
        assert answer.status_code == status
        body = answer.json()
        assert set(documented["required"]) <= set(body) <= set(documented["properties"])


async def test_logout_is_documented_and_answered_without_a_body(
    app: Litestar, client: Client, world: World
) -> None:
    # Documented as a JSON `null`, answered with no body and no content type.
    assert "content" not in _schema(app)["paths"]["/api/v1/auth/logout"]["post"]["responses"]["204"]

    answer = await client.post("/api/v1/auth/logout", headers=world.headers["staff"])

    assert answer.status_code == 204 and answer.content == b""


def test_a_reading_of_the_grid_is_documented_as_a_boolean_or_a_number(app: Litestar) -> None:
    # Documented as `oneOf` boolean, integer, number: no integer (a scale step, 18 km) was valid,
    # being both an integer and a number.
    components = _schema(app)["components"]["schemas"]
    for name in ("AssessmentRequest", "ReadingView"):
        assert components[name]["properties"]["value"] == {"type": ["boolean", "number"]}


async def test_payout_files_answer_the_media_type_documented_with_one_charset(
    app: Litestar, client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    # Both files were documented as JSON, and the CSV's content type said its charset twice.
    pw = await build_payout_world(db, money_world, with_users=True)
    base = "/api/v1/caisses/ssa"
    asked = await client.post(
        f"{base}/redemptions", json={"all_available": True}, headers=pw.headers["ferme"]
    )
    await client.post(f"{base}/redemptions/{asked.json()['id']}/approve", headers=pw.headers["staff"])
    batch = await client.post(
        f"{base}/payout-batches",
        json={"execution_date": caisse_today().isoformat()},
        headers=pw.headers["staff"],
    )
    assert batch.status_code == 201, batch.text
    paths = _schema(app)["paths"]

    for name, media_type, content_type in (
        ("pain001.xml", "application/xml", "application/xml"),
        ("payouts.csv", "text/csv", "text/csv; charset=utf-8"),
    ):
        documented = paths[f"/api/v1/caisses/{{slug}}/payout-batches/{{batch_id}}/{name}"]["get"]
        assert list(documented["responses"]["200"]["content"]) == [media_type]
        answer = await client.get(
            f"{base}/payout-batches/{batch.json()['id']}/{name}", headers=pw.headers["staff"]
        )
        assert answer.status_code == 200 and answer.headers["content-type"] == content_type


def test_operations_that_answer_a_resend_with_200_document_it(app: Litestar) -> None:
    # A resend under the same idempotency key (or a month closed before, a dry run) answers 200 with
    # what was answered with 201 the first time; only the 201 was documented.
    paths = _schema(app)["paths"]
    for path in (
        "/api/v1/caisses/{slug}/payments",
        "/api/v1/caisses/{slug}/subsidies",
        "/api/v1/caisses/{slug}/costs",
        "/api/v1/caisses/{slug}/redemptions",
        "/api/v1/caisses/{slug}/payout-batches",
        "/api/v1/caisses/{slug}/ledger/entries/{entry_id}/reverse",
        "/api/v1/caisses/{slug}/cycle/close",
        "/api/v1/caisses/{slug}/members/import",
        "/api/v1/caisses/{slug}/outlets/{outlet_id}/payments",
    ):
        responses = paths[path]["post"]["responses"]
        assert responses["200"]["content"] == responses["201"]["content"], path


async def test_a_locked_pin_and_an_upload_of_the_wrong_type_are_documented(
    app: Litestar, client: Client, world: World
) -> None:
    # The fuzzing locked a member code with wrong PINs: its 423 was not in the schema, nor the
    # import's 415.
    paths = _schema(app)["paths"]
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    locked = paths["/api/v1/caisses/{slug}/outlets/{outlet_id}/payments"]["post"]["responses"]["423"]
    assert locked["content"]["application/json"]["schema"] == error_body
    wrong_type = paths["/api/v1/caisses/{slug}/members/import"]["post"]["responses"]["415"]
    assert wrong_type["content"]["application/json"]["schema"] == error_body

    answer = await client.post(
        "/api/v1/caisses/test/members/import", json={"file": "a,b"}, headers=world.headers["staff"]
    )

    assert answer.status_code == 415 and answer.json()["error"] == "unsupported_media_type"


async def test_web_downloads_name_their_charset_once(client: Client, world: World) -> None:
    # The payout CSV's doubled charset, found by the fuzzing, was also in the staff's downloads.
    for path, content_type in (
        ("/c/test/gestion/cotisations/impayes.csv", "text/csv; charset=utf-8"),
        ("/c/test/gestion/membres/import/format", "text/plain; charset=utf-8"),
    ):
        answer = await client.get(path, headers=world.headers["staff"])
        assert answer.status_code == 200 and answer.headers["content-type"] == content_type, path
