"""Importing households from a CSV file on the staff's pages: upload, a preview listing the lines
(or every problem with its line and column), then a confirmation that imports once."""

from __future__ import annotations

import base64
import html
import re
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.members.csv_import import MAX_BYTES
from caisse.members.models import Member
from tests.integration.spending.spend_helpers import SpendWorld
from tests.integration.web.staff.staff_helpers import STAFF, token_of
from tests.integration.web.web_fixtures import Client
from web.i18n import gettext_for
from web.pages.staff.people import importing
from web.pages.staff.people.import_messages import file_problem, line_problem

IMPORT = f"{STAFF}/membres/import"
HEADER = "nom;courriel;adultes;enfants_moins_14;revenu_mensuel;date_declaration;statut\n"
GOOD_CSV = (
    HEADER
    + "Awa Diallo;awa@example.org;2;1;1 850,00;05/01/2026;actif\n"
    + "Jean Martin;;1;0;950;2026-01-10;candidat\n"
    + "Chloé Bernard;chloe@example.org;1;2;1200,50;10/01/2026;actif\n"
).encode()
BAD_CSV = GOOD_CSV.replace(b"Jean Martin;;1;0;950", b"Jean Martin;;0;0;9x50")
HIDDEN = re.compile(r'name="(content|nonce|signature)" value="([^"]*)"')


async def _count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Member)) or 0)


async def upload(
    client: Client, headers: dict[str, str], data: bytes, name: str = "foyers.csv", kind: str = "text/csv"
) -> Any:
    token = await token_of(client, headers, IMPORT)
    return await client.post(
        IMPORT, files={"fichier": (name, data, kind)}, data={"_csrf_token": token}, headers=headers,
        follow_redirects=False,
    )  # fmt: skip


def confirmation(html: str) -> dict[str, str]:
    return dict(HIDDEN.findall(html))


