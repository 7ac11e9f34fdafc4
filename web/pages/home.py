"""The installation's home page and each caisse's home page: what a caisse is and how to join."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from caisse.auth.routes.markers import DbSession, PathCaisse
from caisse.caisses.service import all_caisses, decode_rule_set, rule_set_in_force
from caisse.outlets import service as outlets
from caisse.outlets.models import OutletStatus
from caisse.periods import caisse_today, month_of
from web.queries import active_households
from web.render import formatter, page, translator
from web.rules_text import allocation_text, contribution_text


@get("/", name="home")
async def home(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    return page(request, "public/home.html", caisses=await all_caisses(db_session))


@get("/c/{slug:str}", name="caisse")
async def caisse_home(request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession) -> Template:
    # The rules in force this month (or, before the caisse opens, on its first month).
    month = max(month_of(caisse_today()), caisse.first_month)
    rule_set = decode_rule_set(await rule_set_in_force(db_session, caisse.id, month))
    gettext, fmt = translator(request), formatter(request)
    _, conventioned = await outlets.list_outlets(
        db_session, caisse.id, outlets.OutletFilter(status=OutletStatus.CONVENTIONED), limit=1
    )
    return page(
        request,
        "public/caisse.html",
        caisse=caisse,
        caisse_nav=caisse,
        allocation=allocation_text(rule_set.allocation, gettext, fmt),
        contribution=contribution_text(rule_set.contribution, gettext, fmt),
        households=await active_households(db_session, caisse.id),
        conventioned=conventioned,
    )


HANDLERS = [home, caisse_home]
