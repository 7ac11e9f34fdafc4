"""`caisse solve SCENARIO.toml --lever NAME --target ...`: the lever value meeting a risk target, and
`caisse sensitivity SCENARIO.toml`: which inputs move the forecast most (the `simulation` package,
docs/solver.md)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click

from caisse.cli.simulate import LateProgressBar, _outputs
from caisse.cli.support import domain_errors_exit
from simulation.cluster import dask_executor, parse_dask_address
from simulation.fanchart import fan_chart_svg
from simulation.report import summary_lines
from simulation.scenario import load_scenario
from simulation.sections.run import MAX_PATHS
from simulation.sensitivity import Sensitivity, Swing, sensitivity, tornado_svg
from simulation.solve import LEVERS, Solution, Target, parse_target, solve


def _count(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _lever_value(solution: Solution) -> str:
    if solution.unit == "×":
        return f"× {solution.value:g}"
    return f"{solution.value:,.2f}".replace(",", "\u202f") + f" {solution.unit}"


def _in_unit(solution: Solution, value: float) -> str:
    """A bound or the tolerance: a factor as it is, € to the euro."""
    return f"{value:g}" if solution.unit == "×" else f"{_count(value)} €"


def _metric(solution: Solution) -> str:
    if not solution.target.startswith("final_reserve"):  # a probability or a ratio
        return f"{solution.metric:.1%} ± {solution.standard_error:.1%}"
    return f"{_count(solution.metric)} € ± {_count(solution.standard_error)} €"


def solution_lines(solution: Solution) -> list[str]:
    """The solution as a short bilingual (French / English) text, then the forecast at that value."""
    low, high, within = (_in_unit(solution, v) for v in (*solution.bounds, solution.tolerance))
    lines = [
        f"{solution.forecast.scenario} — {solution.lever} pour / for {solution.target}",
        f"Valeur trouvée / value found: {_lever_value(solution)}"
        + (f" ({solution.rules})" if solution.rules else ""),
        f"Cible à cette valeur / target's figure at this value: {_metric(solution)}",
        f"Recherche / search: {solution.evaluations} simulations × {_count(solution.paths)} trajectoires / "
        f"paths, graine / seed {solution.seed}, entre / between {low} et / and {high}, "
        f"à / to within {within}",
    ]
    if solution.met_at_bound:
        lines.append("La cible est atteinte sur tout l'intervalle / the target is met over the whole range")
    return [*lines, "", *summary_lines(solution.forecast)]


def _input_value(swing: Swing, value: float) -> str:
    return f"{_count(value)} €" if swing.unit.startswith("€") else f"{value:.4g}"


def sensitivity_lines(result: Sensitivity) -> list[str]:
    """Each input's low and high values and what they give, largest swing first, bilingual."""
    lines = [
        f"{result.scenario} — {_count(result.paths)} trajectoires / paths, graine / seed {result.seed}: "
        f"P(déficit / deficit) {result.p_deficit_any_month:.1%}, réserve finale moyenne / mean final "
        f"reserve {_count(result.mean_final_reserve)} € ± {_count(result.standard_error_final_reserve)} €",
        "",
        f"{'entrée / input':<22} {'basse / low':>12} {'haute / high':>12} {'P(déficit)':>17} "
        f"{'réserve finale / final reserve':>33} {'écart / swing':>14}",
    ]
    for swing in result.inputs:
        low, high = (_input_value(swing, value) for value in (swing.low, swing.high))
        deficit = f"{swing.p_deficit_low:.1%} → {swing.p_deficit_high:.1%}"
        reserve = f"{_count(swing.mean_final_reserve_low)} € → {_count(swing.mean_final_reserve_high)} €"
        lines.append(
            f"{swing.input:<22} {low:>12} {high:>12} {deficit:>17} {reserve:>33} "
            f"{_count(swing.final_reserve_swing) + ' €':>14}"
        )
    if result.left_out:
        lines += ["", "Non variées / left out: " + "; ".join(result.left_out)]
    return lines


