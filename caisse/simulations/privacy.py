"""What a forecast on a caisse's own members may show: aggregates only (DESIGN §2), never figures
of so few households that they would tell about one of them."""

from __future__ import annotations

import msgspec
import numpy as np

from simulation import Population
from simulation.results import SimulationResult

# A decile of a caisse's own members with fewer households than this shows no net transfer: with a
# handful of households, a bracket moved run after run would give away their incomes (officials
# see aggregates only).
MIN_DECILE_HOUSEHOLDS = 10


def private(result: SimulationResult, population: Population | None) -> SimulationResult:
    """`result` with the net transfer of the caisse's sparse deciles left out (None); a synthetic
    population's (None) as it is."""
    if population is None:
        return result
    counts = np.bincount(population.decile, weights=population.households, minlength=10)
    transfers = [
        None if counts[i] < MIN_DECILE_HOUSEHOLDS else t for i, t in enumerate(result.net_transfer_by_decile)
    ]
    return msgspec.structs.replace(result, net_transfer_by_decile=transfers)
