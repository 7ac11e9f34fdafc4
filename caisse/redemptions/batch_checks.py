"""What a payout batch checks before it writes anything: the request, the redemptions it pays, the
bank details (all missing ones listed at once), what each outlet holds and what the fund holds."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.ledger.accounts import caisse_account_id
from caisse.ledger.balances import account_balance, natural
from caisse.ledger.models import AccountKind
from caisse.outlets.models import Outlet
from caisse.periods import first_day
from caisse.redemptions import sepa
from caisse.redemptions.models import Redemption, RedemptionStatus
from caisse.redemptions.position import outlet_balance

# A batch is for the bank to execute soon: far-dated entries would distort the reports meanwhile.
MAX_DAYS_AHEAD = 60
MAX_REDEMPTIONS = 1000


def check_batch_request(caisse: Caisse, execution_date: date, ids: list[int] | None, today: date) -> None:
    if execution_date < today:
        raise ValidationFailed(
            f"execution_date: {execution_date.isoformat()} is in the past; the bank executes from today "
            f"({today.isoformat()}) on.",
            [{"field": "execution_date", "message": "today or later"}],
        )
    if execution_date > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationFailed(
            f"execution_date: {execution_date.isoformat()} is more than {MAX_DAYS_AHEAD} days ahead; "
            "create the batch closer to the day.",
            [{"field": "execution_date", "message": f"at most {MAX_DAYS_AHEAD} days ahead"}],
        )
    if execution_date < first_day(caisse.first_month):
        raise ValidationFailed(
            f"execution_date: {execution_date.isoformat()} is before the caisse's first month "
            f"({caisse.first_month}).",
            [{"field": "execution_date", "message": "not before the caisse's first month"}],
        )
    if ids is not None:
        if not 1 <= len(ids) <= MAX_REDEMPTIONS:
            raise ValidationFailed(
                f"redemption_ids: name 1 to {MAX_REDEMPTIONS} redemptions, or none for all."
            )
        if len(set(ids)) != len(ids):
            raise ValidationFailed("redemption_ids: a redemption is named twice.")


async def redemptions_to_pay(
    session: AsyncSession, caisse_id: int, ids: list[int] | None
) -> list[Redemption]:
    query = (
        select(Redemption)
        .where(Redemption.caisse_id == caisse_id)
        .order_by(Redemption.id)
        .execution_options(populate_existing=True)
    )
    if ids is None:
        found = list(await session.scalars(query.where(Redemption.status == RedemptionStatus.APPROVED)))
        if not found:
            raise Conflict("No approved redemption to pay: approve requests first.")
        return found
    found = list(await session.scalars(query.where(Redemption.id.in_(ids))))
    missing = sorted(set(ids) - {r.id for r in found})
    if missing:
        raise NotFound(f"No redemption {', '.join(map(str, missing))} in this caisse.")
    refused = [f"{r.id} is {r.status.value}" for r in found if r.status is not RedemptionStatus.APPROVED]
    if refused:
        raise Conflict(f"Only approved redemptions can be paid: {'; '.join(refused)}.")
    return found


def _bank_problems(caisse: Caisse, outlets: list[Outlet]) -> list[dict[str, object]]:
    problems: list[dict[str, object]] = []
    if not caisse.bank_account_name:
        problems.append(
            {"field": "bank_account_name", "message": "The caisse's bank account has no holder name"}
        )
    problems += [
        {"field": "bank_iban" if "IBAN" in text else "bank_bic", "message": text}
        for text in sepa.account_problems("The caisse's bank account", caisse.bank_iban, caisse.bank_bic)
    ]
    for outlet in outlets:
        label = f"{outlet.name} (outlet {outlet.id})"
        problems += [
            {"field": f"outlet {outlet.id}", "message": text}
            for text in sepa.account_problems(label, outlet.iban, outlet.bic)
        ]
    return problems


async def refuse_unpayable(
    session: AsyncSession, caisse: Caisse, outlets: dict[int, Outlet], due: dict[int, int]
) -> int:
    """Raise unless every bank detail is there and every outlet and the fund hold what the batch
    pays out (cents); return the fund's account id."""
    problems = _bank_problems(caisse, list(outlets.values()))
    if problems:
        listed = "; ".join(str(p["message"]) for p in problems)
        raise ValidationFailed(
            f"The payout batch cannot be made: {listed}. Set the caisse's bank account with "
            f"PATCH /api/v1/caisses/{caisse.slug} and the outlets' with PATCH .../outlets/{{id}}.",
            problems,
        )
    short = []
    for oid, cents in due.items():
        held = await outlet_balance(session, caisse.id, oid)
        if cents > held:
            name = outlets[oid].name
            short.append(f"{name} holds {format_euros(held)} but would be paid {format_euros(cents)}")
    if short:
        raise Conflict(
            f"An outlet is paid only what it holds: {'; '.join(short)}. Reject the redemptions it can no "
            "longer cover, then create the batch."
        )
    total = sum(due.values())
    fund_id = await caisse_account_id(session, caisse.id, AccountKind.FUND)
    fund = natural(AccountKind.FUND, await account_balance(session, fund_id))
    if fund < total:
        raise Conflict(
            f"The fund holds {format_euros(fund)}, less than the {format_euros(total)} this batch pays out: "
            "record the money the caisse received first, or pay fewer redemptions."
        )
    return fund_id
