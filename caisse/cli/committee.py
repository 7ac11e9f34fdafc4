"""`caisse committee members|links|lottery ...`: seats with terms, declared links to outlets,
and the stratified lottery (announce with a public seed, register volunteers, draw, seat, verify).

Whoever runs the command line administers the installation, so it acts as staff."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import caisse_for_command
from caisse.cli.ledger import DAY
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.committee import draws, links, membership, volunteers
from caisse.committee.eligibility import last_sitting_day
from caisse.committee.lottery import seed_commitment
from caisse.committee.models import LinkNature, SeatSource
from caisse.committee.public import parse_record, record_of, revealed_seed, verify
from caisse.db.base import utcnow
from caisse.members.service import get_member
from caisse.periods import caisse_today

CAISSE = click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _day(value: datetime | None) -> date:
    return value.date() if value is not None else caisse_today()


def _seat_dict(seat: membership.Seat) -> dict[str, Any]:
    m = seat.membership
    return {
        "id": m.id, "user_id": m.user_id, "display_name": seat.display_name, "email": seat.email,
        "starts_on": m.starts_on, "ends_on": m.ends_on, "left_on": m.left_on, "last_day": last_sitting_day(m),
        "source": m.source.value, "source_ref": m.source_ref, "note": m.note, "left_reason": m.left_reason,
    }  # fmt: skip


def _show_seats(seats: list[membership.Seat], as_json: bool, empty: str) -> None:
    if as_json:
        print_json([_seat_dict(s) for s in seats])
        return
    if not seats:
        click.echo(empty)
    for s in seats:
        m = s.membership
        ref = f" {m.source_ref}" if m.source_ref else ""
        click.echo(
            f"{m.id:>5}  {m.starts_on} → {last_sitting_day(m)}  {m.source.value}{ref}  {s.display_name}"
        )


@click.group()
def committee() -> None:
    """The citizen committee: seats, declared links, lottery."""


@committee.group("members")
def members() -> None:
    """Seats on the committee, with terms."""


@members.command("seat")
@click.option("--user", "email", required=True, help="The person's login e-mail.")
@click.option("--from", "starts_on", type=DAY, required=True, help="First day of the term (YYYY-MM-DD).")
@click.option("--to", "ends_on", type=DAY, required=True, help="Last day of the term (YYYY-MM-DD).")
@click.option("--source", type=click.Choice([s.value for s in SeatSource]), required=True)
@click.option("--ref", "source_ref", default="", help="Draw reference, assembly minutes, …")
@click.option("--note", default="")
@CAISSE
@AS_JSON
@domain_errors_exit
def seat(
    email: str, starts_on: datetime, ends_on: datetime, source: str, source_ref: str, note: str,
    slug: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Seat a person for a term (grants the committee role if they lack it)."""

    async def work(session: AsyncSession) -> membership.Seat:
        caisse = await caisse_for_command(session, slug)
        user = await membership.find_user(session, user_id=None, user_email=email)
        row = await membership.seat_member(
            session, caisse, user_id=user.id, starts_on=starts_on.date(), ends_on=ends_on.date(),
            source=source, source_ref=source_ref, note=note,
        )  # fmt: skip
        return membership.Seat(row, user.display_name, user.email)

    _show_seats([run_in_transaction(work)], as_json, "")


@members.command("end")
@click.argument("seat_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--on", "left_on", type=DAY, required=True, help="First day they no longer sit.")
@click.option("--reason", required=True, help="Why the seat ends early.")
@CAISSE
@AS_JSON
@domain_errors_exit
def end(seat_id: int, left_on: datetime, reason: str, slug: str | None, as_json: bool) -> None:
    """End seat SEAT_ID early."""

    async def work(session: AsyncSession) -> membership.Seat:
        caisse = await caisse_for_command(session, slug)
        row = await membership.end_seat(session, caisse, seat_id, left_on=left_on.date(), reason=reason)
        return next(
            s for s in await membership.history(session, caisse.id, row.user_id) if s.membership.id == row.id
        )

    _show_seats([run_in_transaction(work)], as_json, "")


