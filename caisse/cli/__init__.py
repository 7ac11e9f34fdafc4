"""The `caisse` command line: one click group, one module per domain."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Run a caisse of the Sécurité sociale de l'alimentation."""


def _register() -> None:
    # Imported here so `caisse --help` stays fast and each module stays independent.
    from caisse.cli import rules

    main.add_command(rules.rules)


_register()
