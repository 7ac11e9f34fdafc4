"""The form's levers change a scenario document the way an official expects, and refuse, naming the
lever, what the rules cannot take."""

from __future__ import annotations

from typing import Any

import pytest

from caisse.simulations.levers import LeverError, Levers, apply_levers
from simulation import decode_scenario


def levers(**changes: Any) -> Levers:
    values: dict[str, Any] = {
        "name": "Essai", "months": 12, "paths": 100, "seed": 3, "contribution_scale": 1.0,
        "allocation_scale": 1.0, "subsidy_scale": 1.0, "take_up": 0.4, "initial_reserve": 1000.0,
        "operating_costs": 50.0,
        "extra_subsidy": 0.0, "extra_subsidy_renewal": 1.0,
    }  # fmt: skip
    values.update(changes)
    return Levers(**values)


def document(contribution: str, allocation: str) -> dict[str, Any]:
    return {
        "scenario": {"start": "2027-01", "months": 24, "paths": 1000},
        "contribution": {"preset": contribution, "chosen_ratio": 1.5},
        "allocation": {"preset": allocation},
        "funding": {"subsidies": [{"name": "Ville", "amount": 1000.0}]},
        "uncertainty": {"take_up": {"distribution": "uniform", "low": 0.1, "high": 0.3}},
    }


def test_levers_scale_rules_subsidies_and_set_the_run() -> None:
    base = document("ariege-ccampa", "montpellier")
    changed = apply_levers(
        base, levers(contribution_scale=2.0, allocation_scale=0.5, subsidy_scale=3.0, extra_subsidy=600.0)
    )
    scenario = decode_scenario(changed)  # still a valid scenario
    assert changed["contribution"]["scheme"]["rate"] == pytest.approx(0.05)  # 2.5 % doubled
    assert changed["allocation"]["rule"]["base"] == pytest.approx(50.0)  # 100 € halved
    assert [s.amount for s in scenario.funding.subsidies] == [3000.0, 600.0]
    assert scenario.participation.take_up == 0.4 and scenario.uncertainty.take_up is None
    assert (scenario.scenario.months, scenario.scenario.paths, scenario.scenario.seed) == (12, 100, 3)
    assert base["contribution"] == {"preset": "ariege-ccampa", "chosen_ratio": 1.5}  # the base is untouched
    chosen = apply_levers(document("montpellier", "montpellier"), levers(contribution_scale=2.0))
    assert chosen["contribution"] == {"preset": "montpellier", "chosen_ratio": 3.0}


@pytest.mark.parametrize(
    ("contribution", "allocation", "moved", "lever"),
    [
        ("savoie-ssalsa", "savoie-ssalsa", {"contribution_scale": 1.2}, "contribution_scale"),
        ("solicagnole", "solicagnole", {"allocation_scale": 1.2}, "allocation_scale"),
    ],
)
def test_a_lever_the_rules_cannot_take_is_refused_by_name(
    contribution: str, allocation: str, moved: dict[str, float], lever: str
) -> None:
    with pytest.raises(LeverError) as refused:
        apply_levers(document(contribution, allocation), levers(**moved))
    assert refused.value.lever == lever


def test_no_seed_means_new_futures_not_the_base_scenarios() -> None:
    base = document("ariege-ccampa", "montpellier")
    base["scenario"]["seed"] = 2023
    assert "seed" not in apply_levers(base, levers(seed=None))["scenario"]
    assert apply_levers(base, levers(seed=5))["scenario"]["seed"] == 5
    assert base["scenario"]["seed"] == 2023  # the base itself is left as it was
