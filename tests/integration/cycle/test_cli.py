"""`caisse cycle close YYYY-MM` and `caisse cycle status`."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.cli import main
from caisse.settings import Settings

from .helpers import Household, add_households, entry_count, new_caisse

PAST = "2026-01"


async def run_cli(settings: Settings, *args: str) -> Result:
    """Run the command as a user would (its own event loop, settings from the environment)."""
    env = {
        "CAISSE_DATABASE_URL": settings.database_url,
        "CAISSE_DATABASE_SCHEMA": settings.database_schema or "",
    }
    if not settings.database_schema:
        del env["CAISSE_DATABASE_SCHEMA"]
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_close_prints_totals_and_a_repeat_says_already_closed(
    db: AsyncSession, settings: Settings
) -> None:
    caisse = await new_caisse(db, slug="cli", first_month=PAST)
    await add_households(db, caisse, [Household(income_eur=1800.0, activated_on=date(2025, 12, 1))] * 2)

    first = await run_cli(settings, "cycle", "close", PAST)
    again = await run_cli(settings, "cycle", "close", PAST, "--caisse", "cli", "--json")
    status = await run_cli(settings, "cycle", "status")

    assert first.exit_code == 0, first.output
    assert f"{PAST}: closed" in first.output
    assert "households billed      2" in first.output
    assert "contributions due      90.00 €" in first.output
    assert "allocations credited   100.00 €" in first.output
    assert again.exit_code == 0, again.output
    body = json.loads(again.output)
    assert (body["already_closed"], body["households"], body["contributions_due_cents"]) == (True, 2, 9000)
    assert status.exit_code == 0, status.output
    assert "next month to close 2026-02" in status.output
    assert await entry_count(db, caisse.id) == 2


async def test_refused_closes_exit_1_with_one_line(db: AsyncSession, settings: Settings) -> None:
    caisse = await new_caisse(db, slug="cli", first_month=PAST)
    await add_households(db, caisse, [Household(activated_on=date(2025, 12, 1))])

    cases = {
        ("cycle", "close", "2026-03"): "close 2026-01 first",
        ("cycle", "close", "2026-1"): "YYYY-MM",
        ("cycle", "close", PAST, "--caisse", "nulle-part"): "No caisse 'nulle-part'",
    }
    for args, message in cases.items():
        result = await run_cli(settings, *args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, args
        assert result.output.strip().startswith("Error:") and len(result.output.strip().splitlines()) == 1

    await new_caisse(db, slug="autre", first_month=PAST)
    several = await run_cli(settings, "cycle", "close", PAST)
    assert several.exit_code == 1 and "--caisse" in several.output
    assert await entry_count(db, caisse.id) == 0
