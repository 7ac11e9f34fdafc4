"""Imports every model so `Base.metadata` is complete (Alembic, tests, create_all)."""

from caisse.auth.models import ApiToken, AuditEvent, LoginFailure, Role, RoleGrant, User, UserSession
from caisse.ballots.models import Ballot, BallotReceipt, BallotTally, BallotVoter
from caisse.caisses.models import Caisse, RuleSet
from caisse.committee.lottery_models import LotteryDraw, LotteryVolunteer
from caisse.committee.models import CommitteeMembership, DeclaredLink
from caisse.cycle.models import PeriodClose, WithheldAllocation
from caisse.db.base import Base
from caisse.ledger import carried  # noqa: F401  (the trigger keeping the carried balances)
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount, LedgerMonth
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.money.models import ContributionPayment, OperatingCost, Subsidy, SubsidySource
from caisse.outlets.models import Assessment, Convention, Criterion, Outlet, OutletStatusChange
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionEvent
from caisse.simulations.models import SimulationRun
from caisse.spending.models import MemberPin, OutletPayment

__all__ = [
    "AccountKind",
    "ApiToken",
    "Assessment",
    "AuditEvent",
    "Ballot",
    "BallotReceipt",
    "BallotTally",
    "BallotVoter",
    "Base",
    "Caisse",
    "CommitteeMembership",
    "ContributionPayment",
    "Convention",
    "Criterion",
    "DeclaredLink",
    "EntryKind",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "LedgerMonth",
    "LoginFailure",
    "LotteryDraw",
    "LotteryVolunteer",
    "Member",
    "MemberPin",
    "MemberStatus",
    "MemberStatusChange",
    "OperatingCost",
    "Outlet",
    "OutletPayment",
    "OutletStatusChange",
    "PayoutBatch",
    "PeriodClose",
    "Redemption",
    "RedemptionEvent",
    "Role",
    "RoleGrant",
    "RuleSet",
    "SimulationRun",
    "Subsidy",
    "SubsidySource",
    "User",
    "UserSession",
    "WithheldAllocation",
]
