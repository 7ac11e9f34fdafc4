"""`caisse committee ...`: seats, links and the lottery from the command line, and `verify`
re-running a draw from its public JSON."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.db.base import utcnow
from caisse.outlets.models import Outlet
from caisse.settings import Settings
from tests.conftest import World
from tests.integration.committee.conftest import AddPerson
from tests.integration.committee.lottery_helpers import LOTTERIES, PUBLIC, close_registration, plan
from tests.ledger_checks import invoke_cli


async def test_seats_from_the_command_line(settings: Settings, world: World) -> None:
    seated = await invoke_cli(
        settings,
        "committee",
        "members",
        "seat",
        "--user",
        "nobody@example.org",
        "--from",
        "2027-01-01",
        "--to",
        "2027-12-31",
        "--source",
        "volunteer",
        "--caisse",
        "test",
        "--json",
    )
    assert seated.exit_code == 0, seated.output
    [seat] = json.loads(seated.output)
    assert seat["display_name"] == "Nobody" and seat["source"] == "volunteer"
    overlap = await invoke_cli(
        settings,
        "committee",
        "members",
        "seat",
        "--user",
        "nobody@example.org",
        "--from",
        "2027-06-01",
        "--to",
        "2028-05-31",
        "--source",
        "elected",
        "--caisse",
        "test",
    )
    assert overlap.exit_code == 1 and "cannot overlap" in overlap.output
    ended = await invoke_cli(
        settings,
        "committee",
        "members",
        "end",
        str(seat["id"]),
        "--on",
        "2027-05-01",
        "--reason",
        "resigned",
        "--caisse",
        "test",
    )
    assert ended.exit_code == 0 and "2027-04-30" in ended.output
    sitting = await invoke_cli(
        settings, "committee", "members", "list", "--on", "2027-05-01", "--caisse", "test"
    )
    assert sitting.exit_code == 0 and sitting.output.strip() == "Nobody."
    history = await invoke_cli(
        settings, "committee", "members", "list", "--history", "--caisse", "test", "--json"
    )
    assert [s["left_on"] for s in json.loads(history.output)] == ["2027-05-01"]


async def test_links_from_the_command_line(settings: Settings, world: World, outlet: Outlet) -> None:
    declared = await invoke_cli(
        settings,
        "committee",
        "links",
        "declare",
        "--user",
        "committee@example.org",
        "--outlet",
        str(outlet.id),
        "--nature",
        "employee",
        "--on",
        "2026-10-01",
        "--caisse",
        "test",
        "--json",
    )
    assert declared.exit_code == 0, declared.output
    [link] = json.loads(declared.output)
    assert link["nature"] == "employee" and link["outlet_name"] == outlet.name
    withdrawn = await invoke_cli(
        settings, "committee", "links", "withdraw", str(link["id"]), "--on", "2026-12-01", "--caisse", "test"
    )
    assert withdrawn.exit_code == 0 and "→ 2026-12-01" in withdrawn.output
    standing = await invoke_cli(
        settings, "committee", "links", "list", "--on", "2026-12-01", "--caisse", "test"
    )
    assert standing.output.strip() == "No declared link."
    bad = await invoke_cli(
        settings,
        "committee",
        "links",
        "declare",
        "--user",
        "official@example.org",
        "--outlet",
        str(outlet.id),
        "--nature",
        "owner",
        "--caisse",
        "test",
    )
    assert bad.exit_code == 1 and "not on this caisse's committee" in bad.output


async def test_a_lottery_run_from_the_command_line_verifies(
    settings: Settings, world: World, db: AsyncSession, add_person: AddPerson, tmp_path: Path
) -> None:
    closes = (utcnow() + timedelta(days=3)).isoformat()
    announced = await invoke_cli(
        settings,
        "committee",
        "lottery",
        "announce",
        "--purpose",
        "Atelier grille",
        "--seats",
        "2",
        "--dimension",
        "age_group=young,old",
        "--quota",
        "age_group=young:1",
        "--quota",
        "age_group=old:1",
        "--closes-at",
        closes,
        "--caisse",
        "test",
        "--json",
    )
    assert announced.exit_code == 0, announced.output
    ref, commitment = (
        json.loads(announced.output)["reference"],
        json.loads(announced.output)["seed_commitment"],
    )
    assert json.loads(announced.output)["seed"] is None
    for n in range(6):
        person = await add_person(f"C{n}", account=False)
        added = await invoke_cli(
            settings,
            "committee",
            "lottery",
            "volunteer",
            ref,
            "--member",
            str(person.member_code),
            "--stratum",
            f"age_group={'young' if n % 2 else 'old'}",
            "--caisse",
            "test",
        )
        assert added.exit_code == 0 and f"V-{n + 1:04d}" in added.output, added.output
    early = await invoke_cli(settings, "committee", "lottery", "draw", ref, "--caisse", "test")
    assert early.exit_code == 1 and "open until" in early.output
    await close_registration(db, ref)
    drawn = await invoke_cli(settings, "committee", "lottery", "draw", ref, "--caisse", "test")
    assert drawn.exit_code == 0 and drawn.output.count("age_group=") == 2, drawn.output
    shown = await invoke_cli(settings, "committee", "lottery", "show", ref, "--caisse", "test")
    record = tmp_path / "record.json"
    record.write_text(shown.output, encoding="utf-8")
    verified = await invoke_cli(
        settings, "committee", "lottery", "verify", str(record), "--commitment", commitment
    )
    assert verified.exit_code == 0 and "matches its seed (2 selected)" in verified.output
    other = await invoke_cli(
        settings, "committee", "lottery", "verify", str(record), "--commitment", "0" * 64
    )
    assert other.exit_code == 1 and "does not match the commitment you saved" in other.output
    seated = await invoke_cli(
        settings,
        "committee",
        "lottery",
        "seat",
        ref,
        "--from",
        "2027-03-01",
        "--to",
        "2028-02-29",
        "--caisse",
        "test",
    )
    assert seated.exit_code == 0 and "0 seated" in seated.output and "without a user account" in seated.output


async def test_the_public_json_of_a_draw_reverifies_and_tampering_is_caught(
    settings: Settings,
    client: AsyncTestClient[Litestar],
    world: World,
    db: AsyncSession,
    add_person: AddPerson,
    tmp_path: Path,
) -> None:
    announced = await client.post(LOTTERIES, json=plan(), headers=world.headers["staff"])
    ref = announced.json()["reference"]
    for n in range(12):
        person = await add_person(f"P{n}", income_cents=90_000 + 40_000 * n)
        body = {"stratum": {"age_group": "young" if n % 3 else "old"}}
        assert (
            await client.post(f"{LOTTERIES}/{ref}/volunteers", json=body, headers=person.headers)
        ).status_code == 201
    await close_registration(db, ref)
    assert (await client.post(f"{LOTTERIES}/{ref}/draw", headers=world.headers["staff"])).status_code == 200
    public = await client.get(f"{PUBLIC}/{ref}")
    saved = tmp_path / f"{ref}.json"
    saved.write_bytes(public.content)
    verified = await invoke_cli(settings, "committee", "lottery", "verify", str(saved), "--json")
    assert verified.exit_code == 0, verified.output
    outcome = json.loads(verified.output)
    assert outcome["matches"] and outcome["rerun"]["selected"] == public.json()["result"]["selected"]

    tampered = public.json()
    tampered["seed"] = "0" * 32
    tampered["result"]["seed"] = "0" * 32
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(tampered), encoding="utf-8")
    caught = await invoke_cli(settings, "committee", "lottery", "verify", str(forged))
    assert caught.exit_code == 1 and "does NOT match" in caught.output
    assert "does not match the commitment published at the announcement" in caught.output

    not_json = tmp_path / "notes.txt"
    not_json.write_text("hello", encoding="utf-8")
    refused = await invoke_cli(settings, "committee", "lottery", "verify", str(not_json))
    assert refused.exit_code == 1 and "Not JSON" in refused.output


async def test_bad_lottery_options_exit_with_a_one_line_message(settings: Settings, world: World) -> None:
    closes = (utcnow() + timedelta(days=3)).isoformat()
    cases = [
        (["--quota", "age_group=young:x"], "write a quota"),
        (["--quota", "age_group=young:2", "--dimension", "age_group=young"], "add up to 2, not 3"),
        # The seed is drawn by the program, never chosen by whoever announces.
        (["--quota", "age_group=young:3", "--dimension", "age_group=young", "--seed", "ab" * 8], "--seed"),
    ]
    for extra, message in cases:
        result = await invoke_cli(
            settings,
            "committee",
            "lottery",
            "announce",
            "--purpose",
            "x",
            "--seats",
            "3",
            "--closes-at",
            closes,
            "--caisse",
            "test",
            *extra,
        )
        assert result.exit_code != 0 and message in result.output, result.output
    unknown = await invoke_cli(settings, "committee", "lottery", "draw", "TIRAGE-1999-09", "--caisse", "test")
    assert unknown.exit_code == 1 and "No lottery draw" in unknown.output