def _target(_context: click.Context, _parameter: click.Parameter, value: str) -> Target:
    try:
        return parse_target(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


_scenario_file = click.argument(
    "scenario_file", metavar="SCENARIO.toml", type=click.Path(dir_okay=False, path_type=Path)
)
_paths = click.option(
    "--paths",
    type=click.IntRange(min=1, max=MAX_PATHS),
    default=None,
    help="Monte Carlo paths of each run [default: the scenario's].",
)
_seed = click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help="Seed of every run (common random numbers) [default: the scenario's, or a fresh one, reported].",
)
_json = click.option(
    "--json",
    "json_out",
    default=None,
    metavar="OUT|-",
    help="Write the result as JSON to OUT, or to standard output with -.",
)
_dask = click.option(
    "--dask", "dask_address", default=None, metavar="local|tcp://HOST:PORT", help="Run the chunks on Dask."
)


@click.command("solve")
@_scenario_file
@click.option("--lever", required=True, type=click.Choice(list(LEVERS)), help="What the solver moves.")
@click.option(
    "--target",
    required=True,
    callback=_target,
    metavar="METRIC<=X|METRIC>=X",
    help="p_deficit_any_month<=X, self_financing>=X or final_reserve_p05>=X (€).",
)
@click.option("--min", "low", type=float, default=None, help="Lowest value tried [default: the lever's].")
@click.option("--max", "high", type=float, default=None, help="Highest value tried [default: the lever's].")
@click.option("--tolerance", type=float, default=None, help="Width of the last bracket, in the lever's unit.")
@_paths
@_seed
@_json
@click.option(
    "--svg", "svg_out", default=None, metavar="OUT", help="Write the reserve's fan chart at the value found."
)
@_dask
@domain_errors_exit
def solve_command(
    scenario_file: Path,
    lever: str,
    target: Target,
    low: float | None,
    high: float | None,
    tolerance: float | None,
    paths: int | None,
    seed: int | None,
    json_out: str | None,
    svg_out: str | None,
    dask_address: str | None,
) -> None:
    """Find the value of one lever that meets a risk target (see docs/solver.md).

    Levers: contribution_scale and allocation_scale (factors of the scenario's rules), subsidy (€ a
    year added) and initial_reserve (€). Every run uses the same seed and paths, so the search is
    deterministic; a target out of reach within the bounds stops with the figure at each bound.
    """
    scenario = load_scenario(scenario_file)
    cluster = nullcontext(None) if dask_address is None else dask_executor(parse_dask_address(dask_address))
    with cluster as executor, LateProgressBar() as progress:
        solution = solve(
            scenario,
            lever=lever,
            target=target,
            bounds=(low, high),
            tolerance=tolerance,
            paths=paths,
            seed=seed,
            executor=executor,
            on_progress=progress.update,
        )
    _outputs(solution, json_out, svg_out, lambda: fan_chart_svg(solution.forecast), solution_lines(solution))


@click.command("sensitivity")
@_scenario_file
@_paths
@_seed
@_json
@click.option("--svg", "svg_out", default=None, metavar="OUT", help="Write the tornado chart (SVG).")
@_dask
@domain_errors_exit
def sensitivity_command(
    scenario_file: Path,
    paths: int | None,
    seed: int | None,
    json_out: str | None,
    svg_out: str | None,
    dask_address: str | None,
) -> None:
    """Move each input of a scenario down and up and rank them by the swing of the final reserve.

    Rules and money move by ±10 %, probabilities by ±10 % (or to their distribution's 10th and 90th
    percentiles), upratings by ±1 point; every run uses the same seed and paths (docs/solver.md).
    """
    scenario = load_scenario(scenario_file)
    cluster = nullcontext(None) if dask_address is None else dask_executor(parse_dask_address(dask_address))
    with cluster as executor, LateProgressBar() as progress:
        result = sensitivity(scenario, paths=paths, seed=seed, executor=executor, on_progress=progress.update)
    _outputs(result, json_out, svg_out, lambda: tornado_svg(result), sensitivity_lines(result))


COMMANDS = (solve_command, sensitivity_command)
"""What caisse/cli/__init__.py registers."""
