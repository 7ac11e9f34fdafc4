"""The ledger at the HTTP boundary. Amounts are integer cents; lines are signed (debit > 0)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from caisse.ledger.browse import AccountBalance, EntryLine, EntrySummary
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry


class AccountView(msgspec.Struct, frozen=True, kw_only=True):
    """An account and its balance in its natural sign (a wallet holding 100 € reads 10000)."""

    id: int
    code: str
    kind: AccountKind
    name: str
    member_id: int | None
    subsidy_source_id: int | None
    balance_cents: int

    @classmethod
    def of(cls, item: AccountBalance) -> AccountView:
        a = item.account
        return cls(
            id=a.id,
            code=a.code,
            kind=a.kind,
            name=a.name,
            member_id=a.member_id,
            subsidy_source_id=a.subsidy_source_id,
            balance_cents=item.balance_cents,
        )


class EntryView(msgspec.Struct, frozen=True, kw_only=True):
    """A journal entry. `debits_cents` is its size (the sum of its debit lines)."""

    id: int
    kind: EntryKind
    period: str | None
    occurred_on: date
    posted_at: datetime
    memo: str
    idempotency_key: str | None
    reverses_entry_id: int | None
    reversed_by_entry_id: int | None
    line_count: int
    debits_cents: int
    created_by_user_id: int | None

    @classmethod
    def of(cls, item: EntrySummary) -> EntryView:
        return cls(
            **_entry_fields(item.entry),  # type: ignore[arg-type]
            reversed_by_entry_id=item.reversed_by_entry_id,
            line_count=item.line_count,
            debits_cents=item.debits_cents,
        )


class LineView(msgspec.Struct, frozen=True, kw_only=True):
    account_id: int
    account_code: str
    account_kind: AccountKind
    amount_cents: int

    @classmethod
    def of(cls, line: EntryLine) -> LineView:
        return cls(
            account_id=line.account_id,
            account_code=line.account_code,
            account_kind=line.account_kind,
            amount_cents=line.amount_cents,
        )


class EntryDetail(EntryView, frozen=True, kw_only=True):
    lines: list[LineView]


class ReverseRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Why the entry is cancelled, and the day the correction takes effect (not before the entry,
    not in the future)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=400)]
    occurred_on: date


def _entry_fields(e: JournalEntry) -> dict[str, object]:
    return {
        "id": e.id,
        "kind": e.kind,
        "period": e.period,
        "occurred_on": e.occurred_on,
        "posted_at": e.posted_at,
        "memo": e.memo,
        "idempotency_key": e.idempotency_key,
        "reverses_entry_id": e.reverses_entry_id,
        "created_by_user_id": e.created_by_user_id,
    }


def entry_detail(
    entry: JournalEntry, lines: list[EntryLine], reversed_by_entry_id: int | None
) -> EntryDetail:
    return EntryDetail(
        **_entry_fields(entry),  # type: ignore[arg-type]
        reversed_by_entry_id=reversed_by_entry_id,
        line_count=len(lines),
        debits_cents=sum(line.amount_cents for line in lines if line.amount_cents > 0),
        lines=[LineView.of(line) for line in lines],
    )
