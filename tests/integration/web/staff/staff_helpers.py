"""Sending the staff's forms as a browser does: the CSRF token of a staff page, then the form."""

from __future__ import annotations

from typing import Any

from tests.integration.web.web_fixtures import Client, csrf_token

STAFF = "/c/ssa/gestion"


async def token_of(client: Client, headers: dict[str, str], path: str = STAFF) -> str:
    """The CSRF token of the forms on `path` (loading it sets the cookie)."""
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return csrf_token(response.text)


async def send(
    client: Client, headers: dict[str, str], path: str, data: dict[str, Any], *, token: str | None = None
) -> Any:
    """POST a form as the browser does (with the token of a staff page); the answer, unfollowed."""
    token = token or await token_of(client, headers)
    return await client.post(
        path, data={**data, "_csrf_token": token}, headers=headers, follow_redirects=False
    )
