"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from caisse.db import append_only, migrate
from caisse.db.engine import make_engine
from caisse.db.models import Base
from caisse.settings import Settings
from tests.conftest import BACKENDS, IN_CI, POSTGRES_URL, _pg_admin


@pytest.fixture(params=BACKENDS)
def fresh_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}")
        return
    schema = f"caisse_mig_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(POSTGRES_URL, [f"CREATE SCHEMA {schema}"]))
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    yield Settings(database_url=POSTGRES_URL, database_schema=schema)
    asyncio.run(_pg_admin(POSTGRES_URL, [f"DROP SCHEMA {schema} CASCADE"]))


def _inspect(settings: Settings, check: object) -> object:
    async def run() -> object:
        engine = make_engine(settings)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(check)  # type: ignore[arg-type]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def _triggers(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    else:
        rows = connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
    return {row[0] for row in rows}


def test_upgrade_builds_the_schema_the_models_describe(fresh_settings: Settings) -> None:
    migrate.upgrade(fresh_settings)
    assert _inspect(fresh_settings, _differences) == []


def test_upgrade_installs_append_only_triggers(fresh_settings: Settings) -> None:
    migrate.upgrade(fresh_settings)
    triggers = _inspect(fresh_settings, _triggers)
    assert isinstance(triggers, set)
    for table in append_only.APPEND_ONLY_TABLES:
        assert any(name.startswith(f"{table}_append_only") for name in triggers), table


