"""Benchmark: the simulator's speed and memory against issue 4's targets, in one table.

    python benchmarks/simulate.py [--quick] [--skip-micro] [--skip-memory]

Every run is single-process (what ``caisse simulate`` does without ``--dask``), with fixed seeds:

* **(a) engines**: the Montpellier scenario scaled to 20 000 households (subsidies, costs and the
  initial reserve ×10, so that P(deficit) is neither 0 nor 1), 36 months, 1 000 paths, run by the
  stratified engine and by the microsimulation reference with the same seed. Time of each and the
  ratio (target >= 50×); the two engines' mean final reserve and P(deficit in any month) side by
  side with their Monte Carlo standard errors, and whether they agree within 3 combined standard
  errors.
* **(b) national**: simulation/scenarios/national.toml (30.9 M households, 120 months), 10 000
  paths (target <= 60 s).
* **(c) caisse**: the Montpellier scenario scaled to a pool of 400 households (money ×0.2), 24 months,
  10 000 paths (target <= 3 s); then ``simulation.solve.solve`` on it, when that module exists, for
  the initial reserve giving P(deficit in any month) <= 5 % (target <= 15 s).
* **(d) memory**: peak resident set of a child process running 1 000 000 paths × 120 months (the
  Montpellier rules on a 10-household pool, chunks of 10 000 paths, so that what is measured is
  what the results keep, not the population), read with getrusage(RUSAGE_CHILDREN) (target <= 1.5 GB).

``--quick`` divides the paths by 10 (memory: 100 000 paths) for a smoke run; the targets are then
not judged ("n/a"); ``--only bd`` runs some rows. Times are wall-clock, with the process's CPU time
beside them: on a shared machine the gap says how much other work slowed the run. Exit status 0
whatever the figures: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulation import Scenario, load_scenario, simulate  # noqa: E402
from simulation.results import SimulationResult  # noqa: E402
from simulation.sources import build_population  # noqa: E402

SCENARIOS = ROOT / "simulation" / "scenarios"
AGREEMENT = 3.0  # combined standard errors within which the two engines are said to agree


@dataclass(frozen=True)
class Row:
    """One line of the table: what ran, the figure measured, the target and whether it is met."""

    label: str
    run: str
    figure: str
    target: str
    met: bool | None  # None: not judged (a --quick run, or nothing measured)


def resized(
    name: str,
    *,
    households: int,
    months: int,
    paths: int,
    funding_scale: float = 1.0,
    chunk_size: int | None = None,
) -> Scenario:
    """A shipped scenario with another pool size, horizon and paths; `funding_scale` multiplies its
    subsidies, operating costs and initial reserve (money scales with the households)."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    run = msgspec.structs.replace(
        scenario.scenario, months=months, paths=paths, chunk_size=chunk_size or scenario.scenario.chunk_size
    )
    population = msgspec.structs.replace(scenario.population, households=households)
    funding = scenario.funding
    funding = msgspec.structs.replace(
        funding,
        initial_reserve=funding.initial_reserve * funding_scale,
        operating_costs=funding.operating_costs * funding_scale,
        subsidies=tuple(
            msgspec.structs.replace(s, amount=s.amount * funding_scale) for s in funding.subsidies
        ),
    )
    return msgspec.structs.replace(scenario, scenario=run, population=population, funding=funding)


