"""Scenario files: TOML or JSON, defaults, one clear error naming the table and key."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from simulation.run import simulate
from simulation.scenario import Scenario, ScenarioError, decode_scenario, load_scenario
from simulation.scenarios import shipped_scenarios
from simulation.sections import Composition, Subsidy
from tests.unit.simulation.simulation_helpers import BASE, merged

DOCS = Path(__file__).resolve().parents[3] / "docs" / "scenario.md"

MINIMAL_TOML = """
[scenario]
start = "2027-03"

[contribution]
preset = "lyon-8e"

[allocation]
preset = "lyon-8e"
"""


def _error(changes: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        decode_scenario(merged(BASE, changes))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_minimal_toml_file_loads_with_documented_defaults(tmp_path: Path) -> None:
    path = tmp_path / "quartier.toml"
    path.write_text(MINIMAL_TOML, encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded.scenario.name == "quartier"
    assert (loaded.scenario.months, loaded.scenario.paths, loaded.scenario.chunk_size) == (24, 1000, 250)
    assert loaded.scenario.seed is None
    assert loaded.population.source == "synthetic" and loaded.population.households == 1000
    assert loaded.participation.take_up == 1.0 and loaded.participation.leave_rate == 0.0
    assert loaded.spending.spend_through == 1.0 and loaded.spending.credit_lifetime_months is None
    assert loaded.funding.subsidies == () and loaded.funding.initial_reserve == 0.0
    assert loaded.uncertainty.drawn() == ()


def test_json_file_loads_like_toml(tmp_path: Path) -> None:
    path = tmp_path / "quartier.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")
    loaded, decoded = load_scenario(path), decode_scenario(BASE)
    assert loaded.scenario.name == "quartier"
    assert (loaded.contribution, loaded.allocation, loaded.population) == (
        decoded.contribution,
        decoded.allocation,
        decoded.population,
    )


@pytest.mark.parametrize(
    ("changes", "table", "key"),
    [
        ({"scenario": {"monhts": 3}}, "[scenario]", "monhts"),
        ({"population": {"foyers": 3}}, "[population]", "foyers"),
        ({"population": {"composition": {"alone": 0.5}}}, "[population.composition]", "alone"),
        ({"contribution": {"rate": 0.1}}, "[contribution]", "rate"),
        (
            {"contribution": {"scheme": {"kind": "proportional", "rate": 0.1, "plancher": 5}}},
            "[contribution.scheme]",
            "plancher",
        ),
        (
            {"allocation": {"rule": {"kind": "per_person", "amount": 1, "extra": 2}}},
            "[allocation.rule]",
            "extra",
        ),
        ({"participation": {"churn": 0.1}}, "[participation]", "churn"),
        ({"spending": {"expiry": 2}}, "[spending]", "expiry"),
        ({"funding": {"reserve": 2}}, "[funding]", "reserve"),
        ({"funding": {"subsidies": [{"amount": 1.0, "renewal": 0.5}]}}, "[funding.subsidies[0]]", "renewal"),
        (
            {"uncertainty": {"take_up": {"distribution": "beta", "a": 1, "b": 2, "c": 3}}},
            "[uncertainty.take_up]",
            "c",
        ),
        (
            {"uncertainty": {"churn": {"distribution": "uniform", "low": 0, "high": 1}}},
            "[uncertainty]",
            "churn",
        ),
        ({"simulation": {}}, "the top level", "simulation"),
    ],
)
def test_unknown_key_error_names_the_table_and_the_key(changes: dict[str, Any], table: str, key: str) -> None:
    message = _error(changes)
    assert message.startswith(f"{table}: unknown key '{key}'"), message
    assert "allowed keys:" in message


def test_missing_table_and_bad_values_say_where() -> None:
    missing = dict(BASE)
    del missing["allocation"]
    with pytest.raises(ScenarioError, match=r"missing required key 'allocation'"):
        decode_scenario(missing)
    assert _error({"scenario": {"months": 0}}).startswith("[scenario] months: Expected `int` >= 1")
    assert "start" in _error({"scenario": {"start": "2027-13"}})
    assert "known presets" in _error({"contribution": {"scheme": None, "preset": "paris"}})
    assert "not both" in _error({"contribution": {"preset": "gironde"}})
    assert "rate must be a share" in _error({"contribution": {"scheme": {"kind": "proportional", "rate": 3}}})
    assert "low (0.5) must be <= high" in _error(
        {"uncertainty": {"leave_rate": {"distribution": "uniform", "low": 0.5, "high": 0.2}}}
    )
    assert "before the scenario's start" in _error(
        {"funding": {"subsidies": [{"amount": 1.0, "first_month": "2026-12"}]}}
    )
    assert "multiple of 10" in _error({"population": {"income_bins": 15}})


def test_files_that_are_not_scenarios_give_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\nstart = 1", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken.toml is not valid TOML"):
        load_scenario(broken)
    with pytest.raises(ScenarioError, match=r"cannot read scenario file"):
        load_scenario(tmp_path / "absent.toml")
    with pytest.raises(ScenarioError, match=r"ends in .toml or .json"):
        load_scenario(tmp_path / "scenario.yaml")


def test_csv_path_is_taken_relative_to_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "foyers.csv").write_text("adultes;revenu_mensuel\n1;1500\n2;2500\n", encoding="utf-8")
    path = tmp_path / "local.toml"
    path.write_text(MINIMAL_TOML + '\n[population]\nsource = "csv"\ncsv = "foyers.csv"\n', encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded.population.csv == str(tmp_path / "foyers.csv")
    run = simulate(loaded, paths=3, seed=1)
    assert run.plan.population.total_households == 2


def test_caisse_population_is_refused_from_a_file_run() -> None:
    chosen = decode_scenario(merged(BASE, {"population": {"source": "caisse", "caisse": "foix"}}))
    with pytest.raises(ValueError, match="not available from a file run"):
        simulate(chosen, paths=2, seed=1)
    assert "needs caisse" in _error({"population": {"source": "caisse"}})


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_every_shipped_scenario_loads_and_runs(name: str) -> None:
    loaded = load_scenario(shipped_scenarios()[name])
    summary = simulate(loaded, paths=4).summary()
    assert summary.paths == 4 and len(summary.months) == loaded.scenario.months
    assert summary.scenario == loaded.scenario.name


def _fields(struct: type[msgspec.Struct]) -> set[str]:
    return set(struct.__struct_fields__)


def test_every_field_is_documented_in_docs_scenario_md() -> None:
    text = DOCS.read_text(encoding="utf-8")
    scenario_type = msgspec.inspect.type_info(Scenario)
    assert isinstance(scenario_type, msgspec.inspect.StructType)
    for section in scenario_type.fields:
        assert re.search(rf"\[{section.name}\]", text), section.name
        info = section.type
        for field in getattr(info, "fields", ()):
            assert f"`{field.name}`" in text, f"{section.name}.{field.name}"
    for struct in (Composition, Subsidy):
        for field in _fields(struct):
            assert f"`{field}`" in text, field
