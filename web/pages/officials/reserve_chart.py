"""The reserve's fan chart of a finished run, as served by the pages: drawn by matplotlib (150 to
250 ms of CPU) in a worker thread, never on the event loop, and drawn once per run — a finished
run never changes, so its SVG is kept in a small cache of the application (its database's run ids),
keyed by the run's id."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from anyio import to_thread
from litestar.datastructures import State

from simulation.fanchart import comparison_chart_svg, fan_chart_svg
from simulation.results import SimulationResult

# Charts kept (100 to 200 kB each): the runs officials look at in a session, not every run.
CACHED = 32
STATE_KEY = "officials_reserve_charts"


def _draw(results: Sequence[SimulationResult]) -> str:
    return fan_chart_svg(results[0]) if len(results) == 1 else comparison_chart_svg(list(results))


async def reserve_svg(state: State, run_id: int, results: Sequence[SimulationResult]) -> str:
    """The SVG of finished run `run_id`'s results: one forecast's fan chart, or a comparison's;
    `state` is the application's, where the charts are kept."""
    cache: OrderedDict[int, str] = state.setdefault(STATE_KEY, OrderedDict())
    svg = cache.get(run_id)
    if svg is None:
        svg = await to_thread.run_sync(_draw, results)
        cache[run_id] = svg
        while len(cache) > CACHED:
            cache.popitem(last=False)
    cache.move_to_end(run_id)
    return svg