@members.command("list")
@click.option("--on", "day", type=DAY, default=None, help="Who sits on this day (default today).")
@click.option("--history", "everything", is_flag=True, help="Every term ever held instead.")
@click.option("--ending", is_flag=True, help="Only seats whose term ends within 60 days.")
@CAISSE
@AS_JSON
@domain_errors_exit
def list_seats(day: datetime | None, everything: bool, ending: bool, slug: str | None, as_json: bool) -> None:
    """Who sits on the committee (names and e-mails: run by the installation's administrator)."""

    async def work(session: AsyncSession) -> list[membership.Seat]:
        caisse = await caisse_for_command(session, slug)
        if everything:
            return await membership.history(session, caisse.id)
        if ending:
            return await membership.ending_soon(session, caisse.id, _day(day))
        return await membership.sitting(session, caisse.id, _day(day))

    _show_seats(run_in_transaction(work), as_json, "Nobody.")


@committee.group("links")
def links_group() -> None:
    """Declared links of committee members to outlets (they recuse them from its ballots)."""


def _link_dict(row: links.LinkRow) -> dict[str, Any]:
    k = row.link
    return {
        "id": k.id, "user_id": k.user_id, "display_name": row.display_name, "outlet_id": k.outlet_id,
        "outlet_name": row.outlet_name, "nature": k.nature.value, "description": k.description,
        "declared_on": k.declared_on, "withdrawn_on": k.withdrawn_on,
    }  # fmt: skip


def _show_links(rows: list[links.LinkRow], as_json: bool) -> None:
    if as_json:
        print_json([_link_dict(r) for r in rows])
        return
    if not rows:
        click.echo("No declared link.")
    for r in rows:
        k = r.link
        until = f" → {k.withdrawn_on}" if k.withdrawn_on else ""
        click.echo(f"{k.id:>5}  {r.outlet_name}  {r.display_name}  {k.nature.value}  {k.declared_on}{until}")


