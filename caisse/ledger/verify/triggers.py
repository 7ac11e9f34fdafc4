"""The database itself: the append-only triggers that keep history from being rewritten, and the
one that keeps receivables' carried balances (caisse.ledger.carried)."""

from __future__ import annotations

from sqlalchemy import text

from caisse.db.append_only import APPEND_ONLY_TABLES
from caisse.ledger import carried
from caisse.ledger.verify.checker import Checker


async def check_triggers(c: Checker) -> None:
    dialect = c.session.get_bind().dialect.name
    if dialect == "sqlite":
        names = set(
            (await c.session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))).scalars()
        )
        expected = {
            (table, f"{table}_append_only_{op}")
            for table in APPEND_ONLY_TABLES
            for op in ("update", "delete")
        }
        missing = sorted(table for table, name in expected if name not in names)
        carrying = carried.TRIGGER in names
    elif dialect == "postgresql":
        found = set()
        for table in APPEND_ONLY_TABLES:
            if await _pg_trigger(c, table, f"{table}_append_only", before_update_or_delete=True):
                found.add(table)
        missing = sorted(set(APPEND_ONLY_TABLES) - found)
        carrying = await _pg_trigger(c, "journal_line", carried.TRIGGER, before_update_or_delete=False)
    else:
        c.add("triggers_missing", f"cannot check append-only triggers on a {dialect} database")
        return
    for table in sorted(set(missing)):
        c.add(
            "triggers_missing",
            f"the append-only triggers on {table} are missing or disabled: history could be rewritten",
        )
    if not carrying:
        c.add(
            "triggers_missing",
            f"the trigger {carried.TRIGGER} is missing or disabled: receivables' carried balances go stale",
        )


async def _pg_trigger(c: Checker, table: str, name: str, *, before_update_or_delete: bool) -> bool:
    # to_regclass follows the search_path, so this looks at the schema in use. tgtype's bits 8 and
    # 16 are DELETE and UPDATE.
    events = " AND (tgtype & 24) = 24" if before_update_or_delete else ""
    count = await c.session.scalar(
        text(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(:table) "
            f"AND NOT tgisinternal AND tgname = :name AND tgenabled <> 'D'{events}"
        ),
        {"table": table, "name": name},
    )
    return bool(count)
