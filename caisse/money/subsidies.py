"""Subsidies, tracked by source (city, département, State, CAF/MSA, foundations...).

Each source has its own income account (`subsidy:<source id>`), so the caisse can always say
how much each funder gave. A subsidy received posts Dr fund / Cr subsidy:<source>.

A source may carry its grant agreement (convention de financement), as the treasurer knows it:
"38 070 € every 3 months until 2027-12". It books nothing; the forecast reads it, since a funder's
cadence inferred from its receipts needs two of them. Setting or clearing it is audit-logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.ledger.accounts import caisse_account_id
from caisse.ledger.balances import natural
from caisse.ledger.browse import reversed_by
from caisse.ledger.models import AccountKind, EntryKind, JournalLine, LedgerAccount
from caisse.ledger.posting import Line
from caisse.money.amounts import check_amount_cents, check_day, check_text
from caisse.money.booking import Recorded, post_keyed, record_for_entry, same_or_conflict
from caisse.money.models import MAX_AGREED_EVERY_MONTHS, Subsidy, SubsidyKind, SubsidySource
from caisse.pagination import check_window
from caisse.periods import caisse_today, check_month


def subsidy_kind(value: SubsidyKind | str) -> SubsidyKind:
    try:
        return SubsidyKind(value)
    except ValueError:
        known = ", ".join(k.value for k in SubsidyKind)
        raise ValidationFailed(f"Unknown kind of subsidy source '{value}'; use one of: {known}.") from None


def source_account_code(source_id: int) -> str:
    return f"{AccountKind.SUBSIDY.value}:{source_id}"


@dataclass(frozen=True)
class Agreement:
    """A funder's grant agreement: `amount_cents` (integer cents, > 0) every `every_months` months
    (1 to 120), the last payment in the month `until` (`YYYY-MM`, included) or open-ended (None)."""

    amount_cents: int
    every_months: int
    until: str | None = None


AGREEMENT_FIELDS = ("agreed_amount_cents", "agreed_every_months", "agreed_until")


def check_agreement(caisse: Caisse, *, amount_cents: int, every_months: int, until: str | None) -> Agreement:
    """The agreement, checked: ValidationFailed saying which value to change and how."""
    amount_cents = check_amount_cents(amount_cents)
    if isinstance(every_months, bool) or not isinstance(every_months, int):
        raise ValidationFailed(f"The agreement's period is a whole number of months, got {every_months!r}.")
    if not 1 <= every_months <= MAX_AGREED_EVERY_MONTHS:
        raise ValidationFailed(
            f"The agreement pays every 1 to {MAX_AGREED_EVERY_MONTHS} months (12: once a year), "
            f"got {every_months}."
        )
    if until is not None:
        if not isinstance(until, str):
            raise ValidationFailed(f"The agreement's last month is written YYYY-MM, got {until!r}.")
        until = check_month(until.strip())
        if until < caisse.first_month:
            raise ValidationFailed(
                f"The agreement's last month {until} is before the caisse's first month "
                f"({caisse.first_month}); give a later month, or none for an open-ended agreement."
            )
    return Agreement(amount_cents, every_months, until)


def agreement_of(source: SubsidySource) -> Agreement | None:
    """The source's grant agreement, None when the caisse has not recorded one."""
    if source.agreed_amount_cents is None or source.agreed_every_months is None:
        return None
    return Agreement(source.agreed_amount_cents, source.agreed_every_months, source.agreed_until)


def _write_agreement(source: SubsidySource, agreement: Agreement | None) -> None:
    source.agreed_amount_cents = None if agreement is None else agreement.amount_cents
    source.agreed_every_months = None if agreement is None else agreement.every_months
    source.agreed_until = None if agreement is None else agreement.until


async def _log_agreement(
    session: AsyncSession, caisse: Caisse, source: SubsidySource, actor: Actor | None, *, note: str
) -> None:
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="subsidy_source.agreement",
        subject_type="subsidy_source", subject_ids=[source.id], fields=AGREEMENT_FIELDS, note=note,
    )  # fmt: skip


