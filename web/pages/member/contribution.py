"""What the household pays and why: its contribution and food credit under the rules in force,
computed by `caisse.rules.explain` (the billing's own functions) from what the caisse holds about
the household, with the rules in words (`web.rules_text`)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.service import decode_rule_set, rule_set_in_force
from caisse.members.access import own_household
from caisse.members.chosen import first_open_month
from caisse.reports.household import amount_owed
from caisse.rules.explain import explain
from caisse.rules.schemes import SelfDeterminedScheme
from web.pages.member.account import GUARD
from web.render import formatter, page, translator
from web.rules_text import allocation_text, contribution_text


@get("/c/{slug:str}/mon-compte/cotisation", name="member-contribution", guards=GUARD)
async def contribution(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession
) -> Template:
    member = await own_household(db_session, caisse, actor)
    gettext, fmt = translator(request), formatter(request)
    month = await first_open_month(db_session, caisse)
    rule_set = decode_rule_set(await rule_set_in_force(db_session, caisse.id, month))
    chosen = None if member.chosen_contribution_cents is None else member.chosen_contribution_cents / 100
    explained = explain(
        rule_set, member.monthly_income_cents / 100, member.adults, member.others_14_plus,
        member.children_under_14, chosen,
    )  # fmt: skip
    return page(
        request, "member/contribution.html", caisse=caisse, caisse_nav=caisse, section="contribution",
        member=member, month=month, explained=explained,
        self_determined=isinstance(rule_set.contribution, SelfDeterminedScheme),
        contribution_rule=contribution_text(rule_set.contribution, gettext, fmt),
        allocation_rule=allocation_text(rule_set.allocation, gettext, fmt),
        owed=await amount_owed(db_session, caisse, member),
    )  # fmt: skip
