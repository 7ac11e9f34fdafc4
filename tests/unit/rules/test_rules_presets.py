"""Presets reproduce the published figures of real caisses (research/ssa_facts.md)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from caisse.rules import (
    PRESETS,
    SelfDeterminedScheme,
    allocations,
    check_chosen,
    contributions,
    get_preset,
)


def _contribution(name: str, income: float, adults: int = 1, others: int = 0, children: int = 0,
                  chosen: float | None = None, month: str | None = None) -> float:
    scheme = get_preset(name).in_force(month).contribution
    picked = None if chosen is None else [chosen]
    return float(contributions(scheme, [income], adults, others, children, chosen=picked)[0])


def _allocation(name: str, adults: int = 1, others: int = 0, children: int = 0,
                paid: list[float] | None = None) -> float:
    rule = get_preset(name).latest.allocation
    return float(allocations(rule, [adults], [others], [children], contributions=paid)[0])


def test_the_requested_presets_exist() -> None:
    required = {"lyon-8e", "gironde", "ariege-ccampa", "soli-doume", "national-150", "montpellier",
                "saint-etienne", "savoie-ssalsa", "flers", "nantes-cca44"}
    assert required <= set(PRESETS)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_sourced_slug_with_notes(name: str) -> None:
    preset = PRESETS[name]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", preset.name) and preset.name == name
    assert all(source.startswith(("http://", "https://")) for source in preset.sources)
    assert "Sourced:" in preset.notes and "Assumed" in preset.notes
    assert all(rule_set.name and rule_set.source for rule_set in preset.rule_sets)


def test_unknown_preset_lists_the_known_names() -> None:
    with pytest.raises(ValueError, match=r"unknown preset 'lyon'; known presets: ariege-ccampa, .*lyon-8e"):
        get_preset("lyon")


# Ariège CCAMPA: 2.5 % of net monthly income, floor 10 €, 50 € a month.
def test_ariege_takes_2_5_percent_of_1800_euros() -> None:
    assert _contribution("ariege-ccampa", 1800.0) == 45.0


def test_ariege_floor_applies_below_400_euros() -> None:
    assert _contribution("ariege-ccampa", 200.0) == 10.0
    assert _contribution("ariege-ccampa", 399.0) == 10.0
    assert _contribution("ariege-ccampa", 400.0) == 10.0
    assert _contribution("ariege-ccampa", 401.0) == 10.03


def test_ariege_allocates_50_euros_per_household() -> None:
    assert _allocation("ariege-ccampa") == _allocation("ariege-ccampa", 2, 1, 3) == 50.0


# Lyon 8e: 150 € × consumption units; at least 1 € per person.
def test_lyon_couple_with_one_child_under_14_gets_270_euros() -> None:
    assert _allocation("lyon-8e", adults=2, children=1) == 150 + 75 + 45


def test_lyon_single_person_gets_150_and_each_other_14_plus_adds_75() -> None:
    assert _allocation("lyon-8e") == 150.0
    assert _allocation("lyon-8e", adults=1, others=2) == 300.0


def test_lyon_minimum_is_one_euro_per_person() -> None:
    assert _contribution("lyon-8e", 0.0, adults=2, children=2, chosen=0.0) == 4.0
    assert check_chosen(get_preset("lyon-8e").latest.contribution, 3.0, 4) is not None


# Gironde: 150 + 75 per extra person; at least 10 € + 5 € per extra person.
def test_gironde_family_of_three_gets_300_euros() -> None:
    assert _allocation("gironde", adults=2, children=1) == 300.0
    assert _allocation("gironde", adults=1, others=1, children=1) == 300.0


def test_gironde_minimum_is_10_euros_plus_5_per_extra_person() -> None:
    assert _contribution("gironde", 0.0, chosen=0.0) == 10.0
    assert _contribution("gironde", 0.0, adults=2, children=1, chosen=0.0) == 20.0


# Soli'Doume: everyone receives the mean contribution; five levels 30-70.
def test_soli_doume_allocates_the_mean_of_the_months_contributions() -> None:
    assert _allocation("soli-doume", paid=[30.0, 40.0, 50.0, 60.0]) == 45.0


def test_soli_doume_levels_run_from_30_to_70() -> None:
    scheme = get_preset("soli-doume").latest.contribution
    levels = contributions(scheme, np.linspace(0, 10000, 500), 1, 0, 0)
    assert sorted(set(levels.tolist())) == [30.0, 40.0, 50.0, 60.0, 70.0]


def test_soli_doume_members_chose_between_20_and_70_at_the_start() -> None:
    assert _contribution("soli-doume", 1000.0, chosen=10.0, month="2022-06") == 20.0
    assert _contribution("soli-doume", 1000.0, chosen=90.0, month="2022-06") == 70.0


# National proposal: 150 € per person, 10 % of income.
def test_national_proposal_gives_150_euros_per_person_for_10_percent_of_income() -> None:
    assert _allocation("national-150", adults=2, children=2) == 600.0
    assert _contribution("national-150", 3000.0) == 300.0
    assert _contribution("national-150", 0.0) == 0.0


# Flers: at least 20 €, in steps of 5 €, no ceiling; 100 €.
def test_flers_contributions_start_at_20_in_steps_of_5_without_ceiling() -> None:
    scheme = get_preset("flers").latest.contribution
    assert _contribution("flers", 0.0, chosen=120.0) == 120.0
    assert _contribution("flers", 0.0, chosen=10.0) == 20.0
    assert check_chosen(scheme, 22.0, 1) == "the contribution must be a multiple of 5.00 €"
    assert check_chosen(scheme, 500.0, 1) is None
    assert _allocation("flers") == 100.0


# Montpellier: 100 € per household; free contribution from 1 €, later capped at 250 €.
def test_montpellier_range_widened_to_250_euros_without_changing_earlier_months() -> None:
    assert _contribution("montpellier", 0.0, chosen=300.0, month="2023-06") == 300.0
    assert _contribution("montpellier", 0.0, chosen=300.0, month="2024-06") == 250.0
    assert _allocation("montpellier", adults=2, children=2) == 100.0


def test_montpellier_suggests_about_60_euros_at_the_median_income() -> None:
    assert _contribution("montpellier", 2028.0) == 61.0


@pytest.mark.parametrize(("name", "amount"), [("saint-etienne", 60.0), ("savoie-ssalsa", 90.0)])
def test_flat_allocations_per_household(name: str, amount: float) -> None:
    assert _allocation(name) == _allocation(name, 2, 0, 3) == amount


def test_saint_etienne_minimum_is_30_euros() -> None:
    assert _contribution("saint-etienne", 0.0) == 30.0


def test_savoie_contributions_stay_between_30_and_60_euros() -> None:
    scheme = get_preset("savoie-ssalsa").latest.contribution
    levels = contributions(scheme, np.linspace(0, 10000, 200), 2, 0, 2)
    assert levels.min() == 30.0 and levels.max() == 60.0


def test_nantes_gives_100_plus_50_per_extra_person() -> None:
    assert _allocation("nantes-cca44", adults=2, children=2) == 250.0


def test_self_determined_presets_bill_their_minimum_without_a_choice_or_grid() -> None:
    for name in ("flers", "solicagnole"):
        scheme = get_preset(name).latest.contribution
        assert isinstance(scheme, SelfDeterminedScheme) and scheme.suggestion is None
        assert _contribution(name, 5000.0) == scheme.minimum
