"""`caisse users ...` and `caisse tokens ...`: accounts, roles and API tokens from the command line.

Whoever runs the command line administers the installation, so it may grant any role."""

from __future__ import annotations

import sys

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service
from caisse.auth.models import Role
from caisse.caisses.service import caisse_for_command
from caisse.cli.support import domain_errors_exit, run_in_transaction


@click.group()
def users() -> None:
    """User accounts and their roles in each caisse."""


@click.group()
def tokens() -> None:
    """API tokens for scripts (`Authorization: Bearer <token>`)."""


def _read_password(password: str | None, from_stdin: bool) -> str:
    if password is not None and from_stdin:
        raise click.ClickException("Give --password or --password-stdin, not both.")
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password is not None:
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command("create")
@click.option("--email", required=True, help="The login e-mail address.")
@click.option("--name", "display_name", required=True, help="The name shown to other people.")
@click.option("--password", default=None,
              help="The password (visible in shell history: prefer --password-stdin).")
@click.option("--password-stdin", "password_stdin", is_flag=True,
              help="Read the password from the first line of stdin.")
@click.option("--superuser", is_flag=True,
              help="Installation administrator: may create caisses and grant any role.")
@domain_errors_exit
def create_user(
    email: str, display_name: str, password: str | None, password_stdin: bool, superuser: bool
) -> None:
    """Create a user account (without a password option, asks for it)."""
    secret = _read_password(password, password_stdin)

    async def work(session: AsyncSession) -> tuple[int, str]:
        user = await service.create_user(
            session, email=email, display_name=display_name, password=secret, is_superuser=superuser
        )
        return user.id, user.email

    user_id, normalised = run_in_transaction(work)
    kind = "superuser" if superuser else "user"
    click.echo(f"created {kind} {normalised} (id {user_id})")


@users.command("grant")
@click.option("--email", required=True, help="The user's e-mail address.")
@click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="The role to grant.")
@click.option("--member-code", default=None, help="For the member role: the household's member code.")
@domain_errors_exit
def grant(email: str, slug: str | None, role: str, member_code: str | None) -> None:
    """Grant a role in a caisse to a user."""

    async def work(session: AsyncSession) -> tuple[str, str]:
        caisse = await caisse_for_command(session, slug)
        _, user = await service.add_grant(
            session, None, caisse_id=caisse.id, user_email=email, role=Role(role), member_code=member_code
        )
        return user.email, caisse.slug

    user_email, caisse_slug = run_in_transaction(work)
    click.echo(f"{user_email} is now {role} in caisse {caisse_slug}")


@tokens.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. 'bank import script'.")
@click.option("--valid-days", type=int, default=None, help="Expires after this many days (default: never).")
@domain_errors_exit
def create_token(email: str, name: str, valid_days: int | None) -> None:
    """Create an API token and print it: it is shown this once, only its hash is kept."""

    async def work(session: AsyncSession) -> str:
        user = await service.user_by_email(session, email)
        _, token = await service.issue_api_token(session, user_id=user.id, name=name, valid_days=valid_days)
        return token

    click.echo(run_in_transaction(work))
