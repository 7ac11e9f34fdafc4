"""A demo household's monthly budget is split into payments that add up to it exactly."""

from __future__ import annotations

import numpy as np

from caisse.demo.spending import MIN_PAYMENT_CENTS, split_budget
from caisse.spending.payments import MAX_PAYMENT_CENTS


def test_split_budget_spends_the_whole_budget_in_payments_of_at_least_one_euro() -> None:
    rng = np.random.default_rng(5)
    for _ in range(2_000):
        budget = int(rng.integers(MIN_PAYMENT_CENTS, 300_000))
        pieces = split_budget(budget, rng.dirichlet(np.ones(int(rng.integers(1, 6)))))
        assert sum(pieces) == budget
        assert all(MIN_PAYMENT_CENTS <= p <= MAX_PAYMENT_CENTS for p in pieces)


def test_split_budget_joins_a_piece_under_one_euro_to_the_largest() -> None:
    assert split_budget(10_000, np.array([0.995, 0.005])) == [10_000]


def test_split_budget_under_one_euro_spends_nothing() -> None:
    assert split_budget(MIN_PAYMENT_CENTS - 1, np.array([1.0])) == []
