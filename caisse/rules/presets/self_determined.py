"""Presets of caisses where members choose their contribution (typology §1.17, type 1). € per month.

Published figures are used as published; where a caisse never published what the simulator needs (a
suggestion grid), the preset fills it in and its `notes` says so.
"""

from __future__ import annotations

from caisse.rules.allocation import PerConsumptionUnitAllocation, PerHouseholdAllocation
from caisse.rules.presets.model import Preset
from caisse.rules.ruleset import RuleSet
from caisse.rules.schemes import FlatTiersScheme, ProportionalScheme, SelfDeterminedScheme

_MONTPELLIER_SOURCES = (
    "https://foodbiome.fr/la-caisse-alimentaire-commune-construire-une-democratie-alimentaire/",
    "http://bonnes-nouvelles.be/site/actu-montpellier_exp_rimente_une_caisse_alimentaire_citoyenne-305-999-305-3155-fr.html",
    "https://reporterre.net/A-Montpellier-on-teste-une-caisse-alimentaire-facon-Secu",
    "https://fondationdefrance.org/fr/cat-fondation-de-france-mediterranee/democratie-alimentaire-l-initiative-pionniere-de-la-caisse-commune-de-montpellier",
    "https://tav-montpellier.xyz/",
)


def _montpellier_grid(ceiling: float) -> ProportionalScheme:
    return ProportionalScheme(rate=0.03, floor=1.0, ceiling=ceiling, step=1.0)


MONTPELLIER = Preset(
    name="montpellier",
    title="Montpellier — Caisse alimentaire commune",
    rule_sets=(
        RuleSet("2023-02", SelfDeterminedScheme(minimum=1.0, suggestion=_montpellier_grid(150.0)),
                PerHouseholdAllocation(base=100.0), name="Lancement : cotisation libre dès 1 €",
                source=_MONTPELLIER_SOURCES[1]),
        RuleSet("2024-01",
                SelfDeterminedScheme(minimum=1.0, maximum=250.0, suggestion=_montpellier_grid(250.0)),
                PerHouseholdAllocation(base=100.0), name="Cotisation libre de 1 à 250 €",
                source=_MONTPELLIER_SOURCES[3]),
    ),
    sources=_MONTPELLIER_SOURCES,
    notes=(
        "Sourced: 100 MonA (= 100 €) a month, the same whatever one pays; free self-determined contribution "
        "from 1 €, quoted 1–150 € 'or more' at launch (Feb 2023) and 1–250 € later; mean about 60 €. "
        "Assumed: the allocation is per household (sources say 'per participant'; a member here is a "
        "household, and one source counts 'foyers'); the 1–250 € range taking effect in 2024-01; the "
        "suggestion grid (3 % of household income, whole euros, capped at the range's top), calibrated so a "
        "single person on the median French income (~2 000 €/month) is suggested ~60 €, the reported mean "
        "(the real grille d'autodétermination was not published). Crediting only after payment is a caisse "
        "setting, not part of these rules."
    ),
)

GIRONDE = Preset(
    name="gironde",
    title="Gironde — Caisse commune de l'alimentation",
    rule_sets=(
        RuleSet(
            "2024-04",
            SelfDeterminedScheme(
                minimum=10.0, minimum_per_extra_person=5.0,
                suggestion=FlatTiersScheme(
                    tiers=((900.0, 10.0), (1300.0, 20.0), (1800.0, 35.0), (2500.0, 50.0)),
                    top_amount=70.0, per_extra_person=5.0, basis="per_consumption_unit", step=1.0,
                ),
            ),
            PerHouseholdAllocation(base=150.0, per_extra_person=75.0),
            name="Expérimentation 2024-2025", source="https://aqui.fr/article/cotiser-pour-mieux-manger-le-pari-lance-en-gironde/",
        ),
    ),
    sources=(
        "https://www.gironde.fr/actualites/la-securite-sociale-de-l-alimentation-pour-une-alimentation-choisie-et-accessible-tous",
        "https://aqui.fr/article/cotiser-pour-mieux-manger-le-pari-lance-en-gironde/",
        "https://banquedesterritoires.fr/experience/la-gironde-teste-la-securite-sociale-de-lalimentation-33",
    ),
    notes=(
        "Sourced: 150 MonA per household + 75 per additional person (a family of 3 gets 300); contribution "
        "self-determined from a grid set by each local caisse, at least 10 € + 5 € per additional member; "
        "from April 2024. Assumed: the suggestion grid (bands of income per consumption unit at 900 / 1 300 "
        "/ 1 800 / 2 500 € giving 10 / 20 / 35 / 50 / 70 €, + 5 € per extra person); the four local grids "
        "were not published."
    ),
)

LYON_8E = Preset(
    name="lyon-8e",
    title="Lyon 8e — Caisse de l'alimentation",
    rule_sets=(
        RuleSet(
            "2024-09",
            SelfDeterminedScheme(
                minimum=1.0, minimum_per_extra_person=1.0,
                suggestion=ProportionalScheme(rate=0.02, floor=1.0, extra_floor_per_person=1.0,
                                              basis="per_consumption_unit", step=1.0),
            ),
            PerConsumptionUnitAllocation(amount_per_unit=150.0),
            name="Lancement septembre 2024", source="https://www.europesays.com/fr/12811",
        ),
    ),
    sources=(
        "https://www.europesays.com/fr/12811",
        "https://www.grandlyon.com/actualite/une-caisse-de-lalimentation-pour-les-plus-precaires",
        "https://www.ithea-conseil.fr/bonnes-pratiques/solidarites-et-action-sociale/une-caisse-de-l-alimentation",
    ),
    notes=(
        "Sourced: 150 € for a single person, + 75 € per additional person, + 45 € per child under 14, "
        "exactly 150 € × consumption units; self-determined contribution from income-scale indicators, at "
        "least 1 € per person per month. Assumed: the suggestion (2 % of income per consumption unit, whole "
        "euros, at least 1 € per person), chosen to be low as the reported 11 % self-financing implies; the "
        "indicators themselves were not published."
    ),
)


_FLERS_SOURCE = (
    "https://alencon.maville.com/actu/actudet_--tout-le-monde-est-acteur-ils-font-partie-de-la-premiere-"
    "phase-de-la-caisse-locale-d-alimentation-de-flers-agglo-_-7120889_actu.Htm"
)

FLERS = Preset(
    name="flers",
    title="Flers Agglo — CLAF (Caisse locale d'alimentation de Flers)",
    rule_sets=(
        RuleSet("2025-12", SelfDeterminedScheme(minimum=20.0, step=5.0), PerHouseholdAllocation(base=100.0),
                name="Première vague", source=_FLERS_SOURCE),
    ),
    sources=(
        _FLERS_SOURCE,
        "https://www.tendanceouest.com/actualite-431135-solidarite-pour-mieux-manger-flers-agglo-lance-a-la-rentree-sa-securite-sociale-alimentaire",
    ),
    notes=(
        "Sourced: 100 € a month in a digital wallet; contribution self-set from 20 € in steps of 5 €, no "
        "ceiling; first wave from December 2025. Assumed: 100 € is per household. No suggestion grid was "
        "published, so none is given: a member with no recorded choice is billed the 20 € minimum."
    ),
)