async def create_subsidy_source(
    session: AsyncSession,
    caisse: Caisse,
    *,
    name: str,
    kind: SubsidyKind | str,
    agreement: Agreement | None = None,
    actor: Actor | None = None,
) -> SubsidySource:
    """A new funder of the caisse, with its own income account. Names are unique in a caisse.
    `agreement`, when known, is checked (`check_agreement`) and recorded with it."""
    name = check_text(name, field="The source's name", limit=200, required=True)
    kind = subsidy_kind(kind)
    if agreement is not None:
        agreement = check_agreement(
            caisse, amount_cents=agreement.amount_cents, every_months=agreement.every_months,
            until=agreement.until,
        )  # fmt: skip
    if await session.scalar(
        select(func.count()).where(SubsidySource.caisse_id == caisse.id, SubsidySource.name == name)
    ):
        raise Conflict(f"A subsidy source named '{name}' already exists in this caisse.")
    source = SubsidySource(caisse_id=caisse.id, name=name, kind=kind)
    _write_agreement(source, agreement)
    session.add(source)
    await session.flush()
    if agreement is not None:
        await _log_agreement(session, caisse, source, actor, note="set")
    session.add(
        LedgerAccount(
            caisse_id=caisse.id,
            kind=AccountKind.SUBSIDY,
            code=source_account_code(source.id),
            name=f"Subvention : {name}"[:200],
            subsidy_source_id=source.id,
        )
    )
    await session.flush()
    return source


async def find_subsidy_source(session: AsyncSession, caisse_id: int, source: int | str) -> SubsidySource:
    """A source of the caisse by id (int) or exact name (str)."""
    query = select(SubsidySource).where(SubsidySource.caisse_id == caisse_id)
    if isinstance(source, int) and not isinstance(source, bool):
        query = query.where(SubsidySource.id == source)
    else:
        query = query.where(SubsidySource.name == str(source).strip())
    found = await session.scalar(query)
    if found is None:
        raise NotFound(f"No subsidy source {source!r} in this caisse.")
    return found


async def set_agreement(
    session: AsyncSession,
    caisse: Caisse,
    source_id: int,
    *,
    amount_cents: int,
    every_months: int,
    until: str | None,
    actor: Actor | None = None,
) -> SubsidySource:
    """Record (or replace) the grant agreement of the caisse's source `source_id`: `amount_cents`
    (integer cents) every `every_months` months until the month `until` (`YYYY-MM`, included;
    None: open-ended). NotFound for a source of another caisse; ValidationFailed for bad values."""
    agreement = check_agreement(caisse, amount_cents=amount_cents, every_months=every_months, until=until)
    source = await find_subsidy_source(session, caisse.id, source_id)
    _write_agreement(source, agreement)
    await session.flush()
    await _log_agreement(session, caisse, source, actor, note="set")
    return source


async def clear_agreement(
    session: AsyncSession, caisse: Caisse, source_id: int, *, actor: Actor | None = None
) -> SubsidySource:
    """Forget the grant agreement of the caisse's source `source_id` (the subsidies it gave stay).
    Clearing a source without one changes nothing and logs nothing."""
    source = await find_subsidy_source(session, caisse.id, source_id)
    if agreement_of(source) is None:
        return source
    _write_agreement(source, None)
    await session.flush()
    await _log_agreement(session, caisse, source, actor, note="cleared")
    return source


async def source_for_command(
    session: AsyncSession, caisse: Caisse, *, name: str, kind: SubsidyKind | str | None
) -> SubsidySource:
    """The named source, created on first use when its kind is given (the CLI's convenience)."""
    try:
        source = await find_subsidy_source(session, caisse.id, name)
    except NotFound:
        if kind is None:
            raise NotFound(f"No subsidy source '{name}' yet; give --kind to create it.") from None
        return await create_subsidy_source(session, caisse, name=name, kind=kind)
    if kind is not None and source.kind is not subsidy_kind(kind):
        raise Conflict(f"The source '{name}' is of kind {source.kind.value}, not {kind}.")
    return source


@dataclass(frozen=True)
class SourceTotal:
    source: SubsidySource
    received_cents: int  # every subsidy from this source, net of corrections


