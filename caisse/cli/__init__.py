"""The `caisse` command line: one click group, one module per domain."""

from __future__ import annotations

import click

from caisse.cli import caisses, cycle, db, demo, ledger, members, money, report, rules, serve, simulate, users
from caisse.cli.backup import COMMANDS as BACKUP_COMMANDS
from caisse.cli.ballots import ballots
from caisse.cli.committee import committee
from caisse.cli.forecast import COMMANDS as FORECAST_COMMANDS
from caisse.cli.outlets import outlets
from caisse.cli.redemptions import payouts, redemptions
from caisse.cli.solve import COMMANDS as SOLVER_COMMANDS
from caisse.cli.spending import spending


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Run a caisse of the Sécurité sociale de l'alimentation."""


for command in (
    db.db,
    demo.demo,
    serve.serve,
    caisses.caisses,
    users.users,
    users.tokens,
    members.members,
    rules.rules,
    cycle.cycle,
    money.money,
    ledger.ledger,
    report.report,
    ballots,
    committee,
    outlets,
    redemptions,
    payouts,
    spending,
    simulate.simulate,
    *SOLVER_COMMANDS,
    *BACKUP_COMMANDS,
    *FORECAST_COMMANDS,
):
    main.add_command(command)
