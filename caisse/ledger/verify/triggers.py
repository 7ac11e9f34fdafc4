"""The database itself: the append-only triggers that keep history from being rewritten."""

from __future__ import annotations

from sqlalchemy import text

from caisse.db.append_only import APPEND_ONLY_TABLES
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
    elif dialect == "postgresql":
        found = set()
        for table in APPEND_ONLY_TABLES:
            # to_regclass follows the search_path, so this looks at the schema in use.
            row = await c.session.scalar(
                text(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(:table) "
                    "AND NOT tgisinternal AND tgname = :name AND tgenabled <> 'D' AND (tgtype & 24) = 24"
                ),
                {"table": table, "name": f"{table}_append_only"},
            )
            if row:
                found.add(table)
        missing = sorted(set(APPEND_ONLY_TABLES) - found)
    else:
        c.add("triggers_missing", f"cannot check append-only triggers on a {dialect} database")
        return
    for table in sorted(set(missing)):
        c.add(
            "triggers_missing",
            f"the append-only triggers on {table} are missing or disabled: history could be rewritten",
        )
