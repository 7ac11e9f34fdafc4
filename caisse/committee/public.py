"""The public record of a draw, and its verification by anyone who saved it.

The record carries no personal data: volunteers appear as pseudonym and stratum only. From the
announcement it shows the seed's commitment (sha256 of the seed); once drawn (or cancelled), the
seed itself, and once drawn, the result. `verify` checks the seed against the commitment and
re-runs the pure draw from the record alone, listing every difference with the published result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import msgspec

from caisse.committee.lottery import ALGORITHM, DrawResult, draw, seed_commitment
from caisse.committee.models import DrawStatus, LotteryDraw, LotteryVolunteer
from caisse.committee.strata import cell_key


class PublicVolunteer(msgspec.Struct, frozen=True, kw_only=True):
    pseudonym: str
    stratum: dict[str, str]


class PublicQuota(msgspec.Struct, frozen=True, kw_only=True):
    stratum: dict[str, str]
    seats: int


class PublicCell(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    stratum: dict[str, str]
    quota: int
    available: int
    selected: list[str]
    reserve: list[str]
    shortfall: int


class PublicResult(msgspec.Struct, frozen=True, kw_only=True):
    algorithm: str
    seed: str
    cells: list[PublicCell]
    selected: list[str]
    shortfall: int


class PublicDrawSummary(msgspec.Struct, frozen=True, kw_only=True):
    """`seed` is null until the draw is run or cancelled; `seed_commitment` is its sha256."""

    reference: str
    purpose: str
    status: str
    seats: int
    seed_commitment: str
    seed: str | None
    announced_at: datetime
    closes_at: datetime
    drawn_at: datetime | None
    volunteers: int


class PublicDraw(msgspec.Struct, frozen=True, kw_only=True):
    """Everything needed to re-run the draw (`caisse committee lottery verify FILE.json`).

    `seed_commitment`: sha256 (hex) of the seed's lowercase hex digits, public from the
    announcement; `seed`: null until the draw is run or cancelled."""

    reference: str
    purpose: str
    description: str
    status: str
    algorithm: str
    seats: int
    dimensions: dict[str, list[str]]
    quotas: list[PublicQuota]
    seed_commitment: str
    seed: str | None
    announced_at: datetime
    closes_at: datetime
    drawn_at: datetime | None
    cancelled_reason: str
    volunteers: list[PublicVolunteer]
    result: PublicResult | None


def revealed_seed(row: LotteryDraw) -> str | None:
    """The seed, once it can no longer steer anything: the draw was run or cancelled."""
    return row.seed if row.status in (DrawStatus.DRAWN, DrawStatus.CANCELLED) else None


def summary_of(row: LotteryDraw, volunteers: int) -> PublicDrawSummary:
    return PublicDrawSummary(
        reference=row.reference, purpose=row.purpose, status=row.status.value, seats=row.seats,
        seed_commitment=seed_commitment(row.seed), seed=revealed_seed(row), announced_at=row.announced_at,
        closes_at=row.closes_at, drawn_at=row.drawn_at, volunteers=volunteers,
    )  # fmt: skip


def record_of(row: LotteryDraw, volunteers: Sequence[LotteryVolunteer]) -> PublicDraw:
    """The public record of a draw (volunteers in registration order)."""
    result = None if row.result is None else msgspec.convert(json.loads(row.result), PublicResult)
    return PublicDraw(
        reference=row.reference, purpose=row.purpose, description=row.description, status=row.status.value,
        algorithm=ALGORITHM, seats=row.seats, dimensions=json.loads(row.dimensions),
        quotas=[msgspec.convert(q, PublicQuota) for q in json.loads(row.quotas)],
        seed_commitment=seed_commitment(row.seed), seed=revealed_seed(row),
        announced_at=row.announced_at, closes_at=row.closes_at, drawn_at=row.drawn_at,
        cancelled_reason=row.cancelled_reason,
        volunteers=[
            PublicVolunteer(pseudonym=v.pseudonym, stratum=json.loads(v.stratum)) for v in volunteers
        ],
        result=result,
    )  # fmt: skip


@dataclass(frozen=True)
class Verification:
    """`matches` is True when re-running the draw gives exactly the published result."""

    reference: str
    matches: bool
    differences: list[str]
    rerun: DrawResult


def parse_record(data: bytes) -> PublicDraw:
    """A saved public record; ValueError naming what is wrong with the file."""
    try:
        return msgspec.json.decode(data, type=PublicDraw)
    except msgspec.ValidationError as exc:
        raise ValueError(f"Not a lottery record: {exc}") from None
    except msgspec.DecodeError as exc:
        raise ValueError(f"Not JSON: {exc}") from None


def verify(record: PublicDraw, *, commitment: str | None = None) -> Verification:
    """Check the record's seed against its commitment (and against `commitment`, the one saved
    from the announcement, when given), re-run the draw from the record's volunteers, quotas and
    seed, and compare with its result."""
    if record.algorithm != ALGORITHM:
        raise ValueError(f"This record uses algorithm '{record.algorithm}'; this program runs '{ALGORITHM}'.")
    if record.result is None:
        raise ValueError(f"{record.reference} has not been drawn yet ({record.status}): nothing to verify.")
    if record.seed is None:
        raise ValueError(f"{record.reference} shows no seed: save the record published after the draw.")
    quotas = {cell_key(q.stratum): q.seats for q in record.quotas}
    rerun = draw([(v.pseudonym, v.stratum) for v in record.volunteers], quotas, record.seed)
    differences: list[str] = []
    revealed = seed_commitment(rerun.seed)
    if revealed != record.seed_commitment.strip().lower():
        differences.append(
            f"the seed {rerun.seed} does not match the commitment published at the announcement "
            f"({record.seed_commitment}): its sha256 is {revealed}"
        )
    if commitment is not None and revealed != commitment.strip().lower():
        differences.append(
            f"the seed {rerun.seed} does not match the commitment you saved ({commitment.strip()}): "
            f"its sha256 is {revealed}"
        )
    if sum(quotas.values()) != record.seats:
        differences.append(f"the quotas add up to {sum(quotas.values())} seats, not {record.seats}")
    if record.result.seed.lower() != rerun.seed:
        differences.append(
            f"the result was drawn with seed {record.result.seed}, not the revealed {record.seed}"
        )
    published = {c.key: c for c in record.result.cells}
    for cell in rerun.cells:
        shown = published.pop(cell.key, None)
        if shown is None:
            differences.append(f"cell '{cell.key}' is missing from the published result")
            continue
        for name, ours, theirs in (
            ("selected", list(cell.selected), shown.selected),
            ("reserve", list(cell.reserve), shown.reserve),
            ("quota", cell.quota, shown.quota),
        ):
            if ours != theirs:
                differences.append(f"cell '{cell.key}': {name} should be {ours}, published {theirs}")
    differences += [f"cell '{key}' is published but has no quota and no volunteer" for key in published]
    if list(rerun.selected) != record.result.selected:
        differences.append(f"selected should be {list(rerun.selected)}, published {record.result.selected}")
    return Verification(record.reference, not differences, differences, rerun)
