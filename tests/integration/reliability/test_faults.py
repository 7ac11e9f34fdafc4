"""Faults on PostgreSQL: the server killed in the middle of a month close and of a payout batch,
and the database lost under a running app.

"The middle" is reached every time: the test holds, from another transaction, a row that the
operation writes or references only after its first writes, waits until the server's backend is
stuck there having written (it has a transaction id), then SIGKILLs the server. The database must
then hold none of the half-done operation, `caisse ledger verify` must pass, and the operation,
sent again to a restarted server, must complete with the right totals, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.app import create_app
from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.cycle.models import PeriodClose
from caisse.cycle.preview import preview_close
from caisse.ledger import AccountKind, EntryKind, JournalEntry, caisse_account_id
from caisse.periods import caisse_today, first_day, month_of
from caisse.redemptions.approval import approve_redemption
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionStatus
from caisse.redemptions.requests import request_redemption
from caisse.settings import Settings
from tests.conftest import World
from tests.integration.cycle.helpers import Household, add_households, new_caisse, wallet
from tests.integration.redemptions.payout_helpers import build_payout_world, caisse_of
from tests.integration.reliability.faults import (
    RowHolder,
    ServerProcess,
    TcpProxy,
    connect,
    wait_for_blocked,
    wait_until_gone,
)
from tests.integration.reliability.racing import in_loop_client
from tests.integration.spending.spend_helpers import CREDIT, build_spend_world, payment, wallet_credit
from tests.ledger_checks import assert_ledger_ok, build_money_world, invoke_cli

pytestmark = pytest.mark.postgres

HOUSEHOLDS = 2_000


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(settings)
    yield process
    process.kill()


async def ledger_verify(settings: Settings) -> None:
    """`caisse ledger verify` exits 0, as an operator runs it after a crash."""
    verified = await invoke_cli(settings, "ledger", "verify")
    assert verified.exit_code == 0, verified.output


async def kill_in_the_middle(
    server: ServerProcess, settings: Settings, table: str, row_id: int, send: httpx.Request, writes: str
) -> None:
    """Send `send` to the server, hold `table`'s row `row_id` so that the operation stops there
    after its first writes, check that it did (its backend runs a statement starting with
    `writes` and has written), SIGKILL the server, then let the orphaned backend go."""
    holder = await RowHolder.hold(settings, table, row_id)
    admin = await connect(settings)
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
            in_flight = asyncio.create_task(client.send(send))
            blocked = await wait_for_blocked(admin, holder.pid)
            assert blocked.has_written and blocked.query.lstrip().upper().startswith(writes), blocked
            server.kill()
            with pytest.raises(httpx.TransportError):
                await in_flight  # the caller never heard back: for it, the operation may or may not be done
        await holder.release()
        await wait_until_gone(admin, blocked.pid)  # its client is gone: PostgreSQL rolls it back
    finally:
        await holder.release()
        await admin.close()


async def caisse_to_close(db: AsyncSession, world: World, households: int) -> tuple[Caisse, list[int], str]:
    """A caisse "panne" starting this month, the world's staff user its staff, `households` active."""
    month = month_of(caisse_today())
    caisse = await new_caisse(db, slug="panne", first_month=month)
    await auth.grant_role(db, user_id=world.user_ids["staff"], caisse_id=caisse.id, role=Role.STAFF)
    await db.commit()
    drawn = [Household(income_eur=700.0 + 3 * i, activated_on=first_day(month)) for i in range(households)]
    return caisse, await add_households(db, caisse, drawn), month


async def _count(db: AsyncSession, *where: object) -> int:
    return int(await db.scalar(select(func.count()).select_from(JournalEntry).where(*where)) or 0)  # type: ignore[arg-type]


