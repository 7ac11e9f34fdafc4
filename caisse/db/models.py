"""Imports every model so `Base.metadata` is complete (Alembic, tests, create_all)."""

from caisse.auth.models import ApiToken, AuditEvent, LoginFailure, Role, RoleGrant, User, UserSession
from caisse.caisses.models import Caisse, RuleSet
from caisse.cycle.models import PeriodClose, WithheldAllocation
from caisse.db.base import Base
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.money.models import ContributionPayment, OperatingCost, Subsidy, SubsidySource

__all__ = [
    "AccountKind",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Caisse",
    "ContributionPayment",
    "EntryKind",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "LoginFailure",
    "Member",
    "MemberStatus",
    "MemberStatusChange",
    "OperatingCost",
    "PeriodClose",
    "Role",
    "RoleGrant",
    "RuleSet",
    "Subsidy",
    "SubsidySource",
    "User",
    "UserSession",
    "WithheldAllocation",
]
