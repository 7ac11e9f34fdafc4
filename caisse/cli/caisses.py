"""`caisse caisses ...`: create and list the caisses of this installation."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses import service
from caisse.caisses.schemas import CaisseDetail
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction


@click.group()
def caisses() -> None:
    """The caisses of this installation."""


@caisses.command("create")
@click.option("--slug", required=True, help="Short name used in URLs, e.g. lyon-8e.")
@click.option("--name", required=True, help="Full name, e.g. 'Caisse alimentaire commune du 8e'.")
@click.option("--first-month", required=True, help="First month billed, YYYY-MM.")
@click.option("--preset", required=True, help="Rules to start with (see `caisse rules list`).")
@click.option("--territory", default="", help="Territory covered.")
@click.option("--credit-lifetime-months", type=int, default=None,
              help="Months an allocation stays spendable (default: credit carries over).")
@click.option("--credit-requires-payment", is_flag=True,
              help="Credit the allocation only once the month's contribution is paid.")
@click.option("--member-code-prefix", default="M", show_default=True, help="Prefix of member codes.")
@click.option("--json", "as_json", is_flag=True, help="Print the new caisse as JSON.")
@domain_errors_exit
def create(
    slug: str,
    name: str,
    first_month: str,
    preset: str,
    territory: str,
    credit_lifetime_months: int | None,
    credit_requires_payment: bool,
    member_code_prefix: str,
    as_json: bool,
) -> None:
    """Create a caisse, its chart of accounts and its first rule set (a preset's current rules)."""

    async def work(session: AsyncSession) -> CaisseDetail:
        caisse = await service.create_caisse_with_preset(
            session,
            slug=slug,
            name=name,
            first_month=first_month,
            preset=preset,
            territory=territory,
            credit_lifetime_months=credit_lifetime_months,
            credit_requires_payment=credit_requires_payment,
            member_code_prefix=member_code_prefix,
        )
        return CaisseDetail.of(caisse, await service.list_rule_sets(session, caisse.id))

    detail = run_in_transaction(work)
    if as_json:
        print_json(detail)
    else:
        click.echo(f"created caisse {detail.slug} ({detail.name}): {preset} rules from {detail.first_month}")


@caisses.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the caisses as JSON.")
@domain_errors_exit
def list_caisses(as_json: bool) -> None:
    """List the caisses: slug, first month, name, territory."""

    async def work(session: AsyncSession) -> list[CaisseDetail]:
        found = await service.all_caisses(session)
        return [CaisseDetail.of(c, await service.list_rule_sets(session, c.id)) for c in found]

    details = run_in_transaction(work)
    if as_json:
        print_json(details)
        return
    if not details:
        click.echo("no caisse yet: create one with `caisse caisses create`")
    for detail in details:
        territory = f" — {detail.territory}" if detail.territory else ""
        click.echo(f"{detail.slug:<20} from {detail.first_month}  {detail.name}{territory}")
