"""`caisse rules list` and `caisse rules explain`: output, JSON keys and exit codes on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from caisse.cli.rules import rules
from caisse.rules import PRESETS

LYON_FAMILY = ["explain", "--preset", "lyon-8e", "--income", "2400", "--adults", "2",
               "--others-14-plus", "0", "--children-under-14", "1"]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(rules, list(args))
    # Bad input must end in a click error, never in an uncaught exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_list_shows_every_preset_with_its_source() -> None:
    code, output = _run("list")
    assert code == 0
    for preset in PRESETS.values():
        assert preset.name in output and preset.sources[0] in output


def test_list_json_gives_names_titles_sources_and_rule_sets() -> None:
    code, output = _run("list", "--json")
    assert code == 0
    data = json.loads(output)
    assert [item["name"] for item in data] == sorted(PRESETS)
    assert {"name", "title", "sources", "notes", "rule_sets"} <= set(data[0])
    assert data[0]["rule_sets"][0]["contribution"]["kind"]


def test_explain_prints_units_contribution_allocation_and_steps() -> None:
    code, output = _run(*LYON_FAMILY)
    assert code == 0
    assert "Consumption units: 1.8 UC (3 persons)" in output
    assert "Allocation: 270.00 € a month" in output
    assert "  - allocation: 150.00 € × 1.8 UC = 270.00 €" in output


def test_explain_json_has_the_documented_keys() -> None:
    code, output = _run(*LYON_FAMILY, "--json")
    assert code == 0
    data = json.loads(output)
    assert {"consumption_units", "contribution_cents", "allocation_cents", "steps"} <= set(data)
    assert data["consumption_units"] == 1.8 and data["allocation_cents"] == 27000
    assert data["preset"] == "lyon-8e" and isinstance(data["steps"], list)


def test_explain_uses_the_rule_set_in_force_in_the_given_month() -> None:
    args = ["explain", "--preset", "montpellier", "--income", "0", "--chosen", "300", "--json"]
    assert json.loads(_run(*args, "--month", "2023-06")[1])["contribution_cents"] == 30000
    assert json.loads(_run(*args, "--month", "2024-06")[1])["contribution_cents"] == 25000


def test_explain_mutualist_with_a_pool_mean() -> None:
    code, output = _run("explain", "--preset", "soli-doume", "--income", "1500", "--pool-mean", "44",
                        "--json")
    assert code == 0 and json.loads(output)["allocation_cents"] == 4400


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "lyon"], "unknown preset 'lyon'; known presets:"),
        (["--preset", "lyon-8e", "--income", "-10"], "--income"),
        (["--preset", "lyon-8e", "--income", "nan"], "income must be a finite amount"),
        (["--preset", "lyon-8e", "--income", "abc"], "--income"),
        (["--preset", "lyon-8e", "--adults", "0"], "--adults"),
        (["--preset", "lyon-8e", "--others-14-plus", "-1"], "--others-14-plus"),
        (["--preset", "lyon-8e", "--children-under-14", "-2"], "--children-under-14"),
        (["--preset", "lyon-8e", "--month", "2027-13"], "YYYY-MM"),
        (["--preset", "lyon-8e", "--month", "2020-01"], "no rule set is in force in 2020-01"),
        (["--preset", "flers", "--chosen", "inf"], "finite amount"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(args: list[str], message: str) -> None:
    if "--income" not in args:
        args = [*args, "--income", "1000"]
    code, output = _run("explain", *args)
    assert code == 2
    assert message in output and "Traceback" not in output


def test_the_rules_group_is_registered_on_the_caisse_command() -> None:
    from caisse.cli import main

    args = ["rules", "explain", "--preset", "ariege-ccampa", "--income", "1800", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["contribution_cents"] == 4500
