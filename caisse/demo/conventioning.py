"""The demo's outlets and its citizen committee: a lottery, assessments, ballots that bind.

Before the first month the caisse announces a draw (seed published), households volunteer, the
draw seats eight of them beside an appointed member; outlets apply and are assessed against the
default grid; in the first days of the first month the committee votes on convening each one
(one is refused). Later months bring a general motion, a suspension ballot that misses its quorum
and, today, an open ballot on a new applicant. A convention lasts the caisse's term (12 months):
when the history is longer, the committee renews each one by a ballot that closes two weeks
before its term ends, and the renewal runs from the close day, so payments never stop. The
committee's own term (`TERM_DAYS`) is renewed by the general assembly when the history outlasts
it. Everything goes through the services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.ballots import BallotInput, cast_vote, close_ballot, create_ballot
from caisse.caisses.models import Caisse
from caisse.committee.draws import announce_draw, run_draw, volunteers_of
from caisse.committee.links import declare_link
from caisse.committee.membership import seat_member
from caisse.committee.volunteers import register_volunteer, seat_selected
from caisse.errors import PermissionDenied
from caisse.members.models import Member, MemberStatus
from caisse.outlets import grid
from caisse.outlets.conventioning import current_convention
from caisse.outlets.models import Convention, Outlet
from caisse.outlets.service import create_outlet
from caisse.periods import first_day


@dataclass(frozen=True)
class OutletSpec:
    name: str
    kind: str
    commune: str
    km: int
    products: tuple[str, ...]
    bic: str
    refused: bool = False  # the committee votes it down


# fmt: off
OUTLETS = (
    OutletSpec("Ferme des Jalles", "producer", "Saint-Médard-en-Jalles", 18,
               ("fruits_legumes", "oeufs"), "AGRIFRPP"),
    OutletSpec("Épicerie solidaire Le Panier", "epicerie_solidaire", "Bordeaux", 0,
               ("epicerie", "conserves", "produits_laitiers"), "CCOPFRPP"),
    OutletSpec("Marché des Capucins — stand paysan", "market", "Bordeaux", 0,
               ("fruits_legumes", "viande"), "CMCIFRPP"),
    OutletSpec("Coopérative La Ruche Bio", "cooperative", "Bègles", 6,
               ("epicerie", "cereales_legumineuses", "huiles_condiments"), "CCOPFRPP"),
    OutletSpec("Fromagerie du Médoc", "producer", "Lesparre-Médoc", 64, ("produits_laitiers",), "AGRIFRPP"),
    OutletSpec("Boulangerie Le Levain", "shop", "Talence", 5, ("pain",), "CMCIFRPP"),
    OutletSpec("AMAP des Chartrons", "amap", "Bordeaux", 0, ("fruits_legumes", "oeufs", "pain"), "CCOPFRPP"),
    OutletSpec("Supérette du Lac", "shop", "Bordeaux", 0,
               ("epicerie", "boissons_sans_alcool"), "CMCIFRPP", refused=True),
)
APPLICANT_TODAY = OutletSpec("Conserverie des Graves", "producer", "Léognan", 17, ("conserves",), "AGRIFRPP")
# fmt: on
COMMITTEE_SEATS = {"low": 3, "middle": 3, "high": 2}
TERM_DAYS = 2 * 365
PARTICIPATION = 0.85
RENEWAL_OPENS_DAYS_BEFORE_END = 21  # a renewal ballot opens three weeks before the term ends
BALLOT_DAYS = 7


@dataclass
class Conventioning:
    outlets: list[Outlet] = field(default_factory=list)
    committee: list[int] = field(default_factory=list)  # user ids of the sitting members
    draw_reference: str = ""


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def french_iban(seed: int) -> str:
    """A valid French IBAN (RIB key and mod-97 check digits) for fictitious accounts."""
    bank, branch, account = 10_000 + seed % 90_000, 10_000 + (seed * 7) % 90_000, 10_000_000_000 + seed * 131
    rib_key = 97 - ((89 * bank + 15 * branch + 3 * account) % 97)
    bban = f"{bank:05d}{branch:05d}{account:011d}{rib_key:02d}"
    check = 98 - int(f"{bban}152700") % 97  # "FR00" moved to the end: F=15, R=27
    return f"FR{check:02d}{bban}"


async def _add_outlet(
    session: AsyncSession,
    caisse: Caisse,
    spec: OutletSpec,
    i: int,
    on: date,
) -> Outlet:
    return await create_outlet(
        session,
        caisse,
        values={
            "name": spec.name,
            "kind": spec.kind,
            "commune": spec.commune,
            "address": f"{3 + 11 * i} rue de la Gare, {spec.commune}",
            "distance_km": spec.km,
            "product_categories": list(spec.products),
            "contact_email": f"contact{i}@lieux.demo.caisse-commune.fr",
            "iban": french_iban(4_000 + i),
            "bic": spec.bic,
        },
        today=on,
        self_applied=True,
    )


async def _assess(
    session: AsyncSession, caisse: Caisse, outlet: Outlet, km: int, refused: bool, assessors: list[int],
    rng: np.random.Generator,
) -> None:  # fmt: skip
    for criterion in await grid.list_criteria(session, caisse.id):
        for assessor in assessors:
            if criterion.code == "local":
                value: bool | int = km
            elif criterion.kind.value == "yes_no":
                value = not refused
            else:
                value = int(rng.integers(1, 3)) if refused else int(rng.integers(3, 6))
            await grid.record_assessment(
                session, caisse.id, outlet.id, criterion.id, value=value,
                evidence="Visite du comité et documents fournis par le lieu", evidence_url=None,
                by_user_id=assessor,
            )  # fmt: skip


async def _draw_committee(
    session: AsyncSession, caisse: Caisse, members: list[Member], appointed: int, start: date,
    rng: np.random.Generator, today: date,
) -> tuple[str, list[int]]:  # fmt: skip
    """Announce a stratified draw, register volunteers, draw, give the selected an account, seat."""
    announced = _at(start - timedelta(days=45), 10)
    draw = await announce_draw(
        session, caisse, purpose="committee", seats=sum(COMMITTEE_SEATS.values()),
        description="Tirage au sort du comité citoyen parmi les foyers volontaires, par tranche de revenu.",
        dimensions={"income_band": list(COMMITTEE_SEATS)},
        quotas=[({"income_band": band}, n) for band, n in COMMITTEE_SEATS.items()],
        closes_at=announced + timedelta(days=20), now=announced, seed=f"{int(rng.integers(2**62)):032x}",
    )  # fmt: skip
    pool = rng.choice(len(members), size=min(len(members), 36), replace=False)
    for k, index in enumerate(sorted(pool)):
        await register_volunteer(
            session, caisse, draw.reference, stratum={}, member_id=members[index].id,
            now=announced + timedelta(hours=3 + k),
        )  # fmt: skip
    drawn = await run_draw(session, caisse, draw.reference, now=announced + timedelta(days=21))
    await _accounts_for_selected(session, caisse, drawn.result or "{}", draw.id, members)
    term_end = start - timedelta(days=20) + timedelta(days=TERM_DAYS)
    report = await seat_selected(
        session, caisse, draw.reference, starts_on=start - timedelta(days=20), ends_on=term_end
    )
    await seat_member(
        session, caisse, user_id=appointed, starts_on=start - timedelta(days=20), ends_on=term_end,
        source="appointed", source_ref="Statuts, article 9", note="Représentante de l'association porteuse",
    )  # fmt: skip
    committee = [appointed] + [user_id for _, user_id, _ in report.seated]
    await _renew_terms(session, caisse, committee, term_end, today)
    return draw.reference, committee


async def _renew_terms(
    session: AsyncSession, caisse: Caisse, committee: list[int], term_end: date, today: date
) -> None:
    """A history longer than a term: the general assembly renews the sitting members' mandates."""
    while term_end < today + timedelta(days=BALLOT_DAYS):
        starts = term_end + timedelta(days=1)
        term_end = starts - timedelta(days=1) + timedelta(days=TERM_DAYS)
        for user_id in committee:
            await seat_member(
                session, caisse, user_id=user_id, starts_on=starts, ends_on=term_end, source="elected",
                source_ref=f"Assemblée générale {starts.year}", note="Mandat renouvelé",
            )  # fmt: skip


