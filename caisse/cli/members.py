"""`caisse members ...`: import households from a spreadsheet export, list them."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import plain_euros
from caisse.caisses.service import caisse_for_command
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.errors import ValidationFailed
from caisse.members import service
from caisse.members.csv_import import MAX_BYTES
from caisse.members.importing import ImportReport, import_households
from caisse.members.models import MemberStatus
from caisse.members.schemas import MemberOut


@click.group()
def members() -> None:
    """Households: import them from a CSV export, list them."""


@members.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
@click.option("--dry-run", is_flag=True, help="Check every line, import nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result (or the problems) as JSON.")
@domain_errors_exit
def import_command(file: Path, slug: str | None, dry_run: bool, as_json: bool) -> None:
    """Import the households of FILE (CSV, columns in docs/csv-import.md): all or nothing.

    Every bad line is printed as `line 7: revenu_mensuel: ...`, and the exit status is 1.
    """
    size = file.stat().st_size
    if size > MAX_BYTES:
        raise click.ClickException(
            f"{file} is {size / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB. "
            "Split it into several files."
        )
    data = file.read_bytes()

    async def work(session: AsyncSession) -> tuple[str, ImportReport]:
        caisse = await caisse_for_command(session, slug)
        return caisse.slug, await import_households(session, caisse, data, dry_run=dry_run)

    try:
        caisse_slug, report = run_in_transaction(work)
    except ValidationFailed as exc:
        if as_json:
            print_json({"error": exc.code, "detail": exc.detail, "problems": exc.problems})
        else:
            for problem in exc.problems:
                column = f"{problem['column']}: " if problem.get("column") else ""
                click.echo(f"line {problem['line']}: {column}{problem['message']}", err=True)
            click.echo(f"Error: {exc.detail}", err=True)
        sys.exit(1)
    if as_json:
        print_json(report)
    elif dry_run:
        click.echo(f"dry run: {report.valid} households would be imported into {caisse_slug}; none written")
    else:
        codes = f" ({report.codes[0]} to {report.codes[-1]})" if report.codes else ""
        click.echo(f"imported {report.imported} households into {caisse_slug}{codes}")
    if report.encoding == "cp1252" and not as_json:
        click.echo("note: the file was not UTF-8; it was read as Windows-1252 (Excel's default)", err=True)


@members.command("list")
@click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
@click.option("--status", type=click.Choice([s.value for s in MemberStatus]), default=None,
              help="Only households with this status.")
@click.option("--search", "query", default=None, help="Code, name or e-mail containing this text.")
@click.option("--json", "as_json", is_flag=True, help="Print the households as JSON (with personal data).")
@domain_errors_exit
def list_command(slug: str | None, status: str | None, query: str | None, as_json: bool) -> None:
    """List households: code, status, persons, monthly income, name, e-mail. The read is audited."""

    async def work(session: AsyncSession) -> list[MemberOut]:
        caisse = await caisse_for_command(session, slug)
        found, _ = await service.list_members(
            session, caisse, None, query=query, status=MemberStatus(status) if status else None,
            limit=None, note="command line",
        )
        return [MemberOut.of(m) for m in found]

    found = run_in_transaction(work)
    if as_json:
        print_json(found)
        return
    if not found:
        click.echo("no household")
        return
    for m in found:
        income = f"{plain_euros(m.monthly_income_cents)} €"
        click.echo(
            f"{m.code:<12} {m.status.value:<10} {m.persons:>2} pers. {income:>13}  {m.reference_person}"
            f"{'  <' + m.email + '>' if m.email else ''}"
        )