@dataclass(frozen=True)
class Clock:
    """Seconds of a run: `wall` (what the targets bound) and `cpu`, the process's own CPU time (what
    the machine's other work does not inflate, or little: compare them to see how loaded it was)."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        digits = 2 if self.wall < 10 else 1
        return f"{self.wall:.{digits}f} s (CPU {self.cpu:.{digits}f} s)"


def timed(work: Callable[[], Any]) -> tuple[Any, Clock]:
    start, cpu = time.perf_counter(), time.process_time()
    value = work()
    return value, Clock(time.perf_counter() - start, time.process_time() - cpu)


def judged(value: float, limit: float, *, at_most: bool, quick: bool) -> bool | None:
    if quick:
        return None
    return value <= limit if at_most else value >= limit


def _money(value: float) -> str:
    return f"{value:,.0f} €".replace(",", " ")


@dataclass(frozen=True)
class EngineRun:
    engine: str
    seconds: Clock
    result: SimulationResult

    @property
    def final_reserve(self) -> tuple[float, float]:
        return self.result.reserve.mean[-1], self.result.mc_standard_error.mean_final_reserve

    @property
    def p_deficit(self) -> tuple[float, float]:
        return self.result.depletion_month.p_ever, self.result.mc_standard_error.p_deficit_any_month


def agree(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, bool]:
    """The gap in combined standard errors, and whether it is within AGREEMENT."""
    combined = math.hypot(a[1], b[1])
    gap = abs(a[0] - b[0])
    if combined == 0.0:
        return (0.0 if gap == 0.0 else math.inf), gap == 0.0
    return gap / combined, gap <= AGREEMENT * combined


def engines(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    paths = 1000 // (10 if args.quick else 1)
    scenario = resized("montpellier", households=20_000, months=36, paths=paths, funding_scale=10.0)
    runs = []
    for engine in ("stratified", "micro") if not args.skip_micro else ("stratified",):
        print(f"(a) {engine}: 20 000 households × 36 months × {paths:,} paths …", flush=True)
        run, seconds = timed(lambda engine=engine: simulate(scenario, engine=engine).summary())
        runs.append(EngineRun(engine, seconds, run))
    details = [
        "| engine | time | mean final reserve ± s.e. | P(deficit in any month) ± s.e. |",
        "|---|---:|---:|---:|",
    ]
    for run in runs:
        (reserve, reserve_se), (p, p_se) = run.final_reserve, run.p_deficit
        details.append(
            f"| {run.engine} | {run.seconds} | {_money(reserve)} ± {_money(reserve_se)} | "
            f"{p:.3f} ± {p_se:.3f} |"
        )
    run_label = f"Montpellier ×10: 20 000 households, 36 months, {paths:,} paths"
    if len(runs) < 2:
        rows = [Row("(a) stratified", run_label, str(runs[0].seconds), "—", None)]
        return rows, details
    fast, reference = runs
    ratio = reference.seconds.wall / fast.seconds.wall
    cpu_ratio = reference.seconds.cpu / fast.seconds.cpu
    reserve_gap, reserve_ok = agree(fast.final_reserve, reference.final_reserve)
    p_gap, p_ok = agree(fast.p_deficit, reference.p_deficit)
    details.append(
        f"\nmean final reserve: engines {reserve_gap:.1f} combined s.e. apart; P(deficit in any month): "
        f"{p_gap:.1f} (agree within {AGREEMENT:.0f}: {'yes' if reserve_ok and p_ok else 'NO'})"
    )
    rows = [
        Row(
            "(a) stratified vs micro",
            run_label,
            f"{fast.seconds.wall:.2f} s vs {reference.seconds.wall:.1f} s = {ratio:.0f}× "
            f"(CPU {cpu_ratio:.0f}×)",
            ">= 50×",
            judged(ratio, 50.0, at_most=False, quick=args.quick),
        ),
        Row(
            "(a) agreement",
            "mean final reserve, P(deficit in any month)",
            f"{reserve_gap:.1f} and {p_gap:.1f} combined s.e. apart",
            f"<= {AGREEMENT:.0f} s.e.",
            reserve_ok and p_ok,
        ),
    ]
    return rows, details


def national(args: argparse.Namespace) -> Row:
    scenario = load_scenario(SCENARIOS / "national.toml")
    paths = 10_000 // (10 if args.quick else 1)
    households = build_population(scenario.population).total_households
    print(f"(b) national: {households:,} households × 120 months × {paths:,} paths …", flush=True)
    _, seconds = timed(lambda: simulate(scenario, paths=paths).summary())
    return Row(
        "(b) national",
        f"national.toml: {households / 1e6:.1f} M households, 120 months, {paths:,} paths",
        str(seconds),
        "<= 60 s",
        judged(seconds.wall, 60.0, at_most=True, quick=args.quick),
    )


def caisse_scenario(args: argparse.Namespace) -> Scenario:
    paths = 10_000 // (10 if args.quick else 1)
    return resized("montpellier", households=400, months=24, paths=paths, funding_scale=0.2)


def caisse(args: argparse.Namespace) -> Row:
    scenario = caisse_scenario(args)
    paths = scenario.scenario.paths
    print(f"(c) caisse: 400 households × 24 months × {paths:,} paths …", flush=True)
    _, seconds = timed(lambda: simulate(scenario).summary())
    return Row(
        "(c) caisse",
        f"Montpellier ×0.2: 400 households, 24 months, {paths:,} paths",
        str(seconds),
        "<= 3 s",
        judged(seconds.wall, 3.0, at_most=True, quick=args.quick),
    )


def solver(args: argparse.Namespace) -> Row:
    """The solver on the caisse of (c), if simulation.solve exists yet."""
    label = "(c) solve"
    try:
        from simulation.solve import solve  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return Row(label, "simulation.solve", "solver not available", "<= 15 s", None)
    scenario = caisse_scenario(args)
    print("(c) solve: initial reserve for P(deficit in any month) <= 5 % …", flush=True)
    try:
        found, seconds = timed(
            lambda: solve(scenario, lever="initial_reserve", target="p_deficit_any_month <= 0.05")
        )
    except (TypeError, ValueError) as error:  # the solver's interface is not settled yet
        return Row(label, "simulation.solve", f"solver not available ({error})", "<= 15 s", None)
    return Row(
        label,
        f"initial reserve for P(deficit) <= 5 % on (c): {_money(found.value)}, "
        f"{found.evaluations} simulations",
        str(seconds),
        "<= 15 s",
        judged(seconds.wall, 15.0, at_most=True, quick=args.quick),
    )


MEMORY_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
sys.argv = ["simulate.py"]
from benchmarks.simulate import resized
from simulation import simulate
scenario = resized("montpellier", households=10, months=120, paths={paths}, chunk_size=10_000)
start, cpu = time.perf_counter(), time.process_time()
result = simulate(scenario).summary()
print(time.perf_counter() - start, time.process_time() - cpu, result.types)
"""