@links_group.command("declare")
@click.option("--user", "email", required=True, help="The committee member's login e-mail.")
@click.option("--outlet", "outlet_id", type=click.IntRange(1, 2**63 - 1), required=True, help="Outlet id.")
@click.option("--nature", type=click.Choice([n.value for n in LinkNature]), required=True)
@click.option("--description", default="")
@click.option("--on", "day", type=DAY, default=None, help="Declared from this day (default today).")
@CAISSE
@AS_JSON
@domain_errors_exit
def declare(
    email: str, outlet_id: int, nature: str, description: str, day: datetime | None, slug: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Record a committee member's link to an outlet."""

    async def work(session: AsyncSession) -> list[links.LinkRow]:
        caisse = await caisse_for_command(session, slug)
        user = await membership.find_user(session, user_id=None, user_email=email)
        row = await links.declare_link(
            session, caisse, user_id=user.id, outlet_id=outlet_id, nature=nature, description=description,
            declared_on=_day(day), today=caisse_today(), by_user_id=None,
        )  # fmt: skip
        found = await links.list_links(session, caisse.id, user_id=user.id, outlet_id=outlet_id)
        return [r for r in found if r.link.id == row.id]

    _show_links(run_in_transaction(work), as_json)


@links_group.command("withdraw")
@click.argument("link_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--on", "day", type=DAY, default=None, help="No recusal from this day (default today).")
@CAISSE
@AS_JSON
@domain_errors_exit
def withdraw(link_id: int, day: datetime | None, slug: str | None, as_json: bool) -> None:
    """Withdraw declared link LINK_ID."""

    async def work(session: AsyncSession) -> list[links.LinkRow]:
        caisse = await caisse_for_command(session, slug)
        row = await links.withdraw_link(
            session, caisse, link_id, withdrawn_on=_day(day), today=caisse_today(), own_user_id=None
        )
        found = await links.list_links(session, caisse.id, user_id=row.user_id, outlet_id=row.outlet_id)
        return [r for r in found if r.link.id == row.id]

    _show_links(run_in_transaction(work), as_json)


@links_group.command("list")
@click.option("--outlet", "outlet_id", type=click.IntRange(1, 2**63 - 1), default=None)
@click.option("--user", "email", default=None, help="Only this person's links.")
@click.option("--on", "day", type=DAY, default=None, help="Only links standing on this day.")
@CAISSE
@AS_JSON
@domain_errors_exit
def list_links(
    outlet_id: int | None, email: str | None, day: datetime | None, slug: str | None, as_json: bool
) -> None:
    """Declared links, by outlet then person."""

    async def work(session: AsyncSession) -> list[links.LinkRow]:
        caisse = await caisse_for_command(session, slug)
        user_id = None
        if email is not None:
            user_id = (await membership.find_user(session, user_id=None, user_email=email)).id
        return await links.list_links(
            session, caisse.id, outlet_id=outlet_id, user_id=user_id, standing_on=day.date() if day else None
        )

    _show_links(run_in_transaction(work), as_json)


@committee.group("lottery")
def lottery() -> None:
    """Stratified draws (tirage au sort) with a seed published in advance (docs/lottery.md)."""


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date and time like 2027-03-01T18:00+01:00.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pairs(items: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{item}': write {what} as name=value.")
        out[name.strip()] = value.strip()
    return out


def _quota(text: str) -> tuple[dict[str, str], int]:
    cell, sep, seats = text.rpartition(":")
    if not sep or not seats.strip().isdigit():
        raise click.BadParameter(f"'{text}': write a quota as dimension=value;dimension=value:SEATS.")
    return _pairs(tuple(p for p in cell.split(";") if p), "a cell"), int(seats)


@lottery.command("announce")
@click.option("--purpose", required=True, help="What the draw is for, e.g. 'Comité citoyen 2027'.")
@click.option("--description", default="")
@click.option("--seats", type=click.IntRange(1, draws.MAX_SEATS), required=True)
@click.option(
    "--dimension",
    "dimensions",
    multiple=True,
    help="A stratum dimension and its values: income_band=low,middle,high (repeat).",
)
@click.option(
    "--quota",
    "quotas",
    multiple=True,
    help="Seats of one cell: age_group=18-34;income_band=low:2 (repeat; ':6' for a plain draw).",
)
@click.option("--closes-at", "closes_at", required=True, help="Registration closes (ISO; without zone: UTC).")
@CAISSE
@AS_JSON
@domain_errors_exit
def announce(
    purpose: str, description: str, seats: int, dimensions: tuple[str, ...], quotas: tuple[str, ...],
    closes_at: str, slug: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Announce a draw and publish the commitment to its seed (the seed stays secret until the draw)."""
    dims = {
        k: [v.strip() for v in values.split(",")] for k, values in _pairs(dimensions, "a dimension").items()
    }
    cells = [_quota(q) for q in quotas]
    closing = _when(closes_at)

    async def work(session: AsyncSession) -> Any:
        caisse = await caisse_for_command(session, slug)
        row = await draws.announce_draw(
            session, caisse, purpose=purpose, description=description, seats=seats, dimensions=dims,
            quotas=cells, closes_at=closing, now=utcnow(),
        )  # fmt: skip
        return record_of(row, [])

    record = run_in_transaction(work)
    if as_json:
        print_json(record)
    else:
        click.echo(
            f"{record.reference} announced; seed commitment (sha256) {record.seed_commitment}; "
            f"registration closes {record.closes_at}"
        )


@lottery.command("volunteer")
@click.argument("reference")
@click.option("--member", "member_code", default=None, help="The household's member code.")
@click.option("--user", "email", default=None, help="Or the volunteer's login e-mail.")
@click.option("--stratum", "stratum", multiple=True, help="dimension=value (repeat); income_band is derived.")
@CAISSE
@AS_JSON
@domain_errors_exit
def volunteer(
    reference: str, member_code: str | None, email: str | None, stratum: tuple[str, ...], slug: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Register a volunteer for draw REFERENCE while registration is open."""
    if (member_code is None) == (email is None):
        raise click.UsageError("Name the volunteer by --member or by --user (one).")
    values = _pairs(stratum, "a stratum")

    async def work(session: AsyncSession) -> dict[str, Any]:
        caisse = await caisse_for_command(session, slug)
        member_id = None if member_code is None else (await get_member(session, caisse.id, member_code)).id
        user_id = None
        if email is not None:
            user_id = (await membership.find_user(session, user_id=None, user_email=email)).id
        row = await volunteers.register_volunteer(
            session, caisse, reference, stratum=values, member_id=member_id, user_id=user_id, now=utcnow()
        )
        return {"pseudonym": row.pseudonym, "stratum": json.loads(row.stratum)}

    found = run_in_transaction(work)
    if as_json:
        print_json(found)
    else:
        click.echo(f"registered as {found['pseudonym']} {found['stratum']}")


@lottery.command("draw")
@click.argument("reference")
@CAISSE
@AS_JSON
@domain_errors_exit
def run(reference: str, slug: str | None, as_json: bool) -> None:
    """Run draw REFERENCE (after registration closes); the result is public at once."""

    async def work(session: AsyncSession) -> Any:
        caisse = await caisse_for_command(session, slug)
        row = await draws.run_draw(session, caisse, reference, now=utcnow())
        return record_of(row, await draws.volunteers_of(session, row.id))

    record = run_in_transaction(work)
    if as_json or record.result is None:
        print_json(record)
        return
    for cell in record.result.cells:
        short = f"  (shortfall {cell.shortfall})" if cell.shortfall else ""
        click.echo(f"{cell.key or '(all)'}: {', '.join(cell.selected) or '-'}{short}")


@lottery.command("cancel")
@click.argument("reference")
@click.option("--reason", required=True)
@CAISSE
@domain_errors_exit
def cancel(reference: str, reason: str, slug: str | None) -> None:
    """Cancel draw REFERENCE while its registration is open (its seed is then revealed)."""

    async def work(session: AsyncSession) -> str:
        caisse = await caisse_for_command(session, slug)
        return (await draws.cancel_draw(session, caisse, reference, reason=reason, now=utcnow())).reference

    click.echo(f"{run_in_transaction(work)} cancelled")


@lottery.command("seat")
@click.argument("reference")
@click.option("--from", "starts_on", type=DAY, required=True, help="First day of the term (YYYY-MM-DD).")
@click.option("--to", "ends_on", type=DAY, required=True, help="Last day of the term (YYYY-MM-DD).")
@click.option("--note", default="")
@CAISSE
@AS_JSON
@domain_errors_exit
def seat_selected(
    reference: str, starts_on: datetime, ends_on: datetime, note: str, slug: str | None, as_json: bool
) -> None:
    """Seat the selected volunteers of REFERENCE who have a user account (safe to run again)."""

    async def work(session: AsyncSession) -> volunteers.SeatingReport:
        caisse = await caisse_for_command(session, slug)
        return await volunteers.seat_selected(
            session, caisse, reference, starts_on=starts_on.date(), ends_on=ends_on.date(), note=note
        )

    report = run_in_transaction(work)
    if as_json:
        print_json(report)
        return
    click.echo(f"{report.reference}: {len(report.seated)} seated")
    if report.without_account:
        click.echo(f"without a user account: {', '.join(report.without_account)}")
    for name, why in report.skipped:
        click.echo(f"skipped {name}: {why}")


@lottery.command("show")
@click.argument("reference")
@CAISSE
@domain_errors_exit
def show(reference: str, slug: str | None) -> None:
    """Print the public record of REFERENCE as JSON (what `verify` reads)."""

    async def work(session: AsyncSession) -> Any:
        caisse = await caisse_for_command(session, slug)
        row = await draws.get_draw(session, caisse.id, reference)
        return record_of(row, await draws.volunteers_of(session, row.id))

    print_json(run_in_transaction(work))


@lottery.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--commitment",
    default=None,
    help="The seed_commitment you saved at the announcement: the revealed seed must match it too.",
)
@AS_JSON
@domain_errors_exit
def verify_command(file: Path, commitment: str | None, as_json: bool) -> None:
    """Check a draw's seed against its commitment, re-run the draw from its saved public record
    (FILE.json) and say whether it matches.

    Needs no database: save GET /api/v1/public/caisses/<slug>/lotteries/<reference> to a file."""
    outcome = verify(parse_record(file.read_bytes()), commitment=commitment)
    if as_json:
        print_json(
            {"reference": outcome.reference, "matches": outcome.matches, "differences": outcome.differences,
             "rerun": outcome.rerun.to_dict()}
        )  # fmt: skip
    elif outcome.matches:
        click.echo(f"{outcome.reference}: the draw matches its seed ({len(outcome.rerun.selected)} selected)")
    else:
        for difference in outcome.differences:
            click.echo(difference, err=True)
        click.echo(f"{outcome.reference}: the draw does NOT match its seed", err=True)
    if not outcome.matches:
        raise SystemExit(1)


@lottery.command("list")
@CAISSE
@AS_JSON
@domain_errors_exit
def list_draws(slug: str | None, as_json: bool) -> None:
    """The caisse's draws, newest first."""

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        caisse = await caisse_for_command(session, slug)
        return [
            {"reference": d.reference, "purpose": d.purpose, "status": d.status.value, "seats": d.seats,
             "seed_commitment": seed_commitment(d.seed), "seed": revealed_seed(d), "closes_at": d.closes_at,
             "drawn_at": d.drawn_at}
            for d in await draws.list_draws(session, caisse.id)
        ]  # fmt: skip

    found = run_in_transaction(work)
    if as_json:
        print_json(found)
        return
    for d in found:
        click.echo(f"{d['reference']}  {d['status']:<9}  {d['seats']} seats  {d['purpose']}")
    if not found:
        click.echo("No draw yet.")