async def test_a_month_close_killed_midway_leaves_nothing_and_completes_once_after_restart(
    db: AsyncSession, world: World, settings: Settings, server: ServerProcess
) -> None:
    caisse, members, month = await caisse_to_close(db, world, HOUSEHOLDS)
    expected = await preview_close(db, caisse, month)
    allocations = await caisse_account_id(db, caisse.id, AccountKind.ALLOCATIONS)
    await db.commit()
    close = {"month": month}
    url, staff = f"/api/v1/caisses/{caisse.slug}/cycle/close", world.headers["staff"]

    await server.start()
    # The allocation entry's lines reference the allocations account: the close stops there, with
    # its month claimed and its expiry and contributions due already written.
    request = httpx.Request("POST", server.base + url, json=close, headers=staff)
    await kill_in_the_middle(
        server, settings, "ledger_account", allocations, request, "INSERT INTO JOURNAL_LINE"
    )

    await ledger_verify(settings)
    of_caisse = JournalEntry.caisse_id == caisse.id
    assert await _count(db, of_caisse) == 0
    assert await db.scalar(select(func.count()).where(PeriodClose.caisse_id == caisse.id)) == 0

    await server.start()
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
        done = await client.post(url, json=close, headers=staff)
        assert done.status_code == 201, done.text
        again = await client.post(url, json=close, headers=staff)
    assert again.status_code == 200 and again.json()["already_closed"]
    for answer in (done, again):
        totals = answer.json()
        assert (totals["households"], totals["contributions_due_cents"], totals["allocations_cents"]) == (
            expected.households,
            expected.contributions_due_cents,
            expected.allocations_cents,
        )
    assert expected.households == HOUSEHOLDS
    for kind in (EntryKind.CONTRIBUTION_DUE, EntryKind.ALLOCATION):
        assert await _count(db, of_caisse, JournalEntry.kind == kind) == 1
    assert {await wallet(db, caisse.id, m) for m in members[::101]} == {5_000}
    await ledger_verify(settings)


