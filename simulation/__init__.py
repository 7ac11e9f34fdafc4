"""Monte Carlo forecasts of an SSA caisse's budget: pure numpy/scipy, and `caisse.rules` for the rules.

validate (:func:`load_scenario`) → plan (rule tables per household type) → engines over chunks of paths
→ a frozen summary (:class:`SimulationResult`, the JSON of ``caisse simulate``). Method and month order:
DESIGN.md §4; scenario files: docs/scenario.md.

>>> scenario = decode_scenario({
...     "scenario": {"start": "2027-01", "months": 6, "paths": 20, "seed": 1},
...     "contribution": {"preset": "soli-doume"},
...     "allocation": {"preset": "soli-doume"},
... })
>>> round(simulate(scenario).summary().self_financing_ratio.mean or 0.0, 3)
1.0
"""

from simulation.compare import Comparison, compare_scenarios
from simulation.population import Population, population_from_households, synthetic_population
from simulation.results import PathResults, SimulationResult
from simulation.run import Simulation, estimate_work, simulate
from simulation.scenario import Scenario, ScenarioError, decode_scenario, load_scenario
from simulation.sensitivity import Sensitivity, sensitivity
from simulation.solve import LEVERS, METRICS, Solution, TargetOutOfReach, solve

__all__ = [
    "LEVERS",
    "METRICS",
    "Comparison",
    "PathResults",
    "Population",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "Simulation",
    "SimulationResult",
    "Solution",
    "TargetOutOfReach",
    "compare_scenarios",
    "decode_scenario",
    "estimate_work",
    "load_scenario",
    "population_from_households",
    "sensitivity",
    "simulate",
    "solve",
    "synthetic_population",
]
