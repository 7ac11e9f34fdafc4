"""`caisse redemptions list|approve|reject` and `caisse payouts create|list|show|export`."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.periods import caisse_today
from caisse.redemptions.models import PayoutBatch
from caisse.redemptions.requests import request_redemption
from caisse.settings import Settings
from tests.integration.redemptions.payout_helpers import PayoutWorld, caisse_of
from tests.ledger_checks import assert_ledger_ok, invoke_cli


async def _ask(db: AsyncSession, pw: PayoutWorld, outlet: str, cents: int) -> int:
    caisse = await caisse_of(db, pw.caisse_id)
    result = await request_redemption(db, caisse, outlet_id=pw.outlets[outlet], amount_cents=cents)
    await db.commit()
    return result.record.id


async def test_staff_decide_and_pay_from_the_command_line(
    settings: Settings, db: AsyncSession, payouts: PayoutWorld, tmp_path: Path
) -> None:
    ferme = await _ask(db, payouts, "ferme", 4_000)
    epicerie = await _ask(db, payouts, "epicerie", 2_500)

    listed = await invoke_cli(
        settings, "redemptions", "list", "--caisse", "ssa", "--status", "requested", "--json"
    )
    assert listed.exit_code == 0, listed.output
    assert {r["id"] for r in json.loads(listed.output)["items"]} == {ferme, epicerie}

    approved = await invoke_cli(settings, "redemptions", "approve", str(ferme), "--caisse", "ssa", "--json")
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.output)["status"] == "approved"
    rejected = await invoke_cli(
        settings, "redemptions", "reject", str(epicerie), "--reason", "Doublon", "--caisse", "ssa"
    )
    assert rejected.exit_code == 0 and f"redemption {epicerie} rejected" in rejected.output
    twice = await invoke_cli(settings, "redemptions", "approve", str(ferme), "--caisse", "ssa")
    assert twice.exit_code == 1 and f"Redemption {ferme} is approved, not requested" in twice.output

    today = caisse_today().isoformat()
    created = await invoke_cli(
        settings, "payouts", "create", "--date", today, "--key", "k1", "--caisse", "ssa", "--json"
    )
    assert created.exit_code == 0, created.output
    batch = json.loads(created.output)["batch"]
    assert (batch["total_cents"], batch["transfer_count"]) == (4_000, 1)
    again = await invoke_cli(settings, "payouts", "create", "--date", today, "--key", "k1", "--caisse", "ssa")
    assert again.exit_code == 0 and "already created with this key" in again.output

    shown = await invoke_cli(settings, "payouts", "show", batch["reference"], "--caisse", "ssa")
    assert (
        shown.exit_code == 0
        and f"{batch['reference']}-R{ferme}" in shown.output
        and "40.00 €" in shown.output
    )
    listing = await invoke_cli(settings, "payouts", "list", "--caisse", "ssa", "--json")
    assert json.loads(listing.output)["total"] == 1

    xml, csv_path = tmp_path / "virements.xml", tmp_path / "virements.csv"
    exported = await invoke_cli(
        settings,
        "payouts",
        "export",
        str(batch["id"]),
        "--xml",
        str(xml),
        "--csv",
        str(csv_path),
        "--caisse",
        "ssa",
    )
    assert exported.exit_code == 0, exported.output
    stored = await db.get(PayoutBatch, batch["id"])
    assert stored is not None
    assert xml.read_bytes() == stored.pain001_xml.encode()
    assert csv_path.read_bytes() == stored.payouts_csv.encode()
    await assert_ledger_ok(db)


async def test_command_line_refusals_are_one_line_and_exit_non_zero(
    settings: Settings, db: AsyncSession, payouts: PayoutWorld, tmp_path: Path
) -> None:
    today = caisse_today().isoformat()
    nothing = await invoke_cli(settings, "payouts", "create", "--date", today, "--caisse", "ssa")
    assert nothing.exit_code == 1 and "No approved redemption to pay" in nothing.output
    no_file = await invoke_cli(settings, "payouts", "export", "VIR-2026-11-0001", "--caisse", "ssa")
    assert no_file.exit_code == 2 and "Give --xml FILE, --csv FILE or both" in no_file.output
    unknown = await invoke_cli(
        settings, "payouts", "export", "VIR-2026-11-0001", "--xml", str(tmp_path / "x.xml"), "--caisse", "ssa"
    )
    assert unknown.exit_code == 1 and "No payout batch VIR-2026-11-0001" in unknown.output
    missing = await invoke_cli(settings, "redemptions", "reject", "999", "--reason", "non", "--caisse", "ssa")
    assert missing.exit_code == 1 and "No redemption 999 in this caisse" in missing.output
    empty = await invoke_cli(settings, "redemptions", "list", "--caisse", "ssa")
    assert empty.exit_code == 0 and "No redemption." in empty.output