async def test_a_payout_batch_killed_midway_pays_nothing_and_its_retry_pays_once(
    db: AsyncSession, world: World, settings: Settings, server: ServerProcess
) -> None:
    pw = await build_payout_world(db, await build_money_world(db, world))
    caisse = await caisse_of(db, pw.caisse_id)
    approved = []
    for outlet, cents in (("ferme", 4_000), ("epicerie", 2_500)):
        asked = await request_redemption(db, caisse, outlet_id=pw.outlets[outlet], amount_cents=cents)
        approved.append((await approve_redemption(db, caisse.id, asked.record.id, by_user_id=None)).id)
    await db.commit()
    url = f"/api/v1/caisses/{pw.mw.slug}/payout-batches/"
    body = {"execution_date": caisse_today().isoformat()}
    headers = pw.headers["staff"] | {"Idempotency-Key": "lot-du-jour"}

    await server.start()
    # Marking the redemptions paid comes last: the entry, its lines and the batch are written.
    request = httpx.Request("POST", server.base + url, json=body, headers=headers)
    await kill_in_the_middle(server, settings, "redemption", approved[-1], request, "UPDATE REDEMPTION")

    await ledger_verify(settings)
    assert await db.scalar(select(func.count()).select_from(PayoutBatch)) == 0
    assert await _count(db, JournalEntry.kind == EntryKind.REDEMPTION) == 0
    still = await db.scalars(select(Redemption.status).where(Redemption.id.in_(approved)))
    assert set(still) == {RedemptionStatus.APPROVED}

    await server.start()
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
        retried = await client.post(url, json=body, headers=headers)  # the same key: the caller's retry
        assert retried.status_code == 201, retried.text
        again = await client.post(url, json=body, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == retried.json()["id"]
    assert retried.json()["total_cents"] == 6_500 and retried.json()["transfer_count"] == 2
    assert await _count(db, JournalEntry.kind == EntryKind.REDEMPTION) == 1
    paid = await db.scalars(
        select(Redemption.status).where(Redemption.id.in_(approved)).execution_options(populate_existing=True)
    )
    assert set(paid) == {RedemptionStatus.PAID}
    await ledger_verify(settings)


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[TcpProxy]:
    url = make_url(settings.database_url)
    forwarder = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await forwarder.start()
    yield forwarder
    await forwarder.cut()


@pytest.fixture
def app_behind_proxy(settings: Settings, proxy: TcpProxy) -> Litestar:
    """The app reaching the database only through `proxy`."""
    url = make_url(settings.database_url).set(host="127.0.0.1", port=proxy.port)
    return create_app(
        Settings(
            database_url=url.render_as_string(hide_password=False), database_schema=settings.database_schema
        )
    )


async def test_the_database_gone_for_a_while_gives_503s_and_the_app_recovers_when_it_is_back(
    db: AsyncSession, world: World, proxy: TcpProxy, app_behind_proxy: Litestar
) -> None:
    sw = await build_spend_world(db, world)
    till, staff = sw.headers["till_a"], sw.headers["staff"]
    before, during = payment("SA-1", 1_000), payment("SA-1", 1_500)
    reads = ["/api/v1/me", "/api/v1/caisses/ssa/members?limit=5", "/api/v1/caisses/ssa/cycle/periods"]
    async with in_loop_client(app_behind_proxy) as api:
        assert (await api.post(sw.pay_url(), json=before, headers=till)).status_code == 201
        assert [(await api.get(path, headers=staff)).status_code for path in reads] == [200] * 3

        await proxy.cut()
        refused = [await api.get(path, headers=staff) for path in reads * 2]
        refused.append(await api.post(sw.pay_url(), json=during, headers=till))
        page = await api.get("/c/ssa", headers=staff)
        assert [(r.status_code, r.json()["error"]) for r in refused] == [(503, "database_unavailable")] * 7
        assert "nothing was saved" in refused[-1].json()["detail"]
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")

        await proxy.restore()
        assert [(await api.get(path, headers=staff)).status_code for path in reads] == [200] * 3
        resent = await api.post(sw.pay_url(), json=during, headers=till)  # the till resends, same key
        assert resent.status_code == 201, resent.text
        assert (await api.post(sw.pay_url(), json=before, headers=till)).status_code == 200
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - 2_500
    await assert_ledger_ok(db)


async def test_a_connection_killed_in_the_middle_of_a_close_gives_a_503_and_saves_nothing(
    db: AsyncSession, world: World, settings: Settings, app: Litestar
) -> None:
    caisse, members, month = await caisse_to_close(db, world, 300)
    allocations = await caisse_account_id(db, caisse.id, AccountKind.ALLOCATIONS)
    await db.commit()
    url, staff = f"/api/v1/caisses/{caisse.slug}/cycle/close", world.headers["staff"]
    async with in_loop_client(app) as api:
        holder = await RowHolder.hold(settings, "ledger_account", allocations)
        admin = await connect(settings)
        try:
            closing = asyncio.create_task(api.post(url, json={"month": month}, headers=staff))
            blocked = await wait_for_blocked(admin, holder.pid)
            assert blocked.has_written
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", blocked.pid)
            await holder.release()
            lost = await closing
        finally:
            await holder.release()
            await admin.close()
        assert lost.status_code == 503 and lost.json()["error"] == "database_unavailable", lost.text
        assert await db.scalar(select(func.count()).where(PeriodClose.caisse_id == caisse.id)) == 0
        assert await _count(db, JournalEntry.caisse_id == caisse.id) == 0
        again = await api.post(url, json={"month": month}, headers=staff)
    assert again.status_code == 201 and again.json()["households"] == 300, again.text
    assert {await wallet(db, caisse.id, m) for m in members[::29]} == {5_000}
    await assert_ledger_ok(db)


async def test_a_commit_lost_on_its_way_to_the_database_is_a_503_not_a_success(
    db: AsyncSession, world: World, proxy: TcpProxy, app_behind_proxy: Litestar
) -> None:
    """The answer is built before the transaction commits: a commit that fails must not let a
    201 through, or the till shows a payment that was never saved (and never resends it)."""
    sw = await build_spend_world(db, world)
    till, body = sw.headers["till_a"], payment("SA-1", 2_000)
    async with in_loop_client(app_behind_proxy) as api:
        proxy.drop_at(b"COMMIT;\x00")
        lost = await api.post(sw.pay_url(), json=body, headers=till)
        assert (lost.status_code, lost.json()["error"]) == (503, "database_unavailable"), lost.text
        assert await wallet_credit(db, sw, "SA-1") == CREDIT  # nothing was saved, as the 503 says
        resent = await api.post(sw.pay_url(), json=body, headers=till)
    assert resent.status_code == 201, resent.text
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - 2_000
    await assert_ledger_ok(db)
