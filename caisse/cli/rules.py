"""`caisse rules`: list the presets of real caisses and explain a household's contribution and allocation."""

from __future__ import annotations

import click
import msgspec

from caisse.rules import PRESETS, Explanation, Preset, describe_rule_set, explain, get_preset
from caisse.rules.formatting import euros, units


@click.group()
def rules() -> None:
    """Contribution schemes and allocation rules: presets and step-by-step explanations."""


def _preset_json(preset: Preset) -> dict[str, object]:
    return {
        "name": preset.name,
        "title": preset.title,
        "sources": list(preset.sources),
        "notes": preset.notes,
        "rule_sets": [msgspec.to_builtins(rule_set) for rule_set in preset.rule_sets],
    }


@rules.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the presets and their rule sets as JSON.")
def list_presets(as_json: bool) -> None:
    """List the presets: name, title, rule sets and sources."""
    presets = [PRESETS[name] for name in sorted(PRESETS)]
    if as_json:
        click.echo(msgspec.json.encode([_preset_json(preset) for preset in presets]).decode())
        return
    for preset in presets:
        click.echo(f"{preset.name:<15} {preset.title}")
        for rule_set in preset.rule_sets:
            click.echo(f"{'':<15} {describe_rule_set(rule_set)}")
        click.echo(f"{'':<15} sources: {' ; '.join(preset.sources)}")


def _print_text(preset: Preset, result: Explanation) -> None:
    click.echo(f"{preset.title} — rule set in force from {result.effective_from}: {result.rule_set_name}")
    click.echo(f"Source: {result.source}")
    click.echo(f"Consumption units: {units(result.consumption_units)} ({result.persons} persons)")
    suggested = result.suggested_contribution_cents
    hint = "" if suggested is None else f" (suggested {euros(suggested / 100)})"
    click.echo(f"Contribution: {euros(result.contribution_cents / 100)} a month{hint}")
    click.echo(f"Allocation: {euros(result.allocation_cents / 100)} a month")
    click.echo("Steps:")
    for step in result.steps:
        click.echo(f"  - {step}")


@rules.command("explain")
@click.option("--preset", "preset_name", required=True,
              help="Preset name, e.g. lyon-8e (see `caisse rules list`).")
@click.option("--income", type=click.FloatRange(min=0), required=True,
              help="Declared household income, € a month.")
@click.option("--adults", type=click.IntRange(min=1), default=1, show_default=True,
              help="Adults, reference person included.")
@click.option("--others-14-plus", type=click.IntRange(min=0), default=0, show_default=True,
              help="Other persons aged 14 or more.")
@click.option("--children-under-14", type=click.IntRange(min=0), default=0, show_default=True,
              help="Children under 14.")
@click.option("--chosen", type=float, default=None,
              help="Contribution the member chose, € a month (self-determined schemes).")
@click.option("--pool-mean", type=click.FloatRange(min=0), default=None,
              help="Mean contribution of the month, € (mutualist allocation).")
@click.option("--month", default=None, help="Month YYYY-MM whose rule set applies [default: the latest].")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain_command(preset_name: str, income: float, adults: int, others_14_plus: int, children_under_14: int,
                    chosen: float | None, pool_mean: float | None, month: str | None, as_json: bool) -> None:
    """Explain a household's contribution and allocation under a preset, step by step."""
    try:
        preset = get_preset(preset_name)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--preset'") from None
    try:
        rule_set = preset.in_force(month)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--month'") from None
    try:
        result = explain(rule_set, income, adults, others_14_plus, children_under_14, chosen, pool_mean)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if as_json:
        click.echo(msgspec.json.encode({"preset": preset.name, **msgspec.to_builtins(result)}).decode())
    else:
        _print_text(preset, result)
