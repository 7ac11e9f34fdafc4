"""`caisse ledger verify`: every invariant of the ledger, checked from the rows themselves.

Each check is one aggregate query (the database does the summing, so this scales to millions of
lines) that returns only the rows breaking it. A healthy ledger gives an empty `problems` list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import String, and_, case, cast, exists, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from caisse.caisses.models import Caisse
from caisse.cycle.models import PeriodClose, WithheldAllocation
from caisse.db.append_only import APPEND_ONLY_TABLES
from caisse.ledger.accounts import CAISSE_WIDE
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member
from caisse.money.models import ContributionPayment, OperatingCost, Subsidy, SubsidySource

# Enough rows per broken invariant to find the fault; the count says how many there are in all.
MAX_PER_CHECK = 20


class LedgerProblem(msgspec.Struct, frozen=True, kw_only=True):
    """One broken invariant: `code` is stable (scripts match on it), `message` is for people."""

    code: str
    message: str
    caisse_id: int | None = None
    entry_id: int | None = None
    account_id: int | None = None


class LedgerReport(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of `verify_ledger`: `ok` is True exactly when `problems` is empty."""

    ok: bool
    entries: int
    lines: int
    caisses: int
    problems: list[LedgerProblem]

    def summary(self) -> str:
        if self.ok:
            return f"ledger OK: {self.entries} entries, {self.lines} lines, {self.caisses} caisses"
        return f"ledger BROKEN: {len(self.problems)} problem(s) in {self.entries} entries, {self.lines} lines"


class _Checker:
    def __init__(self, session: AsyncSession, caisse_id: int | None) -> None:
        self.session = session
        self.caisse_id = caisse_id
        self.problems: list[LedgerProblem] = []

    def scoped(self, column: Any) -> ColumnElement[bool]:
        return literal(True) if self.caisse_id is None else column == self.caisse_id

    async def rows(self, query: Any) -> Sequence[Any]:
        return (await self.session.execute(query.limit(MAX_PER_CHECK + 1))).all()

    def add(self, code: str, message: str, **where: int | None) -> None:
        self.problems.append(LedgerProblem(code=code, message=message, **where))

    def add_rows(self, code: str, rows: Sequence[Any], describe: Any, **where: str) -> None:
        """One problem per row (at most MAX_PER_CHECK), then a line saying more were cut."""
        for row in rows[:MAX_PER_CHECK]:
            self.add(code, describe(row), **{key: getattr(row, attr) for key, attr in where.items()})
        if len(rows) > MAX_PER_CHECK:
            self.add(code, f"more '{code}' problems than the {MAX_PER_CHECK} listed above")


async def verify_ledger(session: AsyncSession, caisse_id: int | None = None) -> LedgerReport:
    """Check every ledger invariant, for one caisse or (None) for the whole installation.

    Read-only; safe to run at any time (it sees the committed state of one transaction).
    """
    checker = _Checker(session, caisse_id)
    for check in (
        _check_entries_balance,
        _check_lines_in_own_caisse,
        _check_caisse_balances,
        _check_no_negative_credit,
        _check_member_accounts,
        _check_caisse_accounts,
        _check_subsidy_accounts,
        _check_reversals,
        _check_idempotency_keys,
        _check_money_records,
        _check_period_closes,
        _check_withheld_releases,
        _check_triggers,
    ):
        await check(checker)
    entries = await session.scalar(
        select(func.count()).select_from(JournalEntry).where(checker.scoped(JournalEntry.caisse_id))
    )
    lines = await session.scalar(
        select(func.count())
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(checker.scoped(JournalEntry.caisse_id))
    )
    caisses = await session.scalar(select(func.count()).select_from(Caisse).where(checker.scoped(Caisse.id)))
    return LedgerReport(
        ok=not checker.problems,
        entries=int(entries or 0),
        lines=int(lines or 0),
        caisses=int(caisses or 0),
        problems=checker.problems,
    )


# --- entries and lines ---------------------------------------------------------------------------