async def test_a_file_is_previewed_then_imported_once(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    form = await client.get(IMPORT, headers=staff)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert "revenu_mensuel" in form.text and f"{IMPORT}/format" in form.text
    doc = await client.get(f"{IMPORT}/format", headers=staff)
    assert doc.status_code == 200 and doc.text.startswith("# Importing households")

    before = await _count(db)
    preview = await upload(client, staff, GOOD_CSV)
    assert preview.status_code == 200, preview.text
    assert "3 foyers seraient inscrits" in preview.text
    for name in ("Awa Diallo", "Jean Martin", "Chloé Bernard", "1\u202f850,00\u00a0€"):
        assert name in preview.text, name
    assert await _count(db) == before  # nothing imported before the confirmation

    fields = confirmation(preview.text)
    token = await token_of(client, staff, IMPORT)
    done = await client.post(
        f"{IMPORT}/confirmer", data={**fields, "_csrf_token": token}, headers=staff, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert await _count(db) == before + 3
    result = await client.get(done.headers["location"], headers=staff)
    codes = re.search(r"3 foyers ont été inscrits, codes (SA-[0-9]+) à (SA-[0-9]+)\.", result.text)
    assert codes is not None

    # The same confirmation again (a reload, a double click) imports nothing more.
    again = await client.post(
        f"{IMPORT}/confirmer", data={**fields, "_csrf_token": token}, headers=staff, follow_redirects=False
    )
    assert again.status_code == 303 and again.headers["location"].endswith("?deja=1")
    assert await _count(db) == before + 3
    repeated = await client.get(again.headers["location"], headers=staff)
    assert "rien n’a été importé une seconde fois" in repeated.text
    found = await client.get(f"{STAFF}/membres?q=chloe", headers=staff)
    assert codes.group(2) in found.text and "Chloé Bernard" in found.text


async def test_a_file_with_problems_lists_each_by_line_and_column_and_imports_nothing(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    before = await _count(db)
    preview = await upload(client, staff, BAD_CSV)
    assert preview.status_code == 422
    text = preview.text
    assert "Le fichier a 2 problèmes : rien n’a été importé" in text
    assert re.search(
        r'<th scope="row" class="num">3</th><td>adultes</td><td>doit valoir au moins 1 \(ici : 0\)', text
    )
    assert "« 9x50 » n’est pas un montant en euros" in html.unescape(text)
    assert "must be" not in text and "is not an amount" not in text
    assert re.search(r'<th scope="row" class="num">3</th><td>revenu_mensuel</td>', text)
    assert "content" not in confirmation(text)
    # An e-mail already used in the caisse is a problem the database finds.
    used = await upload(client, staff, GOOD_CSV.replace(b"awa@example.org", b"awa@example.org"))
    assert used.status_code == 200
    member = await db.scalar(select(Member).where(Member.code == "SA-1"))
    assert member is not None
    member.email = "awa@example.org"
    await db.commit()
    clash = await upload(client, staff, GOOD_CSV)
    assert clash.status_code == 422 and "courriel" in clash.text
    assert await _count(db) == before


async def test_the_file_itself_is_checked(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    before = await _count(db)
    cases = [
        (b"", "foyers.csv", "text/csv", "Choisissez le fichier CSV à importer."),
        (b"  \n", "foyers.csv", "text/csv", "Le fichier est vide"),
        (b"PK\x03\x04xxxx", "foyers.xlsx", "application/vnd.openxmlformats", "C’est un fichier de tableur"),
        (b"\x89PNG....", "photo.png", "image/png", "Choisissez un fichier CSV"),
        (b"x" * (MAX_BYTES + 1), "big.csv", "text/csv", "Le fichier dépasse 5 Mo"),
        (b"nom;revenu_mesuel\nA;1\n", "foyers.csv", "text/csv", "colonne inconnue ; les colonnes sont :"),
        (b"\xff\xfe\x00\x00garbage", "foyers.csv", "text/csv", "n’est pas du texte UTF-8"),
        (HEADER.encode(), "foyers.csv", "text/csv", "aucun foyer en dessous : rien n’a été importé"),
    ]
    for data, name, kind, message in cases:
        if not data:
            token = await token_of(client, staff, IMPORT)
            answer = await client.post(IMPORT, data={"_csrf_token": token}, headers=staff)
        else:
            answer = await upload(client, staff, data, name, kind)
        assert answer.status_code == 422, (name, answer.status_code)
        assert message in answer.text, (name, message)
        assert 'aria-invalid="true"' in answer.text or "problems-caption" in answer.text
    assert await _count(db) == before


async def test_a_confirmation_altered_or_from_someone_else_imports_nothing(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    before = await _count(db)
    fields = confirmation((await upload(client, staff, GOOD_CSV)).text)
    token = await token_of(client, staff, IMPORT)
    altered = base64.urlsafe_b64encode(GOOD_CSV + b"Intrus;;1;0;100;2026-01-10;actif\n").decode()
    for changed in ({"content": altered}, {"nonce": "other"}, {"signature": "0" * 64}, {"content": "%%%"}):
        answer = await client.post(
            f"{IMPORT}/confirmer",
            data={**fields, **changed, "_csrf_token": token},
            headers=staff,
            follow_redirects=False,
        )
        assert answer.status_code == 400 and "envoyez à nouveau le fichier" in answer.text
    admin = staff_world.headers["admin"]
    admin_token = await token_of(client, admin, IMPORT)
    by_admin = await client.post(
        f"{IMPORT}/confirmer", data={**fields, "_csrf_token": admin_token}, headers=admin
    )
    assert by_admin.status_code == 400  # signed for the staff member who previewed it
    no_token = await client.post(f"{IMPORT}/confirmer", data=fields, headers=staff)
    assert no_token.status_code == 403
    for who in ("outsider", "member", "till_a"):
        refused = await client.post(
            f"{IMPORT}/confirmer", data={**fields, "_csrf_token": token}, headers=staff_world.headers[who]
        )
        assert refused.status_code == 403, who
    assert await _count(db) == before
    assert (await client.get(f"{IMPORT}/{'0' * 64}", headers=staff)).status_code == 404
    assert (await client.get(f"{IMPORT}/nope", headers=staff)).status_code == 404


async def test_a_long_file_is_previewed_in_part_and_imported_whole(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    lines = "".join(
        f"Foyère n°{n} « Ça »;;1;0;{900 + n},{n % 100:02d};2026-01-05;actif\n" for n in range(300)
    )
    preview = await upload(client, staff, (HEADER + lines).encode("cp1252"))  # a Windows export
    assert preview.status_code == 200, preview.text
    assert "300 foyers seraient inscrits" in preview.text and "… et 100 foyers de plus." in preview.text
    before = await _count(db)
    token = await token_of(client, staff, IMPORT)
    done = await client.post(
        f"{IMPORT}/confirmer", data={**confirmation(preview.text), "_csrf_token": token}, headers=staff,
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    assert await _count(db) == before + 300
    found = await client.get(f"{STAFF}/membres?q=foyere+n°299", headers=staff)
    assert "Foyère n°299 « Ça »" in found.text


async def test_the_same_file_imported_again_is_flagged_and_needs_a_tick(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    lines = HEADER + "Jean Martin;;1;0;950;2026-01-10;candidat\nLéa Petit;;2;0;1100;2026-01-10;actif\n"
    before = await _count(db)
    first = await upload(client, staff, lines.encode())
    assert first.status_code == 200 and "déjà été importé" not in first.text
    # Two previews of the same file (two volunteers, two tabs), confirmed one after the other.
    second = await upload(client, staff, lines.encode())
    token = await token_of(client, staff, IMPORT)
    done = await client.post(
        f"{IMPORT}/confirmer", data={**confirmation(first.text), "_csrf_token": token}, headers=staff,
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303 and await _count(db) == before + 2
    refused = await client.post(
        f"{IMPORT}/confirmer", data={**confirmation(second.text), "_csrf_token": token}, headers=staff,
        follow_redirects=False,
    )  # fmt: skip
    assert refused.status_code == 409, refused.text
    assert "cochez la case" in refused.text and 'aria-invalid="true"' in refused.text
    assert await _count(db) == before + 2

    # The same content again, from a Windows export (CRLF, BOM): the preview says when and by whom.
    windows = b"\xef\xbb\xbf" + lines.replace("\n", "\r\n").encode()
    third = await upload(client, staff, windows)
    assert third.status_code == 200
    assert "Ce fichier a déjà été importé" in third.text and "par Staff" in third.text
    assert 'name="encore"' in third.text
    fields = confirmation(third.text)
    unticked = await client.post(
        f"{IMPORT}/confirmer", data={**fields, "_csrf_token": token}, headers=staff, follow_redirects=False
    )
    assert unticked.status_code == 409 and await _count(db) == before + 2
    ticked = {**fields, "encore": "1", "_csrf_token": token}
    again = await client.post(f"{IMPORT}/confirmer", data=ticked, headers=staff, follow_redirects=False)
    assert again.status_code == 303 and await _count(db) == before + 4
    # Replaying the ticked confirmation imports nothing more.
    replay = await client.post(f"{IMPORT}/confirmer", data=ticked, headers=staff, follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].endswith("?deja=1")
    assert await _count(db) == before + 4
    fourth = await upload(client, staff, lines.encode())
    assert "2 fois" in fourth.text


def test_a_problem_the_page_does_not_know_is_shown_in_english_marked_as_such() -> None:
    french = gettext_for("fr")
    known = line_problem("'abc' is not a whole number of persons", french)
    assert known == "« abc » n’est pas un nombre entier de personnes"
    unknown = line_problem("a <new> problem", french)
    assert unknown == 'cette valeur n’est pas acceptée <span lang="en">(a &lt;new&gt; problem)</span>'
    assert file_problem("Something else.", french).endswith('<span lang="en">(Something else.)</span>')


async def test_a_preview_older_than_an_hour_cannot_be_confirmed(
    client: Client,
    db: AsyncSession,
    staff_world: SpendWorld,
    staff: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = await _count(db)
    fields = confirmation((await upload(client, staff, GOOD_CSV)).text)
    later = time.time() + importing.PREVIEW_LIFETIME + 60
    monkeypatch.setattr(importing, "_now", lambda: later)
    token = await token_of(client, staff, IMPORT)
    old = await client.post(
        f"{IMPORT}/confirmer", data={**fields, "_csrf_token": token}, headers=staff, follow_redirects=False
    )
    assert old.status_code == 400 and "envoyez à nouveau le fichier" in old.text
    assert await _count(db) == before


async def test_a_line_like_a_household_already_registered_is_pointed_out_on_the_preview(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    member = await db.scalar(select(Member).where(Member.code == "SA-2"))
    assert member is not None
    name, income = member.reference_person, member.monthly_income_cents
    composition = f"{member.adults};{member.others_14_plus};{member.children_under_14}"
    euros = f"{income // 100},{income % 100:02d}"
    header = "nom;adultes;autres_14_plus;enfants_moins_14;revenu_mensuel;date_declaration;statut\n"
    lines = (
        f"{name.upper()};{composition};{euros};2026-01-10;actif\n"  # written otherwise, the same household
        "Nouvelle Venue;1;0;0;900;2026-01-10;actif\n"
    )
    preview = await upload(client, staff, (header + lines).encode())
    assert preview.status_code == 200, preview.text
    text = html.unescape(preview.text)
    assert "1 ligne ressemble à un foyer déjà inscrit" in text
    assert "Déjà inscrit ? Identique à SA-2." in text and text.count("Déjà inscrit ?") == 1
