"""POST /members/import: a spreadsheet export in, every household or none."""

from __future__ import annotations

import codecs
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.ledger import LedgerAccount
from caisse.members import csv_import
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from tests.integration.members.helpers import BASE, AddMember, row_counts

FRENCH = (
    "Nom;Courriel;Adultes;Autres 14+;Enfants < 14;Revenu mensuel;Date déclaration;Statut;Date adhésion\n"
    "Awa Diallo;awa@example.org;2;0;1;\"1 234,56\";15/01/2026;actif;10/01/2026\n"
    "Jean Martin;;1;;;980;2026-02-01;candidat;\n"
)
ENGLISH = (
    "reference_person,email,adults,children_under_14,monthly_income,income_declared_on,status\n"
    "Awa Diallo,awa@example.org,2,1,1234.56,2026-01-15,active\n"
    "Jean Martin,,1,0,980.00,2026-02-01,applicant\n"
)


async def post_csv(client: AsyncTestClient, world: Any, data: bytes, **params: Any) -> Any:
    headers = {**world.headers["staff"], "Content-Type": "text/csv; charset=utf-8"}
    return await client.post(f"{BASE}/members/import", content=data, headers=headers, params=params)


def hundred_households(bad_line: int | None = None) -> bytes:
    lines = ["nom;email;adultes;revenu_mensuel;date_declaration"]
    for n in range(2, 102):
        income = "12,5,0" if n == bad_line else f"{900 + n},50"
        lines.append(f"Foyer {n};foyer{n}@example.org;1;{income};01/02/2026")
    return ("\n".join(lines) + "\n").encode()


async def test_a_french_export_is_imported(client: AsyncTestClient, world: Any, db: AsyncSession) -> None:
    response = await post_csv(client, world, FRENCH.encode())
    assert response.status_code == 201, response.text
    assert response.json() == {
        "imported": 2, "valid": 2, "dry_run": False, "encoding": "utf-8", "delimiter": ";",
        "first_code": "T-000001", "last_code": "T-000002",
    }
    awa = await db.scalar(select(Member).where(Member.code == "T-000001"))
    assert awa is not None and awa.reference_person == "Awa Diallo"
    assert (awa.monthly_income_cents, awa.status, awa.persons) == (123456, MemberStatus.ACTIVE, 3)
    reasons = await db.scalars(
        select(MemberStatusChange.reason).where(MemberStatusChange.member_id == awa.id)
    )
    assert list(reasons) == ["imported", "imported"]
    accounts = await db.scalars(select(LedgerAccount.id).where(LedgerAccount.member_id == awa.id))
    assert len(list(accounts)) == 2


async def test_an_english_export_with_a_byte_order_mark_is_imported(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    response = await post_csv(client, world, codecs.BOM_UTF8 + ENGLISH.encode())
    assert response.status_code == 201 and response.json()["imported"] == 2
    assert response.json()["encoding"] == "utf-8-sig" and response.json()["delimiter"] == ","


async def test_one_bad_line_among_a_hundred_imports_nothing(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    before = await row_counts(db)
    response = await post_csv(client, world, hundred_households(bad_line=57))
    assert response.status_code == 422
    assert response.json() == {
        "error": "invalid",
        "detail": "1 line of the file has problems; nothing was imported.",
        "problems": [
            {"line": 57, "column": "revenu_mensuel", "message": "'12,5,0' is not an amount in euros"}
        ],
    }
    assert await row_counts(db) == before
    assert (await post_csv(client, world, hundred_households())).json()["imported"] == 100


async def test_every_bad_line_is_listed(client: AsyncTestClient, world: Any, db: AsyncSession) -> None:
    text = (
        "nom;adultes;revenu_mensuel;date_declaration\n"
        "Awa;2;1000;2026-01-01\n"
        "Bob;0;1000;2026-01-01\n"
        "Carl;1;abc;2026-01-01\n"
        "Dan;1;100;2026-13-01\n"
    )
    response = await post_csv(client, world, text.encode())
    assert response.status_code == 422
    assert [(p["line"], p["column"]) for p in response.json()["problems"]] == [
        (3, "adultes"), (4, "revenu_mensuel"), (5, "date_declaration")
    ]
    assert response.json()["detail"].startswith("3 lines")


async def test_emails_already_in_the_caisse_are_reported_by_line(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse
) -> None:
    existing = await add_member(test_caisse, "Déjà là", email="awa@example.org")
    response = await post_csv(client, world, FRENCH.encode())
    assert response.status_code == 422
    assert response.json()["problems"] == [
        {"line": 2, "column": "Courriel",
         "message": f"awa@example.org is already used by member {existing.code}"},
    ]


async def test_header_problems_are_reported_on_line_1(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    text = b"nom;adultes;revenu;date_declaration;pointure\nA;1;1;2026-01-01;42\n"
    unknown = await post_csv(client, world, text)
    assert unknown.status_code == 422 and unknown.json()["detail"].startswith("The header line has problems")
    assert [(p["line"], p["column"]) for p in unknown.json()["problems"]] == [(1, "pointure")]
    missing = await post_csv(client, world, b"nom;email\nAwa;awa@example.org\n")
    columns = [p["column"] for p in missing.json()["problems"]]
    assert columns == ["adultes", "revenu_mensuel", "date_declaration"]


async def test_a_chosen_contribution_is_refused_where_the_grid_sets_it(
    client: AsyncTestClient, world: Any
) -> None:
    text = (
        b"nom;adultes;revenu;date_declaration;cotisation_choisie\n"
        b"Awa;1;1000;2026-01-01;20\nBob;1;900;2026-01-01;\n"
    )
    response = await post_csv(client, world, text)
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert (problem["line"], problem["column"]) == (2, "cotisation_choisie")
    assert "members do not choose" in problem["message"]


async def test_a_dry_run_checks_without_writing(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    before = await row_counts(db)
    response = await post_csv(client, world, FRENCH.encode(), dry_run="true")
    assert response.status_code == 200
    assert (response.json()["imported"], response.json()["valid"], response.json()["dry_run"]) == (0, 2, True)
    assert await row_counts(db) == before


async def test_unreadable_files_get_a_message_saying_what_to_do(
    client: AsyncTestClient, world: Any, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await row_counts(db)
    latin = await post_csv(client, world, "nom;adultes\nA\x8d\x81;1\n".encode("latin-1"))
    assert latin.status_code == 422 and "UTF-8" in latin.json()["detail"]
    empty = await post_csv(client, world, b"")
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    header_only = await post_csv(client, world, b"nom;adultes;revenu;date_declaration\n")
    assert header_only.status_code == 422 and "no household" in header_only.json()["detail"]
    form = await client.post(
        f"{BASE}/members/import", files={"file": ("a.csv", FRENCH.encode())}, headers=world.headers["staff"]
    )
    assert form.status_code == 415 and "text/csv" in form.json()["detail"]
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    too_big = await post_csv(client, world, FRENCH.encode())
    assert too_big.status_code == 413 and too_big.json()["error"] == "too_large"
    assert await row_counts(db) == before


async def test_windows_1252_exports_are_imported(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    response = await post_csv(client, world, FRENCH.replace("Awa Diallo", "Hélène Dupré").encode("cp1252"))
    assert response.status_code == 201 and response.json()["encoding"] == "cp1252"
    assert await db.scalar(select(Member.reference_person).where(Member.code == "T-000001")) == "Hélène Dupré"
