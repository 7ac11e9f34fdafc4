"""The tornado: inputs sorted by their swing, the obvious one first, moves as documented, the chart."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner

from caisse.cli import main
from simulation.scenario import Scenario
from simulation.sensitivity import Sensitivity, sensitivity, tornado_svg
from tests.unit.simulation.simulation_helpers import scenario

RESERVE = 2_000_000.0


def _dominated_by_the_reserve() -> Scenario:
    """A reserve far larger than anything else the caisse handles: ±10 % of it dwarfs every flow."""
    return scenario(
        scenario={"months": 6, "paths": 20, "chunk_size": 10, "seed": 8},
        participation={"take_up": 0.5, "leave_rate": 0.02},
        funding={
            "initial_reserve": RESERVE,
            "operating_costs": 200.0,
            "subsidies": [{"amount": 5000.0, "period_months": 3, "renewal_probability": 0.7}],
        },
        uncertainty={"spend_through": {"distribution": "uniform", "low": 0.6, "high": 1.0}},
    )


@pytest.fixture(scope="module")
def result() -> Sensitivity:
    return sensitivity(_dominated_by_the_reserve())


def test_the_dominant_input_comes_first(result: Sensitivity) -> None:
    first = result.inputs[0]
    assert first.input == "initial_reserve"
    # Common random numbers: the reserve shifts every path by exactly the amount moved.
    assert first.mean_final_reserve_high - first.mean_final_reserve_low == pytest.approx(0.2 * RESERVE)
    assert (first.low, first.high) == (0.9 * RESERVE, 1.1 * RESERVE)


def test_inputs_are_sorted_by_the_swing_of_the_final_reserve(result: Sensitivity) -> None:
    swings = [swing.final_reserve_swing for swing in result.inputs]
    assert swings == sorted(swings, reverse=True)
    for swing in result.inputs:
        expected = abs(swing.mean_final_reserve_high - swing.mean_final_reserve_low)
        assert swing.final_reserve_swing == pytest.approx(expected, abs=0.01)


def test_uncertain_input_is_fixed_at_its_10th_and_90th_percentiles(result: Sensitivity) -> None:
    spend = next(swing for swing in result.inputs if swing.input == "spend_through")
    assert (spend.low, spend.base, spend.high) == pytest.approx((0.64, 0.8, 0.96))
    # Spending more leaves less in the fund.
    assert spend.mean_final_reserve_high < spend.mean_final_reserve_low


def test_inputs_at_zero_are_left_out_with_the_reason(result: Sensitivity) -> None:
    names = {swing.input for swing in result.inputs}
    assert {"contribution_scale", "allocation_scale", "subsidies", "subsidy_renewal", "take_up"} <= names
    assert "join_rate: it is 0" in result.left_out and "join_rate" not in names


def test_same_seed_gives_the_same_tornado(result: Sensitivity) -> None:
    assert sensitivity(_dominated_by_the_reserve()) == result


def test_tornado_chart_is_svg_with_every_input(result: Sensitivity) -> None:
    svg = tornado_svg(result)
    assert ElementTree.fromstring(svg).tag.endswith("svg")
    assert "Réserve initiale" in svg and "Réserve finale moyenne (€)" in svg


def test_cli_sensitivity_writes_the_json_and_the_chart(tmp_path: Path) -> None:
    scenario_file = tmp_path / "quartier.toml"
    scenario_file.write_text(
        '[scenario]\nname = "Quartier"\nstart = "2027-01"\nmonths = 4\npaths = 10\nseed = 2\n'
        "[population]\nhouseholds = 100\nincome_bins = 10\n"
        '[contribution]\npreset = "gironde"\n[allocation]\npreset = "gironde"\n'
        "[funding]\ninitial_reserve = 1000000.0\n",
        encoding="utf-8",
    )
    out, svg = tmp_path / "sensibilite.json", tmp_path / "tornade.svg"
    result = CliRunner().invoke(
        main, ["sensitivity", str(scenario_file), "--json", str(out), "--svg", str(svg), "--paths", "8"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["paths"] == 8 and data["inputs"][0]["input"] == "initial_reserve"
    assert "Réserve initiale" in svg.read_text(encoding="utf-8")
    assert "initial_reserve" in result.output


def test_cli_sensitivity_bad_scenario_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sensitivity", str(tmp_path / "absent.toml")])
    assert result.exit_code == 1 and "cannot read scenario file" in result.output
