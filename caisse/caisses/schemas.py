"""Request and response bodies of the caisse routes: caisses, their settings and dated rule sets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from caisse.auth.actor import Actor
from caisse.caisses.limits import MAX_CONVENTION_TERM_MONTHS, MAX_QUALIFIED_DENOMINATOR
from caisse.caisses.models import Caisse, DecisionRule, RuleSet

Month = Annotated[str, Meta(min_length=7, max_length=7, examples=["2027-01"])]


class NewCaisseRequest(msgspec.Struct, forbid_unknown_fields=True):
    slug: Annotated[str, Meta(min_length=1, max_length=63)]
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    first_month: Month
    # A preset of `caisse.rules` (see `caisse rules list`); its current rules apply from first_month.
    preset: Annotated[str, Meta(min_length=1, max_length=64)]
    territory: Annotated[str, Meta(max_length=200)] = ""
    # Months a credited allocation stays spendable; None: unspent credit carries over.
    credit_lifetime_months: Annotated[int, Meta(ge=1, le=1200)] | None = None
    credit_requires_payment: bool = False
    member_code_prefix: Annotated[str, Meta(min_length=1, max_length=8)] = "M"


class CaisseSettingsPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The caisse's settings an admin may change; fields left out keep their value.

    `bank_*` fields accept null to clear them. Ballot settings are the defaults of new ballots."""

    name: Annotated[str, Meta(min_length=1, max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    territory: Annotated[str, Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    convention_term_months: Annotated[int, Meta(ge=1, le=MAX_CONVENTION_TERM_MONTHS)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    ballot_quorum_percent: Annotated[int, Meta(ge=0, le=100)] | msgspec.UnsetType = msgspec.UNSET
    ballot_decision_rule: DecisionRule | msgspec.UnsetType = msgspec.UNSET
    # The fraction itself (above 1/2, below 1) is checked by the service, naming the field.
    ballot_qualified_numerator: (
        Annotated[int, Meta(ge=1, le=MAX_QUALIFIED_DENOMINATOR)] | msgspec.UnsetType
    ) = msgspec.UNSET
    ballot_qualified_denominator: (
        Annotated[int, Meta(ge=1, le=MAX_QUALIFIED_DENOMINATOR)] | msgspec.UnsetType
    ) = msgspec.UNSET
    ballot_open_days: Annotated[int, Meta(ge=1, le=90)] | msgspec.UnsetType = msgspec.UNSET
    refund_window_days: Annotated[int, Meta(ge=0, le=90)] | msgspec.UnsetType = msgspec.UNSET
    bank_account_name: Annotated[str, Meta(min_length=1, max_length=70)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    bank_iban: Annotated[str, Meta(min_length=1, max_length=50)] | msgspec.UnsetType | None = msgspec.UNSET
    bank_bic: Annotated[str, Meta(min_length=1, max_length=20)] | msgspec.UnsetType | None = msgspec.UNSET

    def changes(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not msgspec.UNSET}


class NewRuleSetRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Either a preset's current rules or a full rule set definition, in force from `effective_from`."""

    effective_from: Month
    preset: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    # A `caisse.rules.RuleSet` as JSON: {"contribution": {"kind": ...}, "allocation": {"kind": ...}, ...}.
    definition: dict[str, Any] | None = None


class RuleSetView(msgspec.Struct):
    id: int
    effective_from: str
    preset: str | None
    definition: dict[str, Any]
    created_at: datetime | None
    created_by_user_id: int | None

    @classmethod
    def of(cls, row: RuleSet) -> RuleSetView:
        return cls(
            id=row.id,
            effective_from=row.effective_from,
            preset=row.preset,
            definition=msgspec.json.decode(row.definition),
            created_at=row.created_at,
            created_by_user_id=row.created_by_user_id,
        )


class CaisseSummary(msgspec.Struct):
    slug: str
    name: str
    territory: str
    first_month: str
    # The caller's roles in this caisse (empty for a superuser without a grant there).
    roles: list[str]

    @classmethod
    def of(cls, caisse: Caisse, actor: Actor) -> CaisseSummary:
        return cls(
            slug=caisse.slug,
            name=caisse.name,
            territory=caisse.territory,
            first_month=caisse.first_month,
            roles=sorted(role.value for role in actor.roles_in(caisse.slug)),
        )


class CaisseDetail(msgspec.Struct):
    id: int
    slug: str
    name: str
    territory: str
    first_month: str
    credit_lifetime_months: int | None
    credit_requires_payment: bool
    member_code_prefix: str
    convention_term_months: int
    ballot_quorum_percent: int
    ballot_decision_rule: str
    ballot_qualified_numerator: int
    ballot_qualified_denominator: int
    ballot_open_days: int
    refund_window_days: int
    # The caisse's own account, debtor of outlet payouts (not personal data).
    bank_account_name: str | None
    bank_iban: str | None
    bank_bic: str | None
    created_at: datetime | None
    rule_sets: list[RuleSetView]

    @classmethod
    def of(cls, caisse: Caisse, rule_sets: list[RuleSet]) -> CaisseDetail:
        return cls(
            id=caisse.id,
            slug=caisse.slug,
            name=caisse.name,
            territory=caisse.territory,
            first_month=caisse.first_month,
            credit_lifetime_months=caisse.credit_lifetime_months,
            credit_requires_payment=caisse.credit_requires_payment,
            member_code_prefix=caisse.member_code_prefix,
            convention_term_months=caisse.convention_term_months,
            ballot_quorum_percent=caisse.ballot_quorum_percent,
            ballot_decision_rule=caisse.ballot_decision_rule.value,
            ballot_qualified_numerator=caisse.ballot_qualified_numerator,
            ballot_qualified_denominator=caisse.ballot_qualified_denominator,
            ballot_open_days=caisse.ballot_open_days,
            refund_window_days=caisse.refund_window_days,
            bank_account_name=caisse.bank_account_name,
            bank_iban=caisse.bank_iban,
            bank_bic=caisse.bank_bic,
            created_at=caisse.created_at,
            rule_sets=[RuleSetView.of(row) for row in rule_sets],
        )
