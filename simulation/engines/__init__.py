"""The two engines, by name: ``stratified`` (default, types) and ``micro`` (households, the reference).

Both take a :class:`~simulation.plan.Plan` and a :class:`~simulation.chunks.ChunkSpec` and return a
:class:`~simulation.engines.common.ChunkOutcome`; :func:`run_chunk` is what schedulers call.
"""

from __future__ import annotations

from collections.abc import Callable

from simulation.chunks import ChunkSpec
from simulation.engines.common import ChunkOutcome
from simulation.engines.micro import check_size, run_micro
from simulation.engines.stratified import check_stratified, run_stratified
from simulation.plan import Plan
from simulation.types import ENGINE_NAMES, EngineName

ENGINES: dict[EngineName, Callable[[Plan, ChunkSpec], ChunkOutcome]] = {
    "stratified": run_stratified,
    "micro": run_micro,
}

# What each engine refuses, checked once before any chunk runs: (plan, paths per chunk) -> None.
CHECKS: dict[EngineName, Callable[[Plan, int], None]] = {
    "stratified": check_stratified,
    "micro": check_size,
}


def run_chunk(plan: Plan, spec: ChunkSpec, engine: EngineName = "stratified") -> ChunkOutcome:
    """Run one chunk of paths with the named engine (a module-level function, so it pickles)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINE_NAMES)}")
    return ENGINES[engine](plan, spec)


__all__ = ["CHECKS", "ENGINES", "ChunkOutcome", "run_chunk"]
