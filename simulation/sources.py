"""Where a scenario's population comes from: synthetic tables, a CSV file or (later) a caisse."""

from __future__ import annotations

from simulation.households_csv import read_households_csv
from simulation.population import Population, synthetic_population
from simulation.sections import PopulationSection


def build_population(section: PopulationSection) -> Population:
    """The population a scenario's `[population]` table describes.

    The "caisse" source reads a caisse's members from the database: the web application gives that
    population to :func:`simulation.run.simulate` itself; a file run cannot, and says so.
    """
    if section.source == "synthetic":
        return synthetic_population(
            section.households, section.composition.as_dict(), section.income_bins, section.income_scale
        )
    if section.source == "csv":
        return read_households_csv(section.csv or "")
    raise ValueError(
        f'population source "caisse" ({section.caisse}) reads the members of a caisse in the database: it '
        'is not available from a file run; use source = "synthetic" or "csv" (export the members as CSV)'
    )
