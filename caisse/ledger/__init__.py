"""The double-entry ledger: accounts, postings, balances and their verification."""

from caisse.ledger.accounts import (
    caisse_account_id,
    member_account_ids,
    open_caisse_accounts,
    open_member_accounts,
)
from caisse.ledger.balances import account_balance, balances_by_account, balances_by_kind, natural
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger.posting import Line, Posted, post_compound, post_entry, reverse_entry

__all__ = [
    "AccountKind",
    "EntryKind",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "Line",
    "Posted",
    "account_balance",
    "balances_by_account",
    "balances_by_kind",
    "caisse_account_id",
    "member_account_ids",
    "natural",
    "open_caisse_accounts",
    "open_member_accounts",
    "post_compound",
    "post_entry",
    "reverse_entry",
]