async def _check_entries_balance(c: _Checker) -> None:
    count = func.count(JournalLine.id)
    total = func.coalesce(func.sum(JournalLine.amount_cents), 0)
    query = (
        select(JournalEntry.id, JournalEntry.caisse_id, count.label("n"), total.label("total"))
        .outerjoin(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(c.scoped(JournalEntry.caisse_id))
        .group_by(JournalEntry.id, JournalEntry.caisse_id)
    )
    few = await c.rows(query.having(count < 2).order_by(JournalEntry.id))
    c.add_rows(
        "entry_too_few_lines",
        few,
        lambda r: f"journal entry {r.id} has {r.n} line(s); an entry needs at least 2",
        caisse_id="caisse_id",
        entry_id="id",
    )
    unbalanced = await c.rows(query.having(total != 0).order_by(JournalEntry.id))
    c.add_rows(
        "entry_unbalanced",
        unbalanced,
        lambda r: f"journal entry {r.id} lines sum to {r.total} cents, not 0",
        caisse_id="caisse_id",
        entry_id="id",
    )


async def _check_lines_in_own_caisse(c: _Checker) -> None:
    query = (
        select(
            JournalLine.id,
            JournalLine.entry_id,
            JournalLine.account_id,
            JournalEntry.caisse_id,
            LedgerAccount.caisse_id.label("account_caisse_id"),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            LedgerAccount.caisse_id != JournalEntry.caisse_id,
            or_(c.scoped(JournalEntry.caisse_id), c.scoped(LedgerAccount.caisse_id)),
        )
        .order_by(JournalLine.id)
    )
    c.add_rows(
        "line_in_other_caisse",
        await c.rows(query),
        lambda r: (
            f"line {r.id} of journal entry {r.entry_id} (caisse {r.caisse_id}) posts to account "
            f"{r.account_id} of caisse {r.account_caisse_id}"
        ),
        caisse_id="caisse_id",
        entry_id="entry_id",
        account_id="account_id",
    )


async def _check_caisse_balances(c: _Checker) -> None:
    total = func.sum(JournalLine.amount_cents)
    query = (
        select(LedgerAccount.caisse_id, total.label("total"))
        .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .where(c.scoped(LedgerAccount.caisse_id))
        .group_by(LedgerAccount.caisse_id)
        .having(total != 0)
    )
    c.add_rows(
        "caisse_unbalanced",
        await c.rows(query),
        lambda r: f"the lines of caisse {r.caisse_id}'s accounts sum to {r.total} cents, not 0",
        caisse_id="caisse_id",
    )


async def _check_no_negative_credit(c: _Checker) -> None:
    # Wallets and outlet accounts are credit-normal: a positive raw sum is a negative balance,
    # credit spent (or redeemed) that was never granted.
    total = func.sum(JournalLine.amount_cents)
    for kind, code in ((AccountKind.WALLET, "wallet_negative"), (AccountKind.OUTLET, "outlet_negative")):
        query = (
            select(LedgerAccount.id, LedgerAccount.code, LedgerAccount.caisse_id, total.label("total"))
            .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
            .where(LedgerAccount.kind == kind, c.scoped(LedgerAccount.caisse_id))
            .group_by(LedgerAccount.id, LedgerAccount.code, LedgerAccount.caisse_id)
            .having(total > 0)
            .order_by(LedgerAccount.id)
        )
        c.add_rows(
            code,
            await c.rows(query),
            lambda r: (
                f"account {r.code} (id {r.id}) holds {-r.total} cents: more credit left it than it received"
            ),
            caisse_id="caisse_id",
            account_id="id",
        )


# --- the chart of accounts -----------------------------------------------------------------------


async def _check_member_accounts(c: _Checker) -> None:
    member_kinds = (AccountKind.WALLET, AccountKind.RECEIVABLE)
    expected_code = cast(LedgerAccount.kind, String) + literal(":") + cast(LedgerAccount.member_id, String)
    query = (
        select(
            LedgerAccount.id,
            LedgerAccount.code,
            LedgerAccount.kind,
            LedgerAccount.caisse_id,
            LedgerAccount.member_id,
            Member.caisse_id.label("member_caisse_id"),
        )
        .outerjoin(Member, Member.id == LedgerAccount.member_id)
        .where(
            c.scoped(LedgerAccount.caisse_id),
            or_(
                and_(
                    LedgerAccount.kind.in_(member_kinds),
                    or_(
                        LedgerAccount.member_id.is_(None),
                        Member.caisse_id != LedgerAccount.caisse_id,
                        LedgerAccount.code != expected_code,
                    ),
                ),
                and_(LedgerAccount.kind.not_in(member_kinds), LedgerAccount.member_id.is_not(None)),
            ),
        )
        .order_by(LedgerAccount.id)
    )

    def describe(r: Any) -> str:
        kind = AccountKind(r.kind)
        if kind not in member_kinds:
            return f"account {r.code} (id {r.id}) is a {kind.value} account but names member {r.member_id}"
        if r.member_id is None:
            return f"{kind.value} account {r.code} (id {r.id}) names no member"
        if r.member_caisse_id != r.caisse_id:
            return (
                f"{kind.value} account {r.code} (id {r.id}) of caisse {r.caisse_id} belongs to member "
                f"{r.member_id} of caisse {r.member_caisse_id}"
            )
        return (
            f"{kind.value} account {r.code} (id {r.id}) of member {r.member_id} "
            f"should be coded {kind}:{r.member_id}"
        )

    c.add_rows(
        "member_account_mismatch", await c.rows(query), describe, caisse_id="caisse_id", account_id="id"
    )

    count = func.count(LedgerAccount.id)
    duplicates = (
        select(LedgerAccount.member_id, LedgerAccount.kind, LedgerAccount.caisse_id, count.label("n"))
        .where(
            LedgerAccount.kind.in_(member_kinds),
            LedgerAccount.member_id.is_not(None),
            c.scoped(LedgerAccount.caisse_id),
        )
        .group_by(LedgerAccount.member_id, LedgerAccount.kind, LedgerAccount.caisse_id)
        .having(count > 1)
        .order_by(LedgerAccount.member_id)
    )
    c.add_rows(
        "member_account_duplicate",
        await c.rows(duplicates),
        lambda r: (
            f"member {r.member_id} has {r.n} {AccountKind(r.kind).value} accounts; it needs exactly one"
        ),
        caisse_id="caisse_id",
    )


async def _check_caisse_accounts(c: _Checker) -> None:
    codes = [kind.value for kind in CAISSE_WIDE]
    rows = await c.session.execute(
        select(Caisse.id, LedgerAccount.code, LedgerAccount.kind)
        .outerjoin(LedgerAccount, and_(LedgerAccount.caisse_id == Caisse.id, LedgerAccount.code.in_(codes)))
        .where(c.scoped(Caisse.id))
    )
    found: dict[int, dict[str, str | None]] = {}
    for caisse_id, code, kind in rows:
        found.setdefault(caisse_id, {})
        if code is not None:
            found[caisse_id][code] = None if kind is None else AccountKind(kind).value
    for caisse_id, accounts in sorted(found.items()):
        for code in codes:
            if code not in accounts:
                c.add(
                    "caisse_account_missing",
                    f"caisse {caisse_id} has no '{code}' account",
                    caisse_id=caisse_id,
                )
            elif accounts[code] != code:
                c.add(
                    "caisse_account_missing",
                    f"caisse {caisse_id}'s account coded '{code}' is of kind {accounts[code]}, not {code}",
                    caisse_id=caisse_id,
                )


async def _check_subsidy_accounts(c: _Checker) -> None:
    query = (
        select(
            LedgerAccount.id,
            LedgerAccount.code,
            LedgerAccount.caisse_id,
            LedgerAccount.subsidy_source_id,
            SubsidySource.caisse_id.label("source_caisse_id"),
        )
        .outerjoin(SubsidySource, SubsidySource.id == LedgerAccount.subsidy_source_id)
        .where(
            c.scoped(LedgerAccount.caisse_id),
            or_(
                and_(
                    LedgerAccount.kind == AccountKind.SUBSIDY,
                    or_(
                        LedgerAccount.subsidy_source_id.is_(None),
                        SubsidySource.caisse_id != LedgerAccount.caisse_id,
                    ),
                ),
                and_(LedgerAccount.kind != AccountKind.SUBSIDY, LedgerAccount.subsidy_source_id.is_not(None)),
            ),
        )
        .order_by(LedgerAccount.id)
    )
    c.add_rows(
        "subsidy_account_mismatch",
        await c.rows(query),
        lambda r: (
            f"account {r.code} (id {r.id}) of caisse {r.caisse_id} names subsidy source "
            f"{r.subsidy_source_id} (of caisse {r.source_caisse_id})"
            if r.subsidy_source_id is not None
            else f"subsidy account {r.code} (id {r.id}) names no subsidy source"
        ),
        caisse_id="caisse_id",
        account_id="id",
    )


# --- reversals and idempotency -----------------------------------------------------------------


async def _check_reversals(c: _Checker) -> None:
    original = aliased(JournalEntry)
    invalid = (
        select(
            JournalEntry.id,
            JournalEntry.caisse_id,
            JournalEntry.kind,
            JournalEntry.period,
            JournalEntry.reverses_entry_id,
            original.caisse_id.label("original_caisse_id"),
            original.kind.label("original_kind"),
            original.period.label("original_period"),
        )
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .where(
            c.scoped(JournalEntry.caisse_id),
            or_(
                and_(JournalEntry.kind == EntryKind.REVERSAL, JournalEntry.reverses_entry_id.is_(None)),
                and_(JournalEntry.kind != EntryKind.REVERSAL, JournalEntry.reverses_entry_id.is_not(None)),
                and_(
                    JournalEntry.kind == EntryKind.REVERSAL,
                    or_(
                        original.caisse_id != JournalEntry.caisse_id,
                        original.kind == EntryKind.REVERSAL,
                        original.period.is_distinct_from(JournalEntry.period),
                    ),
                ),
            ),
        )
        .order_by(JournalEntry.id)
    )

    def describe(r: Any) -> str:
        if r.kind != EntryKind.REVERSAL:
            return f"journal entry {r.id} of kind {r.kind} claims to reverse entry {r.reverses_entry_id}"
        if r.reverses_entry_id is None:
            return f"reversal {r.id} names no entry it reverses"
        if r.original_caisse_id != r.caisse_id:
            return (
                f"reversal {r.id} (caisse {r.caisse_id}) reverses entry {r.reverses_entry_id} "
                f"of caisse {r.original_caisse_id}"
            )
        if r.original_kind == EntryKind.REVERSAL:
            return f"reversal {r.id} reverses another reversal ({r.reverses_entry_id})"
        return f"reversal {r.id} is in period {r.period} but the entry it reverses is in {r.original_period}"

    c.add_rows("reversal_invalid", await c.rows(invalid), describe, caisse_id="caisse_id", entry_id="id")

    # The lines of a reversal, negated, must be exactly the lines of the entry it reverses:
    # compare the two multisets of (account, amount) both ways.
    scope = "" if c.caisse_id is None else "AND caisse_id = :caisse_id"
    mirror = text(
        f"""
        WITH r AS (
            SELECT id, reverses_entry_id AS original_id, caisse_id FROM journal_entry
            WHERE kind = 'reversal' AND reverses_entry_id IS NOT NULL {scope}
        ),
        mine AS (
            SELECT r.id AS rid, l.account_id, -l.amount_cents AS amount, COUNT(*) AS n
            FROM r JOIN journal_line l ON l.entry_id = r.id GROUP BY r.id, l.account_id, l.amount_cents
        ),
        theirs AS (
            SELECT r.id AS rid, l.account_id, l.amount_cents AS amount, COUNT(*) AS n
            FROM r JOIN journal_line l ON l.entry_id = r.original_id
            GROUP BY r.id, l.account_id, l.amount_cents
        ),
        differing AS (
            SELECT rid FROM (SELECT * FROM mine EXCEPT SELECT * FROM theirs) AS a
            UNION
            SELECT rid FROM (SELECT * FROM theirs EXCEPT SELECT * FROM mine) AS b
        )
        SELECT r.id, r.original_id, r.caisse_id FROM r JOIN differing d ON d.rid = r.id
        ORDER BY r.id LIMIT {MAX_PER_CHECK + 1}
        """
    )
    params = {} if c.caisse_id is None else {"caisse_id": c.caisse_id}
    rows = (await c.session.execute(mirror, params)).all()
    c.add_rows(
        "reversal_mismatch",
        rows,
        lambda r: f"reversal {r.id} does not mirror the lines of journal entry {r.original_id}",
        caisse_id="caisse_id",
        entry_id="id",
    )


async def _check_idempotency_keys(c: _Checker) -> None:
    count = func.count(JournalEntry.id)
    query = (
        select(JournalEntry.caisse_id, JournalEntry.idempotency_key, count.label("n"))
        .where(JournalEntry.idempotency_key.is_not(None), c.scoped(JournalEntry.caisse_id))
        .group_by(JournalEntry.caisse_id, JournalEntry.idempotency_key)
        .having(count > 1)
    )
    c.add_rows(
        "idempotency_key_duplicate",
        await c.rows(query),
        lambda r: f"idempotency key {r.idempotency_key!r} posted {r.n} entries in caisse {r.caisse_id}",
        caisse_id="caisse_id",
    )


# --- money records against their entries --------------------------------------------------------


def _movement(kind: AccountKind, extra: ColumnElement[bool] | None = None) -> Any:
    """Sum of an entry's lines on accounts of `kind` (raw, debit positive)."""
    condition = LedgerAccount.kind == kind if extra is None else and_(LedgerAccount.kind == kind, extra)
    return func.coalesce(func.sum(case((condition, JournalLine.amount_cents), else_=0)), 0)


async def _check_money_records(c: _Checker) -> None:
    # (record model, entry kind, record label, counter account condition, fund sign)
    specs: list[tuple[Any, EntryKind, str, Any, int]] = [
        (
            ContributionPayment,
            EntryKind.CONTRIBUTION_PAID,
            "contribution payment",
            _movement(AccountKind.RECEIVABLE, LedgerAccount.member_id == ContributionPayment.member_id),
            1,
        ),
        (
            Subsidy,
            EntryKind.SUBSIDY,
            "subsidy",
            _movement(AccountKind.SUBSIDY, LedgerAccount.subsidy_source_id == Subsidy.source_id),
            1,
        ),
        (OperatingCost, EntryKind.COST, "operating cost", _movement(AccountKind.COSTS), -1),
    ]
    for model, entry_kind, label, counter, sign in specs:
        fund = _movement(AccountKind.FUND)
        query = (
            select(
                model.id,
                model.amount_cents,
                model.caisse_id,
                model.entry_id,
                JournalEntry.caisse_id.label("entry_caisse_id"),
                JournalEntry.kind.label("entry_kind"),
                fund.label("fund"),
                counter.label("counter"),
            )
            .join(JournalEntry, JournalEntry.id == model.entry_id)
            .outerjoin(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .outerjoin(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
            .where(c.scoped(model.caisse_id))
            .group_by(
                model.id,
                model.amount_cents,
                model.caisse_id,
                model.entry_id,
                JournalEntry.caisse_id,
                JournalEntry.kind,
            )
            .having(
                or_(
                    JournalEntry.caisse_id != model.caisse_id,
                    JournalEntry.kind != entry_kind,
                    fund != sign * model.amount_cents,
                    counter != -sign * model.amount_cents,
                )
            )
            .order_by(model.id)
        )

        def describe(r: Any, label: str = label, sign: int = sign, entry_kind: EntryKind = entry_kind) -> str:
            if r.entry_caisse_id != r.caisse_id:
                return (
                    f"{label} {r.id} of caisse {r.caisse_id} is booked by entry {r.entry_id} "
                    f"of caisse {r.entry_caisse_id}"
                )
            if r.entry_kind != entry_kind:
                return (
                    f"{label} {r.id} is booked by entry {r.entry_id} of kind {r.entry_kind}, not {entry_kind}"
                )
            return (
                f"{label} {r.id} records {r.amount_cents} cents but its entry {r.entry_id} moves "
                f"{sign * r.fund} cents on the fund and {-sign * r.counter} on the other side"
            )

        c.add_rows(
            f"{entry_kind.value}_record_mismatch",
            await c.rows(query),
            describe,
            caisse_id="caisse_id",
            entry_id="entry_id",
        )

        orphans = (
            select(JournalEntry.id, JournalEntry.caisse_id)
            .where(
                JournalEntry.kind == entry_kind,
                c.scoped(JournalEntry.caisse_id),
                ~exists().where(model.entry_id == JournalEntry.id),
            )
            .order_by(JournalEntry.id)
        )
        c.add_rows(
            "money_record_missing",
            await c.rows(orphans),
            lambda r, label=label, entry_kind=entry_kind: (
                f"journal entry {r.id} of kind {entry_kind} has no {label} record"
            ),
            caisse_id="caisse_id",
            entry_id="id",
        )


# --- closed months -------------------------------------------------------------------------------

_PERIOD_MEASURES = {
    # account whose lines measure the total, and the sign turning them into the natural amount
    "contributions_due_cents": (AccountKind.CONTRIBUTIONS, -1),
    "allocations_cents": (AccountKind.ALLOCATIONS, 1),
    "expired_cents": (AccountKind.EXPIRED_CREDIT, -1),
}


def _released_entry_ids() -> Any:
    return select(WithheldAllocation.released_entry_id).where(
        WithheldAllocation.released_entry_id.is_not(None)
    )


async def _check_period_closes(c: _Checker) -> None:
    """A closed month's stored totals equal what its entries (net of reversals) book.

    Allocations released later, when a withheld contribution is paid, are not part of the close's
    `allocations_cents` (it is what the close itself credited), so their entries are left out.
    """
    closes = (
        (
            await c.session.execute(
                select(PeriodClose).where(c.scoped(PeriodClose.caisse_id)).order_by(PeriodClose.id)
            )
        )
        .scalars()
        .all()
    )
    if not closes:
        return
    kinds = [kind for kind, _ in _PERIOD_MEASURES.values()]
    closed_months = (
        select(PeriodClose.caisse_id, PeriodClose.month).where(c.scoped(PeriodClose.caisse_id)).subquery()
    )
    rows = await c.session.execute(
        select(
            JournalEntry.caisse_id,
            JournalEntry.period,
            LedgerAccount.kind,
            func.sum(JournalLine.amount_cents),
        )
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .join(
            closed_months,
            and_(
                closed_months.c.caisse_id == JournalEntry.caisse_id,
                closed_months.c.month == JournalEntry.period,
            ),
        )
        .where(LedgerAccount.kind.in_(kinds), JournalEntry.id.not_in(_released_entry_ids()))
        .group_by(JournalEntry.caisse_id, JournalEntry.period, LedgerAccount.kind)
    )
    booked = {(caisse_id, period, AccountKind(kind)): int(total) for caisse_id, period, kind, total in rows}
    for close in closes:
        for field, (kind, sign) in _PERIOD_MEASURES.items():
            stored = int(getattr(close, field) or 0)
            actual = sign * booked.get((close.caisse_id, close.month, kind), 0)
            if stored != actual:
                c.add(
                    "period_close_mismatch",
                    f"closed month {close.month} of caisse {close.caisse_id} records {field} = {stored} "
                    f"but its entries book {actual}",
                    caisse_id=close.caisse_id,
                )


async def _check_withheld_releases(c: _Checker) -> None:
    """An entry releasing withheld allocations credits exactly what the released rows held."""
    held = (
        select(
            WithheldAllocation.released_entry_id.label("entry_id"),
            func.sum(WithheldAllocation.amount_cents).label("held"),
        )
        .where(WithheldAllocation.released_entry_id.is_not(None), c.scoped(WithheldAllocation.caisse_id))
        .group_by(WithheldAllocation.released_entry_id)
        .subquery()
    )
    booked = (
        select(JournalLine.entry_id, func.sum(JournalLine.amount_cents).label("booked"))
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            LedgerAccount.kind == AccountKind.ALLOCATIONS, JournalLine.entry_id.in_(select(held.c.entry_id))
        )
        .group_by(JournalLine.entry_id)
        .subquery()
    )
    query = (
        select(
            held.c.entry_id,
            held.c.held,
            func.coalesce(booked.c.booked, 0).label("booked"),
            JournalEntry.caisse_id,
        )
        .join(JournalEntry, JournalEntry.id == held.c.entry_id)
        .outerjoin(booked, booked.c.entry_id == held.c.entry_id)
        .where(func.coalesce(booked.c.booked, 0) != held.c.held)
        .order_by(held.c.entry_id)
    )
    c.add_rows(
        "withheld_release_mismatch",
        await c.rows(query),
        lambda r: f"entry {r.entry_id} releases withheld allocations of {r.held} cents but books {r.booked}",
        caisse_id="caisse_id",
        entry_id="entry_id",
    )


# --- the database itself -------------------------------------------------------------------------


async def _check_triggers(c: _Checker) -> None:
    dialect = c.session.get_bind().dialect.name
    if dialect == "sqlite":
        names = set(
            (await c.session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))).scalars()
        )
        expected = {
            (table, f"{table}_append_only_{op}")
            for table in APPEND_ONLY_TABLES
            for op in ("update", "delete")
        }
        missing = sorted(table for table, name in expected if name not in names)
    elif dialect == "postgresql":
        found = set()
        for table in APPEND_ONLY_TABLES:
            # to_regclass follows the search_path, so this looks at the schema in use.
            row = await c.session.scalar(
                text(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(:table) "
                    "AND NOT tgisinternal AND tgname = :name AND tgenabled <> 'D' AND (tgtype & 24) = 24"
                ),
                {"table": table, "name": f"{table}_append_only"},
            )
            if row:
                found.add(table)
        missing = sorted(set(APPEND_ONLY_TABLES) - found)
    else:
        c.add("triggers_missing", f"cannot check append-only triggers on a {dialect} database")
        return
    for table in sorted(set(missing)):
        c.add(
            "triggers_missing",
            f"the append-only triggers on {table} are missing or disabled: history could be rewritten",
        )
