"""`caisse users ...` and `caisse tokens ...` against the test database (both backends).

The CLI runs its own event loop (asyncio.run), so these tests are synchronous."""

from __future__ import annotations

import asyncio
from datetime import date

from click.testing import CliRunner, Result
from sqlalchemy import select

from caisse.auth.identify import actor_from_api_token
from caisse.auth.models import Role, RoleGrant, User
from caisse.cli import main
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.members.models import Member, MemberStatus
from caisse.settings import Settings

SECRET = "long enough secret"


def run(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    env = {"CAISSE_DATABASE_URL": settings.database_url, "CAISSE_DATABASE_SCHEMA": settings.database_schema}
    return CliRunner().invoke(main, list(args), input=stdin, env=env)


def fails_with_one_line(result: Result, *words: str) -> None:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


def seed_caisse(settings: Settings, slug: str = "test") -> None:
    result = run(
        settings, "caisses", "create", "--slug", slug, "--name", slug.title(), "--first-month", "2027-01",
        "--preset", "gironde", "--member-code-prefix", "T",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def add_household(settings: Settings, slug: str, code: str) -> None:
    async def work() -> None:
        from caisse.caisses.service import get_caisse

        engine = make_engine(settings)
        async with make_sessionmaker(engine)() as session, session.begin():
            caisse = await get_caisse(session, slug)
            household = Member(
                caisse_id=caisse.id, code=code, reference_person="Foyer", monthly_income_cents=100_000,
                income_declared_on=date(2027, 1, 1), status=MemberStatus.ACTIVE, applied_on=date(2027, 1, 1),
            )  # fmt: skip
            session.add(household)
        await engine.dispose()

    asyncio.run(work())


def token_owner(settings: Settings, token: str) -> str | None:
    async def work() -> str | None:
        engine = make_engine(settings)
        async with make_sessionmaker(engine)() as session, session.begin():
            actor = await actor_from_api_token(session, token)
        await engine.dispose()
        return None if actor is None else actor.email

    return asyncio.run(work())


def household_of(settings: Settings, email: str) -> str | None:
    """The code of the household the user's member grant names."""

    async def work() -> str | None:
        engine = make_engine(settings)
        async with make_sessionmaker(engine)() as session, session.begin():
            code = await session.scalar(
                select(Member.code)
                .join(RoleGrant, RoleGrant.member_id == Member.id)
                .join(User, User.id == RoleGrant.user_id)
                .where(User.email == email, RoleGrant.role == Role.MEMBER)
            )
        await engine.dispose()
        return code

    return asyncio.run(work())


def test_users_create_reads_the_password_from_stdin(settings: Settings) -> None:
    args = ["users", "create", "--email", "Ana@Example.org", "--name", "Ana", "--password-stdin"]
    result = run(settings, *args, stdin=f"{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert "created user ana@example.org" in result.output
    assert SECRET not in result.output


def test_users_create_refuses_bad_input_with_one_line(settings: Settings) -> None:
    base = ["users", "create", "--email", "ana@example.org", "--name", "Ana"]
    assert run(settings, *base, "--password", SECRET, "--superuser").exit_code == 0
    fails_with_one_line(run(settings, *base, "--password", SECRET), "already exists")
    fails_with_one_line(
        run(settings, *base[:3], "bob@example.org", "--name", "Bob", "--password", "short"), "10"
    )
    fails_with_one_line(
        run(settings, *base[:3], "not-an-email", "--name", "X", "--password", SECRET), "e-mail"
    )
    fails_with_one_line(
        run(settings, *base, "--password", SECRET, "--password-stdin", stdin=SECRET), "not both"
    )


def test_users_grant_in_the_only_caisse(settings: Settings) -> None:
    seed_caisse(settings)
    assert (
        run(
            settings, "users", "create", "--email", "s@example.org", "--name", "S", "--password", SECRET
        ).exit_code
        == 0
    )
    result = run(settings, "users", "grant", "--email", "s@example.org", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "s@example.org is now admin in caisse test" in result.output
    fails_with_one_line(
        run(settings, "users", "grant", "--email", "s@example.org", "--role", "admin"), "already"
    )
    fails_with_one_line(
        run(settings, "users", "grant", "--email", "ghost@example.org", "--role", "staff"), "ghost"
    )
    fails_with_one_line(
        run(
            settings, "users", "grant", "--email", "s@example.org", "--caisse", "atlantis", "--role", "staff"
        ),
        "atlantis",
    )


def test_users_grant_member_role_by_member_code(settings: Settings) -> None:
    seed_caisse(settings)
    add_household(settings, "test", "T-000007")
    run(settings, "users", "create", "--email", "m@example.org", "--name", "M", "--password", SECRET)
    grant = ["users", "grant", "--email", "m@example.org", "--role", "member"]
    fails_with_one_line(run(settings, *grant), "household")
    fails_with_one_line(run(settings, *grant, "--member-code", "T-999999"), "T-999999")
    result = run(settings, *grant, "--member-code", "T-000007")
    assert result.exit_code == 0, result.output
    assert household_of(settings, "m@example.org") == "T-000007"


def test_users_grant_reads_the_member_code_in_any_case(settings: Settings) -> None:
    seed_caisse(settings)
    add_household(settings, "test", "T-000001")
    run(settings, "users", "create", "--email", "m@example.org", "--name", "M", "--password", SECRET)
    grant = ["users", "grant", "--email", "m@example.org", "--role", "member"]
    result = run(settings, *grant, "--member-code", " t-000001 ")
    assert result.exit_code == 0, result.output
    assert household_of(settings, "m@example.org") == "T-000001"
    fails_with_one_line(run(settings, *grant, "--member-code", "t-9"), "T-9")


def test_users_grant_needs_a_caisse_when_there_are_several(settings: Settings) -> None:
    seed_caisse(settings, "test")
    seed_caisse(settings, "other")
    run(settings, "users", "create", "--email", "s@example.org", "--name", "S", "--password", SECRET)
    fails_with_one_line(
        run(settings, "users", "grant", "--email", "s@example.org", "--role", "staff"), "--caisse"
    )
    ok = run(settings, "users", "grant", "--email", "s@example.org", "--role", "staff", "--caisse", "other")
    assert ok.exit_code == 0, ok.output


def test_tokens_create_prints_a_working_token(settings: Settings) -> None:
    run(settings, "users", "create", "--email", "s@example.org", "--name", "S", "--password", SECRET)
    result = run(
        settings, "tokens", "create", "--email", "s@example.org", "--name", "script", "--valid-days", "30"
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("cc_") and len(token.splitlines()) == 1
    assert token_owner(settings, token) == "s@example.org"

    fails_with_one_line(
        run(settings, "tokens", "create", "--email", "ghost@example.org", "--name", "x"), "ghost"
    )
    fails_with_one_line(
        run(settings, "tokens", "create", "--email", "s@example.org", "--name", "x", "--valid-days", "0"),
        "valid_days",
    )
