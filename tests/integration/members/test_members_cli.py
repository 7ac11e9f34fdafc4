"""`caisse members import` and `caisse members list`: exit codes, line-numbered problems, audit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from caisse.auth.models import AuditEvent
from caisse.caisses.service import create_caisse_with_preset
from caisse.cli import main
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.members.models import Member
from caisse.settings import Settings

GOOD = (
    "nom;email;adultes;revenu_mensuel;date_declaration\n"
    "Awa;awa@example.org;2;1 234,56;15/01/2026\nBob;;1;980;2026-02-01\n"
)
BAD = "nom;adultes;revenu_mensuel;date_declaration\nAwa;2;1000;2026-01-01\nBob;0;12,5,0;2026-01-01\n"


def run(settings: Settings, *args: str) -> Result:
    env = {"CAISSE_DATABASE_URL": settings.database_url, "CAISSE_DATABASE_SCHEMA": settings.database_schema}
    return CliRunner().invoke(main, ["members", *args], env=env, catch_exceptions=False)


def query(settings: Settings, statement: object) -> object:
    async def go() -> object:
        engine = make_engine(settings)
        try:
            async with make_sessionmaker(engine)() as session:
                return await session.scalar(statement)  # type: ignore[call-overload]
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.fixture
def caisse_slug(settings: Settings) -> str:
    async def go() -> None:
        engine = make_engine(settings)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                await create_caisse_with_preset(
                    session, slug="foix", name="Foix", first_month="2027-01", preset="ariege-ccampa",
                    member_code_prefix="FX",
                )
        finally:
            await engine.dispose()

    asyncio.run(go())
    return "foix"


def members_count(settings: Settings) -> object:
    return query(settings, select(func.count()).select_from(Member))


def test_import_prints_the_count_and_exits_0(settings: Settings, caisse_slug: str, tmp_path: Path) -> None:
    path = tmp_path / "foyers.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = run(settings, "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "imported 2 households into foix (FX-000001 to FX-000002)"
    assert members_count(settings) == 2


def test_a_bad_file_prints_every_problem_and_exits_1(
    settings: Settings, caisse_slug: str, tmp_path: Path
) -> None:
    path = tmp_path / "foyers.csv"
    path.write_text(BAD, encoding="utf-8")
    result = run(settings, "import", str(path), "--caisse", caisse_slug)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 3: adultes: must be at least 1, got 0",
        "line 3: revenu_mensuel: '12,5,0' is not an amount in euros",
        "Error: 1 line of the file has problems; nothing was imported.",
    ]
    assert members_count(settings) == 0
    as_json = run(settings, "import", str(path), "--json")
    assert as_json.exit_code == 1
    assert [p["line"] for p in json.loads(as_json.stdout)["problems"]] == [3, 3]


def test_a_dry_run_writes_nothing(settings: Settings, caisse_slug: str, tmp_path: Path) -> None:
    path = tmp_path / "foyers.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = run(settings, "import", str(path), "--dry-run", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["valid"] == 2 and json.loads(result.stdout)["imported"] == 0
    assert members_count(settings) == 0


def test_an_unknown_caisse_or_a_missing_file_exits_1(
    settings: Settings, caisse_slug: str, tmp_path: Path
) -> None:
    path = tmp_path / "foyers.csv"
    path.write_text(GOOD, encoding="utf-8")
    unknown = run(settings, "import", str(path), "--caisse", "nowhere")
    assert unknown.exit_code == 1 and "No caisse 'nowhere'" in unknown.stderr
    missing = run(settings, "import", str(tmp_path / "absent.csv"))
    assert missing.exit_code == 2


def test_list_prints_households_and_audits_the_read(
    settings: Settings, caisse_slug: str, tmp_path: Path
) -> None:
    path = tmp_path / "foyers.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert run(settings, "import", str(path)).exit_code == 0
    listed = run(settings, "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("FX-000001") and "1234.56 €" in lines[0]
    assert "awa@example.org" in lines[0]
    only = run(settings, "list", "--status", "applicant", "--search", "bob", "--json")
    assert [m["reference_person"] for m in json.loads(only.stdout)] == ["Bob"]
    reads = query(settings, select(func.count()).where(AuditEvent.action == "member.list"))
    assert reads == 3  # two households listed, then one
    assert run(settings, "list", "--status", "gone").exit_code == 2
