"""A member household's pages: its credit and when it lapses, its wallet's history, its
contribution, its yearly statement and its PIN — its own household only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.periods import caisse_today
from caisse.spending.models import MemberPin
from caisse.spending.pins import pin_matches
from tests.integration.spending.spend_helpers import SpendWorld, caisse_of
from tests.integration.web.till.till_helpers import pay
from tests.integration.web.web_fixtures import Client, csrf_token

ACCOUNT = "/c/ssa/mon-compte"


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


async def _count(client: Client, statements: list[str], path: str, headers: dict[str, str]) -> int:
    before = len(statements)
    assert (await client.get(path, headers=headers)).status_code == 200
    return len(statements) - before


async def test_a_member_sees_their_credit_history_statement_and_contribution_and_nobody_elses(
    client: Client, db: AsyncSession, spend_world: SpendWorld, statements: list[str]
) -> None:
    till, member = spend_world.headers["till_a"], spend_world.headers["member"]
    assert (await pay(client, till, code="SA-1", amount="12,50")).status_code == 303
    assert (await pay(client, till, code="SA-2", pin="1357", amount="33,33")).status_code == 303
    caisse = await caisse_of(db, spend_world)
    caisse.credit_lifetime_months = 1  # last month's credit lapses at the next close
    await db.commit()

    account = await client.get(ACCOUNT, headers=member)
    assert account.status_code == 200
    assert "Foyer SA-1" in account.text and "87,50\u00a0€" in account.text
    assert "87,50\u00a0€ expire à la clôture de février 2026" in account.text
    assert "Paiement à Épicerie A" in account.text

    history = await client.get(f"{ACCOUNT}/historique", headers=member)
    assert "Paiement à Épicerie A" in history.text and "12,50\u00a0€" in history.text
    assert "Crédit alimentaire pour janvier 2026" in history.text
    # SA-2's payment and code appear on none of SA-1's pages.
    for page in (account, history):
        assert "33,33" not in page.text and "SA-2" not in page.text

    year = caisse_today().year
    statement = await client.get(f"{ACCOUNT}/releve?annee={year}", headers=member)
    assert statement.status_code == 200 and f"Relevé annuel {year}" in statement.text
    assert "100,00\u00a0€" in statement.text and "12,50\u00a0€" in statement.text
    for bad in ("1999", "abc", str(year + 1)):
        wrong = await client.get(f"{ACCOUNT}/releve?annee={bad}", headers=member)
        assert wrong.status_code == 422 and "Choisissez une année dans la liste." in wrong.text

    english = await client.get(f"{ACCOUNT}/releve?annee={year}", headers={**member, "Accept-Language": "en"})
    assert f"Yearly statement {year}" in english.text and "€100.00" in english.text

    contribution = await client.get(f"{ACCOUNT}/cotisation", headers=member)
    assert contribution.status_code == 200
    assert "Revenu mensuel déclaré" in contribution.text and "1\u202f500,00\u00a0€" in contribution.text
    assert "2,5\u00a0% des revenus mensuels du foyer" in contribution.text  # the Ariège rule, in words
    assert "37,50\u00a0€" in contribution.text  # 2.5 % of 1 500 €

    # A wallet history page runs the same statements for 3 or 13 movements.
    few = await _count(client, statements, f"{ACCOUNT}/historique", member)
    for _ in range(10):
        assert (await pay(client, till, code="SA-1", amount="1")).status_code == 303
    assert await _count(client, statements, f"{ACCOUNT}/historique", member) == few


async def test_member_pages_need_the_members_own_household(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    # A member grant for SA-2 sees SA-2, never SA-1.
    user = await auth.create_user(db, email="sa2@example.org", display_name="SA 2", password="x" * 12)
    await auth.grant_role(
        db, user_id=user.id, caisse_id=spend_world.caisse_id, role=Role.MEMBER,
        member_id=spend_world.members["SA-2"],
    )  # fmt: skip
    _, token = await auth.issue_api_token(db, user_id=user.id, name="t")
    await db.commit()
    other = await client.get(ACCOUNT, headers={"Authorization": f"Bearer {token}"})
    assert "Foyer SA-2" in other.text and "SA-1" not in other.text

    for who, status in (("till_a", 403), ("staff", 403), ("committee", 403), ("superuser", 404)):
        answer = await client.get(f"{ACCOUNT}/historique", headers=spend_world.headers[who])
        assert answer.status_code == status, who
    anonymous = await client.get(ACCOUNT, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion")


async def test_a_member_changes_their_pin_after_mistakes_that_change_nothing(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    member = spend_world.headers["member"]
    url = f"{ACCOUNT}/code-secret"
    form = await client.get(url, headers=member)
    token = csrf_token(form.text)

    async def stored() -> MemberPin:
        found = await db.scalar(select(MemberPin).where(MemberPin.member_id == spend_world.members["SA-1"]))
        assert found is not None
        await db.refresh(found)
        return found

    before = (await stored()).pin_hash
    for pin, confirm, field, message in [
        ("12a4", "12a4", "pin", "4 à 6 chiffres"),
        ("1234", "1234", "pin", "trop facile à deviner"),
        ("4817", "4871", "confirm", "Les deux codes secrets diffèrent"),
    ]:
        answer = await client.post(
            url, data={"pin": pin, "confirm": confirm, "_csrf_token": token}, headers=member
        )
        assert answer.status_code == 422 and message in answer.text
        assert f'aria-describedby="error-{field}"' in answer.text or f"error-{field}" in answer.text
        assert pin not in answer.text.replace("1234.", "")  # no PIN written back
    assert (await stored()).pin_hash == before

    done = await client.post(
        url,
        data={"pin": "4817", "confirm": "4817", "_csrf_token": token},
        headers=member,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert (
        "Votre nouveau code secret est enregistré"
        in (await client.get(done.headers["location"], headers=member)).text
    )
    row = await stored()
    assert pin_matches(row.salt, row.pin_hash, "4817")

    no_token = await client.post(url, data={"pin": "5926", "confirm": "5926"}, headers=member)
    assert no_token.status_code == 403
    assert pin_matches((await stored()).salt, (await stored()).pin_hash, "4817")
