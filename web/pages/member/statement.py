"""The household's yearly statement, printable on one page: month by month, contributions due and
paid, food credit received, spent and expired, and the over-contribution (`caisse.reports`)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.members.access import own_household
from caisse.periods import caisse_today
from caisse.reports.statement import TAX_REDUCTION_PERCENT, statement
from web.pages.member.account import GUARD
from web.render import page, translator

Year = Annotated[str | None, QueryParameter(name="annee", max_length=10)]


@get("/c/{slug:str}/mon-compte/releve", name="member-statement", guards=GUARD)
async def yearly_statement(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    year: Year = None,
) -> Template:
    """`?annee=` a year from the caisse's first to this one (default: this year); another value is
    answered next to the year's field (422)."""
    member = await own_household(db_session, caisse, actor)
    _ = translator(request)
    first, this_year = int(caisse.first_month[:4]), caisse_today().year
    years = list(range(this_year, first - 1, -1)) or [first]
    chosen = (year or "").strip() or str(years[0])
    context: dict[str, Any] = {
        "caisse": caisse, "caisse_nav": caisse, "section": "statement", "member": member, "years": years,
        "chosen": chosen, "tax_percent": TAX_REDUCTION_PERCENT,
    }  # fmt: skip
    if not chosen.isascii() or not chosen.isdigit() or int(chosen) not in years:
        error = _("Choose a year from the list.")
        return page(
            request, "member/statement.html", status=422, errors={"annee": error}, report=None, **context
        )
    report = await statement(db_session, caisse, member, int(chosen), actor=actor)
    return page(request, "member/statement.html", errors={}, report=report, **context)
