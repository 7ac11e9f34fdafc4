"""`caisse calibrate` and `caisse backtest`: the forecast from the caisse's own books."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import caisse_for_command
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.forecasting.backtest import HORIZON, PATHS, Backtest, Coverage
from caisse.forecasting.calibration import Calibration, Estimate, Funder
from caisse.forecasting.service import backtest_of, calibration_of

SLUG = click.argument("slug", required=False)


def _share(estimate: Estimate, digits: int = 1) -> str:
    interval = (
        "" if estimate.low is None or estimate.high is None
        else f" [{estimate.low:.{digits}%} – {estimate.high:.{digits}%}]"
    )  # fmt: skip
    return f"{estimate.value:.{digits}%}{interval}"


def _calibration_lines(c: Calibration) -> list[str]:
    lines = [
        f"{c.caisse}: {c.months} closed months ({c.first_month} to {c.last_month}), "
        f"{c.households} households, {c.members} members and {c.applicants} applicants at the end; "
        "90 % intervals",
        f"  leaving a month        {_share(c.leave_rate.estimate, 2)}  "
        f"({c.leave_rate.events} of {c.leave_rate.estimate.observations} member-months)",
    ]
    if c.join_rate is not None:
        lines.append(
            f"  joining a month        {_share(c.join_rate.estimate)}  "
            f"({c.join_rate.events} of {c.join_rate.estimate.observations} applicant-months)"
        )
    lines += [
        f"  contributions unpaid   {_share(c.unpaid_share)}  (paid a month late: {_share(c.late_share)})",
        f"  credit spent a month   {_share(c.spend_through)}  "
        f"({c.spend_through.observations} household-months"
        + (f", concentration {c.concentration:.1f})" if c.concentration is not None else ")"),
        f"  redemption lag         {c.redemption_lag_months} month(s)",
        f"  running costs          {c.operating_costs:,.2f} € a month",
    ]
    if c.chosen_ratio is not None:
        ratio = c.chosen_ratio
        lines.append(f"  chosen / suggested     {ratio.value:.2f} [{ratio.low:.2f} – {ratio.high:.2f}]")
        for band in c.chosen_by_band:
            r = band.ratio
            lines.append(
                f"    income {band.income_per_unit_low:>7,.0f}–{band.income_per_unit_high:<7,.0f} € a unit: "
                f"{r.value:.2f}" + (f" [{r.low:.2f} – {r.high:.2f}]" if r.low is not None else "")
                + f" ({r.observations} households)"
            )  # fmt: skip
    for funder in c.funders:
        lines.append(
            f"  funder {funder.name}: {funder.receipts} receipt(s), {funder.received:,.2f} € — "
            + _expected(funder)
        )
    return lines


def _expected(funder: Funder) -> str:
    if funder.basis == "once":
        return "received once: not carried into the forecast"
    if funder.basis == "overdue":
        return f"due in {funder.next_month} and not received: taken as stopped"
    if funder.basis == "ended":
        return f"its agreement ended in {funder.until}"
    source = "by agreement" if funder.basis == "agreement" else "as received"
    until = f", until {funder.until}" if funder.until else ""
    return (
        f"{funder.amount:,.2f} € every {funder.period_months} month(s) {source}, next in {funder.next_month}"
        + until
    )


def _coverage_line(name: str, c: Coverage, unit: str) -> str:
    return (
        f"  {name:<14} inside the 50 % band {c.inside_50:.0%}, the 90 % band {c.inside_90:.0%} "
        f"of {c.points} months; median off by {c.median_error:+,.0f} {unit} on average "
        f"(|error| {c.median_absolute_error:,.0f} {unit})"
    )


def _backtest_lines(b: Backtest) -> list[str]:
    return [
        f"{b.caisse}: forecasts from {b.origins[0]} to {b.origins[-1]} ({len(b.origins)} months), "
        f"{b.horizon} months ahead at most, {b.paths} paths each (seed {b.seed})",
        _coverage_line("free reserve", b.free_reserve.overall, "€"),
        _coverage_line("members", b.members.overall, "households"),
        f"  {b.note}",
    ]


@click.command()
@SLUG
@click.option("--json", "as_json", is_flag=True, help="Print the estimates as JSON.")
@domain_errors_exit
def calibrate(slug: str | None, as_json: bool) -> None:
    """Estimate the forecast's behaviour parameters from the closed months of caisse SLUG (default:
    the only caisse), with 90 % intervals and what each rests on."""

    async def work(session: AsyncSession) -> Calibration:
        return await calibration_of(session, await caisse_for_command(session, slug))

    result = run_in_transaction(work)
    if as_json:
        print_json(result)
    else:
        click.echo("\n".join(_calibration_lines(result)))


@click.command()
@SLUG
@click.option("--paths", default=PATHS, show_default=True, type=click.IntRange(100, 20_000))
@click.option("--horizon", default=HORIZON, show_default=True, type=click.IntRange(1, 36))
@click.option("--json", "as_json", is_flag=True, help="Print each forecast month beside the actual, as JSON.")
@domain_errors_exit
def backtest(slug: str | None, paths: int, horizon: int, as_json: bool) -> None:
    """Forecast from every past month of caisse SLUG with the books up to it only, and say how often
    what happened fell inside the forecast's 50 % and 90 % bands."""

    async def work(session: AsyncSession) -> Backtest:
        caisse = await caisse_for_command(session, slug)
        return await backtest_of(session, caisse, paths=paths, horizon=horizon)

    result = run_in_transaction(work)
    if as_json:
        print_json(result)
    else:
        click.echo("\n".join(_backtest_lines(result)))


COMMANDS = (calibrate, backtest)
