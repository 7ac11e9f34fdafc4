"""Pages of payments, read ids first: every page is the slice of the full list, newest first, for
staff (all outlets), one outlet and one household."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.spending.spend_helpers import SLUG, SpendWorld, payment

Client = AsyncTestClient[Litestar]
ALL = f"/api/v1/caisses/{SLUG}/outlet-payments"


async def test_every_page_is_a_slice_of_the_whole_list(client: Client, spend_world: SpendWorld) -> None:
    sw = spend_world
    paid = [
        ("a", "SA-1", 100),
        ("a", "SA-2", 200),
        ("b", "SA-1", 300),
        ("a", "SA-1", 400),
        ("b", "SA-2", 500),
    ]
    for outlet, code, cents in [*paid, ("a", "SA-2", 600)]:
        response = await client.post(
            sw.pay_url(outlet), json=payment(code, cents), headers=sw.headers[f"till_{outlet}"]
        )
        assert response.status_code == 201, response.text
    for url, who in (
        (ALL, "staff"),
        (sw.pay_url("a"), "till_a"),
        (f"/api/v1/caisses/{SLUG}/members/SA-2/outlet-payments", "staff"),
    ):
        whole = (await client.get(url, params={"limit": 50}, headers=sw.headers[who])).json()
        items = [p["id"] for p in whole["items"]]
        assert len(items) == whole["total"] >= 3
        assert [p["amount_cents"] for p in whole["items"]] == sorted(
            (p["amount_cents"] for p in whole["items"]), reverse=True
        )  # paid in increasing amounts: newest first
        for limit in (1, 2, 4):
            for offset in range(len(items) + 1):
                page = (
                    await client.get(url, params={"limit": limit, "offset": offset}, headers=sw.headers[who])
                ).json()
                assert [p["id"] for p in page["items"]] == items[offset : offset + limit], (
                    url,
                    limit,
                    offset,
                )
                assert page["total"] == len(items)
