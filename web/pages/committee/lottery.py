"""The committee's stratified lotteries (tirages au sort): each draw with its seed commitment,
published at the announcement, the volunteers by stratum (pseudonyms only), and once drawn its
seed and result, with how anyone can re-run it. Staff run a draw once registration has closed.

Announcing a draw (its strata and quotas) and seating the people drawn are staff work done with
the API or `caisse committee lottery`; this page shows what the committee and the public need.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.committee import draws
from caisse.committee.public import record_of, summary_of
from caisse.committee.strata import cell_key
from caisse.db.base import utcnow
from caisse.errors import Conflict, NotFound, PermissionDenied
from caisse.text import has_control_characters
from web.pages.committee.common import GUARD, committee_url
from web.render import page, translator

Reference = Annotated[str, PathParameter(min_length=1, max_length=40)]


def _known(reference: str) -> str:
    """A reference that could name a draw; one with control characters is unknown on every
    database (PostgreSQL would refuse a NUL in the query rather than find nothing)."""
    if has_control_characters(reference):
        raise NotFound(f"No draw {reference!r} in this caisse.")
    return reference


@get("/c/{slug:str}/comite/tirages", name="committee-draws", guards=GUARD)
async def lotteries(request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession) -> Template:
    counts = await draws.volunteer_counts(db_session, caisse.id)
    listed = [summary_of(d, counts.get(d.id, 0)) for d in await draws.list_draws(db_session, caisse.id)]
    return page(
        request, "committee/draws.html", caisse=caisse, caisse_nav=caisse, section="draws", draws=listed
    )


async def _draw_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    actor: Caller,
    reference: str,
    *,
    status: int = 200,
    form_error: str | None = None,
) -> Template:
    row = await draws.get_draw(db, caisse.id, _known(reference))
    record = record_of(row, await draws.volunteers_of(db, row.id))
    registered = Counter(cell_key(v.stratum) for v in record.volunteers)
    return page(
        request, "committee/draw.html", status=status, caisse=caisse, caisse_nav=caisse, section="draws",
        draw=record, registered=registered, cell_key=cell_key, now=utcnow(),
        can_run=actor.has_role(caisse.slug, Role.STAFF), form_error=form_error,
    )  # fmt: skip


@get("/c/{slug:str}/comite/tirages/{reference:str}", name="committee-draw", guards=GUARD)
async def lottery(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    reference: Reference,
) -> Template:
    return await _draw_page(request, db_session, caisse, actor, reference)


@post("/c/{slug:str}/comite/tirages/{reference:str}/tirage", name="committee-run-draw", guards=GUARD)
async def run(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    reference: Reference,
) -> Response[Any]:
    """Run the draw (staff), once registration has closed; its seed and result become public."""
    _ = translator(request)
    if not actor.has_role(caisse.slug, Role.STAFF):
        raise PermissionDenied("Staff run the draws.")
    try:
        await draws.run_draw(db_session, caisse, _known(reference), now=utcnow())
    except Conflict:
        message = _(
            "This draw cannot be run now: registration is still open, or it was already drawn or cancelled."
        )
        return await _draw_page(request, db_session, caisse, actor, reference, status=409, form_error=message)
    return Redirect(path=committee_url(caisse, f"/tirages/{reference}"), status_code=303)
