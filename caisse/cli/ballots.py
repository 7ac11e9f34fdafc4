"""`caisse ballots ...`: list and show committee ballots; close the ones whose time is over (cron).

Option counts are shown only for closed ballots: before the close, participation only.
"""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots import queries
from caisse.ballots.closing import close_due_ballots
from caisse.ballots.models import Ballot
from caisse.ballots.schemas import BallotView
from caisse.caisses.service import caisse_for_command, get_caisse
from caisse.cli.ledger import RowIdRange
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.db.base import utcnow
from caisse.pagination import MAX_LIMIT

CAISSE = click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


async def _views(session: AsyncSession, ballots: list[Ballot]) -> list[BallotView]:
    now = utcnow()
    names = await queries.outlet_names(session, ballots)
    seen = await queries.participations(session, [b.id for b in ballots])
    return [BallotView.of(b, names.get(b.outlet_id or 0), seen[b.id], now) for b in ballots]


def _line(view: BallotView) -> str:
    about = f" — {view.outlet_name}" if view.outlet_name else ""
    if view.result is None:
        status = f"{view.participation.voted}/{view.participation.eligible} voted"
    elif view.result.outcome == "cancelled":
        status = "cancelled"
    else:
        r = view.result
        status = f"{r.outcome} ({r.for_count} for, {r.against_count} against, {r.abstain_count} abstain)"
    return f"#{view.id} [{view.state}] {view.kind}{about}: {view.title} — {status}"


def _details(view: BallotView) -> list[str]:
    rule = view.decision_rule
    if rule == "qualified_majority":
        rule += f" {view.qualified_numerator}/{view.qualified_denominator}"
    lines = [
        _line(view),
        f"  opens {view.opens_at.isoformat()}, closes {view.closes_at.isoformat()}",
        f"  rule {rule}, quorum {view.quorum_percent} %",
        f"  roll: {view.participation.eligible} eligible, {view.participation.recused} recused, "
        f"{view.participation.voted} voted",
    ]
    if view.rule_set_effective_from:
        lines.append(f"  adopts a rule set from {view.rule_set_effective_from} if it passes")
    if view.result is not None:
        r = view.result
        lines.append(f"  closed {r.closed_at.isoformat()}: {r.outcome}, quorum met: {r.quorum_met}")
        lines.append(f"  effect: {r.effect}")
    return lines


@click.group()
def ballots() -> None:
    """Committee ballots: list, show, close those whose voting time is over."""


@ballots.command("list")
@click.option("--state", default=None, type=click.Choice(queries.STATES), help="Only ballots in this state.")
@click.option("--limit", default=50, type=click.IntRange(1, MAX_LIMIT), help="At most this many.")
@CAISSE
@AS_JSON
@domain_errors_exit
def list_command(state: str | None, limit: int, slug: str | None, as_json: bool) -> None:
    """Ballots of a caisse, latest opening first."""

    async def work(session: AsyncSession) -> list[BallotView]:
        caisse = await caisse_for_command(session, slug)
        rows, _ = await queries.list_ballots(session, caisse.id, now=utcnow(), state=state, limit=limit)
        return await _views(session, rows)

    views = run_in_transaction(work)
    if as_json:
        print_json(views)
    elif not views:
        click.echo("no ballot")
    else:
        click.echo("\n".join(_line(v) for v in views))


@ballots.command("show")
@click.argument("ballot_id", type=RowIdRange())
@CAISSE
@AS_JSON
@domain_errors_exit
def show(ballot_id: int, slug: str | None, as_json: bool) -> None:
    """One ballot: participation while open, the published result once closed."""

    async def work(session: AsyncSession) -> BallotView:
        caisse = await caisse_for_command(session, slug)
        return (await _views(session, [await queries.get_ballot(session, caisse.id, ballot_id)]))[0]

    view = run_in_transaction(work)
    if as_json:
        print_json(view)
    else:
        click.echo("\n".join(_details(view)))


@ballots.command("close-due")
@click.option("--caisse", "slug", default=None, help="Only this caisse (default: every caisse).")
@AS_JSON
@domain_errors_exit
def close_due(slug: str | None, as_json: bool) -> None:
    """Close every ballot whose voting time is over and apply its result (run it from cron)."""

    async def work(session: AsyncSession) -> list[BallotView]:
        caisse_id = None if slug is None else (await get_caisse(session, slug)).id
        return await _views(session, await close_due_ballots(session, utcnow(), caisse_id=caisse_id))

    views = run_in_transaction(work)
    if as_json:
        print_json(views)
    elif not views:
        click.echo("no ballot to close")
    else:
        click.echo("\n".join(_line(v) for v in views))
