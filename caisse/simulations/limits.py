"""How much one request may ask of the machine: the simulator's work grows with paths × months ×
household types (× scenarios), so a run above these bounds is refused before it is queued, with the
figures and what to lower. A caisse may also only have a few runs waiting or running at once."""

from __future__ import annotations

from caisse.errors import DomainError, ValidationFailed

# Paths one run may ask for (the CLI allows more: it runs on the caller's own machine).
MAX_PATHS = 20_000
# Scenarios side by side in one comparison.
MAX_SCENARIOS = 4
# Path-months × household types (× households for the micro engine, which follows each one) over
# every scenario of a run: about ten seconds of one core for the stratified engine.
MAX_CELLS = 60_000_000
# Runs of one caisse queued or running at the same time.
MAX_ACTIVE_PER_CAISSE = 2


class TooManyRuns(DomainError):
    """The caisse already has as many runs under way as it may: wait for one to finish."""

    code = "too_many_runs"
    status_code = 429


def check_work(paths: int, months: int, units: int, scenarios: int, *, micro: bool) -> int:
    """The run's size in cells; ValidationFailed naming the figures when it is above MAX_CELLS.

    `units` is the number of household types (stratified engine) or of households (micro engine)."""
    cells = paths * months * units * scenarios
    if cells > MAX_CELLS:
        what = "households" if micro else "household types"
        raise ValidationFailed(
            f"This run is too large for the server: {paths:,} paths × {months} months × {units:,} {what}"
            f"{f' × {scenarios} scenarios' if scenarios > 1 else ''} = {cells:,} cells, more than "
            f"{MAX_CELLS:,}. Lower the paths (at most {max(MAX_CELLS // (months * units * scenarios), 0):,} "
            "here) or the months"
            + (
                "; or use the stratified engine."
                if micro
                else ", or run it with `caisse simulate` on your own machine."
            )
        )
    return cells
