"""The objects the authorisation matrix fills path templates with: in each of the `world`'s two caisses
("test" and "other") households, outlets, an outlet payment, redemptions, a payout batch, a ballot with a
vote, a draw, a seat, a declared link, a criterion, a simulation run, a recorded import and a spare grant;
and in "test" the world's member and outlet users bound to their household and outlet.

Two households and two outlets per caisse, so that a household or an outlet can be pointed at its
neighbour's objects (`peer`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth import service as auth
from caisse.auth.models import ApiToken, Role, RoleGrant
from caisse.ballots.closing import close_ballot
from caisse.ballots.create import create_ballot
from caisse.ballots.drafts import BallotInput
from caisse.ballots.models import Ballot
from caisse.ballots.voting import cast_vote
from caisse.caisses.models import Caisse, RuleSet
from caisse.committee.draws import announce_draw
from caisse.committee.links import declare_link
from caisse.committee.membership import seat_member
from caisse.cycle.close import close_month
from caisse.db.base import utcnow
from caisse.ledger import EntryKind
from caisse.ledger.models import JournalEntry
from caisse.members.models import Member
from caisse.money import create_subsidy_source, record_subsidy
from caisse.outlets.grid import install_default_grid
from caisse.periods import caisse_today, first_day, month_of
from caisse.redemptions.approval import approve_redemption
from caisse.redemptions.batches import create_payout_batch
from caisse.redemptions.requests import request_redemption
from caisse.spending import set_pin
from caisse.spending.payments import record_outlet_payment
from tests.conftest import World
from tests.integration.redemptions.payout_helpers import CAISSE_BANK, EPICERIE_BANK, FERME_BANK
from tests.integration.web.web_fixtures import PASSWORD, conventioned_outlet
from tests.ledger_checks import add_member
from web.pages.staff.people.importing import AUDIT_ACTION, AUDIT_SUBJECT

PIN = "2580"
TODAY = caisse_today()
FIRST_MONTH = month_of(TODAY - timedelta(days=300))


@dataclass
class CaisseObjects:
    """One caisse's objects, by the path parameter they fill (`peer`: a second household's or
    outlet's, in the same caisse)."""

    slug: str
    params: dict[str, str] = field(default_factory=dict)
    peer: dict[str, str] = field(default_factory=dict)


@dataclass
class AuthzWorld:
    world: World
    test: CaisseObjects
    other: CaisseObjects
    headers: dict[str, dict[str, str]]


async def _caisse(db: AsyncSession, caisse_id: int) -> Caisse:
    """The world's caisse, started (with its rules) a year before today, so that today's payments,
    requests and batches fall within its life whatever the clock says; with its bank account."""
    caisse = await db.get(Caisse, caisse_id)
    assert caisse is not None
    caisse.first_month = FIRST_MONTH
    await db.execute(update(RuleSet).where(RuleSet.caisse_id == caisse_id).values(effective_from=FIRST_MONTH))
    caisse.bank_account_name, caisse.bank_iban, caisse.bank_bic = CAISSE_BANK
    return caisse


async def _motion(
    db: AsyncSession, caisse: Caisse, title: str, *, opens: datetime, closes: datetime
) -> Ballot:
    motion = BallotInput(title=f"{title} {caisse.slug}", kind="motion", opens_at=opens, closes_at=closes)
    return await create_ballot(db, caisse, motion, now=opens, by_user_id=None)


