"""The fan chart draws scenario names as typed: a `$` is a dollar sign, never TeX."""

from __future__ import annotations

import msgspec
import pytest

from simulation.fanchart import comparison_chart_svg, fan_chart_svg
from simulation.run import simulate
from simulation.scenario import decode_scenario


def forecast(name: str) -> object:
    scenario = decode_scenario(
        {
            "scenario": {"name": name, "start": "2027-01", "months": 3, "paths": 5, "seed": 3},
            "contribution": {"preset": "gironde"},
            "allocation": {"preset": "gironde"},
        }
    )
    return simulate(scenario).summary()


@pytest.mark.parametrize("name", ["Budget $\\frac{1}{$ x", "Coût $x$ et $y$", "Prix 5 $"])
def test_a_name_with_dollars_is_drawn_as_typed(name: str) -> None:
    result = forecast(name)
    svg = fan_chart_svg(result)  # type: ignore[arg-type]
    assert name in svg
    other = msgspec.structs.replace(result, scenario="Autre $")  # type: ignore[type-var]
    both = comparison_chart_svg([result, other])  # type: ignore[list-item]
    assert f"{name} (médiane" in both and "Autre $ (médiane" in both
