"""Driving the till's forms as a phone does: load the form (its CSRF token and retry key), send it."""

from __future__ import annotations

import re
from typing import Any

from tests.integration.web.web_fixtures import Client, csrf_token

KEY_FIELD = re.compile(r'name="key" value="([^"]+)"')
TILL = "/c/ssa/mon-lieu"


def form_key(html: str) -> str:
    found = KEY_FIELD.search(html)
    assert found is not None, "the page has no retry key"
    return found.group(1)


async def open_form(client: Client, headers: dict[str, str], path: str = TILL) -> tuple[str, str]:
    """(CSRF token, retry key) of the form on `path`."""
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return csrf_token(response.text), form_key(response.text)


async def pay(
    client: Client,
    headers: dict[str, str],
    *,
    code: str = "SA-1",
    pin: str = "2580",
    amount: str = "12,50",
    key: str | None = None,
    token: str | None = None,
) -> Any:
    """Send the payment form (a fresh one unless `key`/`token` are given); the answer, unfollowed."""
    if key is None or token is None:
        token, key = await open_form(client, headers)
    data = {"member_code": code, "pin": pin, "amount": amount, "key": key, "_csrf_token": token}
    return await client.post(TILL, data=data, headers=headers, follow_redirects=False)