async def _objects(db: AsyncSession, caisse: Caisse, prefix: str, committee_user: int) -> CaisseObjects:
    objects = CaisseObjects(slug=caisse.slug)
    joined = first_day(FIRST_MONTH)
    members = [await add_member(db, caisse.id, f"{prefix}-{n}", activated_on=joined) for n in (1, 2)]
    outlets = []
    for name, (iban, bic) in (("Ferme", FERME_BANK), ("Épicerie", EPICERIE_BANK)):
        outlet = await conventioned_outlet(db, caisse, f"{name} {caisse.slug}")
        outlet.iban, outlet.bic = iban, bic
        outlets.append(outlet)
    # The first month closed: contributions billed, food credit given.
    await close_month(db, caisse, FIRST_MONTH, today=TODAY)
    payments, redemptions = [], []
    for member, outlet in zip(members, outlets, strict=True):
        await set_pin(db, caisse, member, PIN, actor=None)
        recorded = await record_outlet_payment(
            db, caisse, outlet_id=outlet.id, member_code=member.code, pin=PIN, amount_cents=3_000,
            idempotency_key=f"authz-{member.code}",
        )  # fmt: skip
        payments.append(recorded.record.id)
        requested = await request_redemption(db, caisse, outlet_id=outlet.id, amount_cents=1_000)
        redemptions.append(requested.record.id)
    source = await create_subsidy_source(db, caisse, name=f"Ville {caisse.slug}", kind="city")
    await record_subsidy(db, caisse, source=source.id, amount_cents=50_000, received_on=TODAY)
    # A second request of the first outlet, approved and paid by a batch.
    paid = (await request_redemption(db, caisse, outlet_id=outlets[0].id, amount_cents=500)).record
    await approve_redemption(db, caisse.id, paid.id, by_user_id=None)
    batch = await create_payout_batch(
        db, caisse, execution_date=TODAY + timedelta(days=3), redemption_ids=[paid.id]
    )
    seat = await seat_member(
        db, caisse, user_id=committee_user, starts_on=TODAY - timedelta(days=30),
        ends_on=TODAY + timedelta(days=700), source="elected",
    )  # fmt: skip
    link = await declare_link(
        db, caisse, user_id=committee_user, outlet_id=outlets[1].id, nature="supplier", description="",
        declared_on=TODAY - timedelta(days=10), today=TODAY, by_user_id=None,
    )  # fmt: skip
    now = utcnow()
    # An open ballot, and a closed one with the committee member's vote and its receipt.
    ballot = await _motion(
        db, caisse, "Motion", opens=now - timedelta(hours=1), closes=now + timedelta(days=7)
    )
    voted = await _motion(
        db, caisse, "Motion votée", opens=now - timedelta(days=8), closes=now - timedelta(days=1)
    )
    receipt = await cast_vote(
        db, caisse, voted.id, user_id=committee_user, choice="for", now=now - timedelta(days=7)
    )
    await close_ballot(db, caisse, voted.id, now=now - timedelta(days=1))
    # Draws are numbered per caisse and year: the other caisse's is announced a year earlier, so that
    # neither caisse holds a draw with the other's reference.
    announced = now if caisse.slug == "test" else now - timedelta(days=366)
    draw = await announce_draw(
        db, caisse, purpose="Comité", description="", seats=1, dimensions={"income_band": ["low"]},
        quotas=[({"income_band": "low"}, 1)], closes_at=now + timedelta(days=7), now=announced,
    )  # fmt: skip
    criteria = await install_default_grid(db, caisse.id)
    digest = hashlib.sha256(f"import {caisse.slug}".encode()).hexdigest()
    note = json.dumps({"imported": 1, "first": members[0].code, "last": members[0].code})
    await audit.record(
        db, actor=None, caisse_id=caisse.id, action=AUDIT_ACTION, subject_type=AUDIT_SUBJECT,
        subject_ids=[digest], note=note,
    )  # fmt: skip
    await db.flush()
    entry_id = await db.scalar(
        select(JournalEntry.id).where(
            JournalEntry.caisse_id == caisse.id, JournalEntry.kind == EntryKind.PAYMENT
        )
    )
    objects.params = {
        "slug": caisse.slug, "code": members[0].code, "outlet_id": str(outlets[0].id),
        "payment_id": str(payments[0]), "redemption_id": str(redemptions[0]),
        "batch_id": str(batch.record.id),
        "ballot_id": str(ballot.id), "reference": draw.reference, "link_id": str(link.id),
        "membership_id": str(seat.id), "criterion_id": str(criteria[0].id),
        "digest": digest, "entry_id": str(entry_id), "month": FIRST_MONTH, "year": FIRST_MONTH[:4],
        "closed_ballot_id": str(voted.id), "receipt": receipt, "source_id": str(source.id),
    }  # fmt: skip
    objects.params |= {
        "report_file": "rapport.csv", "households_file": "foyers.csv", "static_file": "site.css",
        "schema_page": "swagger",
    }  # fmt: skip
    objects.peer = {
        "code": members[1].code, "outlet_id": str(outlets[1].id), "payment_id": str(payments[1]),
        "redemption_id": str(redemptions[1]),
    }  # fmt: skip
    return objects


async def build_authz_world(db: AsyncSession, world: World) -> AuthzWorld:
    test = await _caisse(db, world.caisse_id)
    other = await _caisse(db, world.other_caisse_id)
    headers = dict(world.headers)
    # "other" gets its own administrator and committee member (the world's outsider is its staff).
    other_users = {}
    for name, role in (("other_admin", Role.ADMIN), ("other_committee", Role.COMMITTEE)):
        user = await auth.create_user(db, email=f"{name}@example.org", display_name=name, password=PASSWORD)
        await auth.grant_role(db, user_id=user.id, caisse_id=other.id, role=role)
        _, token = await auth.issue_api_token(db, user_id=user.id, name="tests")
        headers[name] = {"Authorization": f"Bearer {token}"}
        other_users[name] = user.id
    in_test = await _objects(db, test, "T", world.user_ids["committee"])
    in_other = await _objects(db, other, "O", other_users["other_committee"])
    member_id = await db.scalar(select(Member.id).where(Member.caisse_id == test.id, Member.code == "T-1"))
    await auth.grant_role(
        db, user_id=world.user_ids["member"], caisse_id=test.id, role=Role.MEMBER, member_id=member_id
    )
    await db.execute(
        update(RoleGrant)
        .where(RoleGrant.user_id == world.user_ids["outlet"], RoleGrant.caisse_id == test.id)
        .values(outlet_id=int(in_test.params["outlet_id"]))
    )
    # Spare grants and a spare token, for the routes that delete one.
    for objects, caisse in ((in_test, test), (in_other, other)):
        spare = await auth.create_user(
            db, email=f"spare@{caisse.slug}.example.org", display_name="Spare", password=PASSWORD
        )
        grant = await auth.grant_role(db, user_id=spare.id, caisse_id=caisse.id, role=Role.OFFICIAL)
        objects.params["grant_id"] = str(grant.id)
    spare_token, _ = await auth.issue_api_token(db, user_id=world.user_ids["nobody"], name="spare")
    in_test.params["token_id"] = str(spare_token.id)
    other_token = await db.scalar(select(ApiToken.id).where(ApiToken.user_id == world.user_ids["outsider"]))
    in_other.params["token_id"] = str(other_token)
    await db.commit()
    return AuthzWorld(world=world, test=in_test, other=in_other, headers=headers)
