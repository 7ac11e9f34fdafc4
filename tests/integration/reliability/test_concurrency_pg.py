"""Requests racing through the HTTP API on PostgreSQL: nothing lost, nothing doubled, no 500.

The services' own race tests (tests/integration/{spending,ballots,cycle,redemptions}) call the
services in parallel sessions. These send the same races as requests, so they also cover what
lies between a request and its service: the handler, the session the app opens and commits after
the answer is built, and the mapping of every refusal to a 409 rather than a 500. Each test
ends with the ledger verified (`caisse ledger verify`'s checks).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.ballots.models import BallotReceipt, BallotTally, BallotVoter
from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse
from caisse.cycle.close import close_month
from caisse.cycle.models import PeriodClose
from caisse.db.base import utcnow
from caisse.ledger import AccountKind, EntryKind, JournalEntry, account_balance, natural
from caisse.ledger.accounts import outlet_account_id
from caisse.members.models import Member
from caisse.outlets.conventioning import record_decision
from caisse.periods import caisse_today, first_day, month_of, previous_month
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionEvent, RedemptionStatus
from caisse.spending import OutletPayment, set_pin
from tests.conftest import World
from tests.integration.ballots.ballot_helpers import open_ballot, seat_committee
from tests.integration.cycle.helpers import Household, add_households, new_caisse, wallet
from tests.integration.redemptions.payout_helpers import (
    CAISSE_BANK,
    EPICERIE_BANK,
    FERME_BANK,
    PayoutWorld,
    add_outlet,
    build_payout_world,
    fill_fund,
    outlet_user,
)
from tests.integration.reliability.racing import at_once
from tests.integration.spending.spend_helpers import (
    CREDIT,
    build_spend_world,
    outlet_credit,
    payment,
    wallet_credit,
)
from tests.ledger_checks import assert_ledger_ok, build_money_world


async def _entries(db: AsyncSession, caisse_id: int, kind: EntryKind) -> int:
    return int(
        await db.scalar(
            select(func.count()).where(JournalEntry.caisse_id == caisse_id, JournalEntry.kind == kind)
        )
        or 0
    )


async def test_payments_from_two_tills_at_once_with_resends_debit_each_once_and_never_overdraw(
    db: AsyncSession, world: World, api: httpx.AsyncClient
) -> None:
    sw = await build_spend_world(db, world)
    cents = 700  # the wallet's 100 € pay for 14 of them
    sends = []
    for n in range(30):
        till = "a" if n % 2 == 0 else "b"
        body = payment("SA-1", cents) | {"idempotency_key": f"course-{n:03d}"}
        # Every third payment is sent twice at once, as a till that resends before hearing back.
        for _ in range(2 if n % 3 == 0 else 1):
            sends.append(api.post(sw.pay_url(till), json=body, headers=sw.headers[f"till_{till}"]))
    answers = await at_once(*sends)

    assert set(answers.statuses) <= {200, 201, 409}, answers.statuses
    assert set(answers.errors()) == {"insufficient_credit"}
    paid = answers.with_status(200, 201)
    ids_by_key: dict[str, set[int]] = {}
    for response in paid:
        key = response.request.content.decode()
        ids_by_key.setdefault(key, set()).add(response.json()["id"])
    assert all(len(ids) == 1 for ids in ids_by_key.values()), ids_by_key  # a resend never pays twice
    made = {response.json()["id"] for response in paid}
    assert len(made) == answers.statuses[201] == CREDIT // cents
    assert await db.scalar(select(func.count()).select_from(OutletPayment)) == len(made)
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - len(made) * cents
    assert await outlet_credit(db, sw, "a") + await outlet_credit(db, sw, "b") == len(made) * cents
    await assert_ledger_ok(db)


async def test_one_voter_voting_twelve_times_at_once_is_counted_once_beside_another_voter(
    db: AsyncSession, world: World, api: httpx.AsyncClient
) -> None:
    caisse = await get_caisse(db, world.slug)
    today, now = caisse_today(), utcnow()
    voters = await seat_committee(
        db, world.caisse_id, 2, term=(today - timedelta(days=30), today.replace(year=today.year + 1))
    )
    ballot = await open_ballot(db, caisse, now=now, opens_at=now, closes_at=now + timedelta(days=7))
    url = f"/api/v1/caisses/{world.slug}/ballots/{ballot.id}/votes"
    choices = ["for", "against", "abstain"] * 4
    answers = await at_once(
        *(api.post(url, json={"choice": c}, headers=voters[0].headers) for c in choices),
        api.post(url, json={"choice": "against"}, headers=voters[1].headers),
    )

    assert answers.statuses == {201: 2, 409: 11}
    assert answers.errors() == {"conflict": 11}
    assert answers.responses[-1].status_code == 201  # the other voter was not held up or refused
    tally = await db.scalar(select(BallotTally).where(BallotTally.ballot_id == ballot.id))
    assert tally is not None and tally.for_count + tally.against_count + tally.abstain_count == 2
    assert tally.against_count >= 1
    assert await db.scalar(select(func.count()).where(BallotReceipt.ballot_id == ballot.id)) == 2
    voted = await db.scalar(
        select(func.count()).where(BallotVoter.ballot_id == ballot.id, BallotVoter.has_voted.is_(True))
    )
    assert voted == 2


async def test_eight_closes_of_one_month_at_once_post_it_once(
    db: AsyncSession, world: World, api: httpx.AsyncClient
) -> None:
    month = month_of(caisse_today())
    caisse = await new_caisse(db, slug="course", first_month=month)
    await auth.grant_role(db, user_id=world.user_ids["staff"], caisse_id=caisse.id, role=Role.STAFF)
    await db.commit()
    households = [Household(income_eur=900.0 + 7 * i, activated_on=first_day(month)) for i in range(300)]
    members = await add_households(db, caisse, households)
    url = f"/api/v1/caisses/{caisse.slug}/cycle/close"
    answers = await at_once(
        *(api.post(url, json={"month": month}, headers=world.headers["staff"]) for _ in range(8))
    )

    assert answers.statuses[201] == 1 and set(answers.statuses) <= {200, 201, 409}, answers.statuses
    assert set(answers.errors()) <= {"conflict"}
    done = answers.with_status(200, 201)
    assert [r.json()["already_closed"] for r in done].count(False) == 1
    totals = {(r.json()["households"], r.json()["allocations_cents"]) for r in done}
    assert totals == {(300, 300 * 5_000)}  # 50 € each (Ariège)
    assert await db.scalar(select(func.count()).where(PeriodClose.caisse_id == caisse.id)) == 1
    for kind in (EntryKind.CONTRIBUTION_DUE, EntryKind.ALLOCATION):
        assert await _entries(db, caisse.id, kind) == 1
    assert {await wallet(db, caisse.id, m) for m in members[::37]} == {5_000}
    await assert_ledger_ok(db)


async def _ask(api: httpx.AsyncClient, pw: PayoutWorld, outlet: str, cents: int) -> int:
    answer = await api.post(
        f"/api/v1/caisses/{pw.mw.slug}/redemptions/", json={"amount_cents": cents}, headers=pw.headers[outlet]
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


async def test_approvals_and_payout_batches_at_once_pay_every_redemption_once(
    db: AsyncSession, world: World, api: httpx.AsyncClient
) -> None:
    pw = await build_payout_world(db, await build_money_world(db, world), with_users=True)
    base, staff = f"/api/v1/caisses/{pw.mw.slug}", pw.headers["staff"]
    first, late, other = (
        await _ask(api, pw, "ferme", 2_000),
        await _ask(api, pw, "ferme", 2_000),
        await _ask(api, pw, "epicerie", 2_500),
    )

    # Six approvals of each of two requests at once: each is approved once.
    approvals = await at_once(
        *(api.post(f"{base}/redemptions/{rid}/approve", headers=staff) for rid in [first, other] * 6)
    )
    assert approvals.statuses == {200: 2, 409: 10} and approvals.errors() == {"conflict": 10}

    # Approvals of the third request racing batches, with and without a retry key.
    day = {"execution_date": caisse_today().isoformat()}
    batches = [api.post(f"{base}/payout-batches/", json=day, headers=staff) for _ in range(4)]
    keyed = [
        api.post(f"{base}/payout-batches/", json=day, headers=staff | {"Idempotency-Key": "lot-1"})
        for _ in range(3)
    ]
    racing = await at_once(
        *(api.post(f"{base}/redemptions/{late}/approve", headers=staff) for _ in range(3)), *batches, *keyed
    )
    assert set(racing.statuses) <= {200, 201, 409}, racing.statuses
    assert [r.status_code for r in racing.responses[:3]].count(200) == 1
    assert set(racing.errors()) <= {"conflict"}
    assert len({r.json()["id"] for r in racing.responses[-3:] if r.status_code < 300}) <= 1

    # Whatever the order, the late request is either paid or still approved: a batch now finishes.
    if (await db.get(Redemption, late, populate_existing=True)).status is RedemptionStatus.APPROVED:  # type: ignore[union-attr]
        assert (await api.post(f"{base}/payout-batches/", json=day, headers=staff)).status_code == 201
    again = await api.post(f"{base}/payout-batches/", json=day, headers=staff)
    assert again.status_code == 409 and again.json()["error"] == "conflict"

    statuses = {
        rid: status for rid, status in (await db.execute(select(Redemption.id, Redemption.status))).all()
    }
    assert statuses == {
        first: RedemptionStatus.PAID,
        late: RedemptionStatus.PAID,
        other: RedemptionStatus.PAID,
    }
    events = await db.scalars(
        select(RedemptionEvent.redemption_id).where(RedemptionEvent.to_status == RedemptionStatus.APPROVED)
    )
    assert sorted(events) == sorted([first, late, other])
    made = (await db.scalars(select(PayoutBatch))).all()
    assert sum(b.total_cents for b in made) == 6_500
    assert await _entries(db, pw.caisse_id, EntryKind.REDEMPTION) == len(made)
    ferme_left = await db.scalar(
        select(func.count()).where(Redemption.outlet_id == pw.outlets["ferme"], Redemption.batch_id.is_(None))
    )
    assert ferme_left == 0
    await assert_ledger_ok(db)


async def _mixed_caisse(
    db: AsyncSession, world: World
) -> tuple[Caisse, list[str], dict[str, int], dict[str, dict[str, str]]]:
    """A caisse whose last month is closed (50 € credited to each of its 200 households), ten of
    them with PINs, two conventioned outlets with bank details and tills, and a fund."""
    today = caisse_today()
    this_month = month_of(today)
    caisse = await new_caisse(db, slug="tout", first_month=previous_month(this_month))
    caisse.bank_account_name, caisse.bank_iban, caisse.bank_bic = CAISSE_BANK
    await auth.grant_role(db, user_id=world.user_ids["staff"], caisse_id=caisse.id, role=Role.STAFF)
    drawn = [
        Household(income_eur=800.0 + 11 * i, activated_on=first_day(caisse.first_month)) for i in range(200)
    ]
    members = await add_households(db, caisse, drawn)
    codes = []
    for n, member_id in enumerate(members[:10]):
        member = await db.get(Member, member_id)
        assert member is not None
        await set_pin(db, caisse, member, PAYER_PINS[n], actor=None)
        codes.append(member.code)
    outlets, headers = {}, {"staff": world.headers["staff"]}
    for name, (iban, bic) in (("a", FERME_BANK), ("b", EPICERIE_BANK)):
        outlet = await add_outlet(db, caisse.id, f"Lieu {name}", (iban, bic))
        await record_decision(
            db, caisse, outlet.id, decision="convene", effective_on=today - timedelta(days=20)
        )
        outlets[name] = outlet.id
        headers[name] = await outlet_user(db, caisse.id, outlet.id, f"caisse-{name}")
    await close_month(db, caisse, caisse.first_month)
    await db.commit()
    await fill_fund(db, caisse.id, 100_000, on=today)
    return caisse, codes, outlets, headers


PAYER_PINS = [f"{n}{(n + 3) % 10}{(n + 5) % 10}{(n + 1) % 10}" for n in range(10)]


async def _outlet_credit(db: AsyncSession, caisse_id: int, outlet_id: int) -> int:
    account = await outlet_account_id(db, caisse_id, outlet_id)
    return natural(AccountKind.OUTLET, await account_balance(db, account))


async def test_closes_payments_requests_approvals_and_batches_all_at_once_lose_and_double_nothing(
    db: AsyncSession, world: World, api: httpx.AsyncClient
) -> None:
    caisse, codes, outlets, headers = await _mixed_caisse(db, world)
    base, staff = f"/api/v1/caisses/{caisse.slug}", headers["staff"]

    def pay(code: int, outlet: str, cents: int) -> Awaitable[httpx.Response]:
        body = payment(codes[code], cents, pin=PAYER_PINS[code])
        return api.post(f"{base}/outlets/{outlets[outlet]}/payments", json=body, headers=headers[outlet])

    # Before: each outlet took 30 €; "a" asked for 10 €, approved; "b" asked for 10 €, waiting.
    assert (await at_once(*(pay(n, "ab"[n % 2], 1_000) for n in range(6)))).statuses == {201: 6}
    approved = (
        await api.post(f"{base}/redemptions/", json={"amount_cents": 1_000}, headers=headers["a"])
    ).json()
    assert (await api.post(f"{base}/redemptions/{approved['id']}/approve", headers=staff)).status_code == 200
    waiting = (
        await api.post(f"{base}/redemptions/", json={"amount_cents": 1_000}, headers=headers["b"])
    ).json()

    month = month_of(caisse_today())
    ask_all = {"all_available": True}
    answers = await at_once(
        *(api.post(f"{base}/cycle/close", json={"month": month}, headers=staff) for _ in range(3)),
        *(pay(n, "ab"[n % 2], 700 + n) for n in range(10) for _ in range(2)),
        *(api.post(f"{base}/redemptions/{waiting['id']}/approve", headers=staff) for _ in range(3)),
        *(
            api.post(
                f"{base}/payout-batches/", json={"execution_date": caisse_today().isoformat()}, headers=staff
            )
            for _ in range(3)
        ),
        *(
            api.post(
                f"{base}/redemptions/", json=ask_all, headers=headers["a"] | {"Idempotency-Key": "tout-a"}
            )
            for _ in range(2)
        ),
    )
    closes, payments, approvals, batches, asks = (
        answers.responses[:3],
        answers.responses[3:23],
        answers.responses[23:26],
        answers.responses[26:29],
        answers.responses[29:],
    )
    assert [r.status_code for r in closes].count(201) == 1
    assert all(r.status_code == 201 for r in payments), [r.text for r in payments if r.status_code != 201]
    assert sorted(r.status_code for r in approvals) == [200, 409, 409]
    assert [r.status_code for r in batches].count(201) == 1
    assert {r.json()["error"] for r in batches if r.status_code == 409} <= {"conflict"}
    assert (
        sorted(r.status_code for r in asks) in ([200, 201], [201, 201])
        and len({r.json()["id"] for r in asks}) == 1
    )

    # Nothing lost, nothing doubled: each wallet got two months' credit less what it paid, each
    # outlet holds what it took less what was paid out, and the fund paid exactly the batch.
    paid = {n: 1_000 * (n < 6) + 2 * (700 + n) for n in range(10)}
    for n, code in enumerate(codes):
        member_id = await db.scalar(
            select(Member.id).where(Member.caisse_id == caisse.id, Member.code == code)
        )
        assert member_id is not None
        assert await wallet(db, caisse.id, member_id) == 2 * 5_000 - paid[n], code
    assert await db.scalar(select(func.count()).where(OutletPayment.caisse_id == caisse.id)) == 26
    made = (await db.scalars(select(PayoutBatch).where(PayoutBatch.caisse_id == caisse.id))).all()
    assert len(made) == 1 and await _entries(db, caisse.id, EntryKind.REDEMPTION) == 1
    paid_out = await db.scalar(
        select(func.sum(Redemption.amount_cents)).where(Redemption.batch_id == made[0].id)
    )
    assert made[0].total_cents == paid_out and paid_out in (1_000, 2_000)
    held = [await _outlet_credit(db, caisse.id, outlet_id) for outlet_id in outlets.values()]
    assert sum(held) == sum(paid.values()) - paid_out
    await assert_ledger_ok(db)
