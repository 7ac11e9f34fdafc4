"""The chart of accounts: one wallet and one receivable per household, the caisse-wide accounts,
one income account per subsidy source."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select

from caisse.caisses.models import Caisse
from caisse.ledger.accounts import CAISSE_WIDE
from caisse.ledger.carried import line_month
from caisse.ledger.models import (
    UNCARRIED_KINDS,
    AccountKind,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    LedgerMonth,
)
from caisse.ledger.verify.checker import Checker
from caisse.members.models import Member
from caisse.money.models import SubsidySource


async def check_member_accounts(c: Checker) -> None:
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


async def check_caisse_accounts(c: Checker) -> None:
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


async def check_subsidy_accounts(c: Checker) -> None:
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


async def check_carried_balances(c: Checker) -> None:
    """Every account but wallets and outlets carries the sum of its lines, in all and by month
    (caisse.ledger.carried); wallets and outlets carry nothing."""
    sums = (
        select(JournalLine.account_id, func.sum(JournalLine.amount_cents).label("total"))
        .group_by(JournalLine.account_id)
        .subquery()
    )
    total = func.coalesce(sums.c.total, 0)
    uncarried = LedgerAccount.kind.in_(UNCARRIED_KINDS)
    query = (
        select(
            LedgerAccount.id,
            LedgerAccount.code,
            LedgerAccount.kind,
            LedgerAccount.caisse_id,
            LedgerAccount.carried_balance_cents.label("carried"),
            total.label("total"),
        )
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(
            c.scoped(LedgerAccount.caisse_id),
            or_(
                and_(uncarried, LedgerAccount.carried_balance_cents.is_not(None)),
                and_(~uncarried, LedgerAccount.carried_balance_cents.is_(None)),
                and_(~uncarried, LedgerAccount.carried_balance_cents != total),
            ),
        )
        .order_by(LedgerAccount.id)
    )

    def describe(r: Any) -> str:
        kind = AccountKind(r.kind).value
        if AccountKind(r.kind) in UNCARRIED_KINDS:
            return f"{kind} account {r.code} (id {r.id}) carries a balance; wallets and outlets do not"
        if r.carried is None:
            return f"{kind} account {r.code} (id {r.id}) carries no balance"
        return (
            f"{kind} account {r.code} (id {r.id}) carries {r.carried} cents but its lines sum to {r.total}: "
            "lines were written without the carrying trigger"
        )

    c.add_rows(
        "carried_balance_mismatch", await c.rows(query), describe, caisse_id="caisse_id", account_id="id"
    )
    await _check_months(c)


async def _check_months(c: Checker) -> None:
    # The lines of the carrying accounts summed by (account, month) next to ledger_month, both ways.
    month = line_month(c.session.get_bind().dialect.name)
    dated = JournalEntry.period.is_(None)
    lines = (
        select(
            JournalLine.account_id.label("account_id"),
            month.label("month"),
            LedgerAccount.caisse_id.label("caisse_id"),
            func.sum(case((dated, 0), else_=JournalLine.amount_cents)).label("for_month"),
            func.sum(case((dated, JournalLine.amount_cents), else_=0)).label("in_month"),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(c.scoped(LedgerAccount.caisse_id), LedgerAccount.kind.not_in(UNCARRIED_KINDS))
        .group_by(JournalLine.account_id, month, LedgerAccount.caisse_id)
        .subquery()
    )
    kept = select(LedgerMonth).where(c.scoped(LedgerMonth.caisse_id)).subquery()
    joined = lines.join(
        kept, and_(kept.c.account_id == lines.c.account_id, kept.c.month == lines.c.month), full=True
    )
    query = (
        select(
            func.coalesce(lines.c.account_id, kept.c.account_id).label("account_id"),
            func.coalesce(lines.c.month, kept.c.month).label("month"),
            func.coalesce(lines.c.caisse_id, kept.c.caisse_id).label("caisse_id"),
            lines.c.for_month,
            lines.c.in_month,
            kept.c.for_month_cents.label("kept_for_month"),
            kept.c.in_month_cents.label("kept_in_month"),
            kept.c.caisse_id.label("kept_caisse_id"),
        )
        .select_from(joined)
        .where(
            or_(
                lines.c.account_id.is_(None),
                kept.c.account_id.is_(None),
                lines.c.for_month != kept.c.for_month_cents,
                lines.c.in_month != kept.c.in_month_cents,
                lines.c.caisse_id != kept.c.caisse_id,
            )
        )
        .order_by("account_id", "month")
    )

    def describe(r: Any) -> str:
        if r.kept_for_month is None:
            return f"account {r.account_id} has lines in {r.month} but no ledger_month row"
        if r.for_month is None:
            return f"account {r.account_id} has a ledger_month row for {r.month} but no lines in it"
        return (
            f"ledger_month of account {r.account_id} for {r.month} says {r.kept_for_month} + "
            f"{r.kept_in_month} cents (caisse {r.kept_caisse_id}); its lines say {r.for_month} + "
            f"{r.in_month} (caisse {r.caisse_id})"
        )

    c.add_rows(
        "carried_month_mismatch",
        await c.rows(query),
        describe,
        caisse_id="caisse_id",
        account_id="account_id",
    )
