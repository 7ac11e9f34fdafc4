"""What both engines share: the credit's ageing and spending order, the redemption lag, and the book
that turns each month's flows into the reserve (DESIGN.md §4, steps 4–6)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.types import CountsByTypes, CreditByAge, FloatArray, IntArray, PathsByMonths, PathsByTypes

DECILES = 10


def take_oldest_first(credit: CreditByAge, amount: FloatArray) -> CreditByAge:
    """Credit left after spending `amount` (€, shape ``credit.shape[:-1]``), the oldest credit first.

    `amount` must not exceed the credit held. Ages run along the last axis, index 0 the newest.

    >>> take_oldest_first(np.array([[30.0, 20.0, 10.0]]), np.array([25.0])).tolist()
    [[30.0, 5.0, 0.0]]
    """
    if credit.shape[-1] == 1:  # credit that never lapses: one slot, nothing to order (same result)
        kept: CreditByAge = credit - np.clip(amount[..., None], 0.0, credit)
        return kept
    oldest_first = credit[..., ::-1]
    before = np.cumsum(oldest_first, axis=-1) - oldest_first
    taken = np.clip(amount[..., None] - before, 0.0, oldest_first)
    left: CreditByAge = (oldest_first - taken)[..., ::-1]
    return left


def expire_and_age(credit: CreditByAge, lifetime: int | None) -> tuple[CreditByAge, FloatArray]:
    """At the end of a month: the credit in its last month of validity expires, the rest grows one
    month older. Returns (credit for next month, € expired). Without a lifetime nothing expires and
    the single slot holds all the credit.

    >>> left, gone = expire_and_age(np.array([[5.0, 3.0]]), 2)
    >>> left.tolist(), gone.tolist()
    ([[0.0, 5.0]], [3.0])
    """
    if lifetime is None:
        return credit, np.zeros(credit.shape[:-1])
    expired = credit[..., -1].copy()
    aged = np.zeros_like(credit)
    aged[..., 1:] = credit[..., :-1]
    return aged, expired


def redeem(pending: FloatArray, spent: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Outlets redeem what was spent `lag` months ago, `lag` = ``pending.shape[-1]`` (0: this month's
    spending). Returns (pending after this month, € redeemed this month).

    >>> pending, paid = redeem(np.array([[7.0, 9.0]]), np.array([4.0]))
    >>> pending.tolist(), paid.tolist()
    ([[9.0, 4.0]], [7.0])
    """
    if pending.shape[-1] == 0:
        return pending, spent
    redeemed = pending[..., 0].copy()
    shifted = np.empty_like(pending)
    shifted[..., :-1] = pending[..., 1:]
    shifted[..., -1] = spent
    return shifted, redeemed


@dataclass(frozen=True)
class ChunkOutcome:
    """One chunk's results. Per path and month (P, M): `reserve` (€ at the month's end), `net_flow`
    (€ in − € out that month), `members` (member households), `free_reserve` (the reserve less the
    credit outstanding, what a caisse's books give without waiting for redemptions). Summed over the
    chunk's paths, per month (M,): `contributions` paid, `allocations` credited, `subsidies`,
    `redemptions`, `costs`, `outstanding` credit (wallets + spent but not yet redeemed) and `expired`
    credit, in €. Per path
    (P,): `contributions_total`, `allocations_total` over the horizon, €. Per national income decile
    (10,): `member_months` and `net_transfer` (Σ allocation − contribution paid, €)."""

    index: int
    reserve: PathsByMonths
    net_flow: PathsByMonths
    members: PathsByMonths
    free_reserve: PathsByMonths
    contributions: FloatArray
    allocations: FloatArray
    subsidies: FloatArray
    redemptions: FloatArray
    costs: FloatArray
    outstanding: FloatArray
    expired: FloatArray
    contributions_total: FloatArray
    allocations_total: FloatArray
    member_months: FloatArray
    net_transfer: FloatArray


def one_decile_each(decile: IntArray) -> FloatArray:
    """(T, 10) decile shares of types whose households are all in one decile, `decile` (T,).

    >>> one_decile_each(np.array([0, 9]))[:, [0, 9]].tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    one_each: FloatArray = np.eye(DECILES)[decile]
    return one_each


class Book:
    """The chunk's accounts, filled month by month by an engine, then frozen by :meth:`outcome`.

    Reserve(t) = reserve(t − 1) + contributions paid + subsidies − redemptions − costs.
    """

    def __init__(
        self, index: int, paths: int, months: int, initial_reserve: float, decile_share: FloatArray
    ) -> None:
        # (T, 10): the share of each type's households in each decile (one 1 per row for a type).
        self.index, self.decile_share = index, decile_share
        self.cash = np.full(paths, float(initial_reserve))
        series = ("reserve", "net_flow", "members", "free_reserve")
        self.by_path = {key: np.zeros((paths, months)) for key in series}
        self.by_month = {
            key: np.zeros(months)
            for key in (
                "contributions",
                "allocations",
                "subsidies",
                "redemptions",
                "costs",
                "outstanding",
                "expired",
            )
        }
        self.totals = {"contributions_total": np.zeros(paths), "allocations_total": np.zeros(paths)}
        self.deciles = {"member_months": np.zeros(DECILES), "net_transfer": np.zeros(DECILES)}

    def close_month(
        self,
        m: int,
        *,
        members: CountsByTypes,
        paid: PathsByTypes,
        credited: PathsByTypes,
        subsidies: FloatArray,
        redeemed: FloatArray,
        cost: float,
        outstanding: FloatArray,
        expired: FloatArray,
    ) -> None:
        """Record month `m`: member counts, contributions paid and credit allocated per path and type
        (€), then per path the subsidies, redemptions, outstanding and expired credit (€) and the cost."""
        paid_total, credited_total = paid.sum(axis=-1), credited.sum(axis=-1)
        flow = paid_total + subsidies - redeemed - cost
        self.cash = self.cash + flow
        self.by_path["reserve"][:, m] = self.cash
        self.by_path["net_flow"][:, m] = flow
        self.by_path["members"][:, m] = members.sum(axis=-1)
        self.by_path["free_reserve"][:, m] = self.cash - outstanding
        for key, value in (
            ("contributions", paid_total),
            ("allocations", credited_total),
            ("subsidies", subsidies),
            ("redemptions", redeemed),
            ("outstanding", outstanding),
            ("expired", expired),
        ):
            self.by_month[key][m] = value.sum()
        self.by_month["costs"][m] = cost * self.cash.size
        self.totals["contributions_total"] += paid_total
        self.totals["allocations_total"] += credited_total
        self.deciles["member_months"] += members.sum(axis=0) @ self.decile_share
        self.deciles["net_transfer"] += (credited - paid).sum(axis=0) @ self.decile_share

    def outcome(self) -> ChunkOutcome:
        return ChunkOutcome(self.index, **self.by_path, **self.by_month, **self.totals, **self.deciles)
