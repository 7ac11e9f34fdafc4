"""Without randomness every path is exactly the budget computed by hand (DESIGN.md §4 month order)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.run import simulate
from simulation.types import EngineName
from tests.unit.simulation.simulation_helpers import scenario, three_households

# Hand computation for three_households() under 10 % of income and 150 € per person:
CONTRIBUTIONS = 100.0 + 300.0 + 200.0  # 10 % of 1 000, 3 000 and 2 000 €
ALLOCATIONS = 150.0 + 300.0 + 600.0  # 1, 2 and 4 persons × 150 €
COSTS = 100.0
INITIAL = 1000.0


def _hand_budget(months: int, lag: int, allocations: list[float], subsidies: list[float]) -> list[float]:
    reserve, spent, out = INITIAL, [], []
    for m in range(months):
        spent.append(allocations[m])  # everything credited is spent the same month
        redeemed = spent[m - lag] if m >= lag else 0.0
        reserve += CONTRIBUTIONS + subsidies[m] - redeemed - COSTS
        out.append(reserve)
    return out


def _no_randomness(months: int, lag: int, **extra: dict) -> dict:
    return {
        "scenario": {"months": months, "paths": 7, "chunk_size": 3},
        "participation": {"take_up": 1.0, "join_rate": 0.0, "leave_rate": 0.0},
        "spending": {"spend_through": 1.0, "redemption_lag_months": lag},
        "funding": {
            "initial_reserve": INITIAL,
            "operating_costs": COSTS,
            "subsidies": [
                {"name": "Ville", "amount": 6000.0, "period_months": 6},
                {"name": "CAF", "amount": 3000.0, "period_months": 3, "payment": "monthly"},
            ],
            **extra.get("funding", {}),
        },
    }


@pytest.mark.parametrize("engine", ["stratified", "micro"])
@pytest.mark.parametrize("lag", [0, 2])
def test_every_path_is_the_hand_budget(engine: EngineName, lag: int) -> None:
    months = 12
    subsidies = [(6000.0 if m % 6 == 0 else 0.0) + 1000.0 for m in range(months)]
    expected = _hand_budget(months, lag, [ALLOCATIONS] * months, subsidies)
    run = simulate(scenario(**_no_randomness(months, lag)), population=three_households(), engine=engine)
    for path in run.results.reserve:
        assert path.tolist() == expected
    assert run.results.members.tolist() == [[3.0] * months] * 7


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_allocation_uprating_applies_from_the_thirteenth_month(engine: EngineName) -> None:
    months = 14
    allocations = [ALLOCATIONS] * 12 + [165.0 + 330.0 + 660.0] * 2  # +10 % from the 13th month
    subsidies = [(6000.0 if m % 6 == 0 else 0.0) + 1000.0 for m in range(months)]
    expected = _hand_budget(months, 1, allocations, subsidies)
    changes = _no_randomness(months, 1, funding={"allocation_uprating": 0.1})
    run = simulate(scenario(**changes), population=three_households(), engine=engine)
    assert np.array_equal(run.results.reserve, np.tile(expected, (7, 1)))
    summary = run.summary()
    # With a one-month lag, what was spent this month is still owed to outlets at its end.
    assert summary.outstanding_credit.mean == allocations
    assert summary.allocations.mean == allocations
    assert summary.contributions.mean == [CONTRIBUTIONS] * months


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_credit_left_at_the_end_of_its_only_month_expires(engine: EngineName) -> None:
    changes = _no_randomness(3, 0)
    changes["spending"] = {"spend_through": 0.5, "credit_lifetime_months": 1}
    changes["funding"] = {"initial_reserve": 0.0}
    run = simulate(scenario(**changes), population=three_households(), engine=engine)
    summary = run.summary()
    assert summary.redemptions.mean == [ALLOCATIONS / 2] * 3
    assert summary.expired_credit.mean == [ALLOCATIONS / 2] * 3
    assert summary.outstanding_credit.mean == [0.0] * 3
    assert run.results.reserve[0].tolist() == [(CONTRIBUTIONS - ALLOCATIONS / 2) * m for m in (1, 2, 3)]


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_carried_over_credit_is_spent_in_later_months(engine: EngineName) -> None:
    changes = _no_randomness(3, 0)
    changes["spending"] = {"spend_through": 0.5}
    changes["funding"] = {"initial_reserve": 0.0}
    summary = simulate(scenario(**changes), population=three_households(), engine=engine).summary()
    # Wallet before spending: 1 050, then 525 + 1 050, then 787.5 + 1 050; half is spent each month.
    assert summary.redemptions.mean == [525.0, 787.5, 918.75]
    assert summary.outstanding_credit.mean == [525.0, 787.5, 918.75]
