"""`caisse demo`: a realistic caisse with several months of history.

Households are drawn from INSEE 2022 incomes and RP2022 household types; the caisse bills with
the Gironde preset; each month some households join or leave, most pay by direct debit or
transfer, a few pay late or not at all, funders pay their subsidies and the association pays
its costs; then the month is closed. Everything goes through the same services as the API,
so the demo is also an end-to-end check of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse import rules
from caisse.auth import service as auth
from caisse.auth.models import Role, User
from caisse.caisses.models import Caisse
from caisse.caisses.service import create_caisse
from caisse.cycle.close import close_month
from caisse.demo.conventioning import build_conventioning
from caisse.demo.people import draw_names
from caisse.demo.population import draw_households
from caisse.demo.spending import give_pins, open_bank_account, spend_and_redeem
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member, MemberStatus
from caisse.members.registration import create_members
from caisse.members.service import change_status
from caisse.money.costs import record_operating_cost
from caisse.money.models import PaymentMethod, SubsidyKind, SubsidySource
from caisse.money.payments import record_contribution_payment
from caisse.money.reserve import record_opening_reserve
from caisse.money.subsidies import Agreement, create_subsidy_source, record_subsidy
from caisse.outlets.models import Outlet
from caisse.periods import caisse_today, first_day, month_of, months_between, next_month, previous_month

DEMO_SLUG = "demo"
DEMO_PRESET = "gironde"
DEMO_PASSWORD = "demo-caisse-commune"
DEMO_USERS = (
    ("admin@demo.caisse-commune.fr", "Alice Admin", Role.ADMIN),
    ("staff@demo.caisse-commune.fr", "Samir Salarié", Role.STAFF),
    ("comite@demo.caisse-commune.fr", "Camille Comité", Role.COMMITTEE),
    ("elu@demo.caisse-commune.fr", "Élise Élue", Role.OFFICIAL),
    ("membre@demo.caisse-commune.fr", "Martin Membre", Role.MEMBER),
)
DEMO_OUTLET_EMAIL = "lieu@demo.caisse-commune.fr"

# Monthly behaviour of the demo households [assumptions: no caisse has published them].
SHARE_JOINING_LATER = 0.15  # applicants at the start, who join later
MONTHLY_JOINING_RATE = 0.4  # chance that an applicant becomes active at a month's start
MONTHLY_LEAVING_RATE = 0.015  # chance that an active household leaves at a month's start (not the first)
SHARE_PAYING_ON_TIME = 0.88
SHARE_PAYING_LATE = 0.07  # the rest do not pay that month: arrears
SHARE_WITHOUT_CHOICE = 0.3  # self-determined: no amount chosen, billed the suggestion


@dataclass
class DemoSummary:
    slug: str
    households: int
    months: list[str]
    users: list[tuple[str, str]] = field(default_factory=list)
    password: str = DEMO_PASSWORD


async def installation_is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Caisse))


async def build_demo(
    session: AsyncSession,
    *,
    households: int = 120,
    months: int = 18,
    seed: int = 2027,
    today: date | None = None,
) -> DemoSummary:
    """Create the demo caisse, its people and `months` closed months ending last month."""
    if households < 1 or months < 1:
        raise ValueError("the demo needs at least one household and one month")
    today = today or caisse_today()
    rng = np.random.default_rng(seed)
    last = previous_month(month_of(today))
    first = last
    for _ in range(months - 1):
        first = previous_month(first)
    caisse = await create_caisse(
        session,
        slug=DEMO_SLUG,
        name="Caisse commune de démonstration",
        territory="Données fictives, règles de la caisse de Gironde",
        first_month=first,
        rule_set=rules.get_preset(DEMO_PRESET).latest,
        preset=DEMO_PRESET,
        member_code_prefix="DM",
    )
    members = await _register_households(session, caisse, households, first, rng, today)
    summary = DemoSummary(slug=caisse.slug, households=households, months=months_between(first, last))
    summary.users = await _create_users(session, caisse, members[0])
    sources = await _open_funds(session, caisse, first, monthly_budget_cents(members, households), today)
    pins = await give_pins(session, caisse, members, rng)
    await open_bank_account(session, caisse)
    committee_id, staff_id = (
        await _user_id(session, DEMO_USERS[2][0]),
        await _user_id(session, DEMO_USERS[1][0]),
    )
    conventioning = await build_conventioning(
        session, caisse, members, summary.months, committee_id, rng, today
    )
    summary.users.append(await _outlet_user(session, caisse, conventioning.outlets[1]))
    late: list[tuple[int, int]] = []
    for index, month in enumerate(summary.months):
        await _move_households(session, caisse, month, members, rng, today)
        await _subsidise(session, caisse, sources, index, month, today)
        await close_month(session, caisse, month, today=today)
        late = await _collect(session, caisse, month, rng, late, today)
        await _pay_costs(session, caisse, month, households, today)
        await spend_and_redeem(
            session, caisse, month, members, conventioning.outlets, pins, rng, today, staff_id
        )
    return summary


async def _user_id(session: AsyncSession, email: str) -> int:
    user_id = await session.scalar(select(User.id).where(User.email == email))
    assert user_id is not None, email
    return user_id


async def _outlet_user(session: AsyncSession, caisse: Caisse, outlet: Outlet) -> tuple[str, str]:
    """The login of one outlet (the épicerie), to take payments on a phone in the demo."""
    user = await auth.create_user(
        session, email=DEMO_OUTLET_EMAIL, display_name="Louise, Épicerie Le Panier", password=DEMO_PASSWORD
    )
    await auth.grant_role(
        session, user_id=user.id, caisse_id=caisse.id, role=Role.OUTLET, outlet_id=outlet.id
    )
    return DEMO_OUTLET_EMAIL, Role.OUTLET.value


async def _register_households(
    session: AsyncSession, caisse: Caisse, n: int, first: str, rng: np.random.Generator, today: date
) -> list[Member]:
    drawn = draw_households(n, rng)
    names = draw_names(n, rng)
    scheme = rules.get_preset(DEMO_PRESET).latest.contribution
    suggested = rules.suggested_contributions(
        scheme, drawn.monthly_income, drawn.adults, drawn.others_14_plus, drawn.children_under_14
    )
    # People choose around the suggestion; some record no choice and are billed the grid's amount.
    persons = drawn.adults + drawn.others_14_plus + drawn.children_under_14
    lower, upper = rules.contribution_bounds(scheme, persons)
    chosen_cents = np.round(np.clip(np.round(suggested * rng.lognormal(0.0, 0.3, n)), lower, upper) * 100)
    without_choice = rng.random(n) < SHARE_WITHOUT_CHOICE
    start = first_day(first)
    joins_later = rng.random(n) < SHARE_JOINING_LATER
    values = [
        {
            "reference_person": names[i].full,
            "email": names[i].email(i),
            "phone": "06 " + " ".join(f"{d:02d}" for d in rng.integers(0, 100, 4)),
            "adults": int(drawn.adults[i]),
            "others_14_plus": int(drawn.others_14_plus[i]),
            "children_under_14": int(drawn.children_under_14[i]),
            "monthly_income_cents": round(float(drawn.monthly_income[i]) * 100),
            "income_declared_on": start - timedelta(days=20),
            "chosen_contribution_cents": None if without_choice[i] else int(chosen_cents[i]),
            "status": MemberStatus.APPLICANT if joins_later[i] else MemberStatus.ACTIVE,
            "applied_on": start - timedelta(days=20),
            "activated_on": None if joins_later[i] else start,
        }
        for i in range(n)
    ]
    created = await create_members(session, caisse, values, today=today, reason="demo")
    found = await session.scalars(
        select(Member).where(Member.id.in_([c.id for c in created])).order_by(Member.id)
    )
    return list(found)


async def _create_users(session: AsyncSession, caisse: Caisse, household: Member) -> list[tuple[str, str]]:
    users = []
    for email, name, role in DEMO_USERS:
        user = await auth.create_user(session, email=email, display_name=name, password=DEMO_PASSWORD)
        member_id = household.id if role is Role.MEMBER else None
        await auth.grant_role(session, user_id=user.id, caisse_id=caisse.id, role=role, member_id=member_id)
        users.append((email, role.value))
    return users


# The funders' grant agreements (conventions de financement) cover shares of the caisse's monthly
# budget as it stands when it opens: the allocations of its member households under the Gironde rules
# and its running costs. Gironde planned about 60 % of its budget from subsidies, but the demo's
# households, billed by its grid, pay only about a fifth of the allocations, and costs come on top:
# the funders cover 85 % of the budget, which leaves the caisse a small margin (its free reserve
# grows by a few % of the budget a month). Each pays its agreed amount in advance at a regular
# cadence, for three years (`AGREEMENT_MONTHS`): the treasurer records the agreements, and the
# forecast reads them.
@dataclass(frozen=True)
class Funder:
    name: str
    kind: SubsidyKind
    share_percent: int  # of the monthly budget, for each month the payment covers
    every_months: int  # from the first month
    received_day: int  # of the month
    reference: str  # {month}, {year} (1 for the first twelve months)


FUNDERS = (
    Funder("Département", SubsidyKind.DEPARTMENT, 50, 3, 10, "Versement trimestriel {month}"),
    Funder("Ville", SubsidyKind.CITY, 15, 6, 10, "Subvention semestrielle {month}"),
    Funder("Fondation", SubsidyKind.FOUNDATION, 20, 12, 1, "Convention de soutien, année {year}"),
)
AGREEMENT_MONTHS = 36
OPENING_RESERVE_CENTS = 500_000
# (category, cents a month for 120 households), paid on the 27th; a smaller caisse pays its
# coordinator and its committee's meetings for fewer hours, in proportion.
MONTHLY_COSTS = (
    ("salaire coordination", 280_000),
    ("outil numérique", 6_000),
    ("animation du comité", 30_000),
)
COSTS_FOR_HOUSEHOLDS = 120


def monthly_costs(households: int) -> list[tuple[str, int]]:
    """(category, cents) of the running costs of a demo caisse of `households` households."""
    return [(name, max(1, cents * households // COSTS_FOR_HOUSEHOLDS)) for name, cents in MONTHLY_COSTS]


def monthly_budget_cents(members: list[Member], households: int) -> int:
    """The monthly allocations of `members` under the demo's rules, plus the running costs of a
    caisse of `households` households (cents): what the funders' agreements are drawn up on, for
    every household registered (the applicants are expected to join)."""
    credit = rules.allocations(
        rules.get_preset(DEMO_PRESET).latest.allocation,
        [m.adults for m in members],
        [m.others_14_plus for m in members],
        [m.children_under_14 for m in members],
    )
    return round(float(credit.sum()) * 100) + sum(cents for _, cents in monthly_costs(households))


async def _open_funds(
    session: AsyncSession, caisse: Caisse, first: str, budget_cents: int, today: date
) -> list[SubsidySource]:
    """The association's own funds; the funders' subsidy sources with their agreements (in
    `FUNDERS` order), from the monthly budget the caisse opens with."""
    await record_opening_reserve(
        session, caisse, amount_cents=OPENING_RESERVE_CENTS, received_on=first_day(first),
        memo="Fonds propres de l'association", today=today,
    )  # fmt: skip
    last = first
    for _ in range(AGREEMENT_MONTHS - 1):
        last = next_month(last)
    sources = []
    for funder in FUNDERS:
        agreement = Agreement(
            amount_cents=budget_cents * funder.every_months * funder.share_percent // 100,
            every_months=funder.every_months,
            until=last,
        )
        sources.append(
            await create_subsidy_source(
                session, caisse, name=funder.name, kind=funder.kind, agreement=agreement
            )
        )
    return sources


async def _subsidise(
    session: AsyncSession, caisse: Caisse, sources: list[SubsidySource], index: int, month: str, today: date
) -> None:
    """The subsidies received in the `index`-th month of the history, in advance, as agreed."""
    for funder, source in zip(FUNDERS, sources, strict=True):
        if index % funder.every_months == 0 and source.agreed_amount_cents is not None:
            await record_subsidy(
                session, caisse, source=source.id, amount_cents=source.agreed_amount_cents,
                received_on=first_day(month) + timedelta(days=funder.received_day - 1), today=today,
                reference=funder.reference.format(month=month, year=index // 12 + 1),
            )  # fmt: skip


async def _move_households(
    session: AsyncSession,
    caisse: Caisse,
    month: str,
    members: list[Member],
    rng: np.random.Generator,
    today: date,
) -> None:
    start = first_day(month)
    moved = []
    for member in [m for m in members if m.status is MemberStatus.APPLICANT]:
        if rng.random() < MONTHLY_JOINING_RATE:
            await change_status(
                session, caisse, member, to=MemberStatus.ACTIVE, effective_on=start,
                reason="demo: joined", today=today,
            )  # fmt: skip
            moved.append(member)
    if month != caisse.first_month:
        for member in [m for m in members if m.status is MemberStatus.ACTIVE]:
            if rng.random() < MONTHLY_LEAVING_RATE:
                await change_status(
                    session, caisse, member, to=MemberStatus.LEFT, effective_on=start,
                    reason="demo: moved away", today=today,
                )  # fmt: skip
                moved.append(member)
    for member in moved:
        await session.refresh(member)


async def _dues(session: AsyncSession, caisse: Caisse, month: str) -> list[tuple[int, int]]:
    """(member id, cents due) billed for `month` by its close."""
    rows = await session.execute(
        select(LedgerAccount.member_id, JournalLine.amount_cents)
        .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalEntry.caisse_id == caisse.id,
            JournalEntry.kind == EntryKind.CONTRIBUTION_DUE,
            JournalEntry.period == month,
            LedgerAccount.kind == AccountKind.RECEIVABLE,
        )
        .order_by(LedgerAccount.member_id)
    )
    return [(member_id, cents) for member_id, cents in rows if member_id is not None]


async def _collect(
    session: AsyncSession,
    caisse: Caisse,
    month: str,
    rng: np.random.Generator,
    late: list[tuple[int, int]],
    today: date,
) -> list[tuple[int, int]]:
    """Payments for `month`; returns who will pay this month's due next month."""
    start = first_day(month)
    for member_id, cents in late:  # last month's late payers settle now, by transfer
        await record_contribution_payment(
            session,
            caisse,
            member=member_id,
            amount_cents=cents,
            method=PaymentMethod.TRANSFER,
            received_on=min(start + timedelta(days=int(rng.integers(1, 20))), today),
            today=today,
            reference="retard",
        )
    still_late = []
    for member_id, cents in await _dues(session, caisse, month):
        draw = rng.random()
        if draw < SHARE_PAYING_ON_TIME:
            method = PaymentMethod.DIRECT_DEBIT if rng.random() < 0.6 else PaymentMethod.TRANSFER
            await record_contribution_payment(
                session,
                caisse,
                member=member_id,
                amount_cents=cents,
                method=method,
                received_on=min(start + timedelta(days=4), today),
                today=today,
                reference=f"cotisation {month}",
            )
        elif draw < SHARE_PAYING_ON_TIME + SHARE_PAYING_LATE:
            still_late.append((member_id, cents))
    return still_late


async def _pay_costs(session: AsyncSession, caisse: Caisse, month: str, households: int, today: date) -> None:
    day = min(first_day(month) + timedelta(days=26), today)
    for category, cents in monthly_costs(households):
        await record_operating_cost(
            session, caisse, category=category, amount_cents=cents, paid_on=day, today=today, reference=month
        )
