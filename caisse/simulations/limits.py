"""How much one request may ask of the machine, refused before it is queued with the figures and
what to lower. The CLI has none of these: it runs on the caller's own machine.

- Time grows with paths × months × the units an engine follows (strata of household types for the
  stratified engine, households for the micro one) × credit ages (each month ages every slot of
  every unit's credit) × the simulations of the run (scenarios compared, a solve's evaluations).
- Memory grows with what one chunk of paths holds at once: its paths × units × credit ages, for
  each of a few arrays; the server picks the chunk size so that this stays small, whatever the
  document asks.
- Before any path, the rule tables are months × household types, and each subsidy and each
  bracket or tier of a rule is evaluated over them: the document's lists are kept short.

A caisse may also only have a few runs waiting or running at once."""

from __future__ import annotations

import os
from typing import Literal

from caisse.errors import DomainError, ValidationFailed

# Paths one run may ask for on the server (the simulator's own bound, for the CLI on the caller's
# machine, is simulation.sections.run.MAX_PATHS).
SERVER_MAX_PATHS = 20_000
# Scenarios side by side in one comparison.
MAX_SCENARIOS = 4
# Paths × months × units × credit ages over every simulation of a run: about ten seconds of one
# core for the stratified engine.
MAX_CELLS = 60_000_000
# Paths × units × credit ages of one chunk: 40 MB for each of the few arrays an engine keeps.
MAX_CHUNK_CELLS = 5_000_000
# Paths simulated together, at most (a document may ask for fewer).
MAX_CHUNK_SIZE = 1_000
# Months × household types of the rule tables built before any path (48 MB each).
MAX_PLAN_CELLS = 6_000_000
# Subsidies of a scenario, and brackets or tiers of one rule.
MAX_ITEMS = 50
# A request's body: a scenario document is a few kilobytes.
MAX_BODY_BYTES = 256 * 1024
# Runs queued or running at the same time: of one caisse, of one person (an official of several
# caisses), and of the whole installation (every worker computes its runs on the same cores).
MAX_ACTIVE_PER_CAISSE = 2
MAX_ACTIVE_PER_USER = 2
MAX_ACTIVE_TOTAL = 2 * (os.cpu_count() or 1)


class TooManyRuns(DomainError):
    """As many runs are under way as `scope` (the caisse, the person or the whole server) may
    have: wait for one to finish."""

    code = "too_many_runs"
    status_code = 429

    def __init__(self, scope: Literal["caisse", "user", "server"], detail: str) -> None:
        super().__init__(detail)
        self.scope = scope


class WorkTooLarge(ValidationFailed):
    """A run above MAX_CELLS; `max_paths` is the most paths that fit with the rest unchanged (0:
    not even one path does)."""

    def __init__(self, detail: str, max_paths: int) -> None:
        super().__init__(detail, [{"field": "paths", "message": f"at most {max_paths:,} here"}])
        self.max_paths = max_paths


def _units(micro: bool) -> str:
    return "households" if micro else "household types"


def check_plan(months: int, types: int, where: str) -> None:
    """ValidationFailed when the rule tables (months × household types) are above MAX_PLAN_CELLS."""
    cells = months * types
    if cells > MAX_PLAN_CELLS:
        raise ValidationFailed(
            f"{where}: this scenario is too large for the server: {months} months × {types:,} household "
            f"types = {cells:,} rule cells, more than {MAX_PLAN_CELLS:,}. Lower the months, or the household "
            "types ([population] households or income_bins); or run it with `caisse simulate` on your "
            "own machine."
        )


def chunk_size_for(requested: int, paths: int, units: int, credit_ages: int, *, micro: bool) -> int:
    """The chunk size the server runs: the document's, at most MAX_CHUNK_SIZE, and small enough for
    one chunk to hold at most MAX_CHUNK_CELLS amounts of credit; ValidationFailed when even one path
    holds more (too many units or credit ages)."""
    per_path = units * credit_ages
    if per_path > MAX_CHUNK_CELLS:
        raise ValidationFailed(
            f"This run is too large for the server: one path holds {units:,} {_units(micro)} × {credit_ages} "
            f"credit ages = {per_path:,} amounts of credit, more than {MAX_CHUNK_CELLS:,}. Lower [spending] "
            "credit_lifetime_months or the household types ([population] households or income_bins)"
            + ("; or use the stratified engine." if micro else "; or run it with `caisse simulate`.")
        )
    chunk = min(requested, MAX_CHUNK_SIZE)
    fits = MAX_CHUNK_CELLS // per_path
    # A chunk never holds more paths than the run: the document's size stands when those fit.
    return chunk if min(chunk, paths) <= fits else fits


def check_work(paths: int, months: int, units: int, credit_ages: int, runs: int, *, micro: bool) -> int:
    """The run's size in cells; ValidationFailed naming the figures when it is above MAX_CELLS.

    `units` is the number of strata of household types (stratified engine) or of households (micro
    engine); `runs` the simulations of the run (scenarios compared, or a solve's evaluations)."""
    per_path = months * units * credit_ages * runs
    cells = paths * per_path
    if cells > MAX_CELLS:
        ages = f" × {credit_ages} credit ages" if credit_ages > 1 else ""
        simulations = f" × {runs} simulations" if runs > 1 else ""
        elsewhere = "use the stratified engine" if micro else "run it with `caisse simulate` yourself"
        raise WorkTooLarge(
            f"This run is too large for the server: {paths:,} paths × {months} months × {units:,} "
            f"{_units(micro)}{ages}{simulations} = {cells:,} cells, more than {MAX_CELLS:,}. Lower the paths "
            f"(at most {MAX_CELLS // per_path:,} here) or the months"
            f"{', or the credit lifetime' if credit_ages > 1 else ''}; or {elsewhere}.",
            MAX_CELLS // per_path,
        )
    return cells
