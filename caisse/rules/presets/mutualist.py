"""Presets of mutualist caisses: everyone receives the mean contribution (typology §1.17, type 5)."""

from __future__ import annotations

from caisse.rules.allocation import MutualistAllocation
from caisse.rules.presets.model import Preset
from caisse.rules.ruleset import RuleSet
from caisse.rules.schemes import FlatTiersScheme, SelfDeterminedScheme

_DOUME_EARLY = (
    "https://collectif-lafourmiliere.fr/ils-defendent-une-securite-sociale-de-lalimentation-pour-tous-"
    "alternatives-economiques-septembre-2022/"
)
_DOUME_LEVELS = "https://securite-sociale-alimentation.org/initiative/la-doume/"

SOLI_DOUME = Preset(
    name="soli-doume",
    title="Soli'Doume — Puy-de-Dôme (en doumes, 1 doume = 1 €)",
    rule_sets=(
        RuleSet("2022-04", SelfDeterminedScheme(minimum=20.0, maximum=70.0), MutualistAllocation(),
                name="Démarrage : cotisation choisie de 20 à 70", source=_DOUME_EARLY),
        RuleSet(
            "2024-01",
            FlatTiersScheme(tiers=((1000.0, 30.0), (1300.0, 40.0), (1600.0, 50.0), (2000.0, 60.0)),
                            top_amount=70.0, basis="per_consumption_unit"),
            MutualistAllocation(),
            name="Cinq niveaux de 30 à 70 selon les revenus", source=_DOUME_LEVELS,
        ),
    ),
    sources=(_DOUME_EARLY, _DOUME_LEVELS, "https://www.tikographie.fr/2024/01/26/solidoume-veut-engager-le-territoire-dans-la-solidarite-alimentaire/"),
    notes=(
        "Sourced: everyone receives the mean of the month's contributions (self-financed by construction); "
        "at the start (spring 2022) members chose 20–70; later five income-proportional levels from 30 "
        "to 70. "
        "Assumed: April 2022 and January 2024 as the start months; the five levels evenly spaced "
        "(30 / 40 / 50 / 60 / 70) with bands of income per consumption unit at 1 000 / 1 300 / 1 600 / "
        "2 000 € — the bands were never published; share 1.0 (the proposed 5 % levy is not applied)."
    ),
)

SOLICAGNOLE = Preset(
    name="solicagnole",
    title="SoliCagnole — Yonne (en Cagnoles)",
    rule_sets=(
        RuleSet("2024-09", SelfDeterminedScheme(minimum=10.0), MutualistAllocation(),
                name="Premières caisses", source="https://securite-sociale-alimentation.org/initiative/solicagnole/"),
    ),
    sources=("https://securite-sociale-alimentation.org/initiative/solicagnole/", "https://solicagnole.fr/spip.php?article204"),
    notes=(
        "Sourced: each member contributes 10–100 € or more according to means; everyone receives the mean "
        "of contributions. Assumed: September 2024 as the start (year inferred); no ceiling ('or more'); "
        "no suggestion grid was published, so a member with no recorded choice is billed the 10 € minimum."
    ),
)
