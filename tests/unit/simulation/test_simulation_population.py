"""Populations as weighted household types: INSEE/RP2022 synthetic, or from a CSV file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from caisse.rules import consumption_units
from simulation.households_csv import parse_households_csv, read_households_csv
from simulation.insee import INCOME_PER_UC_DECILES_2022, household_compositions, income_per_uc_quantile
from simulation.population import largest_remainder, synthetic_population


def test_synthetic_population_has_exactly_the_households_asked() -> None:
    for households in (1, 7, 400, 30_907_289):
        assert synthetic_population(households).total_households == households


def test_each_income_decile_holds_a_tenth_of_the_households() -> None:
    population = synthetic_population(100_000, income_bins=20)
    shares = np.bincount(population.decile, weights=population.households, minlength=10) / 100_000
    np.testing.assert_allclose(shares, 0.1, atol=0.001)


def test_incomes_per_unit_follow_the_interpolated_insee_quantiles() -> None:
    population = synthetic_population(10_000, income_bins=10)
    units = consumption_units(population.adults, population.others_14_plus, population.children_under_14)
    per_unit = population.monthly_income * 12 / units
    middles = income_per_uc_quantile((np.arange(10) + 0.5) / 10)
    # With ten classes, a type's class is its decile; incomes are rounded to the cent a month.
    np.testing.assert_allclose(per_unit, middles[population.decile], atol=0.1)
    # The 5th class's middle (p = 0.45) lies between D4 and D5.
    assert INCOME_PER_UC_DECILES_2022[3] < middles[4] < INCOME_PER_UC_DECILES_2022[4]


def test_compositions_follow_rp2022_and_the_scenario_shares() -> None:
    population = synthetic_population(1_000_000)
    size = population.adults + population.others_14_plus + population.children_under_14
    alone = population.households[size == 1].sum() / 1_000_000
    assert alone == pytest.approx(0.386, abs=0.001)
    assert np.average(size, weights=population.households) == pytest.approx(2.15, abs=0.1)
    only_couples = synthetic_population(
        1000,
        {
            "person_alone": 0,
            "couple_without_children": 1,
            "couple_with_children": 0,
            "single_parent": 0,
            "other": 0,
        },
    )
    assert set(only_couples.adults.tolist()) == {2} and only_couples.children_under_14.sum() == 0


def test_composition_shares_sum_to_one() -> None:
    *_, share = household_compositions()
    assert share.sum() == pytest.approx(1.0)


def test_largest_remainder_keeps_the_total() -> None:
    counts = largest_remainder(np.array([1 / 3, 1 / 3, 1 / 3]), 10)
    assert counts.sum() == 10 and sorted(counts.tolist()) == [3, 3, 4]


def test_csv_with_french_headers_weights_and_ignored_columns() -> None:
    text = (
        "Nom;Adultes;Autres 14+;Enfants < 14;Revenu mensuel (€);Cotisation choisie;Foyers;Statut\n"
        "Awa;1;0;2;1 450,50;;3;actif\n"
        "Luc;2;1;0;3200;40;1;candidat\n"
        "Zoé;1;0;2;1450.50;;2;actif\n"
    )
    population = parse_households_csv(text)
    assert population.total_households == 6
    assert population.types == 2  # Awa's and Zoé's lines have the same rule inputs
    single_parent = int(np.flatnonzero(population.adults == 1)[0])
    assert population.households[single_parent] == 5
    assert np.isnan(population.chosen[single_parent])
    assert population.chosen[1 - single_parent] == 40.0


def test_csv_in_english_with_commas(tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_bytes("adults,monthly_income\n1,900\n3,4000\n".encode("cp1252"))
    assert read_households_csv(path).total_households == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("adultes;revenu_mesuel\n1;100\n", "unknown column 'revenu_mesuel'"),
        ("adultes;nom\n1;Awa\n", "missing column revenu_mensuel"),
        ("adultes;revenu_mensuel\n1;100\n0;100\n", "line 3: adultes: must be at least 1"),
        ("adultes;revenu_mensuel\n1;12,5,0\n1;abc\n", "line 2: revenu_mensuel: '12,5,0' is not an amount"),
        ("adultes;revenu_mensuel\n", "no household lines"),
    ],
)
def test_csv_problems_name_the_line_and_column(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_households_csv(text)