async def _accounts_for_selected(
    session: AsyncSession, caisse: Caisse, result: str, draw_id: int, members: list[Member]
) -> None:
    """The selected households get a login (the caisse sends them an invitation)."""
    selected = set(json.loads(result).get("selected", []))
    by_id = {m.id: m for m in members}
    for volunteer in await volunteers_of(session, draw_id):
        member = by_id.get(volunteer.member_id or 0)
        if volunteer.pseudonym not in selected or member is None or member.email is None:
            continue
        user = await auth.create_user(
            session, email=member.email, display_name=member.reference_person, password="demo-caisse-commune"
        )
        await auth.grant_role(
            session, user_id=user.id, caisse_id=caisse.id, role=Role.MEMBER, member_id=member.id
        )


def _choice(rng: np.random.Generator, support: float) -> str:
    draw = rng.random()
    return "for" if draw < support else "against" if draw < support + (1 - support) * 0.8 else "abstain"


async def _hold_ballot(
    session: AsyncSession, caisse: Caisse, raw: BallotInput, voters: list[int], support: float,
    participation: float, rng: np.random.Generator, *, closing: bool = True,
) -> None:  # fmt: skip
    assert isinstance(raw.opens_at, datetime) and isinstance(raw.closes_at, datetime)
    ballot = await create_ballot(session, caisse, raw, now=raw.opens_at, by_user_id=None)
    for k, user_id in enumerate(voters):
        if rng.random() < participation:
            try:
                await cast_vote(
                    session, caisse, ballot.id, user_id=user_id, choice=_choice(rng, support),
                    now=raw.opens_at + timedelta(hours=2 + k),
                )  # fmt: skip
            except PermissionDenied:  # a member with a declared link is recused, as they should be
                continue
    if closing:
        await close_ballot(session, caisse, ballot.id, now=raw.closes_at + timedelta(hours=1))


