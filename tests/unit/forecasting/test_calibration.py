"""Calibration finds again the behaviour a history was drawn from, within its intervals as often as
they say (90 %), and says what it cannot know."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from caisse.forecasting.calibration import BOOTSTRAP, Calibration, CalibrationError, Estimate, calibrate
from caisse.forecasting.history import ACTIVE, LEFT, CaisseHistory
from tests.unit.forecasting.synthetic import Behaviour, synthetic_history

REPLICATES = 40
TRUE = Behaviour()
SPEND_MEAN = TRUE.spend[0] / sum(TRUE.spend)
SPEND_CONCENTRATION = sum(TRUE.spend)


@pytest.fixture(scope="module")
def calibrations() -> list[Calibration]:
    return [calibrate(synthetic_history(seed)) for seed in range(REPLICATES)]


def _least_covered() -> int:
    """Replicates whose 90 % interval must hold the truth: the count a 90 % rate reaches 999 times
    in 1 000 (binomial), less one for the bootstrap's own noise."""
    return int(stats.binom.ppf(0.001, REPLICATES, 0.9)) - 1


PARAMETERS: dict[str, tuple[Callable[[Calibration], Estimate], float]] = {
    "leave": (lambda c: c.leave_rate.estimate, TRUE.leave),
    "join": (lambda c: c.join_rate.estimate, TRUE.join),  # type: ignore[union-attr]
    "unpaid": (lambda c: c.unpaid_share, TRUE.unpaid),
    "late": (lambda c: c.late_share, TRUE.late),
    "spend": (lambda c: c.spend_through, SPEND_MEAN),
}


@pytest.mark.parametrize("name", PARAMETERS)
def test_the_intervals_hold_the_true_value_about_nine_times_in_ten(
    calibrations: list[Calibration], name: str
) -> None:
    pick, truth = PARAMETERS[name]
    estimates = [pick(c) for c in calibrations]
    assert all(e.low is not None and e.high is not None for e in estimates)
    covered = sum(1 for e in estimates if e.low <= truth <= e.high)  # type: ignore[operator]
    assert covered >= _least_covered(), f"{name}: {covered} of {REPLICATES}"
    # And the estimates are right on average: their mean is within 4 standard errors of the truth.
    values = np.array([e.value for e in estimates])
    assert abs(values.mean() - truth) < 4 * values.std(ddof=1) / np.sqrt(REPLICATES)


def test_the_rates_intervals_are_as_narrow_as_the_months_they_rest_on_allow(
    calibrations: list[Calibration],
) -> None:
    for c in calibrations:
        rate = c.leave_rate.estimate
        # The months weigh less the older they are: the posterior counts what they weigh.
        weighed = c.leave_rate.posterior.a + c.leave_rate.posterior.b - 1
        assert weighed < rate.observations
        binomial = np.sqrt(rate.value * (1 - rate.value) / weighed)
        width = rate.high - rate.low  # type: ignore[operator]
        # A 90 % interval is 3.29 standard errors wide; Jeffreys' is within a few % of it here.
        assert width == pytest.approx(2 * 1.645 * binomial, rel=0.15)


def test_recent_months_weigh_more_so_a_drift_is_followed() -> None:
    # 1 000 members: 10 leave each month for a year, then 40 each month for another.
    history = synthetic_history(5, households=1000, months=24)
    status = np.full((1000, 24), ACTIVE, dtype=np.int8)
    gone = 0
    for k in range(1, 24):
        gone += 10 if k < 12 else 40
        status[:gone, k:] = LEFT
    drifting = replace(history, households=replace(history.households, status=status))
    rate = calibrate(drifting).leave_rate
    plain = rate.events / rate.estimate.observations  # every month alike: about 2.9 %
    assert rate.estimate.value > plain + 0.005  # the recent 4 % a month weighs more


def test_the_households_spread_in_spending_is_found(calibrations: list[Calibration]) -> None:
    found = np.array([c.concentration for c in calibrations], dtype=np.float64)
    # Drawn from Beta(8, 2): concentration 10; cents rounded down bias it by well under 1 %.
    assert found.mean() == pytest.approx(SPEND_CONCENTRATION, rel=0.05)


def test_outlets_paid_back_the_month_after_give_a_lag_of_one(calibrations: list[Calibration]) -> None:
    assert {c.redemption_lag_months for c in calibrations} == {1}


def test_chosen_contributions_are_read_by_income_band(calibrations: list[Calibration]) -> None:
    c = calibrations[0]
    assert c.chosen_ratio is not None
    assert c.chosen_ratio.value == pytest.approx(TRUE.chosen_ratio, abs=0.01)
    assert len(c.chosen_by_band) == 5
    assert sum(band.ratio.observations for band in c.chosen_by_band) == c.chosen_ratio.observations
    lows = [band.income_per_unit_low for band in c.chosen_by_band]
    assert lows == sorted(lows)
    for band in c.chosen_by_band:
        assert band.ratio.value == pytest.approx(TRUE.chosen_ratio, abs=0.01)


def test_a_funders_cadence_is_read_from_its_receipts_and_a_single_grant_is_not_counted_on(
    calibrations: list[Calibration],
) -> None:
    funders = {f.name: f for f in calibrations[0].funders}
    quarterly, once = funders["Département"], funders["Fondation"]
    assert (quarterly.basis, quarterly.period_months, quarterly.amount) == ("receipts", 3, 30_000.0)
    assert quarterly.projected and quarterly.next_month == "2028-07"  # 18 months from 2027-01: 2028-06 last
    assert (once.basis, once.projected, once.receipts) == ("once", False, 1)


def test_a_funder_that_missed_its_receipt_is_taken_as_stopped() -> None:
    history = synthetic_history(1)
    # The last quarterly receipt (month 15) never came.
    stopped = replace(history, subsidies=[s for s in history.subsidies if s[1] != 15])
    funder = {f.name: f for f in calibrate(stopped).funders}["Département"]
    assert (funder.basis, funder.projected, funder.next_month) == ("overdue", False, "2028-04")


def test_calibrating_up_to_a_past_month_uses_nothing_after_it() -> None:
    history = synthetic_history(2)
    early = calibrate(history, through=5)
    cut = _cut(history, 6)
    assert early == calibrate(cut)
    assert (early.first_month, early.last_month, early.months) == ("2027-01", "2027-06", 6)


def test_fewer_than_three_months_is_refused_with_what_is_missing() -> None:
    with pytest.raises(CalibrationError, match=r"2 closed month.*at least 3"):
        calibrate(synthetic_history(3), through=1)


def test_the_bootstrap_intervals_depend_only_on_the_books() -> None:
    history = synthetic_history(4)
    assert calibrate(history) == calibrate(history)
    assert BOOTSTRAP >= 1000  # the percentiles' own noise stays well under the interval's width


def _cut(history: CaisseHistory, months: int) -> CaisseHistory:
    """`history` as it stood after its first `months` months."""
    h = history.households
    households = replace(
        h,
        status=h.status[:, :months],
        due=h.due[:, :months],
        paid=h.paid[:, :months],
        credit=h.credit[:, :months],
        spent=h.spent[:, :months],
    )
    return replace(
        history,
        months=history.months[:months],
        households=households,
        allocations=history.allocations[:months],
        reserve_end=history.reserve_end[:months],
        outstanding_end=history.outstanding_end[:months],
        subsidies=[s for s in history.subsidies if s[1] < months],
        costs=history.costs[:months],
        rule_sets=history.rule_sets[: months + 1],
    )
