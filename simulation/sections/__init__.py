"""The tables of a scenario file, one module per subject."""

from simulation.sections.behaviour import ParticipationSection, SpendingSection
from simulation.sections.funding import FundingSection, Subsidy
from simulation.sections.population import Composition, PopulationSection
from simulation.sections.rules import AllocationSection, ContributionSection
from simulation.sections.run import RunSection
from simulation.sections.uncertainty import Beta, Distribution, TruncatedNormal, UncertaintySection, Uniform

__all__ = [
    "AllocationSection",
    "Beta",
    "Composition",
    "ContributionSection",
    "Distribution",
    "FundingSection",
    "ParticipationSection",
    "PopulationSection",
    "RunSection",
    "SpendingSection",
    "Subsidy",
    "TruncatedNormal",
    "UncertaintySection",
    "Uniform",
]
