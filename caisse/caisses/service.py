"""Creating caisses and voting in their dated rule sets."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse import rules
from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.caisses.limits import qualified_fraction_problems
from caisse.caisses.locking import lock_caisse
from caisse.caisses.models import Caisse, RuleSet
from caisse.cycle.models import PeriodClose
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.ledger.accounts import open_caisse_accounts
from caisse.outlets.iban import normalise_bic, normalise_iban
from caisse.periods import check_month
from caisse.text import control_character_problems, refuse_control_characters

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


async def create_caisse(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    first_month: str,
    rule_set: rules.RuleSet,
    preset: str | None = None,
    territory: str = "",
    credit_lifetime_months: int | None = None,
    credit_requires_payment: bool = False,
    member_code_prefix: str = "M",
) -> Caisse:
    """A new caisse with its chart of accounts and its first rule set (from `first_month`)."""
    if not SLUG.match(slug):
        raise ValidationFailed("The slug takes 2–63 lowercase letters, digits and dashes, e.g. 'lyon-8e'.")
    check_month(first_month)
    if credit_lifetime_months is not None and credit_lifetime_months < 1:
        raise ValidationFailed("credit_lifetime_months must be 1 or more (or empty: credit carries over).")
    if not re.fullmatch(r"[A-Z0-9]{1,8}", member_code_prefix):
        raise ValidationFailed("The member code prefix takes 1–8 capital letters or digits.")
    refuse_control_characters({"name": name, "territory": territory})
    if await session.scalar(select(func.count()).where(Caisse.slug == slug)):
        raise Conflict(f"A caisse '{slug}' already exists.")
    caisse = Caisse(
        slug=slug,
        name=name.strip() or slug,
        territory=territory,
        first_month=first_month,
        credit_lifetime_months=credit_lifetime_months,
        credit_requires_payment=credit_requires_payment,
        member_code_prefix=member_code_prefix,
    )
    session.add(caisse)
    await session.flush()
    await open_caisse_accounts(session, caisse.id)
    await adopt_rule_set(session, caisse, rule_set, effective_from=first_month, preset=preset)
    return caisse


SETTINGS = (
    "name",
    "territory",
    "convention_term_months",
    "ballot_quorum_percent",
    "ballot_decision_rule",
    "ballot_qualified_numerator",
    "ballot_qualified_denominator",
    "ballot_open_days",
    "refund_window_days",
    "bank_account_name",
    "bank_iban",
    "bank_bic",
)


TEXT_SETTINGS = ("name", "territory", "bank_account_name")


def _clean_settings(caisse: Caisse, changes: dict[str, Any]) -> dict[str, Any]:
    """Check a settings change as a whole; 422 naming each bad field, nothing applied."""
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise ValidationFailed(f"Unknown setting(s): {', '.join(unknown)}.")
    clean = dict(changes)
    problems: list[dict[str, object]] = []
    for name in TEXT_SETTINGS:
        if isinstance(clean.get(name), str):
            clean[name] = clean[name].strip()
    if clean.get("name") == "":
        problems.append({"field": "name", "message": "The caisse needs a name."})
    problems += control_character_problems(
        {name: clean[name] for name in TEXT_SETTINGS if isinstance(clean.get(name), str)}
    )
    for name, normalise in (("bank_iban", normalise_iban), ("bank_bic", normalise_bic)):
        if clean.get(name) is not None:
            try:
                clean[name] = normalise(str(clean[name]))
            except ValueError as exc:
                problems.append({"field": name, "message": str(exc)})
    numerator = clean.get("ballot_qualified_numerator", caisse.ballot_qualified_numerator)
    denominator = clean.get("ballot_qualified_denominator", caisse.ballot_qualified_denominator)
    problems += qualified_fraction_problems(numerator, denominator, field="ballot_qualified_numerator")
    if problems:
        raise ValidationFailed("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems)
    return clean


async def update_settings(
    session: AsyncSession, caisse: Caisse, changes: dict[str, Any], *, actor: Actor | None = None
) -> Caisse:
    """Apply an admin's change of the caisse's settings (all or nothing), audit-logged."""
    clean = _clean_settings(caisse, changes)
    locked = await lock_caisse(session, caisse)
    for name, value in clean.items():
        setattr(locked, name, value)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        caisse_id=locked.id,
        action="caisse.settings",
        subject_type="caisse",
        subject_ids=[locked.id],
        fields=sorted(clean),
    )
    return locked


async def adopt_rule_set(
    session: AsyncSession,
    caisse: Caisse,
    rule_set: rules.RuleSet,
    *,
    effective_from: str,
    preset: str | None = None,
    created_by_user_id: int | None = None,
) -> RuleSet:
    """Put a new grid in force from a month on. Closed months keep the rules they were billed with.

    The caisse is locked first, so a close running at the same time either finishes before (and
    the month is refused here as closed) or starts after (and bills with the new rules).
    """
    check_month(effective_from)
    caisse = await lock_caisse(session, caisse)
    if effective_from < caisse.first_month:
        raise ValidationFailed(f"The caisse starts in {caisse.first_month}; rules cannot start before it.")
    last_closed = await session.scalar(
        select(func.max(PeriodClose.month)).where(PeriodClose.caisse_id == caisse.id)
    )
    if last_closed is not None and effective_from <= last_closed:
        raise Conflict(
            f"{last_closed} is already closed; new rules can take effect from the next open month on."
        )
    if await session.scalar(
        select(func.count()).where(RuleSet.caisse_id == caisse.id, RuleSet.effective_from == effective_from)
    ):
        raise Conflict(f"A rule set already takes effect in {effective_from}.")
    row = RuleSet(
        caisse_id=caisse.id,
        effective_from=effective_from,
        preset=preset,
        # Stored with the adoption month, so the row and its definition always agree.
        definition=msgspec.json.encode(
            msgspec.structs.replace(rule_set, effective_from=effective_from)
        ).decode(),
        created_by_user_id=created_by_user_id,
    )
    session.add(row)
    await session.flush()
    return row


def decode_rule_set(row: RuleSet) -> rules.RuleSet:
    return msgspec.json.decode(row.definition, type=rules.RuleSet)


async def rule_set_in_force(session: AsyncSession, caisse_id: int, month: str) -> RuleSet:
    row = await session.scalar(
        select(RuleSet)
        .where(RuleSet.caisse_id == caisse_id, RuleSet.effective_from <= month)
        .order_by(RuleSet.effective_from.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"No contribution and allocation rules are in force in {month}.")
    return row


async def get_caisse(session: AsyncSession, slug: str) -> Caisse:
    caisse = await session.scalar(select(Caisse).where(Caisse.slug == slug))
    if caisse is None:
        raise NotFound(f"No caisse '{slug}'.")
    return caisse


# --- what the HTTP API and the command line need on top ------------------------------------


def preset_rule_set(preset: str, effective_from: str) -> rules.RuleSet:
    """The current rules of a preset, put in force from `effective_from` ("YYYY-MM").
    An unknown name is a ValidationFailed listing the known presets."""
    check_month(effective_from)
    try:
        found = rules.get_preset(preset)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    return msgspec.structs.replace(found.latest, effective_from=effective_from)


def rule_set_from_definition(definition: dict[str, Any], effective_from: str) -> rules.RuleSet:
    """A rule set from its JSON object, checked by `caisse.rules` (each rule checks its own
    parameters). Its `effective_from`, if given, must agree with the month it is adopted from."""
    check_month(effective_from)
    data = dict(definition)
    given = data.setdefault("effective_from", effective_from)
    if given != effective_from:
        raise ValidationFailed(
            f"The definition says effective_from {given!r} but it is adopted from {effective_from}; "
            "drop one or make them agree."
        )
    try:
        return msgspec.convert(data, rules.RuleSet)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"The rule set is not valid: {exc}") from None


async def list_rule_sets(session: AsyncSession, caisse_id: int) -> list[RuleSet]:
    """Every rule set of the caisse, oldest first."""
    rows = await session.scalars(
        select(RuleSet).where(RuleSet.caisse_id == caisse_id).order_by(RuleSet.effective_from)
    )
    return list(rows)


async def caisses_visible_to(session: AsyncSession, actor: Actor) -> list[Caisse]:
    """The caisses the caller holds a role in; every caisse for a superuser."""
    query = select(Caisse).order_by(Caisse.slug)
    if not actor.is_superuser:
        query = query.where(Caisse.slug.in_(sorted(actor.grants)))
    return list(await session.scalars(query))


async def all_caisses(session: AsyncSession) -> list[Caisse]:
    return list(await session.scalars(select(Caisse).order_by(Caisse.slug)))


async def create_caisse_with_preset(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    first_month: str,
    preset: str,
    territory: str = "",
    credit_lifetime_months: int | None = None,
    credit_requires_payment: bool = False,
    member_code_prefix: str = "M",
) -> Caisse:
    """`create_caisse` with the current rules of a named preset, in force from `first_month`."""
    return await create_caisse(
        session,
        slug=slug,
        name=name,
        first_month=first_month,
        rule_set=preset_rule_set(preset, first_month),
        preset=preset,
        territory=territory,
        credit_lifetime_months=credit_lifetime_months,
        credit_requires_payment=credit_requires_payment,
        member_code_prefix=member_code_prefix,
    )


async def adopt(
    session: AsyncSession,
    caisse: Caisse,
    *,
    effective_from: str,
    preset: str | None = None,
    definition: dict[str, Any] | None = None,
    created_by_user_id: int | None = None,
) -> RuleSet:
    """Adopt new rules from `effective_from` on: a preset's current rules, or a full definition
    (exactly one of the two). Months already closed are refused (Conflict)."""
    if (preset is None) == (definition is None):
        raise ValidationFailed("Give either a preset name or a rule set definition (exactly one).")
    rule_set = (
        preset_rule_set(preset, effective_from)
        if preset is not None
        else rule_set_from_definition(definition or {}, effective_from)
    )
    return await adopt_rule_set(
        session,
        caisse,
        rule_set,
        effective_from=effective_from,
        preset=preset,
        created_by_user_id=created_by_user_id,
    )


async def caisse_for_command(session: AsyncSession, slug: str | None) -> Caisse:
    """The caisse a command acts on: the one named, or else the only one there is."""
    if slug is not None:
        return await get_caisse(session, slug)
    slugs = list(await session.scalars(select(Caisse.slug).order_by(Caisse.slug).limit(11)))
    if len(slugs) == 1:
        return await get_caisse(session, slugs[0])
    if not slugs:
        raise NotFound("There is no caisse yet; create one with `caisse caisses create`.")
    listed = ", ".join(slugs[:10]) + (", …" if len(slugs) > 10 else "")
    raise ValidationFailed(f"There are several caisses ({listed}); name one with --caisse SLUG.")
