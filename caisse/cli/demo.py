"""`caisse demo`: a realistic caisse with several months of history."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.cli.support import domain_errors_exit, run_in_transaction
from caisse.demo import DemoSummary, build_demo, installation_is_empty
from caisse.settings import Settings


@click.command()
@click.option("--households", default=120, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--months", default=18, show_default=True, type=click.IntRange(1, 60))
@click.option("--seed", default=2027, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing if the installation already has a caisse.")
@domain_errors_exit
def demo(households: int, months: int, seed: int, if_empty: bool) -> None:
    """Create the demo caisse: INSEE households, the Gironde rules, closed months, payments, subsidies."""
    if Settings.from_env().production:
        # Its accounts' password is published in the README.
        raise click.ClickException(
            "CAISSE_PRODUCTION=true: the demo's accounts have a published password; "
            "load the demo on a development installation only."
        )

    async def work(session: AsyncSession) -> DemoSummary | None:
        if not await installation_is_empty(session):
            if if_empty:
                return None
            raise click.ClickException(
                "This installation already has caisses; the demo needs an empty database."
            )
        return await build_demo(session, households=households, months=months, seed=seed)

    summary = run_in_transaction(work)
    if summary is None:
        click.echo("demo: the database already has a caisse; nothing loaded")
        return
    click.echo(
        f"demo caisse '{summary.slug}': {summary.households} households, "
        f"months {summary.months[0]} to {summary.months[-1]} closed"
    )
    click.echo(f"demo logins (password '{summary.password}'):")
    for email, role in summary.users:
        click.echo(f"  {role:<10} {email}")
