"""`caisse simulate`: the summary, the JSON file, the SVG chart and one-line errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from click.testing import CliRunner, Result

from caisse.cli import main

SCENARIO = """
[scenario]
name = "Quartier test"
start = "2027-01"
months = 6
paths = 30
seed = 4

[population]
households = 150
income_bins = 10

[contribution]
preset = "montpellier"

[allocation]
preset = "montpellier"

[participation]
take_up = 0.4

[funding]
initial_reserve = 1000.0
"""


def _invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, ["simulate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _scenario(tmp_path: Path, text: str = SCENARIO) -> str:
    path = tmp_path / "quartier.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_writes_the_json_forecast_and_a_valid_svg_chart(tmp_path: Path) -> None:
    out, svg = tmp_path / "prevision.json", tmp_path / "reserve.svg"
    result = _invoke(_scenario(tmp_path), "--json", str(out), "--svg", str(svg), "--paths", "12")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["paths"] == 12 and data["seed"] == 4 and data["months"][0] == "2027-01"
    assert set(data["reserve"]) == {"mean", "p05", "p25", "p50", "p75", "p95"}
    assert {
        "p_deficit",
        "depletion_month",
        "self_financing_ratio",
        "net_transfer_by_decile",
        "mc_standard_error",
        "outstanding_credit",
    } <= set(data)
    root = ElementTree.fromstring(svg.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg")
    assert "Réserve (€)" in svg.read_text(encoding="utf-8")
    assert "Quartier test" in result.output and "P(deficit" in result.output


def test_json_to_standard_output_prints_only_json(tmp_path: Path) -> None:
    result = _invoke(_scenario(tmp_path), "--json", "-", "--seed", "9", "--engine", "micro")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["seed"] == 9 and data["engine"] == "micro"


def test_unknown_key_exits_with_one_line_naming_it(tmp_path: Path) -> None:
    result = _invoke(_scenario(tmp_path, SCENARIO.replace("take_up", "takeup")))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "[participation]: unknown key 'takeup'" in result.output


def test_missing_file_and_bad_options_exit_non_zero(tmp_path: Path) -> None:
    missing = _invoke(str(tmp_path / "absent.toml"))
    assert missing.exit_code == 1 and "cannot read scenario file" in missing.output
    assert _invoke(_scenario(tmp_path), "--paths", "0").exit_code == 2
    assert _invoke(_scenario(tmp_path), "--engine", "quantum").exit_code == 2


def test_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    result = _invoke(_scenario(tmp_path), "--json", str(tmp_path / "absent" / "out.json"))
    assert result.exit_code == 1 and "cannot write" in result.output