async def list_subsidy_sources(
    session: AsyncSession, caisse_id: int, *, source_id: int | None = None
) -> list[SourceTotal]:
    """The caisse's sources by name (or only `source_id`), each with what it gave and its agreement
    (`agreement_of(total.source)`)."""
    conditions = [SubsidySource.caisse_id == caisse_id]
    if source_id is not None:
        conditions.append(SubsidySource.id == source_id)
    rows = await session.execute(
        select(SubsidySource, LedgerAccount.kind, func.coalesce(func.sum(JournalLine.amount_cents), 0))
        .join(LedgerAccount, LedgerAccount.subsidy_source_id == SubsidySource.id)
        .outerjoin(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .where(*conditions)
        .group_by(SubsidySource.id, LedgerAccount.kind)
        .order_by(SubsidySource.name)
    )
    return [SourceTotal(source, natural(kind, int(raw))) for source, kind, raw in rows]


async def record_subsidy(
    session: AsyncSession,
    caisse: Caisse,
    *,
    source: int | str,
    amount_cents: int,
    received_on: date,
    reference: str = "",
    idempotency_key: str | None = None,
    actor: Actor | None = None,
    today: date | None = None,
) -> Recorded[Subsidy]:
    """Book a subsidy received from `source` (id or name). A retried key returns the first record."""
    amount_cents = check_amount_cents(amount_cents)
    check_day(received_on, first_month=caisse.first_month, today=today or caisse_today(), what="subsidy")
    reference = check_text(reference, field="The reference", limit=120)
    found = await find_subsidy_source(session, caisse.id, source)
    account = await session.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.caisse_id == caisse.id, LedgerAccount.code == source_account_code(found.id)
        )
    )
    if account is None:
        raise Conflict(f"The subsidy source '{found.name}' has no ledger account.")
    fund = await caisse_account_id(session, caisse.id, AccountKind.FUND)
    posted = await post_keyed(
        session,
        caisse_id=caisse.id,
        kind=EntryKind.SUBSIDY,
        occurred_on=received_on,
        lines=[Line(fund, amount_cents), Line(account, -amount_cents)],
        memo=f"Subvention {found.name} {reference}".strip(),
        namespace="subsidy",
        idempotency_key=idempotency_key,
        created_by_user_id=None if actor is None else actor.user_id,
    )
    if not posted.created:
        existing = await record_for_entry(session, Subsidy, posted.entry.id, "subsidy")
        same_or_conflict(
            (existing.source_id, existing.amount_cents, existing.received_on),
            (found.id, amount_cents, received_on),
            "subsidy",
        )
        return Recorded(existing, created=False)
    subsidy = Subsidy(
        caisse_id=caisse.id,
        source_id=found.id,
        amount_cents=amount_cents,
        received_on=received_on,
        reference=reference,
        entry_id=posted.entry.id,
    )
    session.add(subsidy)
    await session.flush()
    return Recorded(subsidy, created=True)


@dataclass(frozen=True)
class SubsidyRow:
    subsidy: Subsidy
    source: SubsidySource
    reversed_by_entry_id: int | None


async def list_subsidies(
    session: AsyncSession,
    caisse_id: int,
    *,
    source: int | str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[SubsidyRow], int]:
    """One page of subsidies received, newest first, optionally from one source."""
    check_window(limit, offset)
    conditions = [Subsidy.caisse_id == caisse_id]
    if source is not None:
        conditions.append(Subsidy.source_id == (await find_subsidy_source(session, caisse_id, source)).id)
    total = await session.scalar(select(func.count()).select_from(Subsidy).where(*conditions))
    rows = (
        await session.execute(
            select(Subsidy, SubsidySource)
            .join(SubsidySource, SubsidySource.id == Subsidy.source_id)
            .where(*conditions)
            .order_by(Subsidy.received_on.desc(), Subsidy.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    reversals = await reversed_by(session, [s.entry_id for s, _ in rows])
    return [SubsidyRow(s, src, reversals.get(s.entry_id)) for s, src in rows], int(total or 0)
