"""Scenarios compared with common random numbers: paired differences with small standard errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from caisse.cli import main
from simulation.compare import compare_scenarios
from simulation.sections import Beta, TruncatedNormal, Uniform
from tests.unit.simulation.simulation_helpers import scenario

UNCERTAIN: dict[str, Any] = {
    "scenario": {"months": 12, "paths": 300, "chunk_size": 50, "seed": 21},
    "participation": {"take_up": 0.4, "join_rate": 0.02, "leave_rate": 0.02},
    "spending": {"spend_through": 0.85, "concentration": 10.0},
    "funding": {
        "initial_reserve": 20000.0,
        "subsidies": [{"amount": 30000.0, "period_months": 6, "renewal_probability": 0.7}],
    },
    "uncertainty": {
        "take_up": {"distribution": "beta", "a": 8, "b": 12},
        "spend_through": {"distribution": "uniform", "low": 0.7, "high": 0.95},
    },
}


def test_identical_scenarios_differ_by_exactly_nothing() -> None:
    compared = compare_scenarios([scenario(**UNCERTAIN), scenario(**UNCERTAIN)])
    gap = compared.differences[0]
    assert gap.p_deficit_any_month == 0.0 and gap.mean_final_reserve == 0.0
    assert gap.standard_error_final_reserve == 0.0
    assert np.array_equal(compared.runs[0].results.reserve, compared.runs[1].results.reserve)


def test_common_random_numbers_shrink_the_error_of_a_difference() -> None:
    cheaper = {**UNCERTAIN, "allocation": {"rule": {"kind": "per_person", "amount": 140.0}}}
    compared = compare_scenarios([scenario(**UNCERTAIN), scenario(**cheaper)])
    gap = compared.differences[0]
    first, second = (run.results.reserve[:, -1] for run in compared.runs)
    unpaired = np.sqrt(first.var(ddof=1) / first.size + second.var(ddof=1) / second.size)
    assert gap.final_reserve_correlation is not None and gap.final_reserve_correlation > 0.9
    assert gap.standard_error_final_reserve < unpaired / 3
    assert gap.mean_final_reserve > 0  # a smaller allocation leaves more in the fund


def test_comparison_uses_the_first_scenarios_seed_paths_and_chunk_size() -> None:
    other = {**UNCERTAIN, "scenario": {"months": 12, "paths": 7, "chunk_size": 3, "seed": 99}}
    compared = compare_scenarios([scenario(**UNCERTAIN), scenario(**other)])
    assert [run.seed for run in compared.runs] == [21, 21]
    assert [run.chunk_size for run in compared.runs] == [50, 50]
    assert [run.results.paths for run in compared.runs] == [300, 300]


def test_comparison_refuses_different_horizons_and_a_single_scenario() -> None:
    with pytest.raises(ValueError, match="same months"):
        compare_scenarios([scenario(), scenario(scenario={"months": 6})])
    with pytest.raises(ValueError, match="at least two"):
        compare_scenarios([scenario()])


@pytest.mark.parametrize(
    ("distribution", "reference"),
    [
        (Beta(a=3.0, b=5.0), stats.beta(3.0, 5.0)),
        (Uniform(low=0.2, high=0.5), stats.uniform(0.2, 0.3)),
        (TruncatedNormal(mean=0.9, sd=0.1), stats.truncnorm((0 - 0.9) / 0.1, (1 - 0.9) / 0.1, 0.9, 0.1)),
    ],
)
def test_uncertain_parameters_follow_their_distribution(
    distribution: Beta | Uniform | TruncatedNormal, reference: stats.rv_continuous
) -> None:
    drawn = distribution.quantile(np.random.default_rng(6).random(3000))
    assert stats.kstest(drawn, reference.cdf).pvalue > 0.01
    assert drawn.min() >= 0.0 and drawn.max() <= 1.0


def test_cli_compares_several_files(tmp_path: Path) -> None:
    text = (
        '[scenario]\nstart = "2027-01"\nmonths = 6\npaths = 20\nseed = 3\nname = "{name}"\n'
        '[contribution]\npreset = "gironde"\n[allocation]\npreset = "gironde"\n'
        "[participation]\ntake_up = {take_up}\n"
    )
    paths = []
    for name, take_up in (("A", 0.3), ("B", 0.5)):
        path = tmp_path / f"{name}.toml"
        path.write_text(text.format(name=name, take_up=take_up), encoding="utf-8")
        paths.append(str(path))
    svg = tmp_path / "compare.svg"
    result = CliRunner().invoke(main, ["simulate", *paths, "--json", "-", "--svg", str(svg)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [r["scenario"] for r in data["results"]] == ["A", "B"]
    assert data["differences"][0]["scenario"] == "B"
    assert "Réserve (€)" in svg.read_text(encoding="utf-8")
    summary = CliRunner().invoke(main, ["simulate", *paths])
    assert summary.exit_code == 0 and "difference from the first" in summary.output
