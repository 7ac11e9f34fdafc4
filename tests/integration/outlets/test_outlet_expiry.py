"""Conventions that lapse without renewal are marked ended; the CLI lists renewals and expiries."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.outlets.conventioning import outlet_can_take_payments, record_decision
from caisse.outlets.expiry import expire_conventions
from caisse.outlets.models import Convention, ConventionStatus, OutletStatus, OutletStatusChange
from caisse.settings import Settings
from tests.integration.outlets.helpers import AddOutlet
from tests.ledger_checks import invoke_cli


async def test_a_lapsed_convention_ends_the_outlet_once(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    await record_decision(
        db, test_caisse, outlet.id, decision="convene", effective_on=date(2027, 3, 1), months=2
    )
    assert await expire_conventions(db, test_caisse, date(2027, 4, 30)) == []  # last day of the term
    [expired] = await expire_conventions(db, test_caisse, date(2027, 5, 1))
    await db.commit()
    assert expired.ended_on == date(2027, 4, 30) and expired.outlet_id == outlet.id
    assert outlet.status is OutletStatus.ENDED
    change = await db.scalar(select(OutletStatusChange).where(OutletStatusChange.decision == "expire"))
    assert change is not None and change.effective_on == date(2027, 5, 1)
    assert change.from_status is OutletStatus.CONVENTIONED
    assert not await outlet_can_take_payments(db, outlet.id, date(2027, 5, 1))
    assert await expire_conventions(db, test_caisse, date(2027, 6, 1)) == []


async def test_a_convention_renewed_in_advance_keeps_the_outlet_conventioned(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    await record_decision(
        db, test_caisse, outlet.id, decision="convene", effective_on=date(2027, 3, 1), months=2
    )
    await record_decision(
        db, test_caisse, outlet.id, decision="renew", effective_on=date(2027, 4, 20), months=12
    )
    assert await expire_conventions(db, test_caisse, date(2027, 5, 2)) == []  # the renewal closed the old one
    assert outlet.status is OutletStatus.CONVENTIONED
    assert await outlet_can_take_payments(db, outlet.id, date(2027, 5, 2))


async def test_a_suspended_outlet_whose_term_passes_is_ended(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    await record_decision(
        db, test_caisse, outlet.id, decision="convene", effective_on=date(2027, 3, 1), months=1
    )
    await record_decision(db, test_caisse, outlet.id, decision="suspend", effective_on=date(2027, 3, 10))
    [expired] = await expire_conventions(db, test_caisse, date(2027, 4, 1))
    convention = await db.get(Convention, expired.convention_id)
    assert convention is not None and convention.status is ConventionStatus.ENDED
    assert outlet.status is OutletStatus.ENDED


async def test_cli_lists_renewals_and_expires(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet, settings: Settings
) -> None:
    soon = await add_outlet(test_caisse, name="Ferme du Bosc")
    await record_decision(
        db, test_caisse, soon.id, decision="convene", effective_on=date(2027, 3, 1), months=2
    )
    await db.commit()
    listed = await invoke_cli(
        settings, "outlets", "renewals", "--caisse", "test", "--date", "2027-04-01", "--json"
    )
    assert listed.exit_code == 0, listed.output
    assert [row["outlet"] for row in json.loads(listed.output)] == ["Ferme du Bosc"]
    ended = await invoke_cli(settings, "outlets", "expire", "--caisse", "test", "--date", "2027-05-01")
    assert ended.exit_code == 0 and "1 convention(s) ended" in ended.output
    shown = await invoke_cli(settings, "outlets", "show", str(soon.id), "--caisse", "test", "--json")
    history = [h["decision"] for h in json.loads(shown.output)["history"]]
    assert history == ["apply", "convene", "expire"]
    missing = await invoke_cli(settings, "outlets", "show", "999999", "--caisse", "test")
    assert missing.exit_code == 1 and "Error" in missing.output
