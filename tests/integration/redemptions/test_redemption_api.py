"""Redemptions and payout batches through the API: the whole flow, the guards, bad input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.periods import caisse_today
from caisse.redemptions.models import PayoutBatch, Redemption
from tests.integration.redemptions.payout_helpers import PayoutWorld
from tests.ledger_checks import assert_ledger_ok

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/caisses/ssa"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


async def _ask(client: Client, pw: PayoutWorld, who: str, body: dict[str, object]) -> dict[str, object]:
    response = await client.post(f"{BASE}/redemptions", json=body, headers=pw.headers[who])
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _approve(client: Client, pw: PayoutWorld, rid: object) -> None:
    response = await client.post(f"{BASE}/redemptions/{rid}/approve", headers=pw.headers["staff"])
    assert response.status_code == 200, response.text


async def test_outlets_ask_staff_approve_and_pay_by_sepa_file(
    client: Client, db: AsyncSession, payouts_http: PayoutWorld
) -> None:
    pw = payouts_http
    available = await client.get(f"{BASE}/redemptions/available", headers=pw.headers["ferme"])
    assert available.json() == {
        "outlet_id": pw.outlets["ferme"], "balance_cents": 4_000, "requested_cents": 0, "approved_cents": 0,
        "available_cents": 4_000,
    }  # fmt: skip
    ferme = await _ask(client, pw, "ferme", {"all_available": True, "note": "ventes de mars"})
    assert ferme["amount_cents"] == 4_000 and ferme["status"] == "requested"
    assert ferme["requested_by_user_id"] is not None and ferme["history"][0]["to_status"] == "requested"
    epicerie = await _ask(client, pw, "epicerie", {"amount_cents": 2_500})
    await _approve(client, pw, ferme["id"])
    await _approve(client, pw, epicerie["id"])

    today = caisse_today()
    created = await client.post(
        f"{BASE}/payout-batches", json={"execution_date": today.isoformat()}, headers=pw.headers["staff"]
    )
    assert created.status_code == 201, created.text
    batch = created.json()
    assert batch["reference"] == f"VIR-{today:%Y-%m}-0001"
    assert (batch["total_cents"], batch["transfer_count"]) == (6_500, 2)
    assert [t["amount_cents"] for t in batch["transfers"]] == [4_000, 2_500]
    assert (
        batch["transfers"][0]["iban_masked"] == "FR44 **** 5678"
        and batch["debtor_iban_masked"] == "FR76 **** 0189"
    )

    xml = await client.get(f"{BASE}/payout-batches/{batch['id']}/pain001.xml", headers=pw.headers["staff"])
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert xml.headers["content-disposition"] == f'attachment; filename="{batch["reference"]}.pain001.xml"'
    root = ET.fromstring(xml.content)
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "65.00"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    stored = await db.get(PayoutBatch, batch["id"])
    assert stored is not None and xml.content == stored.pain001_xml.encode()

    csv_file = await client.get(
        f"{BASE}/payout-batches/{batch['id']}/payouts.csv", headers=pw.headers["staff"]
    )
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert (
        csv_file.headers["content-disposition"] == f'attachment; filename="{batch["reference"]}.payouts.csv"'
    )
    assert csv_file.text.splitlines()[0] == "outlet,iban,bic,amount,reference,redemption_id,outlet_id"
    downloads = await db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "payout_batch.download")
    )
    assert downloads == 4  # two outlets, two files

    own = await client.get(f"{BASE}/redemptions/{ferme['id']}", headers=pw.headers["ferme"])
    assert own.json()["status"] == "paid" and own.json()["batch_reference"] == batch["reference"]
    assert [h["to_status"] for h in own.json()["history"]] == ["requested", "approved", "paid"]
    listed = await client.get(f"{BASE}/payout-batches?limit=1", headers=pw.headers["admin"])
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["transfers"] is None
    detail = await client.get(f"{BASE}/payout-batches/{batch['id']}", headers=pw.headers["staff"])
    assert detail.json()["transfers"] == batch["transfers"]
    await assert_ledger_ok(db)


async def test_retried_posts_with_the_same_key_record_once(
    client: Client, db: AsyncSession, payouts_http: PayoutWorld
) -> None:
    pw = payouts_http
    key = {"Idempotency-Key": "demande-ferme-1"}
    first = await client.post(
        f"{BASE}/redemptions", json={"amount_cents": 1_000}, headers={**pw.headers["ferme"], **key}
    )
    again = await client.post(
        f"{BASE}/redemptions", json={"amount_cents": 1_000}, headers={**pw.headers["ferme"], **key}
    )
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    await _approve(client, pw, first.json()["id"])
    body = {"execution_date": caisse_today().isoformat()}
    lot = {**pw.headers["staff"], "Idempotency-Key": "lot-1"}
    made = await client.post(f"{BASE}/payout-batches", json=body, headers=lot)
    retried = await client.post(f"{BASE}/payout-batches", json=body, headers=lot)
    assert (made.status_code, retried.status_code) == (201, 200) and made.json()["id"] == retried.json()["id"]
    assert await db.scalar(select(func.count()).select_from(PayoutBatch)) == 1


async def test_staff_ask_on_an_outlets_behalf_and_reject_with_a_reason(
    client: Client, payouts_http: PayoutWorld
) -> None:
    pw = payouts_http
    nameless = await client.post(
        f"{BASE}/redemptions", json={"amount_cents": 100}, headers=pw.headers["staff"]
    )
    assert nameless.status_code == 422 and "outlet_id" in nameless.json()["detail"]
    asked = await _ask(client, pw, "staff", {"outlet_id": pw.outlets["epicerie"], "all_available": True})
    assert asked["amount_cents"] == 2_500 and asked["requested_by_user_id"] == pw.mw.user_ids["staff"]
    rejected = await client.post(
        f"{BASE}/redemptions/{asked['id']}/reject",
        json={"reason": "Double demande"},
        headers=pw.headers["staff"],
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    seen = await client.get(f"{BASE}/redemptions/{asked['id']}", headers=pw.headers["epicerie"])
    assert seen.json()["history"][-1]["reason"] == "Double demande"
    again = await client.post(f"{BASE}/redemptions/{asked['id']}/approve", headers=pw.headers["staff"])
    assert again.status_code == 409 and "is rejected, not requested" in again.json()["detail"]


async def test_refusals_are_409_and_422_with_their_message(
    client: Client, db: AsyncSession, payouts_http: PayoutWorld
) -> None:
    pw = payouts_http
    too_much = await client.post(
        f"{BASE}/redemptions", json={"amount_cents": 4_001}, headers=pw.headers["ferme"]
    )
    assert too_much.status_code == 409 and too_much.json()["error"] == "insufficient_credit"
    assert "may redeem at most 40.00 €" in too_much.json()["detail"]
    no_bank = await client.post(
        f"{BASE}/redemptions",
        json={"outlet_id": pw.outlets["sans_iban"], "amount_cents": 100},
        headers=pw.headers["staff"],
    )
    assert no_bank.status_code == 409 and "add the outlet's bank details" in no_bank.json()["detail"]
    nothing = await client.post(
        f"{BASE}/payout-batches",
        json={"execution_date": caisse_today().isoformat()},
        headers=pw.headers["staff"],
    )
    assert nothing.status_code == 409 and "No approved redemption" in nothing.json()["detail"]
    past = await client.post(
        f"{BASE}/payout-batches",
        json={"execution_date": (caisse_today() - timedelta(days=1)).isoformat()},
        headers=pw.headers["staff"],
    )
    assert past.status_code == 422 and past.json()["problems"][0]["field"] == "execution_date"
    assert await db.scalar(select(func.count()).select_from(Redemption)) == 0


async def test_the_caisse_bank_account_missing_is_a_422_listing_what_to_set(
    client: Client, db: AsyncSession, payouts_http: PayoutWorld
) -> None:
    pw = payouts_http
    asked = await _ask(client, pw, "ferme", {"amount_cents": 1_000})
    await _approve(client, pw, asked["id"])
    cleared = await client.patch(
        f"{BASE}",
        json={"bank_account_name": None, "bank_iban": None, "bank_bic": None},
        headers=pw.headers["admin"],
    )
    assert cleared.status_code == 200, cleared.text
    refused = await client.post(
        f"{BASE}/payout-batches",
        json={"execution_date": caisse_today().isoformat()},
        headers=pw.headers["staff"],
    )
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["problems"]] == ["bank_account_name", "bank_iban", "bank_bic"]
    assert await db.scalar(select(func.count()).select_from(PayoutBatch)) == 0


ROUTES = [
    ("get", "/redemptions", None),
    ("post", "/redemptions", {"amount_cents": 100}),
    ("get", "/redemptions/available?outlet_id=1", None),
    ("get", "/redemptions/1", None),
    ("post", "/redemptions/1/approve", None),
    ("post", "/redemptions/1/reject", {"reason": "non"}),
    ("post", "/redemptions/1/cancel", None),
    ("get", "/payout-batches", None),
    ("post", "/payout-batches", {"execution_date": "2026-12-01"}),
    ("get", "/payout-batches/1", None),
    ("get", "/payout-batches/1/pain001.xml", None),
    ("get", "/payout-batches/1/payouts.csv", None),
]


async def test_anonymous_callers_get_401_and_other_roles_403(
    client: Client, payouts_http: PayoutWorld
) -> None:
    for method, path, body in ROUTES:
        call = getattr(client, method)
        kwargs = {} if body is None else {"json": body}
        assert (await call(f"{BASE}{path}", **kwargs)).status_code == 401, path
        for role in ("committee", "official", "member", "outsider", "nobody"):
            response = await call(f"{BASE}{path}", headers=payouts_http.headers[role], **kwargs)
            assert response.status_code == 403, (method, path, role, response.text)


@pytest.mark.parametrize("path", ["/payout-batches", "/payout-batches/1/pain001.xml"])
async def test_outlets_cannot_reach_payout_batches(
    client: Client, payouts_http: PayoutWorld, path: str
) -> None:
    assert (await client.get(f"{BASE}{path}", headers=payouts_http.headers["ferme"])).status_code == 403


async def test_an_outlet_sees_and_acts_on_its_own_redemptions_only(
    client: Client, payouts_http: PayoutWorld
) -> None:
    pw = payouts_http
    mine = await _ask(client, pw, "ferme", {"amount_cents": 1_000})
    theirs = await _ask(client, pw, "epicerie", {"amount_cents": 1_000})
    listed = await client.get(f"{BASE}/redemptions", headers=pw.headers["ferme"])
    assert [r["id"] for r in listed.json()["items"]] == [mine["id"]]
    staff_list = await client.get(f"{BASE}/redemptions", headers=pw.headers["staff"])
    assert staff_list.json()["total"] == 2
    forbidden = [
        client.get(f"{BASE}/redemptions/{theirs['id']}", headers=pw.headers["ferme"]),
        client.post(f"{BASE}/redemptions/{theirs['id']}/cancel", headers=pw.headers["ferme"]),
        client.get(f"{BASE}/redemptions?outlet_id={pw.outlets['epicerie']}", headers=pw.headers["ferme"]),
        client.get(
            f"{BASE}/redemptions/available?outlet_id={pw.outlets['epicerie']}", headers=pw.headers["ferme"]
        ),
        client.post(
            f"{BASE}/redemptions",
            json={"outlet_id": pw.outlets["epicerie"], "amount_cents": 100},
            headers=pw.headers["ferme"],
        ),
        client.post(f"{BASE}/redemptions/{mine['id']}/approve", headers=pw.headers["ferme"]),
        client.post(f"{BASE}/redemptions/{mine['id']}/cancel", headers=pw.headers["staff"]),
        # The world's outlet user holds the role but is linked to no outlet.
        client.get(f"{BASE}/redemptions", headers=pw.headers["outlet"]),
    ]
    for call in forbidden:
        response = await call
        assert response.status_code == 403, response.text
    cancelled = await client.post(f"{BASE}/redemptions/{mine['id']}/cancel", headers=pw.headers["ferme"])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


BAD_INPUT = [
    ("post", "/redemptions", {"amount_cents": "12.50"}),
    ("post", "/redemptions", {"amount_cents": -100}),
    ("post", "/redemptions", {"amount_cents": 0}),
    ("post", "/redemptions", {"amount_cents": 10**12}),
    ("post", "/redemptions", {"amount_cents": 100, "colour": "red"}),
    ("post", "/redemptions", {"outlet_id": 0, "amount_cents": 100}),
    ("post", "/redemptions", {"outlet_id": 2**63, "amount_cents": 100}),
    ("post", "/redemptions", {"amount_cents": 100, "note": "x" * 301}),
    ("post", "/redemptions", {}),
    ("post", "/redemptions/1/reject", {"reason": ""}),
    ("post", "/redemptions/99999999999999999999/approve", None),
    ("post", "/payout-batches", {"execution_date": "2026-13-01"}),
    ("post", "/payout-batches", {"execution_date": "2026-12-01", "redemption_ids": []}),
    ("post", "/payout-batches", {"execution_date": "2026-12-01", "redemption_ids": [0]}),
    ("post", "/payout-batches", {"execution_date": "2026-12-01", "redemption_ids": [1, 1]}),
    ("post", "/payout-batches", {}),
    ("get", "/redemptions?status=sent", None),
    ("get", "/redemptions?limit=0", None),
    ("get", "/redemptions?offset=-1", None),
    ("get", "/payout-batches/0", None),
]


async def test_bad_input_is_a_4xx_never_a_500(client: Client, payouts_http: PayoutWorld) -> None:
    for method, path, body in BAD_INPUT:
        kwargs = {} if body is None else {"json": body}
        response = await getattr(client, method)(
            f"{BASE}{path}", headers=payouts_http.headers["staff"], **kwargs
        )
        assert response.status_code in (400, 404, 422), (
            method,
            path,
            body,
            response.status_code,
            response.text,
        )
        assert response.json()["detail"], path


async def test_malformed_json_and_a_bad_key_are_4xx(client: Client, payouts_http: PayoutWorld) -> None:
    headers = {**payouts_http.headers["ferme"], "Content-Type": "application/json"}
    assert (await client.post(f"{BASE}/redemptions", content=b"{", headers=headers)).status_code == 400
    bad_key = await client.post(
        f"{BASE}/redemptions",
        json={"amount_cents": 100},
        headers={**payouts_http.headers["ferme"], "Idempotency-Key": "a b"},
    )
    assert bad_key.status_code == 422


async def test_unknown_ids_are_404(client: Client, payouts_http: PayoutWorld) -> None:
    staff = payouts_http.headers["staff"]
    for path in ("/redemptions/999", "/payout-batches/999", "/payout-batches/999/pain001.xml"):
        assert (await client.get(f"{BASE}{path}", headers=staff)).status_code == 404
    assert (await client.get(f"{BASE}/redemptions/available?outlet_id=999", headers=staff)).status_code == 404
    assert (await client.get(f"{BASE}/redemptions/available", headers=staff)).status_code == 422
