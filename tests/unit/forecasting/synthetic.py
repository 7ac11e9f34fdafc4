"""Caisse histories drawn from known behaviour, to check that calibration finds it again.

The draw follows the month of the simulator and of the demo: members leave, applicants join (who
left never comes back); each member owes a fixed contribution, paid on time, a month late, or
never; each is credited its allocation and spends a Beta-distributed share of its credit;
outlets are paid back the month after; one funder pays every quarter, another once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from caisse import rules
from caisse.forecasting.history import ACTIVE, APPLICANT, LEFT, CaisseHistory, HouseholdHistory
from caisse.money.subsidies import Agreement

COSTS_CENTS = 100_000
QUARTERLY_CENTS = 3_000_000
ONCE_CENTS = 1_000_000


@dataclass(frozen=True)
class Behaviour:
    leave: float = 0.02
    join: float = 0.3
    applicants: float = 0.2  # share of the households waiting to join at the start
    unpaid: float = 0.05
    late: float = 0.07
    spend: tuple[float, float] = (8.0, 2.0)  # Beta(a, b): mean 0.8, concentration 10
    chosen_ratio: float = 1.2  # what members choose, over the grid's suggestion


def synthetic_history(
    seed: int, households: int = 400, months: int = 18, b: Behaviour = Behaviour(), *, agreement: bool = False
) -> CaisseHistory:
    """A history of `months` months; `agreement`: the quarterly funder's agreement is recorded."""
    rng = np.random.default_rng(seed)
    n, k_count = households, months
    labels = [f"{2027 + (m // 12)}-{m % 12 + 1:02d}" for m in range(k_count + 1)]
    income = np.round(rng.uniform(800, 3200, n))
    adults = np.ones(n, dtype=np.int64)
    zeros = np.zeros(n, dtype=np.int64)
    rule_set = rules.get_preset("montpellier").latest
    suggested = rules.suggested_contributions(rule_set.contribution, income, adults, zeros, zeros)
    chosen = np.round(suggested * b.chosen_ratio, 2)
    # What the caisse bills and credits, by its own rules (as the forecast will).
    billed = rules.contributions(rule_set.contribution, income, adults, zeros, zeros, chosen)
    due_each = np.round(billed * 100).astype(np.int64)
    allocation_each = np.round(rules.allocations(rule_set.allocation, adults, zeros, zeros) * 100).astype(
        np.int64
    )

    status = np.zeros((n, k_count), dtype=np.int8)
    state = np.where(rng.random(n) < b.applicants, APPLICANT, ACTIVE)
    credit = np.zeros((n, k_count), dtype=np.int64)
    spent = np.zeros((n, k_count), dtype=np.int64)
    due = np.zeros((n, k_count), dtype=np.int64)
    paid = np.zeros((n, k_count), dtype=np.int64)
    wallet = np.zeros(n, dtype=np.int64)
    late_from_last = np.zeros(n, dtype=np.int64)
    for k in range(k_count):
        if k > 0:
            draw = rng.random(n)
            leaving = (state == ACTIVE) & (draw < b.leave)
            joining = (state == APPLICANT) & (draw < b.join)
            state = np.where(leaving, LEFT, np.where(joining, ACTIVE, state))
            wallet[leaving] = 0
        status[:, k] = state
        active = state == ACTIVE
        due[:, k] = np.where(active, due_each, 0)
        outcome = rng.random(n)
        on_time = active & (outcome < 1 - b.unpaid - b.late)
        late = active & (outcome >= 1 - b.unpaid - b.late) & (outcome < 1 - b.unpaid)
        paid[:, k] = np.where(on_time, due_each, 0) + late_from_last
        late_from_last = np.where(late, due_each, 0)
        wallet += np.where(active, allocation_each, 0)
        credit[:, k] = np.where(active, wallet, 0)
        share = rng.beta(*b.spend, n)
        spent[:, k] = np.where(active, np.floor(wallet * share), 0).astype(np.int64)
        wallet -= spent[:, k]
    allocations = np.where(status == ACTIVE, allocation_each[:, None], 0).sum(axis=0)
    spending = spent.sum(axis=0)
    subsidies = [("Département", k, QUARTERLY_CENTS) for k in range(0, k_count, 3)] + [
        ("Fondation", 0, ONCE_CENTS)
    ]
    received = np.zeros(k_count, dtype=np.int64)
    for _, k, cents in subsidies:
        received[k] += cents
    redeemed = np.concatenate([[0], spending[:-1]])  # outlets are paid back the month after
    costs = np.full(k_count, COSTS_CENTS, dtype=np.int64)
    reserve_end = 2_000_000 + np.cumsum(paid.sum(axis=0) + received - redeemed - costs)
    # Members' wallets, and what outlets took this month (paid back the next); a leaver's credit lapses.
    outstanding_end = (credit - spent).sum(axis=0) + spending
    return CaisseHistory(
        slug="synthetique",
        name="Caisse synthétique",
        months=labels[:k_count],
        households=HouseholdHistory(
            adults=adults,
            others_14_plus=zeros,
            children_under_14=zeros,
            income=income,
            chosen=chosen,
            status=status,
            due=due,
            paid=paid,
            credit=credit,
            spent=spent,
        ),
        allocations=allocations,
        reserve_end=reserve_end,
        outstanding_end=outstanding_end,
        subsidies=subsidies,
        agreements={"Département": Agreement(QUARTERLY_CENTS, 3)} if agreement else {},
        costs=costs,
        rule_sets=[rule_set] * (k_count + 1),
        credit_lifetime_months=None,
    )
