"""The `caisse` command line: one click group, one module per domain."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Run a caisse of the Sécurité sociale de l'alimentation."""


def _register() -> None:
    # One import per domain, so each module stays independent of the others.
    from caisse.cli import db

    main.add_command(db.db)
    from caisse.cli import demo

    main.add_command(demo.demo)
    from caisse.cli import serve

    main.add_command(serve.serve)
    from caisse.cli import rules

    main.add_command(rules.rules)
    from caisse.cli import caisses, users

    main.add_command(caisses.caisses)
    main.add_command(users.users)
    main.add_command(users.tokens)
    from caisse.cli import cycle

    main.add_command(cycle.cycle)
    from caisse.cli import members

    main.add_command(members.members)

    from caisse.cli import ledger, money, report

    main.add_command(ledger.ledger)
    main.add_command(money.money)
    main.add_command(report.report)


_register()
