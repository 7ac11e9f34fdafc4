"""The caisse's households for its staff: a list a page at a time, searched by code, name or
e-mail (the members service's search, case and accents ignored) and filtered by status; and one
household with its composition, income, contribution under the grid in force, status history,
food credit, recent wallet movements and what it owes.

The list runs the same statements whatever the number of households: a count and one page of
rows (by id, on indexed columns), plus the audit row of the personal data shown. Every read of a
household's personal data is audit-logged by the services.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.caisses.service import decode_rule_set, rule_set_in_force
from caisse.errors import NotFound
from caisse.members.chosen import first_open_month
from caisse.members.models import Member, MemberStatus
from caisse.members.service import get_member, list_members, read_member, status_history
from caisse.members.status import ALLOWED_MOVES
from caisse.reports.household import amount_owed, wallet_movements, wallet_position
from caisse.rules.explain import explain
from caisse.rules.schemes import SelfDeterminedScheme
from caisse.text import has_control_characters
from web.pages.member.account import movement_text
from web.pages.staff.forms import GUARD, STATUS_LABELS, PageNumber, PathText, garbled
from web.pages.staff.people.common import STATUS_MOVES
from web.pages.till.common import Pager
from web.render import formatter, page, translator

PAGE_SIZE = 25
RECENT = 10
MAX_QUERY = 100
MAX_CODE = 40
Search = Annotated[str | None, QueryParameter(name="q", max_length=MAX_QUERY)]
# The form's "any status" sends `statut=` (empty): no filter.
StatusFilter = Annotated[str | None, QueryParameter(name="statut", max_length=20)]


@get("/c/{slug:str}/gestion/membres", name="staff-members", guards=GUARD)
async def members(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    number: PageNumber = 1,
    q: Search = None,
    statut: StatusFilter = None,
) -> Template:
    query = (q or "").strip()
    _ = translator(request)
    errors: dict[str, str] = {}
    if has_control_characters(query) or garbled(query):
        errors["q"] = _("Type letters, digits or an e-mail address; the search cannot hold other characters.")
        query = "".join(c for c in query if c.isprintable() and c != "\ufffd")
    try:
        status = MemberStatus(statut) if statut else None
    except ValueError:
        status = None
        errors["statut"] = _("Choose a status from the list.")
    if errors:
        # The search form again, with what is wrong next to its field (nothing listed, nothing read).
        return page(
            request, "staff/people/members.html", status=422, caisse=caisse, caisse_nav=caisse,
            section="members", members=[], total=0, pager=Pager(1, PAGE_SIZE, 0), query=query,
            chosen_status="", statuses=STATUS_LABELS, errors=errors,
            status_options=[(s.value, _(text)) for s, text in STATUS_LABELS.items()],
        )  # fmt: skip
    rows, total = await list_members(
        db_session, caisse, actor, query=query or None, status=status, limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE, note="web list",
    )  # fmt: skip
    return page(
        request, "staff/people/members.html", caisse=caisse, caisse_nav=caisse, section="members",
        members=rows, total=total, pager=Pager(number, PAGE_SIZE, total), query=query,
        chosen_status=status.value if status else "", statuses=STATUS_LABELS, errors={},
        status_options=[(s.value, _(text)) for s, text in STATUS_LABELS.items()],
    )  # fmt: skip


async def find_member(db: AsyncSession, caisse: Caisse, code: str) -> Member:
    """The household with this code in the caisse; 404 for any other text (too long, control
    characters: no code holds them, and PostgreSQL refuses a NUL in a parameter)."""
    if len(code) > MAX_CODE or has_control_characters(code):
        raise NotFound("No such household in this caisse.")
    return await get_member(db, caisse.id, code)


async def household_context(
    request: Request[Any, Any, Any], caisse: Caisse, actor: Actor, db: AsyncSession, code: str
) -> dict[str, Any]:
    """What the household page shows (also behind the status form when it is sent back)."""
    member = await find_member(db, caisse, code)
    await read_member(db, caisse, member, actor)
    month = await first_open_month(db, caisse)
    rule_set = decode_rule_set(await rule_set_in_force(db, caisse.id, month))
    chosen = None if member.chosen_contribution_cents is None else member.chosen_contribution_cents / 100
    explained = explain(
        rule_set, member.monthly_income_cents / 100, member.adults, member.others_14_plus,
        member.children_under_14, chosen,
    )  # fmt: skip
    _, fmt = translator(request), formatter(request)
    recent, moves = await wallet_movements(db, caisse, member, actor=actor, limit=RECENT)
    return {
        "caisse": caisse, "caisse_nav": caisse, "section": "members", "member": member, "month": month,
        "explained": explained, "self_determined": isinstance(rule_set.contribution, SelfDeterminedScheme),
        "history": await status_history(db, member.id),
        "position": await wallet_position(db, caisse, member, actor=actor),
        "recent": [(m, movement_text(m, _, fmt)) for m in recent], "more_moves": moves > len(recent),
        "owed": await amount_owed(db, caisse, member), "statuses": STATUS_LABELS,
        "moves": [(s.value, STATUS_MOVES[s]) for s in ALLOWED_MOVES[member.status]],
    }  # fmt: skip


@get("/c/{slug:str}/gestion/membres/{code:str}", name="staff-member", guards=GUARD)
async def household(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    code: PathText,
    modifie: Annotated[str | None, QueryParameter(max_length=10)] = None,
    statut: Annotated[str | None, QueryParameter(max_length=10)] = None,
) -> Template:
    context = await household_context(request, caisse, actor, db_session, code)
    return page(
        request, "staff/people/member.html", **context, updated=modifie is not None,
        status_changed=statut is not None, status_values={}, status_errors={}, status_error=None,
    )  # fmt: skip
