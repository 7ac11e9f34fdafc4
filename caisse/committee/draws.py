"""Lottery draws: announce one, run it, cancel it, read it.

Commit, then reveal: the seed is drawn at the announcement and kept secret; its commitment
(sha256, `lottery.seed_commitment`) is public from then on, and the seed itself once the draw is
run (or cancelled). Nobody can steer the draw by registering or withdrawing volunteers once they
know the seed, and the caisse cannot change the seed after seeing who volunteered. A draw cannot
be cancelled once registration has closed, so it cannot be re-drawn until the outcome suits.

Times are timezone-aware UTC datetimes; seats are whole people. The draw itself is the pure
`caisse.committee.lottery.draw`; this module only validates, stores and reads.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.committee import lottery
from caisse.committee.locks import lock_row
from caisse.committee.models import DrawStatus, LotteryDraw, LotteryVolunteer
from caisse.committee.strata import cell_key, dimension_problems, stratum_problems
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.text import control_character_problems

MAX_SEATS = 500
SEED_DIGITS = (16, 64)  # 64 to 256 bits
Problems = list[dict[str, object]]


def _invalid(problems: Problems) -> ValidationFailed:
    return ValidationFailed("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems)


def plan_problems(
    seats: int, dimensions: Mapping[str, Sequence[str]], quotas: Sequence[tuple[Mapping[str, str], int]]
) -> Problems:
    """Everything wrong with a draw's seats, dimensions and quotas, one problem per message."""
    problems: Problems = []
    if not 1 <= seats <= MAX_SEATS:
        problems.append({"field": "seats", "message": f"Draw 1 to {MAX_SEATS} seats, got {seats}."})
    dimension_issues = dimension_problems(dimensions)
    problems += [{"field": "dimensions", "message": m} for m in dimension_issues]
    if dimension_issues:
        return problems
    if not quotas:
        problems.append({"field": "quotas", "message": "Give the seats of each cell (stratum)."})
    seen: set[str] = set()
    for index, (stratum, cell_seats) in enumerate(quotas):
        field = f"quotas[{index}]"
        problems += [
            {"field": f"{field}.stratum", "message": m} for m in stratum_problems(stratum, dimensions)
        ]
        key = cell_key(stratum)
        if key in seen:
            problems.append({"field": f"{field}.stratum", "message": f"The cell '{key}' is listed twice."})
        seen.add(key)
        if cell_seats < 0:
            problems.append({"field": f"{field}.seats", "message": "Seats are 0 or more."})
    total = sum(s for _, s in quotas)
    if quotas and total != seats:
        problems.append({"field": "quotas", "message": f"The cells' seats add up to {total}, not {seats}."})
    return problems


def new_seed(given: str | None) -> str:
    """32 fresh hex digits (128 bits) from `secrets`; or `given`, checked and lowercased (only
    the demo builder gives one, for reproducible data: the API and the command line never do)."""
    if given is None:
        return secrets.token_hex(16)
    low, high = SEED_DIGITS
    if not re.fullmatch(rf"[0-9a-fA-F]{{{low},{high}}}", given):
        raise _invalid(
            [{"field": "seed", "message": f"A seed is {low} to {high} hexadecimal digits (0-9, a-f)."}]
        )
    return given.lower()


async def _next_reference(session: AsyncSession, caisse_id: int, year: int) -> str:
    prefix = f"TIRAGE-{year}-"
    count = await session.scalar(
        select(func.count()).where(
            LotteryDraw.caisse_id == caisse_id, LotteryDraw.reference.like(f"{prefix}%")
        )
    )
    return f"{prefix}{int(count or 0) + 1:02d}"


async def announce_draw(
    session: AsyncSession,
    caisse: Caisse,
    *,
    purpose: str,
    description: str,
    seats: int,
    dimensions: Mapping[str, Sequence[str]],
    quotas: Sequence[tuple[Mapping[str, str], int]],
    closes_at: datetime,
    now: datetime,
    seed: str | None = None,
    by_user_id: int | None = None,
) -> LotteryDraw:
    """Announce a draw: reference TIRAGE-<year>-<nn>, a secret seed whose commitment is published
    now, registration open until `closes_at`. ValidationFailed lists every bad field. `seed`:
    for demo data and tests only (see `new_seed`)."""
    problems = plan_problems(seats, dimensions, quotas)
    if not purpose.strip():
        problems.insert(0, {"field": "purpose", "message": "Say what the draw is for (e.g. committee 2027)."})
    if closes_at <= now:
        problems.append({"field": "closes_at", "message": "Registration must close after the announcement."})
    problems += control_character_problems(
        {"purpose": purpose, "description": description}, multiline={"description"}
    )
    if problems:
        raise _invalid(problems)
    chosen_seed = new_seed(seed)
    # Numbering reads then writes: one announcement at a time per caisse.
    await lock_row(session, Caisse, caisse.id)
    draw = LotteryDraw(
        caisse_id=caisse.id,
        reference=await _next_reference(session, caisse.id, now.year),
        purpose=purpose.strip(),
        description=description.strip(),
        seats=seats,
        dimensions=json.dumps({k: list(v) for k, v in dimensions.items()}, ensure_ascii=False),
        quotas=json.dumps([{"stratum": dict(s), "seats": n} for s, n in quotas], ensure_ascii=False),
        seed=chosen_seed,
        announced_at=now,
        closes_at=closes_at,
        status=DrawStatus.ANNOUNCED,
        created_by_user_id=by_user_id,
    )
    session.add(draw)
    await session.flush()
    return draw


