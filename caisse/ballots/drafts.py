"""Checking a new ballot as a whole before anything is written: one 422 naming every bad field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from caisse import rules as caisse_rules
from caisse.ballots.models import OUTLET_KINDS, BallotKind
from caisse.ballots.rules import Rules, fraction_problems
from caisse.caisses.models import Caisse, DecisionRule
from caisse.caisses.service import preset_rule_set, rule_set_from_definition
from caisse.errors import ValidationFailed
from caisse.http.params import MAX_ID
from caisse.text import control_character_problems

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
# A ballot asked to open "now" from a client whose clock runs a little behind is still fine.
CLOCK_SKEW = timedelta(minutes=5)
LONGEST_BALLOT = timedelta(days=366)


@dataclass(frozen=True)
class RuleSetProposal:
    """What a motion adopts if it passes: a preset's current rules or a full definition."""

    effective_from: str
    preset: str | None = None
    definition: dict[str, Any] | None = None


@dataclass(frozen=True)
class BallotInput:
    """A new ballot as received (text and numbers, unchecked). None: the caisse's default."""

    title: str
    kind: str
    description: str = ""
    outlet_id: int | None = None
    opens_at: str | datetime | None = None
    closes_at: str | datetime | None = None
    decision_rule: str | None = None
    qualified_numerator: int | None = None
    qualified_denominator: int | None = None
    quorum_percent: int | None = None
    rule_set: RuleSetProposal | None = None


@dataclass(frozen=True)
class Draft:
    """A checked ballot: UTC times, the rules it is decided by, the rule set a motion adopts."""

    kind: BallotKind
    title: str
    description: str
    outlet_id: int | None
    opens_at: datetime
    closes_at: datetime
    rules: Rules
    rule_set: caisse_rules.RuleSet | None
    rule_set_preset: str | None


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, object]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            detail = "; ".join(f"{p['field']}: {p['message']}" for p in self.items)
            raise ValidationFailed(detail, self.items)


