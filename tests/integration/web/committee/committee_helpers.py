"""The committee pages' tests: a caisse with three seated members (each with an API token),
an outlet applying to be conventioned, and driving the pages' forms with their CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.caisses.models import Caisse
from caisse.outlets.grid import create_criterion
from caisse.periods import caisse_today
from tests.conftest import World
from tests.integration.web.web_fixtures import Client, applicant_outlet, csrf_token, seat_committee

RECEIPT = re.compile(r"<code>([A-Za-z0-9_-]{20,})</code>")
BALLOT_URL = re.compile(r"/c/test/comite/scrutins/(\d+)$")


@dataclass
class Committee:
    world: World
    outlet_id: int
    criterion_id: int
    members: list[dict[str, str]] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)


async def build_committee(db: AsyncSession, world: World) -> Committee:
    caisse = await db.get(Caisse, world.caisse_id)
    assert caisse is not None
    ids = await seat_committee(db, caisse, 3, caisse_today() - timedelta(days=30))
    outlet = await applicant_outlet(db, caisse, "Épicerie du Foirail")
    criterion = await create_criterion(
        db, caisse.id, {"code": "local", "label": "Produits locaux", "kind": "yes_no", "required": True}
    )
    headers = []
    for user_id in ids:
        _, token = await auth.issue_api_token(db, user_id=user_id, name="tests")
        headers.append({"Authorization": f"Bearer {token}"})
    await db.commit()
    return Committee(world, outlet.id, criterion.id, headers, ids)


async def post_form(
    client: Client, headers: dict[str, str], page: str, action: str, data: dict[str, Any]
) -> Any:
    """Load `page` (its CSRF token), then send `data` to `action`; the answer, unfollowed."""
    shown = await client.get(page, headers=headers)
    assert shown.status_code == 200, shown.text
    return await client.post(
        action, data={**data, "_csrf_token": csrf_token(shown.text)}, headers=headers, follow_redirects=False
    )