def dimensions_of(draw: LotteryDraw) -> dict[str, list[str]]:
    return dict(json.loads(draw.dimensions))


def quotas_of(draw: LotteryDraw) -> list[dict[str, Any]]:
    return list(json.loads(draw.quotas))


def quotas_by_cell(quotas: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Quotas as `lottery.draw` takes them: cell key -> seats."""
    return {cell_key(q["stratum"]): int(q["seats"]) for q in quotas}


async def get_draw(
    session: AsyncSession, caisse_id: int, reference: str, *, lock: bool = False
) -> LotteryDraw:
    found = await session.scalar(
        select(LotteryDraw.id).where(
            LotteryDraw.caisse_id == caisse_id, LotteryDraw.reference == reference.strip().upper()
        )
    )
    draw = None
    if found is not None:
        draw = await lock_row(session, LotteryDraw, found) if lock else await session.get(LotteryDraw, found)
    if draw is None:
        raise NotFound(f"No lottery draw '{reference.strip().upper()}' in this caisse.")
    return draw


async def list_draws(session: AsyncSession, caisse_id: int) -> list[LotteryDraw]:
    """The caisse's draws, newest first."""
    rows = await session.scalars(
        select(LotteryDraw).where(LotteryDraw.caisse_id == caisse_id).order_by(LotteryDraw.id.desc())
    )
    return list(rows)


async def volunteers_of(session: AsyncSession, draw_id: int) -> list[LotteryVolunteer]:
    """The draw's volunteers in registration order."""
    rows = await session.scalars(
        select(LotteryVolunteer).where(LotteryVolunteer.draw_id == draw_id).order_by(LotteryVolunteer.number)
    )
    return list(rows)


async def volunteer_counts(session: AsyncSession, caisse_id: int) -> dict[int, int]:
    """Draw id -> number of volunteers, for the caisse's draws that have any."""
    rows = await session.execute(
        select(LotteryVolunteer.draw_id, func.count())
        .join(LotteryDraw, LotteryDraw.id == LotteryVolunteer.draw_id)
        .where(LotteryDraw.caisse_id == caisse_id)
        .group_by(LotteryVolunteer.draw_id)
    )
    return {draw_id: count for draw_id, count in rows}


def _check_open_status(draw: LotteryDraw, doing: str) -> None:
    if draw.status is DrawStatus.DRAWN:
        raise Conflict(
            f"{draw.reference} was already drawn on {draw.drawn_at:%Y-%m-%d %H:%M} UTC: cannot {doing}."
        )
    if draw.status is DrawStatus.CANCELLED:
        raise Conflict(f"{draw.reference} was cancelled: cannot {doing}.")


async def run_draw(session: AsyncSession, caisse: Caisse, reference: str, *, now: datetime) -> LotteryDraw:
    """Draw once registration has closed; the result is stored and public from now on."""
    draw = await get_draw(session, caisse.id, reference, lock=True)
    _check_open_status(draw, "draw it again")
    if now < draw.closes_at:
        raise Conflict(
            f"Registration for {draw.reference} is open until {draw.closes_at:%Y-%m-%d %H:%M} UTC: "
            "draw after it closes."
        )
    pool = [(v.pseudonym, json.loads(v.stratum)) for v in await volunteers_of(session, draw.id)]
    result = lottery.draw(pool, quotas_by_cell(quotas_of(draw)), draw.seed)
    draw.result = json.dumps(result.to_dict(), ensure_ascii=False)
    draw.status = DrawStatus.DRAWN
    draw.drawn_at = now
    await session.flush()
    return draw


async def cancel_draw(
    session: AsyncSession, caisse: Caisse, reference: str, *, reason: str, now: datetime
) -> LotteryDraw:
    """Cancel a draw while its registration is open (the record stays public, marked cancelled,
    and its seed is revealed). Conflict once registration has closed: the pool is known then, and
    cancelling to announce again would be drawing again until the outcome suits."""
    draw = await get_draw(session, caisse.id, reference, lock=True)
    _check_open_status(draw, "cancel it")
    if now >= draw.closes_at:
        raise Conflict(
            f"Registration for {draw.reference} closed at {draw.closes_at:%Y-%m-%d %H:%M} UTC: the draw can "
            "no longer be cancelled. Run it; its result is public and anyone can check it."
        )
    problems: Problems = []
    if not reason.strip():
        problems.append({"field": "reason", "message": "Say why the draw is cancelled."})
    problems += control_character_problems({"reason": reason}, multiline={"reason"})
    if problems:
        raise _invalid(problems)
    draw.status = DrawStatus.CANCELLED
    draw.cancelled_reason = reason.strip()
    await session.flush()
    return draw