def memory(args: argparse.Namespace) -> Row:
    """Peak resident set of a child running the big run: getrusage(RUSAGE_CHILDREN) once it ended."""
    paths = 1_000_000 // (10 if args.quick else 1)
    print(f"(d) memory: {paths:,} paths × 120 months in a child process …", flush=True)
    code = MEMORY_CHILD.format(root=str(ROOT), paths=paths)
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if child.returncode != 0:
        return Row("(d) memory", "child failed", child.stderr.strip().splitlines()[-1], "<= 1.5 GB", False)
    wall, cpu, types = child.stdout.split()
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e9  # KiB on Linux
    return Row(
        "(d) memory",
        f"{paths:,} paths × 120 months ({types} household types, chunks of 10 000), "
        f"{Clock(float(wall), float(cpu))}",
        f"{peak_gb:.2f} GB peak RSS",
        "<= 1.5 GB",
        judged(peak_gb, 1.5, at_most=True, quick=args.quick),
    )


def table(rows: list[Row]) -> str:
    mark = {True: "met", False: "NOT met", None: "n/a"}
    lines = ["| row | run | measured | target | met |", "|---|---|---:|---:|---|"]
    lines += [f"| {r.label} | {r.run} | {r.figure} | {r.target} | {mark[r.met]} |" for r in rows]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: paths / 10, targets not judged")
    parser.add_argument("--skip-micro", action="store_true", help="(a) without the micro engine")
    parser.add_argument("--skip-memory", action="store_true", help="no (d)")
    parser.add_argument("--only", default=None, help="the rows to run, e.g. 'bd' (default: abcd)")
    return parser.parse_args(argv)


def main(args: argparse.Namespace) -> int:
    wanted = set(args.only or "abcd")
    before = os.getloadavg()[0]
    rows, details = engines(args) if "a" in wanted else ([], [])
    if "b" in wanted:
        rows.append(national(args))
    if "c" in wanted:
        rows += [caisse(args), solver(args)]
    if "d" in wanted and not args.skip_memory:
        rows.append(memory(args))
    print(
        f"\n{os.cpu_count()} CPUs, load average {before:.1f} before and {os.getloadavg()[0]:.1f} after, "
        f"{date.today()}, one process"
    )
    print(table(rows))
    if details:
        print("\n(a) in detail:\n" + "\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main(parse_args()))
