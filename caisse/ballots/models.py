"""Committee ballots and the secret-ballot storage.

What is stored, and what is not (see docs/ballots.md for the threat model):

- `ballot`: the question, its rules and, once closed, the published result. Never touched by a vote.
- `ballot_voter`: the roll — who may vote and whether they have. No time, no choice, nothing else.
- `ballot_tally`: one row of three counters per ballot. Every vote rewrites all three columns.
- `ballot_receipt`: the hash of each voter's receipt code, so the voter can check their vote was
  counted. No time, no sequential id, no choice; on SQLite stored in hash order (WITHOUT ROWID).

No row anywhere holds an individual choice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from caisse.caisses.models import DecisionRule
from caisse.db.base import Base, CreatedAtMixin, IdMixin, UtcDateTime, month_column, str_enum


class BallotKind(enum.StrEnum):
    """What the committee decides. The outlet kinds carry the outlet decision of the same name."""

    CONVENE = "convene"
    RENEW = "renew"
    SUSPEND = "suspend"
    END = "end"
    MOTION = "motion"  # a general motion, optionally adopting a rule set when it passes


OUTLET_KINDS = frozenset({BallotKind.CONVENE, BallotKind.RENEW, BallotKind.SUSPEND, BallotKind.END})


class BallotOutcome(enum.StrEnum):
    PASSED = "passed"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"
    CANCELLED = "cancelled"


class Ballot(IdMixin, CreatedAtMixin, Base):
    """A committee ballot. The `result_*` columns stay empty until it closes (or is cancelled)."""

    __tablename__ = "ballot"
    __table_args__ = (
        Index("ix_ballot_caisse_closes", "caisse_id", "closes_at"),
        Index("ix_ballot_outlet", "outlet_id"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("quorum_percent >= 0 AND quorum_percent <= 100", name="quorum_is_a_percent"),
        CheckConstraint(
            "qualified_numerator > 0 AND qualified_numerator < qualified_denominator",
            name="qualified_fraction_below_one",
        ),
        CheckConstraint("(kind = 'motion') = (outlet_id IS NULL)", name="outlet_unless_motion"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"))
    kind: Mapped[BallotKind] = mapped_column(str_enum(BallotKind, 16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"), nullable=True)
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The rules this ballot is decided by: copied from the caisse when it is created.
    decision_rule: Mapped[DecisionRule] = mapped_column(str_enum(DecisionRule, 24, name="ballot_rule"))
    qualified_numerator: Mapped[int] = mapped_column(Integer)
    qualified_denominator: Mapped[int] = mapped_column(Integer)
    quorum_percent: Mapped[int] = mapped_column(Integer)
    # A motion may adopt a rule set when it passes: the exact rules voted on, as msgspec JSON of
    # caisse.rules.RuleSet, in force from `rule_set_effective_from`.
    rule_set_effective_from: Mapped[str | None] = month_column(nullable=True)
    rule_set_preset: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rule_set_definition: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    # The published result, set once when the ballot closes or is cancelled.
    outcome: Mapped[BallotOutcome | None] = mapped_column(str_enum(BallotOutcome, 16), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    result_for: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_against: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_abstain: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_votes_cast: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_receipts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Voters on the roll who were not recused, and those recused (a link to the outlet).
    result_eligible: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_recused: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quorum_met: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # What the result did: the outlet's status change, or the rule set adopted.
    applied_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("outlet_status_change.id"), nullable=True
    )
    applied_rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("rule_set.id"), nullable=True)
    # One line saying what the result changed, or why it could not be applied.
    effect: Mapped[str] = mapped_column(String(500), default="")


class BallotVoter(Base):
    """One line of a ballot's roll. Deliberately nothing but these four columns: no time, no id,
    no choice. `has_voted` turns true in the same transaction that adds the vote to the tally."""

    __tablename__ = "ballot_voter"

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    recused: Mapped[bool] = mapped_column(Boolean, default=False)
    has_voted: Mapped[bool] = mapped_column(Boolean, default=False)


class BallotTally(Base):
    """The running count of a ballot. Each vote rewrites the three counters together (adding 1 to
    one, 0 to the others), so no column — nor PostgreSQL's xmin — says which one last changed."""

    __tablename__ = "ballot_tally"
    __table_args__ = (
        CheckConstraint(
            "for_count >= 0 AND against_count >= 0 AND abstain_count >= 0", name="counts_not_negative"
        ),
    )

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id"), primary_key=True)
    for_count: Mapped[int] = mapped_column(Integer, default=0)
    against_count: Mapped[int] = mapped_column(Integer, default=0)
    abstain_count: Mapped[int] = mapped_column(Integer, default=0)


class BallotReceipt(Base):
    """Proof that a vote was counted: sha256 (hex) of the code given once to the voter.

    The hash is the primary key and there is no other column to sort by. On SQLite the table is
    WITHOUT ROWID, so rows are stored in hash order, not in the order votes arrived."""

    __tablename__ = "ballot_receipt"
    __table_args__ = (
        Index("ix_ballot_receipt_ballot", "ballot_id"),
        {"sqlite_with_rowid": False},
    )

    receipt_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id"))
