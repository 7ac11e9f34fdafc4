"""`caisse simulate SCENARIO.toml`: the Monte Carlo forecast of a caisse's budget (the `simulation`
package), as a short summary, a JSON file (DESIGN.md §3) and an SVG fan chart of the reserve."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from types import TracebackType

import click
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from caisse.cli.support import domain_errors_exit
from simulation.cluster import dask_executor, parse_dask_address
from simulation.compare import compare_scenarios
from simulation.fanchart import comparison_chart_svg, fan_chart_svg
from simulation.report import comparison_lines, summary_lines
from simulation.run import simulate as run_simulation
from simulation.scenario import load_scenario
from simulation.sections.run import MAX_PATHS
from simulation.types import ENGINE_NAMES, EngineName

SHOW_AFTER_SECONDS = 1.0


class LateProgressBar:
    """A rich progress bar on stderr that appears only once a run has lasted a second, and only on a
    terminal (never in pipes, files or CI logs)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> LateProgressBar:
        return self

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if not self.console.is_terminal or time.monotonic() - self.started < SHOW_AFTER_SECONDS:
                return
            self.bar = Progress(
                TextColumn("trajectoires / paths"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("simulate", total=total)
        if self.task is not None:
            self.bar.update(self.task, completed=done)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.stop()


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        return
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror}") from None


@click.command("simulate")
@click.argument(
    "scenario_files",
    metavar="SCENARIO.toml [OTHER.toml ...]",
    nargs=-1,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option(
    "--paths",
    type=click.IntRange(min=1, max=MAX_PATHS),
    default=None,
    help="Monte Carlo paths [default: the scenario's].",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help="Seed of every random draw [default: the scenario's, or a fresh one, reported].",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINE_NAMES),
    default="stratified",
    show_default=True,
    help="stratified: household types (fast); micro: household by household (reference).",
)
@click.option(
    "--json",
    "json_out",
    default=None,
    metavar="OUT|-",
    help="Write the forecast as JSON to OUT, or to standard output with -.",
)
@click.option("--svg", "svg_out", default=None, metavar="OUT", help="Write the reserve's fan chart (SVG).")
@click.option(
    "--dask",
    "dask_address",
    default=None,
    metavar="local|tcp://HOST:PORT",
    help="Run the chunks on Dask: a local cluster, or the scheduler at that address.",
)
@domain_errors_exit
def simulate(
    scenario_files: tuple[Path, ...],
    paths: int | None,
    seed: int | None,
    engine: EngineName,
    json_out: str | None,
    svg_out: str | None,
    dask_address: str | None,
) -> None:
    """Forecast a caisse's budget from a scenario file (TOML or JSON; see docs/scenario.md).

    With several files, compare them with common random numbers (the first file's seed, paths and
    chunk size for all): each one's forecast and its difference from the first. The same seed gives the
    same forecast on one process or on a Dask cluster.
    """
    scenarios = [load_scenario(path) for path in scenario_files]
    cluster = nullcontext(None) if dask_address is None else dask_executor(parse_dask_address(dask_address))
    with cluster as executor, LateProgressBar() as progress:
        if len(scenarios) == 1:
            run = run_simulation(
                scenarios[0],
                paths=paths,
                seed=seed,
                engine=engine,
                executor=executor,
                on_progress=progress.update,
            )
        else:
            compared = compare_scenarios(
                scenarios,
                paths=paths,
                seed=seed,
                engine=engine,
                executor=executor,
                on_progress=progress.update,
            )
    if len(scenarios) == 1:
        result = run.summary()
        _outputs(result, json_out, svg_out, lambda: fan_chart_svg(result), summary_lines(result))
    else:
        comparison = compared.comparison
        _outputs(
            comparison,
            json_out,
            svg_out,
            lambda: comparison_chart_svg(comparison.results),
            comparison_lines(comparison),
        )


def _outputs(
    document: object, json_out: str | None, svg_out: str | None, chart: Callable[[], str], lines: list[str]
) -> None:
    """Write the JSON and the chart when asked; print the summary unless the JSON goes to stdout."""
    if json_out is not None:
        _write(json_out, msgspec.json.format(msgspec.json.encode(document), indent=2).decode() + "\n")
    if svg_out is not None:
        _write(svg_out, chart())
    if json_out != "-":
        click.echo("\n".join(lines))
