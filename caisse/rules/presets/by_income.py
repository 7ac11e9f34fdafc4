"""Presets of caisses that set the contribution from income (typology §1.17, types 2 and 3). € per month."""

from __future__ import annotations

from caisse.rules.allocation import PerHouseholdAllocation, PerPersonAllocation
from caisse.rules.presets.model import Preset
from caisse.rules.ruleset import RuleSet
from caisse.rules.schemes import FlatTiersScheme, ProportionalScheme

_CCAMPA_SOURCE = (
    "https://caissalim-ariege-est.fr/2025/01/08/"
    "un-circuit-court-davenir-la-premiere-securite-sociale-alimentaire-dariege-se-lance-le-18-janvier/"
)

ARIEGE_CCAMPA = Preset(
    name="ariege-ccampa",
    title="Ariège — CCAMPA (Caisse commune alimentaire montagnes et plaines ariégeoises)",
    rule_sets=(
        RuleSet("2025-01", ProportionalScheme(rate=0.025, floor=10.0), PerHouseholdAllocation(base=50.0),
                name="Expérimentation 2025", source=_CCAMPA_SOURCE),
    ),
    sources=(
        _CCAMPA_SOURCE,
        "https://www.lejournaltoulousain.fr/occitanie/ariege/actualites-ariege/caisse-commune-alimentaire-ariege-298335/",
    ),
    notes=(
        "Sourced: contribution at least 2.5 % of net monthly income with a 10 € floor; 50 € a month "
        "credited at a partner grocery; launched January 2025. Assumed: the 2.5 % minimum is billed as the "
        "contribution (members may pay more); income is the household's; 50 € is per household."
    ),
)

SAINT_ETIENNE = Preset(
    name="saint-etienne",
    title="Saint-Étienne — Caisse sociale de l'alimentation",
    rule_sets=(
        RuleSet("2025-02", ProportionalScheme(rate=0.025, floor=30.0), PerHouseholdAllocation(base=60.0),
                name="Lancement février 2025",
                source="https://tl7.fr/actualites-loire/actualite/societe_35/a-saint-etienne-une-securite-sociale-de-l-alimentation-vient-de-voir-le-jour_10953.html"),
    ),
    sources=(
        "https://tl7.fr/actualites-loire/actualite/societe_35/a-saint-etienne-une-securite-sociale-de-l-alimentation-vient-de-voir-le-jour_10953.html",
    ),
    notes=(
        "Sourced: contribution proportional to income with a 30 € minimum; 60 € credit a month; active "
        "since February 2025. Assumed: the rate (2.5 % of household income, Ariège's published rate, "
        "since Saint-Étienne's was not found) and that 60 € is per household."
    ),
)

SAVOIE_SSALSA = Preset(
    name="savoie-ssalsa",
    title="Savoie — SSALSa (CAF de la Savoie, MSA Alpes du Nord)",
    rule_sets=(
        RuleSet(
            "2025-01",
            FlatTiersScheme(tiers=((1000.0, 30.0), (1500.0, 45.0)), top_amount=60.0,
                            basis="per_consumption_unit"),
            PerHouseholdAllocation(base=90.0),
            name="Lancement 2025",
            source="https://www.caf.fr/professionnels/offres-et-services/caf-de-la-savoie/partenaires-locaux/la-lettre-d-actu-aux-partenaires-caf-73/lettre-aux-partenaires-ndeg14-juin-2025/la-une-lancement-ssalsa",
        ),
    ),
    sources=(
        "https://www.caf.fr/professionnels/offres-et-services/caf-de-la-savoie/partenaires-locaux/la-lettre-d-actu-aux-partenaires-caf-73/lettre-aux-partenaires-ndeg14-juin-2025/la-une-lancement-ssalsa",
    ),
    notes=(
        "Sourced: contribution 30–60 € a month by resources, topped up by CAF/MSA to 90 € per family; "
        "launched early 2025. Assumed: three tiers 30 / 45 / 60 € on income per consumption unit with "
        "bands at 1 000 and 1 500 €, and January 2025 as the start. The CAF/MSA top-up is a subsidy, not a "
        "rule; eligibility (families with children, some MSA members) is not modelled."
    ),
)

NANTES_CCA44 = Preset(
    name="nantes-cca44",
    title="Nantes-ouest — CCA44 (Caisse commune de l'alimentation, paiement en Moneko)",
    rule_sets=(
        RuleSet(
            "2025-09",
            FlatTiersScheme(tiers=((1000.0, 10.0), (1500.0, 25.0), (2000.0, 40.0)), top_amount=60.0,
                            basis="per_consumption_unit"),
            PerHouseholdAllocation(base=100.0, per_extra_person=50.0),
            name="Expérimentation 2025-2026", source="https://www.cca44.fr/professionnels",
        ),
    ),
    sources=("https://www.cca44.fr/professionnels",),
    notes=(
        "Sourced: 100 € + 50 € per additional household member, contribution 'by means'; September 2025. "
        "Assumed: the whole contribution grid (10 / 25 / 40 / 60 € by income per consumption unit, bands at "
        "1 000 / 1 500 / 2 000 €); no figure was published."
    ),
)

_NATIONAL_SOURCE = "https://www.revuesilence.net/numeros/538-Vers-une-Securite-sociale-alimentaire/s-inspirer-de-la-secu-en-evitant-ses-ecueils"

NATIONAL_150 = Preset(
    name="national-150",
    title="Proposition nationale — 150 € par personne",
    rule_sets=(
        RuleSet("2025-01", ProportionalScheme(rate=0.10), PerPersonAllocation(amount=150.0),
                name="Proposition du collectif SSA", source=_NATIONAL_SOURCE),
    ),
    sources=(
        "https://securite-sociale-alimentation.org/la-ssa/les-trois-piliers-du-mecanisme-de-ssa/",
        _NATIONAL_SOURCE,
    ),
    notes=(
        "Sourced: 150 € per person per month, universal; ISF AgriSTA's estimate that a 10 % cotisation on "
        "wages, self-employed incomes, pensions and unemployment benefits would finance it. Assumed: the "
        "10 % applies to the household's declared monthly income (a proxy for that base), with no floor; "
        "the proposal is not in force, so its 2025-01 start is arbitrary."
    ),
)
