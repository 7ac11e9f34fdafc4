"""Changing a household from the staff's pages: its details (every error said next to its field,
nothing saved), its status (the moves the status machine allows, with a date and a reason), CSRF
and role refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.periods import caisse_today
from tests.integration.spending.spend_helpers import SpendWorld
from tests.integration.web.staff.staff_helpers import STAFF, send, token_of
from tests.integration.web.web_fixtures import Client

EDIT = f"{STAFF}/membres/SA-2/modifier"
STATUS = f"{STAFF}/membres/SA-2/statut"
GOOD = {
    "reference_person": "Awa Diallo",
    "email": "awa@example.org",
    "phone": "05 61 00 00 00",
    "address": "3 rue des Lilas, Foix",
    "adults": "2",
    "others_14_plus": "1",
    "children_under_14": "2",
    "monthly_income": "2 100,50",
    "income_declared_on": "2026-01-01",
    "chosen_contribution": "",
}


async def _member(db: AsyncSession, code: str) -> Member:
    db.expire_all()
    found = await db.scalar(select(Member).where(Member.code == code))
    assert found is not None
    return found


async def test_staff_change_a_households_details(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    form = await client.get(EDIT, headers=staff)
    assert form.status_code == 200
    assert 'value="Foyer SA-2"' in form.text and 'value="1500,00"' in form.text

    saved = await send(client, staff, EDIT, GOOD, token=await token_of(client, staff, EDIT))
    assert saved.status_code == 303 and saved.headers["location"] == f"{STAFF}/membres/SA-2?modifie=1"
    member = await _member(db, "SA-2")
    assert (member.reference_person, member.email, member.adults, member.children_under_14) == (
        "Awa Diallo", "awa@example.org", 2, 2,
    )  # fmt: skip
    assert member.monthly_income_cents == 210_050
    # A new income whose date was left as it was is dated today, as the API does.
    assert member.income_declared_on == caisse_today()
    shown = await client.get(saved.headers["location"], headers=staff)
    assert "Les informations du foyer sont enregistrées." in shown.text and "Awa Diallo" in shown.text
    changes = await db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "member.update")
    )
    assert changes == 1


BAD: list[tuple[dict[str, str], str, str]] = [
    ({"reference_person": "  "}, "reference_person", "Saisissez le nom de la personne de référence"),
    ({"email": "not an address"}, "email", "Saisissez une adresse e-mail"),
    ({"email": "foyer-sa-1@example.org"}, "email", "Un autre foyer de la caisse utilise déjà cette adresse"),
    ({"phone": "abc"}, "phone", "Saisissez un numéro de téléphone"),
    ({"adults": "0"}, "adults", "Saisissez le nombre d’adultes"),
    ({"adults": "deux"}, "adults", "Saisissez le nombre d’adultes"),
    ({"others_14_plus": "51"}, "others_14_plus", "Saisissez un nombre entier de 0 à 50."),
    ({"children_under_14": "-1"}, "children_under_14", "Saisissez un nombre entier de 0 à 50."),
    ({"monthly_income": "12,345"}, "monthly_income", "Saisissez le revenu mensuel"),
    ({"monthly_income": ""}, "monthly_income", "Saisissez le revenu mensuel"),
    ({"income_declared_on": "31/02/2026"}, "income_declared_on", "Saisissez la date de déclaration"),
    ({"income_declared_on": "2999-01-01"}, "income_declared_on", "Saisissez la date de déclaration"),
    ({"chosen_contribution": "beaucoup"}, "chosen_contribution", "Saisissez la cotisation mensuelle"),
    # The Ariège grid is set by income: a chosen amount is refused by the grid, through the service.
    (
        {"chosen_contribution": "20"},
        "chosen_contribution",
        # A French sentence, then the grid's own words marked as English (never inside the sentence).
        'La grille de cotisation n’autorise pas ce montant. <span lang="en">(',
    ),
    ({"address": "x" * 1001}, "address", "Saisissez l’adresse postale"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
async def test_a_wrong_detail_is_said_next_to_its_field_and_nothing_changes(
    client: Client,
    db: AsyncSession,
    staff_world: SpendWorld,
    staff: dict[str, str],
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    if field == "email" and "foyer-sa-1" in change["email"]:
        sa1 = await _member(db, "SA-1")
        sa1.email = "foyer-sa-1@example.org"
        await db.commit()
    before = await _member(db, "SA-2")
    kept = (before.reference_person, before.email, before.adults, before.monthly_income_cents)
    answer = await send(client, staff, EDIT, {**GOOD, **change})
    assert answer.status_code in (409, 422), answer.text
    assert f'id="error-{field}"' in answer.text and message in answer.text
    assert f'aria-describedby="error-{field}"' in answer.text or f'error-{field}"' in answer.text
    # What was typed is kept (a field other than the wrong one).
    kept_field = "phone" if field != "phone" else "address"
    assert f'value="{GOOD[kept_field]}"' in answer.text
    after = await _member(db, "SA-2")
    assert (after.reference_person, after.email, after.adults, after.monthly_income_cents) == kept


async def test_a_status_moves_as_the_status_machine_allows_with_a_reason(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    page = await client.get(f"{STAFF}/membres/SA-2", headers=staff)
    assert (
        'value="suspended"' in page.text and 'value="left"' in page.text and 'value="active"' not in page.text
    )
    suspended = await send(
        client, staff, STATUS, {"to": "suspended", "effective_on": "", "reason": "Demande du foyer"}
    )
    assert suspended.status_code == 303 and suspended.headers["location"].endswith("?statut=1")
    member = await _member(db, "SA-2")
    assert member.status is MemberStatus.SUSPENDED and member.suspended_on == caisse_today()
    shown = await client.get(suspended.headers["location"], headers=staff)
    assert "Le statut du foyer est changé." in shown.text and "Demande du foyer" in shown.text
    again = await send(client, staff, STATUS, {"to": "active", "effective_on": "", "reason": "Retour"})
    assert again.status_code == 303
    assert (await _member(db, "SA-2")).status is MemberStatus.ACTIVE


STATUS_BAD: list[tuple[dict[str, str], str, int]] = [
    ({"to": "", "reason": "x"}, "Choisissez le nouveau statut du foyer.", 422),
    ({"to": "flying", "reason": "x"}, "Choisissez le nouveau statut du foyer.", 422),
    ({"to": "suspended", "reason": ""}, "Écrivez pourquoi le statut change", 422),
    ({"to": "suspended", "reason": "x" * 501}, "Écrivez le motif en 500 caractères au plus.", 422),
    ({"to": "suspended", "reason": "x", "effective_on": "demain"}, "Saisissez une date du", 422),
    ({"to": "suspended", "reason": "x", "effective_on": "2999-01-01"}, "Saisissez une date du", 422),
    ({"to": "suspended", "reason": "x", "effective_on": "2020-01-01"}, "Saisissez une date du", 422),
    ({"to": "applicant", "reason": "x"}, "Ce foyer ne peut pas prendre ce statut maintenant", 409),
]


@pytest.mark.parametrize(("data", "message", "status"), STATUS_BAD)
async def test_a_wrong_status_change_is_refused_and_nothing_changes(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str],
    data: dict[str, str], message: str, status: int,
) -> None:  # fmt: skip
    answer = await send(client, staff, STATUS, {"effective_on": "", **data})
    assert answer.status_code == status, answer.text
    assert message in answer.text
    assert (await _member(db, "SA-2")).status is MemberStatus.ACTIVE
    changes = await db.scalar(
        select(func.count())
        .select_from(MemberStatusChange)
        .where(MemberStatusChange.member_id == staff_world.members["SA-2"])
    )
    assert changes == 0  # add_member writes no history; nothing was added


async def test_forms_without_their_token_or_from_other_roles_change_nothing(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    token = await token_of(client, staff)
    no_token = await client.post(EDIT, data=GOOD, headers=staff, follow_redirects=False)
    assert no_token.status_code == 403 and "Le formulaire a expiré" in no_token.text
    bad_token = await client.post(
        STATUS, data={"to": "left", "reason": "x", "_csrf_token": "nope"}, headers=staff
    )
    assert bad_token.status_code == 403
    for who in ("outsider", "member", "till_a", "committee"):
        headers = staff_world.headers[who]
        for path, data in ((EDIT, GOOD), (STATUS, {"to": "left", "reason": "x"})):
            answer = await client.post(
                path, data={**data, "_csrf_token": token}, headers=headers, follow_redirects=False
            )
            assert answer.status_code == 403, (who, path)
    member = await _member(db, "SA-2")
    assert member.reference_person == "Foyer SA-2" and member.status is MemberStatus.ACTIVE
    unknown = await send(client, staff, f"{STAFF}/membres/SA-999/modifier", GOOD, token=token)
    assert unknown.status_code == 404


async def test_the_form_sent_back_unchanged_changes_nothing(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    form = await client.get(EDIT, headers=staff)
    assert 'value="01/01/2026"' in form.text
    same = {
        "reference_person": "Foyer SA-2", "email": "", "phone": "", "address": "", "adults": "1",
        "others_14_plus": "0", "children_under_14": "0", "monthly_income": "1500,00",
        "income_declared_on": "01/01/2026", "chosen_contribution": "",
    }  # fmt: skip
    assert (await send(client, staff, EDIT, same)).status_code == 303
    member = await _member(db, "SA-2")
    assert member.income_declared_on.isoformat() == "2026-01-01"
    updates = await db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "member.update")
    )
    assert updates == 0


async def test_a_household_page_shown_by_a_refused_status_form_stays_in_the_audit_log(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    token = await token_of(client, staff, f"{STAFF}/membres/SA-2")
    member_id = str(staff_world.members["SA-2"])

    async def reads() -> int:
        await db.rollback()
        query = (
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "member.read", AuditEvent.subject_id == member_id)
        )
        return int(await db.scalar(query) or 0)

    before = await reads()
    for data, status in (({"to": "", "reason": "x"}, 422), ({"to": "applicant", "reason": "x"}, 409)):
        answer = await send(client, staff, STATUS, {"effective_on": "", **data}, token=token)
        assert answer.status_code == status and "Foyer SA-2" in answer.text
    assert await reads() == before + 2  # one read of SA-2's page per refusal shown
    assert (await _member(db, "SA-2")).status is MemberStatus.ACTIVE


async def test_a_name_sent_in_bytes_that_are_not_utf8_is_refused_next_to_the_field(
    client: Client, db: AsyncSession, staff_world: SpendWorld, staff: dict[str, str]
) -> None:
    token = await token_of(client, staff, EDIT)
    fields = "&".join(
        f"{k}={v}" for k, v in {**GOOD, "reference_person": "%ED%A0%80"}.items() if k != "phone"
    )
    answer = await client.post(
        EDIT,
        content=f"{fields}&_csrf_token={token}".encode(),
        headers={**staff, "Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert answer.status_code == 422 and 'id="error-reference_person"' in answer.text
    assert (await _member(db, "SA-2")).reference_person != "\ufffd\ufffd\ufffd"
