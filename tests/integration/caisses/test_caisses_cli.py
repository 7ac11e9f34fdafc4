"""`caisse caisses create` and `caisse caisses list` against the test database (both backends).

The CLI runs its own event loop (asyncio.run), so these tests are synchronous."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from caisse.cli import main
from caisse.settings import Settings

CREATE = ["caisses", "create", "--slug", "lyon-8e", "--name", "Lyon 8e", "--first-month", "2027-03"]


def run(settings: Settings, *args: str) -> Result:
    env = {"CAISSE_DATABASE_URL": settings.database_url, "CAISSE_DATABASE_SCHEMA": settings.database_schema}
    return CliRunner().invoke(main, list(args), env=env)


def fails_with_one_line(result: Result, *words: str) -> None:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_caisses_create_then_list(settings: Settings) -> None:
    assert "no caisse yet" in run(settings, "caisses", "list").output
    created = run(
        settings, *CREATE, "--preset", "lyon-8e", "--territory", "Lyon", "--credit-lifetime-months", "2"
    )
    assert created.exit_code == 0, created.output
    assert "created caisse lyon-8e" in created.output

    listed = run(settings, "caisses", "list")
    assert listed.exit_code == 0 and "lyon-8e" in listed.output and "2027-03" in listed.output

    as_json = run(settings, "caisses", "list", "--json")
    assert as_json.exit_code == 0
    [caisse] = json.loads(as_json.output)
    assert caisse["slug"] == "lyon-8e" and caisse["credit_lifetime_months"] == 2
    assert [r["preset"] for r in caisse["rule_sets"]] == ["lyon-8e"]
    assert caisse["rule_sets"][0]["definition"]["effective_from"] == "2027-03"


def test_caisses_create_json_prints_the_new_caisse(settings: Settings) -> None:
    result = run(settings, *CREATE, "--preset", "gironde", "--json", "--credit-requires-payment")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["slug"] == "lyon-8e" and body["credit_requires_payment"] is True


def test_caisses_create_refuses_bad_input_with_one_line(settings: Settings) -> None:
    fails_with_one_line(run(settings, *CREATE, "--preset", "atlantis"), "atlantis", "lyon-8e")
    fails_with_one_line(run(settings, *CREATE[:-1], "2027-13", "--preset", "gironde"), "2027-13")
    fails_with_one_line(run(settings, *CREATE, "--preset", "gironde", "--member-code-prefix", "ly"), "prefix")
    assert run(settings, *CREATE, "--preset", "gironde").exit_code == 0
    fails_with_one_line(run(settings, *CREATE, "--preset", "gironde"), "already exists")
    assert len(json.loads(run(settings, "caisses", "list", "--json").output)) == 1
