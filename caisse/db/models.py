"""Imports every model so `Base.metadata` is complete (Alembic, tests, create_all)."""

# Conventioning, spending and redemptions are imported whole: each models.py lists its own.
from caisse.auth.models import ApiToken, AuditEvent, LoginFailure, Role, RoleGrant, User, UserSession
from caisse.caisses.models import Caisse, RuleSet
from caisse.cycle.models import PeriodClose, WithheldAllocation
from caisse.db.base import Base
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.money.models import ContributionPayment, OperatingCost, Subsidy, SubsidySource
from caisse.outlets.models import Assessment, Convention, Criterion, Outlet, OutletStatusChange

__all__ = [
    "AccountKind",
    "ApiToken",
    "Assessment",
    "AuditEvent",
    "Base",
    "Caisse",
    "ContributionPayment",
    "Convention",
    "Criterion",
    "EntryKind",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "LoginFailure",
    "Member",
    "MemberStatus",
    "MemberStatusChange",
    "OperatingCost",
    "Outlet",
    "OutletStatusChange",
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
