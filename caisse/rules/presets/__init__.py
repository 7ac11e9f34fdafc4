"""Presets: the published rules of real caisses, each with its sources and stated assumptions."""

from __future__ import annotations

from types import MappingProxyType

from caisse.rules.presets.by_income import (
    ARIEGE_CCAMPA,
    NANTES_CCA44,
    NATIONAL_150,
    SAINT_ETIENNE,
    SAVOIE_SSALSA,
)
from caisse.rules.presets.model import Preset
from caisse.rules.presets.mutualist import SOLI_DOUME, SOLICAGNOLE
from caisse.rules.presets.self_determined import FLERS, GIRONDE, LYON_8E, MONTPELLIER

PRESETS: MappingProxyType[str, Preset] = MappingProxyType({
    preset.name: preset
    for preset in (
        MONTPELLIER, GIRONDE, LYON_8E, FLERS,
        ARIEGE_CCAMPA, SAINT_ETIENNE, SAVOIE_SSALSA, NANTES_CCA44,
        SOLI_DOUME, SOLICAGNOLE,
        NATIONAL_150,
    )
})


def get_preset(name: str) -> Preset:
    """The preset called `name` (a slug such as "lyon-8e"); ValueError listing the known names otherwise.

    >>> get_preset("gironde").latest.allocation
    PerHouseholdAllocation(base=150.0, per_extra_person=75.0, per_child_under_14=None)
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(sorted(PRESETS))}") from None


__all__ = ["PRESETS", "Preset", "get_preset"]
