"""The chart of accounts: one wallet and one receivable per household, the caisse-wide accounts,
one income account per subsidy source."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, cast, func, literal, or_, select

from caisse.caisses.models import Caisse
from caisse.ledger.accounts import CAISSE_WIDE
from caisse.ledger.models import AccountKind, LedgerAccount
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
