"""Closing a month from the staff's pages: the preview (the close itself, rolled back) posts
nothing and shows what the close then stores; the close is idempotent; months close in order."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.cycle.models import PeriodClose
from caisse.db.models import Base
from caisse.ledger.models import JournalEntry
from caisse.settings import Settings
from tests.conftest import World
from tests.integration.web.staff.staff_helpers import STAFF, send, token_of
from tests.integration.web.web_fixtures import Client
from tests.ledger_checks import MoneyWorld, build_money_world
from web.pages.staff.people import closing

CLOSE = f"{STAFF}/cloture"
FIGURES = re.compile(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>")


async def _posted(db: AsyncSession) -> tuple[int, int]:
    closes = await db.scalar(select(func.count()).select_from(PeriodClose))
    entries = await db.scalar(select(func.count()).select_from(JournalEntry))
    return int(closes or 0), int(entries or 0)


async def test_the_preview_posts_nothing_and_the_close_stores_what_it_showed(
    client: Client, db: AsyncSession, close_world: MoneyWorld
) -> None:
    staff = close_world.headers["staff"]
    before = await _posted(db)
    preview = await client.get(f"{CLOSE}?mois=2026-01", headers=staff)
    assert preview.status_code == 200, preview.text
    assert "Ce que ferait la clôture de janvier 2026" in preview.text
    assert 'name="mois" value="2026-01"' in preview.text
    shown = dict(FIGURES.findall(preview.text))
    assert int(shown["Foyers facturés"]) >= 2  # SA-1 and SA-2 at least, as the billing decides
    assert await _posted(db) == before  # the preview rolled everything back
    assert (await client.get(f"{CLOSE}?mois=2026-01", headers=staff)).text.count("Foyers facturés") == 1

    closed = await send(client, staff, CLOSE, {"mois": "2026-01"}, token=await token_of(client, staff, CLOSE))
    assert closed.status_code == 303 and closed.headers["location"] == f"{CLOSE}/2026-01"
    result = await client.get(closed.headers["location"], headers=staff)
    assert "janvier 2026 est clôturé" in result.text
    stored = dict(FIGURES.findall(result.text))
    assert {k: stored[k] for k in shown} == shown  # the preview said what the close did
    closes, entries = await _posted(db)
    assert closes == before[0] + 1 and entries > before[1]

    # Sent again (a reload, a second click): nothing more is posted.
    again = await send(client, staff, CLOSE, {"mois": "2026-01"})
    assert again.status_code == 303 and again.headers["location"] == f"{CLOSE}/2026-01?deja=1"
    assert await _posted(db) == (closes, entries)
    said = await client.get(again.headers["location"], headers=staff)
    assert "Il était déjà clôturé : rien n’a été passé une seconde fois." in said.text
    # The page now proposes February and lists January among the closed months.
    page = await client.get(CLOSE, headers=staff)
    assert 'name="mois" type="text" value="2026-02"' in page.text and f"{CLOSE}/2026-01" in page.text
    february = await client.get(f"{CLOSE}?mois=2026-02", headers=staff)
    assert "Ce que ferait la clôture de février 2026" in february.text
    already = await client.get(f"{CLOSE}?mois=2026-01", headers=staff)
    assert "janvier 2026 est déjà clôturé" in already.text
    dashboard = await client.get(STAFF, headers=staff)
    assert "Dernier mois clôturé : janvier 2026." in dashboard.text


async def test_a_month_out_of_order_or_badly_written_is_refused_next_to_the_field(
    client: Client, db: AsyncSession, close_world: MoneyWorld
) -> None:
    staff = close_world.headers["staff"]
    before = await _posted(db)
    for month, message in (
        ("2026-03", "Les mois se clôturent dans l’ordre : clôturez d’abord janvier 2026."),
        ("2025-12", "La caisse commence en janvier 2026."),
        ("2026-13", "Écrivez le mois au format AAAA-MM"),
        ("mars", "Écrivez le mois au format AAAA-MM"),
    ):
        shown = await client.get(f"{CLOSE}?mois={month}", headers=staff)
        assert shown.status_code == 422 and message in shown.text, month
        assert 'id="error-mois"' in shown.text
        sent = await send(client, staff, CLOSE, {"mois": month})
        assert sent.status_code in (409, 422) and message in sent.text, month
    assert (await send(client, staff, CLOSE, {})).status_code == 422
    assert (await client.get(f"{CLOSE}/2026-01", headers=staff)).status_code == 404
    assert (await client.get(f"{CLOSE}?mois={'x' * 50}", headers=staff)).status_code == 400
    assert await _posted(db) == before


async def test_only_this_caisses_staff_close_with_the_forms_token(
    client: Client, db: AsyncSession, close_world: MoneyWorld
) -> None:
    staff = close_world.headers["staff"]
    before = await _posted(db)
    token = await token_of(client, staff, CLOSE)
    no_token = await client.post(CLOSE, data={"mois": "2026-01"}, headers=staff, follow_redirects=False)
    assert no_token.status_code == 403
    for who in ("outsider", "member", "outlet", "official", "committee"):
        refused = await client.post(
            CLOSE, data={"mois": "2026-01", "_csrf_token": token}, headers=close_world.headers[who],
            follow_redirects=False,
        )  # fmt: skip
        assert refused.status_code == 403, who
    assert await _posted(db) == before
    by_admin = await send(client, close_world.headers["admin"], CLOSE, {"mois": "2026-01"})
    assert by_admin.status_code == 303


async def _rows_of_every_table(db: AsyncSession) -> dict[str, int]:
    await db.rollback()
    return {
        table.name: int(await db.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


async def test_a_visit_computes_nothing_and_a_preview_frees_the_database_before_the_page_is_sent(
    client: Client,
    db: AsyncSession,
    close_world: MoneyWorld,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staff = close_world.headers["staff"]
    runs: list[str] = []
    real_preview, real_page = closing.preview_close, closing._page

    async def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(args[2])
        return await real_preview(*args, **kwargs)

    def rendered(*args: Any, **kwargs: Any) -> Any:
        if settings.is_sqlite:  # another writer can start at once: the write lock is free
            other = sqlite3.connect(settings.database_url.split("///", 1)[1], timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            finally:
                other.close()
        return real_page(*args, **kwargs)

    monkeypatch.setattr(closing, "preview_close", counted)
    monkeypatch.setattr(closing, "_page", rendered)
    before = await _rows_of_every_table(db)
    visit = await client.get(CLOSE, headers=staff)
    assert visit.status_code == 200 and runs == []
    assert "Ce que ferait la clôture" not in visit.text and "Voir ce que ferait la clôture" in visit.text
    asked = await client.get(f"{CLOSE}?mois=2026-01", headers=staff)
    assert asked.status_code == 200 and runs == ["2026-01"]
    assert "Ce que ferait la clôture de janvier 2026" in asked.text
    refused = await client.get(f"{CLOSE}?mois=2026-03", headers=staff)
    assert refused.status_code == 422 and runs == ["2026-01", "2026-03"]
    after = await _rows_of_every_table(db)
    before.pop("user_session", None), after.pop("user_session", None)
    assert after == before  # no table keeps anything of the previews, audit and journal lines included


async def test_a_month_the_close_refuses_as_invalid_is_a_422_on_confirmation(
    client: Client, db: AsyncSession, close_world: MoneyWorld
) -> None:
    staff = close_world.headers["staff"]
    sent = await send(client, staff, CLOSE, {"mois": "2025-12"})
    assert sent.status_code == 422 and "La caisse commence en janvier 2026." in sent.text
    assert (await send(client, staff, CLOSE, {"mois": "2026-03"})).status_code == 409


async def test_the_preview_of_a_caisse_withholding_unpaid_allocations_keeps_nothing_either(
    client: Client, db: AsyncSession, world: World
) -> None:
    withholding = await build_money_world(db, world, credit_requires_payment=True)
    staff = withholding.headers["staff"]
    before = await _rows_of_every_table(db)
    preview = await client.get(f"{CLOSE}?mois=2026-01", headers=staff)
    assert preview.status_code == 200, preview.text[:3000]
    shown = dict(FIGURES.findall(preview.text))
    assert shown["Allocations retenues jusqu’au paiement"] != "0,00\u00a0€"  # the withheld path ran
    after = await _rows_of_every_table(db)
    before.pop("user_session", None), after.pop("user_session", None)
    assert after == before