async def build_conventioning(
    session: AsyncSession, caisse: Caisse, members: list[Member], months: list[str], appointed: int,
    rng: np.random.Generator, today: date,
) -> Conventioning:  # fmt: skip
    start = first_day(months[0])
    done = Conventioning()
    done.draw_reference, done.committee = await _draw_committee(
        session,
        caisse,
        [m for m in members if m.status is MemberStatus.ACTIVE],
        appointed,
        start,
        rng,
        today,
    )
    await grid.install_default_grid(session, caisse.id)
    for i, spec in enumerate(OUTLETS):
        outlet = await _add_outlet(session, caisse, spec, i, start - timedelta(days=30))
        await _assess(session, caisse, outlet, spec.km, spec.refused, done.committee[:2], rng)
        done.outlets.append(outlet)
    # A committee member whose daughter works at the farm stands aside on its ballots.
    await declare_link(
        session, caisse, user_id=done.committee[-1], outlet_id=done.outlets[0].id, nature="family",
        description="Ma fille y travaille en saison", declared_on=start - timedelta(days=15), today=today,
        by_user_id=None,
    )  # fmt: skip
    opens, closes = _at(start + timedelta(days=1), 9), _at(start + timedelta(days=8), 18)
    for outlet, spec in zip(done.outlets, OUTLETS, strict=True):
        raw = BallotInput(
            title=f"Conventionner « {outlet.name} »", kind="convene", outlet_id=outlet.id,
            description="Grille de critères remplie par le comité ; dossier complet.",
            opens_at=opens, closes_at=closes,
        )  # fmt: skip
        await _hold_ballot(
            session, caisse, raw, done.committee, 0.15 if spec.refused else 0.9, PARTICIPATION, rng
        )
    convened = [o for o, spec in zip(done.outlets, OUTLETS, strict=True) if not spec.refused]
    await _renewals(session, caisse, done.committee, convened, closes.date() + timedelta(days=1), rng, today)
    await _later_ballots(session, caisse, done, months, rng, today)
    return done


