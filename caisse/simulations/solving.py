"""A solve run: the value of one lever that meets a target (`simulation.solve`), computed in a worker
thread like the other runs. An unreachable target fails the run with the solver's own sentence
(the best value at each bound), which the run's page shows as it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from caisse.errors import ValidationFailed
from caisse.simulations.privacy import private
from caisse.simulations.schemas import SolveRequest
from simulation.run import Progress
from simulation.solve import LEVERS, Target, parse_target, solve

if TYPE_CHECKING:  # the preparation checks requests with this module: no import cycle
    from caisse.simulations.scenarios import PreparedRun

# Simulations one solve runs: two bounds, then a bisection to a tolerance of 1/10 000 of the range
# (about 14 halvings) and a few more; the run's size and progress count this many scenarios.
EVALUATIONS = 20


def check_solve(request: SolveRequest) -> Target:
    """The target, once lever, target and bounds are known good (ValidationFailed naming the field)."""
    if request.lever not in LEVERS:
        raise ValidationFailed(
            f"solve.lever: unknown lever '{request.lever}'; one of: {', '.join(LEVERS)}.",
            [{"field": "solve.lever", "message": f"one of: {', '.join(LEVERS)}."}],
        )
    try:
        target = parse_target(request.target)
    except ValueError as error:
        raise ValidationFailed(
            f"solve.target: {error}", [{"field": "solve.target", "message": str(error)}]
        ) from None
    if (request.min is None) != (request.max is None):
        raise ValidationFailed("solve: give both 'min' and 'max' of the lever, or neither.")
    if request.min is not None and request.max is not None and not request.min < request.max:
        raise ValidationFailed(f"solve: 'min' ({request.min:g}) must be below 'max' ({request.max:g}).")
    return target


def solve_computation(prepared: PreparedRun) -> Callable[[Progress], bytes]:
    request = msgspec.convert(prepared.solve, SolveRequest)
    target = check_solve(request)
    bounds = (request.min, request.max) if request.min is not None and request.max is not None else None
    budget = prepared.paths_total

    def compute(on_progress: Progress) -> bytes:
        def overall(done: int, total: int) -> None:
            # The solver's total grows as it goes; the run's row counts a fixed budget of paths.
            on_progress(min(budget, done * budget // max(total, 1)), budget)

        solution = solve(
            prepared.scenarios[0], lever=request.lever, target=target, bounds=bounds, paths=prepared.paths,
            seed=prepared.seed, population=prepared.populations[0], on_progress=overall,
        )  # fmt: skip
        forecast = private(solution.forecast, prepared.populations[0])
        return msgspec.json.encode(msgspec.structs.replace(solution, forecast=forecast))

    return compute
