"""Importing households from a CSV export: one transaction, all or nothing.

The parsing and line checks are pure (`caisse.members.csv_import`); here the database adds what only
it knows (e-mails already used in the caisse, chosen contributions against the grid in force) and
writes the households with `caisse.members.registration.insert_households`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.caisses.locking import lock_caisse
from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.members.csv_import import CsvFileError, Problem, parse_households
from caisse.members.registration import database_problems, insert_households
from caisse.periods import caisse_today


class FileTooLarge(ValidationFailed):
    code = "too_large"
    status_code = 413


@dataclass(frozen=True)
class ImportReport:
    """`imported` households written (0 on a dry run, where `valid` says how many would be)."""

    imported: int
    valid: int
    dry_run: bool
    encoding: str
    delimiter: str
    codes: list[str] = field(default_factory=list)


def rejection(problems: list[Problem]) -> ValidationFailed:
    """The 422 listing every problem; its detail counts the lines at fault."""
    lines = sorted({p.line for p in problems})
    if lines == [1]:
        detail = "The header line has problems; nothing was imported."
    else:
        count = f"{len(lines)} lines of the file have" if len(lines) > 1 else "1 line of the file has"
        detail = f"{count} problems; nothing was imported."
    return ValidationFailed(detail, problems=[p.as_dict() for p in problems])


async def import_households(
    session: AsyncSession,
    caisse: Caisse,
    data: bytes,
    *,
    actor: Actor | None = None,
    today: date | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Register every household of a CSV file, or none: any bad line raises ValidationFailed
    whose `problems` list each one ({"line", "column", "message"}). A file over the size limit
    raises FileTooLarge (413). `dry_run` checks everything and writes nothing."""
    today = today or caisse_today()
    try:
        parsed = parse_households(data, today=today)
    except CsvFileError as exc:
        raise (FileTooLarge if exc.too_large else ValidationFailed)(str(exc)) from None
    problems = list(parsed.problems)
    households = [row.household for row in parsed.rows]
    if households:
        if not dry_run:
            # Lock before reading the e-mails in use, so a concurrent registration cannot slip in.
            await lock_caisse(session, caisse.id)
        problems += [
            Problem(parsed.rows[index].line, parsed.column_for(p.field), p.message)
            for index, p in await database_problems(session, caisse, households)
        ]
    if problems:
        raise rejection(sorted(problems, key=lambda p: p.line))
    if not households:
        raise ValidationFailed("The file has a header line but no household under it; nothing was imported.")
    report = ImportReport(0, len(households), dry_run, parsed.encoding, parsed.delimiter)
    if dry_run:
        return report
    created = await insert_households(
        session, caisse, households, actor=actor, action="member.import", reason="imported"
    )
    return ImportReport(
        len(created), len(households), False, parsed.encoding, parsed.delimiter, [m.code for m in created]
    )