async def _renewals(
    session: AsyncSession, caisse: Caisse, committee: list[int], outlets: list[Outlet], on: date,
    rng: np.random.Generator, today: date,
) -> None:  # fmt: skip
    """Renew, round after round, each outlet's convention (current on `on`) before its term ends,
    as long as the ballot closes before today (a later one is not held yet: staff see the
    convention due for renewal)."""
    current: dict[int, Convention | None] = {}
    for outlet in outlets:
        current[outlet.id] = await current_convention(session, outlet.id, on)
    while current:
        following: dict[int, Convention | None] = {}
        for outlet in outlets:
            convention = current.get(outlet.id)
            if convention is None:
                continue
            opens = _at(convention.ends_on - timedelta(days=RENEWAL_OPENS_DAYS_BEFORE_END), 9)
            closes = _at(opens.date() + timedelta(days=BALLOT_DAYS), 18)
            if closes.date() >= today:
                continue
            raw = BallotInput(
                title=f"Renouveler la convention de « {outlet.name} »", kind="renew", outlet_id=outlet.id,
                description=f"La convention prend fin le {convention.ends_on:%d/%m/%Y} ; bilan de l'année "
                "présenté par le lieu, aucun signalement en suspens.",
                opens_at=opens, closes_at=closes,
            )  # fmt: skip
            # A routine renewal: nearly everyone votes, for it (a failed one would end the convention).
            await _hold_ballot(session, caisse, raw, committee, 0.95, 0.95, rng)
            renewed = await current_convention(session, outlet.id, convention.ends_on)
            if renewed is not None and renewed.id != convention.id:
                following[outlet.id] = renewed
        current = following


async def _later_ballots(
    session: AsyncSession, caisse: Caisse, done: Conventioning, months: list[str], rng: np.random.Generator,
    today: date,
) -> None:  # fmt: skip
    if len(months) >= 3:
        day = first_day(months[2]) + timedelta(days=4)
        motion = BallotInput(
            title="Garder la grille de cotisation de Gironde pour l'année",
            kind="motion", description="Motion générale : pas de changement des montants cette année.",
            opens_at=_at(day, 9), closes_at=_at(day + timedelta(days=7), 18),
        )  # fmt: skip
        await _hold_ballot(session, caisse, motion, done.committee, 0.8, PARTICIPATION, rng)
    if len(months) >= 4:
        day = first_day(months[3]) + timedelta(days=11)
        market = done.outlets[2]
        suspend = BallotInput(
            title=f"Suspendre « {market.name} » (prix relevés)", kind="suspend", outlet_id=market.id,
            description="Des membres signalent des prix plus élevés quand on paie en monnaie alimentaire.",
            opens_at=_at(day, 9), closes_at=_at(day + timedelta(days=7), 18),
        )  # fmt: skip
        # Summer: too few members vote, the quorum is missed and nothing changes.
        await _hold_ballot(session, caisse, suspend, done.committee, 0.5, 0.25, rng)
    applicant = await _add_outlet(session, caisse, APPLICANT_TODAY, len(OUTLETS), today - timedelta(days=12))
    await _assess(session, caisse, applicant, APPLICANT_TODAY.km, False, done.committee[1:3], rng)
    open_now = BallotInput(
        title=f"Conventionner « {applicant.name} »", kind="convene", outlet_id=applicant.id,
        description="Conserves de légumes bio de la ferme voisine ; visite faite le mois dernier.",
        opens_at=_at(today - timedelta(days=2), 9), closes_at=_at(today + timedelta(days=5), 18),
    )  # fmt: skip
    # Open today: some have voted; the appointed member (the demo's committee login) has not.
    await _hold_ballot(session, caisse, open_now, done.committee[1:], 0.9, 0.5, rng, closing=False)
