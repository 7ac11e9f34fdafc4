"""The committee's public decision log: closed ballots, newest first, with their counts, quorum and
what the result changed. No voter and no individual choice appear (see docs/ballots.md)."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from caisse.auth.routes.markers import DbSession, PathCaisse
from caisse.ballots import queries
from caisse.ballots.schemas import DecisionEntry
from web.render import page

PER_PAGE = 20
PageNumber: TypeAlias = Annotated[int, QueryParameter(name="page", ge=1, le=10_000)]


@get("/c/{slug:str}/decisions", name="decisions")
async def decisions(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession, page_number: PageNumber = 1
) -> Template:
    rows, total = await queries.decision_log(
        db_session, caisse.id, limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE
    )
    names = await queries.outlet_names(db_session, rows)
    entries = [DecisionEntry.of(b, names.get(b.outlet_id or 0)) for b in rows]
    pages = max(1, -(-total // PER_PAGE))
    return page(
        request,
        "public/decisions.html",
        caisse=caisse,
        caisse_nav=caisse,
        entries=entries,
        total=total,
        page_number=page_number,
        pages=pages,
    )


HANDLERS = [decisions]
