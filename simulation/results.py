"""From the chunks' outcomes to the forecast: per-path arrays (:class:`PathResults`) and the summary
written by ``caisse simulate --json`` (:class:`SimulationResult`, DESIGN.md §3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import numpy as np

from simulation.engines.common import ChunkOutcome
from simulation.types import FloatArray, PathsByMonths


@dataclass(frozen=True)
class PathResults:
    """Every path of a run, in path order: (N, M) `reserve`, `net_flow`, `members`; (N,) horizon
    totals of contributions paid and allocations credited (€); (M,) sums over paths of the monthly
    flows (€); (10,) member-months and net transfers (€) by national income decile."""

    reserve: PathsByMonths
    net_flow: PathsByMonths
    members: PathsByMonths
    contributions_total: FloatArray
    allocations_total: FloatArray
    sums: dict[str, FloatArray]
    member_months: FloatArray
    net_transfer: FloatArray

    @property
    def paths(self) -> int:
        return int(self.reserve.shape[0])


MONTHLY_SUMS = ("contributions", "allocations", "subsidies", "redemptions", "costs", "outstanding", "expired")


def combine(outcomes: Sequence[ChunkOutcome]) -> PathResults:
    """Join chunk outcomes in chunk order, whatever order they finished in."""
    ordered = sorted(outcomes, key=lambda outcome: outcome.index)
    return PathResults(
        reserve=np.concatenate([o.reserve for o in ordered]),
        net_flow=np.concatenate([o.net_flow for o in ordered]),
        members=np.concatenate([o.members for o in ordered]),
        contributions_total=np.concatenate([o.contributions_total for o in ordered]),
        allocations_total=np.concatenate([o.allocations_total for o in ordered]),
        sums={key: np.sum([getattr(o, key) for o in ordered], axis=0) for key in MONTHLY_SUMS},
        member_months=np.sum([o.member_months for o in ordered], axis=0),
        net_transfer=np.sum([o.net_transfer for o in ordered], axis=0),
    )


class ReserveBands(msgspec.Struct, frozen=True):
    """€ at the end of each month: mean and percentiles 5, 25, 50, 75, 95 over paths."""

    mean: list[float]
    p05: list[float]
    p25: list[float]
    p50: list[float]
    p75: list[float]
    p95: list[float]


class FlowBands(msgspec.Struct, frozen=True):
    """€ in minus € out, each month: mean and percentiles 5, 50, 95."""

    mean: list[float]
    p05: list[float]
    p50: list[float]
    p95: list[float]


class MemberBands(msgspec.Struct, frozen=True):
    """Member households each month: mean and percentiles 5 and 95."""

    mean: list[float]
    p05: list[float]
    p95: list[float]


class Mean(msgspec.Struct, frozen=True):
    """Mean over paths, each month (€)."""

    mean: list[float]


class Depletion(msgspec.Struct, frozen=True):
    """`p_ever`: share of paths whose reserve goes below 0 in some month; `p50`: the month by which
    half the paths have (None if fewer than half ever do)."""

    p_ever: float
    p50: str | None


class Ratio(msgspec.Struct, frozen=True):
    """Mean over paths of contributions paid / allocations credited over the horizon (None without
    allocations)."""

    mean: float | None


class StandardErrors(msgspec.Struct, frozen=True):
    """Monte Carlo standard errors: of P(deficit in any month) and of the mean final reserve (€)."""

    p_deficit_any_month: float
    mean_final_reserve: float


class SimulationResult(msgspec.Struct, frozen=True):
    """The forecast, as ``caisse simulate --json`` writes it (DESIGN.md §3). Money in €, per month."""

    scenario: str
    engine: str
    months: list[str]
    paths: int
    seed: int
    chunk_size: int
    households: int
    types: int
    reserve: ReserveBands
    net_flow: FlowBands
    members: MemberBands
    contributions: Mean
    allocations: Mean
    subsidies: Mean
    redemptions: Mean
    costs: Mean
    outstanding_credit: Mean
    expired_credit: Mean
    p_deficit: list[float]
    depletion_month: Depletion
    self_financing_ratio: Ratio
    net_transfer_by_decile: list[float | None]
    mc_standard_error: StandardErrors


def _cents(values: FloatArray) -> list[float]:
    return [round(float(v), 2) for v in values]


def _percentiles(values: PathsByMonths, levels: tuple[int, ...]) -> dict[str, list[float]]:
    found = np.percentile(values, levels, axis=0)
    return {f"p{level:02d}": _cents(row) for level, row in zip(levels, found, strict=True)}


def _depletion(reserve: PathsByMonths, months: Sequence[str]) -> Depletion:
    ever_by_month = np.logical_or.accumulate(reserve < 0, axis=1).mean(axis=0)
    half = np.flatnonzero(ever_by_month >= 0.5)
    return Depletion(p_ever=float(ever_by_month[-1]), p50=months[int(half[0])] if half.size else None)


def summarise(
    results: PathResults,
    *,
    name: str,
    engine: str,
    months: Sequence[str],
    seed: int,
    chunk_size: int,
    households: int,
    types: int,
) -> SimulationResult:
    """The summary of every path: bands, means, risks and their Monte Carlo standard errors."""
    n = results.paths
    mean = {key: Mean(_cents(value / n)) for key, value in results.sums.items()}
    final = results.reserve[:, -1]
    p_ever = float(np.mean(np.any(results.reserve < 0, axis=1)))
    funded = results.allocations_total > 0
    ratio = results.contributions_total[funded] / results.allocations_total[funded]
    transfer = np.divide(
        results.net_transfer, results.member_months, out=np.full(10, np.nan), where=results.member_months > 0
    )
    return SimulationResult(
        scenario=name,
        engine=engine,
        months=list(months),
        paths=n,
        seed=seed,
        chunk_size=chunk_size,
        households=households,
        types=types,
        reserve=ReserveBands(
            mean=_cents(results.reserve.mean(axis=0)), **_percentiles(results.reserve, (5, 25, 50, 75, 95))
        ),
        net_flow=FlowBands(
            mean=_cents(results.net_flow.mean(axis=0)), **_percentiles(results.net_flow, (5, 50, 95))
        ),
        members=MemberBands(
            mean=_cents(results.members.mean(axis=0)), **_percentiles(results.members, (5, 95))
        ),
        contributions=mean["contributions"],
        allocations=mean["allocations"],
        subsidies=mean["subsidies"],
        redemptions=mean["redemptions"],
        costs=mean["costs"],
        outstanding_credit=mean["outstanding"],
        expired_credit=mean["expired"],
        p_deficit=[float(p) for p in np.mean(results.reserve < 0, axis=0)],
        depletion_month=_depletion(results.reserve, months),
        self_financing_ratio=Ratio(float(ratio.mean()) if ratio.size else None),
        net_transfer_by_decile=[None if np.isnan(t) else round(float(t), 2) for t in transfer],
        mc_standard_error=StandardErrors(
            p_deficit_any_month=float(np.sqrt(p_ever * (1 - p_ever) / n)),
            mean_final_reserve=float(final.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
        ),
    )
