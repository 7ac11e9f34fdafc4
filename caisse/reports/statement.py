"""A household's yearly statement, and the over-contribution an association can receipt for tax.

In France a gift to an association "d'intérêt général" gives its donor an income-tax reduction
of 66 % of the gift (Code général des impôts, art. 200). Notre Caisse Alim' (Dieulefit) applies it
to contributions paid beyond the food credit received — research/ssa_facts.md §1.7: pay 150 €,
receive 100 € -> 50 €/month over-contribution -> 396 €/year deduction.

The over-contribution of year Y is computed on a cash basis, in cents:

    over(Y) = max(0, min(paid in Y, due for the months of Y) − credit received in Y)

* paid in Y: contribution payments by the day they were received, less payments reversed in Y;
* due for the months of Y: what the closes of Y's months billed, net of corrections;
* credit received in Y: allocations by the day they reached the wallet (`occurred_on`): a December
  allocation withheld until payment and released in January is received in January.

Capping what was paid at what was due keeps the receipt on the safe side: money paid in advance
is not a gift (it pays the next months' contributions), and arrears of an earlier year paid in Y
are not receipted as a gift of Y. A household may therefore be receipted less than it gave, never
more, which is the side an association must err on (it answers for the receipts it issues).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from caisse.amounts import format_euros
from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.errors import NotFound, ValidationFailed
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member
from caisse.money.booking import find_member
from caisse.periods import month_of
from caisse.reports.flows import counts_as
from caisse.reports.schemas import MemberStatement, StatementMonth

TAX_REDUCTION_PERCENT = 66

# (account kind, entry kind counted) -> (column, sign turning the raw line into the amount)
_COLUMNS = {
    (AccountKind.RECEIVABLE, EntryKind.CONTRIBUTION_DUE): ("contributions_due_cents", 1),
    (AccountKind.RECEIVABLE, EntryKind.CONTRIBUTION_PAID): ("contributions_paid_cents", -1),
    (AccountKind.WALLET, EntryKind.ALLOCATION): ("allocations_received_cents", -1),
    (AccountKind.WALLET, EntryKind.EXPIRY): ("expired_cents", 1),
    (AccountKind.WALLET, EntryKind.PAYMENT): ("spent_cents", 1),
}
# Columns of money that moved, in the month it moved (`occurred_on`); the others are in the month
# they are for (the entry's period: what a close billed or let expire for that month).
_BY_DAY = {"contributions_paid_cents", "allocations_received_cents", "spent_cents"}


def check_statement_year(caisse: Caisse, year: int) -> int:
    first_year = int(caisse.first_month[:4])
    if not first_year <= year <= 9999:
        raise ValidationFailed(f"The caisse started in {first_year}: ask for a year from {first_year} on.")
    return year


BASIS = (
    "Counted on a cash basis: contributions paid this year, up to what was due for this year's months "
    "(a payment in advance is not a gift), less the food credit received this year (by the day it "
    "reached the wallet)."
)


def over_contribution(paid_cents: int, due_cents: int, received_cents: int) -> int:
    """The year's over-contribution in cents: max(0, min(paid, due) − credit received)."""
    return max(0, min(paid_cents, due_cents) - received_cents)


def over_contribution_note(over_cents: int, tax_cents: int) -> str:
    """The sentences printed under the statement (amounts in cents), saying how it is counted."""
    if over_cents == 0:
        return (
            "No over-contribution this year: the food credit received is at least what was paid "
            f"for this year's months, so there is nothing to receipt for tax. {BASIS}"
        )
    return (
        f"Over-contribution: {format_euros(over_cents)} paid beyond the food credit received this year. "
        f"{BASIS} "
        "It is a gift to the caisse: when the caisse is an association of general interest it can "
        f"issue a tax receipt for it, and the household can deduct {TAX_REDUCTION_PERCENT} % of it from "
        f"its income tax (here {format_euros(tax_cents)}), as Notre Caisse Alim' in Dieulefit does "
        "(pay 150 €, receive 100 €: 50 € a month over-contribution, 396 € a year deduction)."
    )


async def statement(
    session: AsyncSession, caisse: Caisse, member: Member, year: int, *, actor: Actor | None = None
) -> MemberStatement:
    """The household's year, month by month, in cents. What a close bills or lets expire
    (contributions due, expiries) belongs to the month it is for; money that moved (payments,
    food credit received, spending) to the month it moved, so a withheld allocation released later
    counts when it was released. Corrections count against what they correct. The
    over-contribution is computed on that cash basis (see the module's docstring).

    Reading it is a read of personal data: it is written to the audit log (actor None = CLI).
    """
    check_statement_year(caisse, year)
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    table = {m: dict.fromkeys((name for name, _ in _COLUMNS.values()), 0) for m in months}
    original = aliased(JournalEntry)
    rows = await session.execute(
        select(
            LedgerAccount.kind,
            JournalEntry.kind,
            original.kind,
            JournalEntry.period,
            JournalEntry.occurred_on,
            JournalLine.amount_cents,
        )
        .select_from(JournalLine)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .where(
            LedgerAccount.caisse_id == caisse.id,
            LedgerAccount.member_id == member.id,
            LedgerAccount.kind.in_((AccountKind.RECEIVABLE, AccountKind.WALLET)),
            or_(
                and_(JournalEntry.period >= months[0], JournalEntry.period <= months[-1]),
                JournalEntry.occurred_on.between(date(year, 1, 1), date(year, 12, 31)),
            ),
        )
    )
    for account_kind, kind, original_kind, period, occurred_on, amount in rows:
        column = _COLUMNS.get((account_kind, counts_as(kind, original_kind)))
        if column is None:
            continue
        name, sign = column
        month = month_of(occurred_on) if name in _BY_DAY or period is None else period
        if month in table:
            table[month][name] += sign * int(amount)
    statement_months = [StatementMonth(month=m, **table[m]) for m in months]
    totals = {name: sum(getattr(row, name) for row in statement_months) for name, _ in _COLUMNS.values()}
    over = over_contribution(
        totals["contributions_paid_cents"],
        totals["contributions_due_cents"],
        totals["allocations_received_cents"],
    )
    tax = (over * TAX_REDUCTION_PERCENT + 50) // 100
    await audit.record(
        session,
        actor=actor,
        caisse_id=caisse.id,
        action="member.statement",
        subject_type="member",
        subject_ids=[member.id],
        fields=["contributions", "allocations", "reference_person"],
        note=str(year),
    )
    return MemberStatement(
        caisse=caisse.slug,
        member_code=member.code,
        reference_person=member.reference_person,
        year=year,
        over_contribution_cents=over,
        tax_reduction_cents=tax,
        over_contribution_note=over_contribution_note(over, tax),
        months=statement_months,
        **totals,
    )


async def statement_for(
    session: AsyncSession, caisse: Caisse, *, member_code: str, year: int, actor: Actor | None
) -> MemberStatement:
    """`statement` of the household `member_code`, if `actor` may read it: staff and admins, or
    the household itself. For anyone else it does not exist (NotFound, as for an unknown code),
    so member codes cannot be probed. `actor` None is the command line."""
    member = await find_member(session, caisse.id, member_code)
    staff = actor is None or actor.has_role(caisse.slug, Role.ADMIN, Role.STAFF)
    if not staff and actor is not None and actor.member_id_in(caisse.slug) != member.id:
        raise NotFound(f"No member {member_code} in this caisse.")
    return await statement(session, caisse, member, year, actor=actor)