def test_outlets_entered_before_0003_get_their_ledger_account(fresh_settings: Settings) -> None:
    migrate.upgrade(fresh_settings, "0002")

    def enter_outlet(connection: Connection) -> None:
        connection.execute(
            text(
                "INSERT INTO caisse (id, slug, name, territory, first_month, credit_requires_payment, "
                "member_code_prefix, convention_term_months, created_at) "
                "VALUES (1, 'old', 'Ancienne', '', '2027-01', false, 'M', 12, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO outlet (id, caisse_id, name, kind, address, commune, product_categories, "
                "status, self_applied, created_at, updated_at) VALUES (7, 1, 'Ferme du Bosc', 'producer', "
                "'', '', '[]', 'applicant', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.commit()

    _inspect(fresh_settings, enter_outlet)
    migrate.upgrade(fresh_settings)
    accounts = _inspect(
        fresh_settings,
        lambda conn: conn.execute(text("SELECT code, kind, outlet_id, name FROM ledger_account")).all(),
    )
    assert [tuple(row) for row in accounts] == [
        ("outlet:7", "outlet", 7, "Lieu conventionné 7 – Ferme du Bosc")
    ]


def test_downgrade_removes_every_table(fresh_settings: Settings) -> None:
    migrate.upgrade(fresh_settings)
    migrate.downgrade(fresh_settings)
    tables = _inspect(fresh_settings, lambda conn: set(inspect(conn).get_table_names()))
    assert tables <= {"alembic_version"}


def test_0006_fills_the_carried_balances_and_months_then_keeps_them(fresh_settings: Settings) -> None:
    """Lines booked before 0006 are summed into the carried balances and `ledger_month` by the
    migration; lines booked after it by the trigger. Wallets carry nothing."""
    migrate.upgrade(fresh_settings, "0005")
    accounts = [(1, "fund"), (2, "receivable"), (3, "contributions"), (4, "wallet"), (5, "allocations")]
    # (id, kind, period, occurred_on, lines as (account, cents))
    entries = [
        (1, "contribution_due", "2027-01", "2027-02-01", [(2, 5000), (3, -5000)]),
        (2, "allocation", "2027-01", "2027-02-01", [(5, 9000), (4, -9000)]),
        (3, "contribution_paid", None, "2027-02-10", [(1, 3000), (2, -3000)]),
    ]

    def book(
        connection: Connection, rows: list[tuple[int, str, str | None, str, list[tuple[int, int]]]]
    ) -> None:
        for entry_id, kind, period, occurred_on, lines in rows:
            connection.execute(
                text(
                    "INSERT INTO journal_entry (id, caisse_id, kind, period, occurred_on, posted_at, memo) "
                    "VALUES (:id, 1, :kind, :period, :on, CURRENT_TIMESTAMP, '')"
                ),
                {"id": entry_id, "kind": kind, "period": period, "on": date.fromisoformat(occurred_on)},
            )
            for account_id, cents in lines:
                connection.execute(
                    text("INSERT INTO journal_line (entry_id, account_id, amount_cents) VALUES (:e, :a, :c)"),
                    {"e": entry_id, "a": account_id, "c": cents},
                )
        connection.commit()

    def before(connection: Connection) -> None:
        connection.execute(
            text(
                "INSERT INTO caisse (id, slug, name, territory, first_month, credit_requires_payment, "
                "member_code_prefix, convention_term_months, created_at) "
                "VALUES (1, 'old', 'Ancienne', '', '2027-01', false, 'M', 12, CURRENT_TIMESTAMP)"
            )
        )
        for account_id, kind in accounts:
            connection.execute(
                text(
                    "INSERT INTO ledger_account (id, caisse_id, kind, code, name) VALUES (:id, 1, :k, :c, '')"
                ),
                {"id": account_id, "k": kind, "c": f"{kind}:{account_id}"},
            )
        book(connection, entries)

    def carried(
        connection: Connection,
    ) -> tuple[dict[int, int | None], dict[tuple[int, str], tuple[int, int]]]:
        balances = dict(
            connection.execute(text("SELECT id, carried_balance_cents FROM ledger_account")).all()
        )
        months = {
            (a, m): (f, i)
            for a, m, f, i in connection.execute(
                text("SELECT account_id, month, for_month_cents, in_month_cents FROM ledger_month")
            )
        }
        return balances, months

    _inspect(fresh_settings, before)
    migrate.upgrade(fresh_settings)
    assert _inspect(fresh_settings, carried) == (
        {1: 3000, 2: 2000, 3: -5000, 4: None, 5: 9000},
        {
            (1, "2027-02"): (0, 3000),
            (2, "2027-01"): (5000, 0),
            (2, "2027-02"): (0, -3000),
            (3, "2027-01"): (-5000, 0),
            (5, "2027-01"): (9000, 0),
        },
    )
    # A second payment, in February too, after the migration: the trigger adds it.
    _inspect(
        fresh_settings,
        lambda conn: book(conn, [(4, "contribution_paid", None, "2027-02-20", [(1, 500), (2, -500)])]),
    )
    balances, months = _inspect(fresh_settings, carried)  # type: ignore[misc]
    assert balances[1] == 3500 and balances[2] == 1500 and balances[4] is None
    assert months[(2, "2027-02")] == (0, -3500) and months[(1, "2027-02")] == (0, 3500)


def test_0007_gives_funders_entered_before_no_agreement_and_refuses_half_of_one(
    fresh_settings: Settings,
) -> None:
    """A source entered before 0007 keeps its row, with no agreement; the constraints then refuse an
    amount without a period, a period out of 1..120, and a kind the enum does not know (the rebuilt
    SQLite table kept its checks)."""
    migrate.upgrade(fresh_settings, "0006")

    def enter_source(connection: Connection) -> None:
        connection.execute(
            text(
                "INSERT INTO caisse (id, slug, name, territory, first_month, credit_requires_payment, "
                "member_code_prefix, convention_term_months, created_at) "
                "VALUES (1, 'old', 'Ancienne', '', '2027-01', false, 'M', 12, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO subsidy_source (id, caisse_id, name, kind, created_at) "
                "VALUES (3, 1, 'Département', 'department', CURRENT_TIMESTAMP)"
            )
        )
        connection.commit()

    _inspect(fresh_settings, enter_source)
    migrate.upgrade(fresh_settings)
    row = _inspect(
        fresh_settings,
        lambda conn: tuple(
            conn.execute(
                text(
                    "SELECT name, kind, agreed_amount_cents, agreed_every_months, agreed_until "
                    "FROM subsidy_source"
                )
            ).one()
        ),
    )
    assert row == ("Département", "department", None, None, None)

    def refused(statement: str) -> bool:
        def run(connection: Connection) -> bool:
            try:
                connection.execute(text(statement))
            except IntegrityError:
                connection.rollback()
                return True
            connection.rollback()
            return False

        return bool(_inspect(fresh_settings, run))

    update = "UPDATE subsidy_source SET "
    assert not refused(
        update + "agreed_amount_cents = 3807000, agreed_every_months = 3, agreed_until = '2027-12'"
    )
    assert refused(update + "agreed_amount_cents = 3807000")
    assert refused(update + "agreed_amount_cents = 3807000, agreed_every_months = 0")
    assert refused(update + "agreed_amount_cents = 0, agreed_every_months = 3")
    assert refused(update + "agreed_until = '2027-12'")
    assert refused(update + "kind = 'lottery'")