def parse_moment(value: str | datetime, field: str, problems: _Problems) -> datetime | None:
    """An ISO 8601 time with its zone (e.g. 2027-03-01T18:00:00Z), as UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            problems.add(field, f"'{value}' is not a time; write it like 2027-03-01T18:00:00Z.")
            return None
    if moment.tzinfo is None:
        problems.add(field, "give the time zone, e.g. 2027-03-01T18:00:00Z (UTC) or +01:00.")
        return None
    return moment.astimezone(UTC)


def _times(raw: BallotInput, caisse: Caisse, now: datetime, problems: _Problems) -> tuple[datetime, datetime]:
    opens_at = now if raw.opens_at is None else parse_moment(raw.opens_at, "opens_at", problems)
    if opens_at is not None and opens_at < now - CLOCK_SKEW:
        problems.add("opens_at", "is in the past; leave it out to open the ballot now.")
    start = opens_at or now
    if raw.closes_at is None:
        closes_at: datetime | None = start + timedelta(days=caisse.ballot_open_days)
    else:
        closes_at = parse_moment(raw.closes_at, "closes_at", problems)
    if closes_at is not None and closes_at <= start:
        problems.add("closes_at", "must be after the opening time.")
    elif closes_at is not None and closes_at - start > LONGEST_BALLOT:
        problems.add("closes_at", "a ballot stays open at most 366 days.")
    return start, closes_at or start


def _rules(raw: BallotInput, caisse: Caisse, problems: _Problems) -> Rules:
    rule = caisse.ballot_decision_rule
    if raw.decision_rule is not None:
        try:
            rule = DecisionRule(raw.decision_rule)
        except ValueError:
            known = ", ".join(r.value for r in DecisionRule)
            problems.add("decision_rule", f"unknown rule '{raw.decision_rule}'; one of: {known}.")
    numerator = caisse.ballot_qualified_numerator
    if raw.qualified_numerator is not None:
        numerator = raw.qualified_numerator
    denominator = caisse.ballot_qualified_denominator
    if raw.qualified_denominator is not None:
        denominator = raw.qualified_denominator
    if raw.qualified_numerator is not None or raw.qualified_denominator is not None:
        for item in fraction_problems(numerator, denominator):
            problems.add(str(item["field"]), str(item["message"]))
    quorum = caisse.ballot_quorum_percent if raw.quorum_percent is None else raw.quorum_percent
    if not 0 <= quorum <= 100:
        problems.add(
            "quorum_percent", f"a quorum is a percentage of the eligible voters, 0 to 100, got {quorum}."
        )
    return Rules(rule, numerator, denominator, quorum)


def _rule_set(
    raw: BallotInput, kind: BallotKind | None, caisse: Caisse, problems: _Problems
) -> caisse_rules.RuleSet | None:
    proposal = raw.rule_set
    if proposal is None:
        return None
    if kind is not None and kind is not BallotKind.MOTION:
        problems.add("rule_set", "only a motion adopts a rule set.")
        return None
    if (proposal.preset is None) == (proposal.definition is None):
        problems.add("rule_set", "give either a preset name or a rule set definition (exactly one).")
        return None
    try:
        if proposal.preset is not None:
            found = preset_rule_set(proposal.preset, proposal.effective_from)
        else:
            found = rule_set_from_definition(proposal.definition or {}, proposal.effective_from)
    except ValidationFailed as exc:
        problems.add("rule_set", exc.detail)
        return None
    if proposal.effective_from < caisse.first_month:
        problems.add(
            "rule_set.effective_from",
            f"the caisse starts in {caisse.first_month}; rules cannot start before.",
        )
    return found


# How demanding a decision rule is: consent (passes unless someone objects) asks most.
RULE_STRENGTH = {DecisionRule.SIMPLE_MAJORITY: 0, DecisionRule.QUALIFIED_MAJORITY: 1, DecisionRule.CONSENT: 2}


def below_caisse_rules(draft: Draft, caisse: Caisse) -> list[dict[str, object]]:
    """What in `draft` asks less than the caisse's own ballot rules: a lower quorum, a weaker
    decision rule (a smaller qualified fraction, or a rule below the caisse's), or a shorter vote
    than `ballot_open_days`. A committee member opening a ballot cannot lower the bar the caisse
    set for every decision; a caisse administrator may (e.g. to record a meeting's vote)."""
    problems = _Problems()
    only_admin = "only an administrator may"
    if draft.rules.quorum_percent < caisse.ballot_quorum_percent:
        quorum = caisse.ballot_quorum_percent
        problems.add("quorum_percent", f"below the caisse's quorum of {quorum} %; {only_admin} lower it.")
    own, theirs = RULE_STRENGTH[draft.rules.rule], RULE_STRENGTH[caisse.ballot_decision_rule]
    weaker_fraction = (
        draft.rules.rule is caisse.ballot_decision_rule is DecisionRule.QUALIFIED_MAJORITY
        and draft.rules.numerator * caisse.ballot_qualified_denominator
        < caisse.ballot_qualified_numerator * draft.rules.denominator
    )
    if own < theirs or weaker_fraction:
        problems.add("decision_rule", f"asks less than the caisse's rule; {only_admin} open such a ballot.")
    if draft.closes_at - draft.opens_at < timedelta(days=caisse.ballot_open_days) - CLOCK_SKEW:
        problems.add("closes_at", (
            f"a ballot of this caisse stays open at least {caisse.ballot_open_days} days, so that every "
            f"member can vote; {only_admin} open a shorter one."
        ))  # fmt: skip
    return problems.items


def check_draft(raw: BallotInput, caisse: Caisse, now: datetime) -> Draft:
    """Check every field of a new ballot (nothing read from the database); ValidationFailed lists
    each problem with its field. `now` is a UTC datetime."""
    problems = _Problems()
    title = raw.title.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        problems.add("title", f"give a title of 1 to {TITLE_MAX} characters.")
    description = raw.description.strip()
    if len(description) > DESCRIPTION_MAX:
        problems.add("description", f"at most {DESCRIPTION_MAX} characters.")
    for item in control_character_problems(
        {"title": title, "description": description}, multiline={"description"}
    ):
        problems.add(str(item["field"]), str(item["message"]))
    kind: BallotKind | None = None
    try:
        kind = BallotKind(raw.kind)
    except ValueError:
        problems.add("kind", f"unknown kind '{raw.kind}'; one of: {', '.join(k.value for k in BallotKind)}.")
    if kind in OUTLET_KINDS and raw.outlet_id is None:
        problems.add("outlet_id", f"a {kind} ballot is about an outlet: give its id.")
    if kind is BallotKind.MOTION and raw.outlet_id is not None:
        problems.add("outlet_id", "a motion is not about one outlet; leave outlet_id out.")
    if raw.outlet_id is not None and not 1 <= raw.outlet_id <= MAX_ID:
        problems.add("outlet_id", "not an outlet id.")
    opens_at, closes_at = _times(raw, caisse, now, problems)
    rules = _rules(raw, caisse, problems)
    rule_set = _rule_set(raw, kind, caisse, problems)
    problems.raise_if_any()
    return Draft(
        kind=BallotKind(raw.kind),
        title=title,
        description=description,
        outlet_id=raw.outlet_id,
        opens_at=opens_at,
        closes_at=closes_at,
        rules=rules,
        rule_set=rule_set,
        rule_set_preset=raw.rule_set.preset if raw.rule_set is not None else None,
    )
