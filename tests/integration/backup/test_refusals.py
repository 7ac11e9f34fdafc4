"""`caisse import` refuses what it cannot restore exactly — with a one-line error, exit status 2,
and nothing written — and `caisse export` writes an archive that reads back."""

from __future__ import annotations

import gzip
import stat
from pathlib import Path

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import User
from caisse.backup import Archive, read_archive
from caisse.backup.archive import TableRows, encode, sealed
from caisse.caisses.models import Caisse
from caisse.ledger.models import JournalEntry
from caisse.settings import Settings
from tests.ledger_checks import invoke_cli

from .checks import assert_same_rows, import_into


def _with_rows(archive: Archive, name: str, rows: list[list[object]]) -> Archive:
    table = archive.tables[name]
    return msgspec.structs.replace(archive, tables={**archive.tables, name: TableRows(table.columns, rows)})


def _damaged(archive: Archive) -> dict[str, tuple[bytes, str]]:
    """Name -> (the file's bytes, what the refusal says)."""
    plain = encode(archive, compress=False)
    document = msgspec.json.decode(plain)
    lines = archive.tables["journal_line"]
    amount = lines.columns.index("amount_cents")
    unbalanced = [list(row) for row in lines.rows]
    unbalanced[0][amount] += 1
    member = archive.tables["member"]
    income = member.columns.index("monthly_income_cents")
    richer = [list(row) for row in member.rows]
    richer[0][income] += 100_000
    return {
        "newer format": (msgspec.json.encode({**document, "format_version": 2}), "format version 2"),
        "not an archive": (b'{"households": []}', "not a caisse archive"),
        "truncated gzip": (encode(archive, compress=True)[:-100], "truncated or damaged"),
        "truncated json": (plain[: len(plain) // 2], "truncated or is not JSON"),
        "edited without its checksum": (
            encode(_with_rows(archive, "member", richer), compress=False),
            "checksum does not match",
        ),
        "rows missing": (
            encode(
                sealed(msgspec.structs.replace(archive, counts={**archive.counts, "member": 99})),
                compress=False,
            ),
            "header says 99",
        ),
        "other schema": (
            encode(sealed(msgspec.structs.replace(archive, schema_revision="0001")), compress=False),
            "schema revision 0001",
        ),
        "ledger does not verify": (
            encode(sealed(_with_rows(archive, "journal_line", unbalanced)), compress=False),
            "fails the ledger verification (entry_unbalanced",
        ),
    }


async def _written(db: AsyncSession) -> tuple[int, int, int]:
    db.expire_all()
    counts = [await db.scalar(select(func.count()).select_from(m)) for m in (Caisse, JournalEntry, User)]
    await db.rollback()
    return (counts[0] or 0, counts[1] or 0, counts[2] or 0)


async def test_damaged_or_foreign_archives_are_refused_with_exit_2_and_nothing_written(
    db: AsyncSession, settings: Settings, history_archive: Archive, tmp_path: Path
) -> None:
    for name, (data, said) in _damaged(history_archive).items():
        path = tmp_path / "archive.json"
        path.write_bytes(data)
        result = await invoke_cli(settings, "import", str(path))
        assert result.exit_code == 2, (name, result.output)
        assert result.output.startswith("Error: ") and result.output.count("\n") == 1, (name, result.output)
        assert said in result.output, (name, result.output)
        assert await _written(db) == (0, 0, 0), name
    missing = await invoke_cli(settings, "import", str(tmp_path / "nowhere.json.gz"))
    assert missing.exit_code == 2 and "No such file or directory" in missing.output


async def test_a_caisse_whose_slug_is_taken_is_refused_and_the_first_is_left_as_it_was(
    db: AsyncSession, settings: Settings, history_archive: Archive, tmp_path: Path
) -> None:
    path = tmp_path / "demo.json.gz"
    path.write_bytes(encode(history_archive, compress=True))
    first = await invoke_cli(settings, "import", str(path))
    assert first.exit_code == 0, first.output
    assert "caisse 'demo' imported as id 1" in first.output and "ledger OK" in first.output
    written = await _written(db)

    second = await invoke_cli(settings, "import", str(path))

    assert second.exit_code == 2
    assert second.output == "Error: A caisse 'demo' already exists in this database; nothing was imported.\n"
    assert await _written(db) == written


async def test_export_command_writes_a_private_archive_that_reads_back(
    settings: Settings, history_archive: Archive, tmp_path: Path
) -> None:
    await import_into(settings, history_archive)
    compressed, plain = tmp_path / "demo.json.gz", tmp_path / "demo.json"

    result = await invoke_cli(settings, "export", "demo", "--out", str(compressed), "--json")
    plain_result = await invoke_cli(settings, "export", "demo", "--out", str(plain))
    unknown = await invoke_cli(settings, "export", "nowhere", "--out", str(tmp_path / "x.json"))

    assert result.exit_code == 0 and plain_result.exit_code == 0, result.output + plain_result.output
    summary = msgspec.json.decode(result.output)
    assert summary["rows"] == history_archive.row_count and summary["bytes"] == compressed.stat().st_size
    assert compressed.read_bytes()[:2] == b"\x1f\x8b" and plain.read_bytes()[:1] == b"{"
    assert gzip.decompress(compressed.read_bytes()).startswith(b'{"format":"caisse-commune-archive"')
    assert stat.S_IMODE(compressed.stat().st_mode) == 0o600  # it holds incomes and password hashes
    assert_same_rows(history_archive, read_archive(compressed))
    assert_same_rows(history_archive, read_archive(plain))
    assert unknown.exit_code == 1 and unknown.output == "Error: No caisse 'nowhere' in this database.\n"
    assert not (tmp_path / "x.json").exists()
