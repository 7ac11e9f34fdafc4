"""From a caisse's books to the simulator: the forecast scenario and population as of a closed month.

The forecast starts the month after `through` with the caisse as it stood at that month's end:

* its members (the households active then) and its applicants, who may join (`Population.members`);
* its **free reserve** — the fund less the credit already promised (members' wallets, and outlets'
  takings not yet redeemed), which the books give exactly at every month's end and which is what is
  forecast (`free_reserve` in the results). The members keep their wallets in the simulated caisse
  (they spend them, or the credit lapses when they leave), so its cash starts from the free reserve
  plus those wallets; what outlets are owed is taken off at once;
* what its late payers of that month will pay the month after;
* its rules in force the next month, its credit lifetime, and the calibrated behaviour (with the
  uncertain rates drawn per path from their posteriors) and funding.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np

from caisse.forecasting.calibration import BetaPosterior, Calibration
from caisse.forecasting.history import ACTIVE, APPLICANT, CaisseHistory
from caisse.simulations.population import grouped
from simulation import Population, population_from_households

HORIZON = 24  # months of the live forecast
PATHS = 1000  # paths of the live forecast


def population_at(history: CaisseHistory, through: int) -> Population:
    """The caisse's members and applicants at the end of month `through`, today's incomes."""
    h = history.households
    status = h.status[:, through]
    keep = (status == ACTIVE) | (status == APPLICANT)
    if not np.any(status == ACTIVE):
        raise ValueError(f"{history.slug}: no member at the end of {history.months[through]}")
    composition = np.stack([h.adults[keep], h.others_14_plus[keep], h.children_under_14[keep]], axis=1)
    income, chosen = grouped(composition.astype(np.float64), np.round(h.income[keep]), h.chosen[keep])
    return population_from_households(
        h.adults[keep], h.others_14_plus[keep], h.children_under_14[keep], income, chosen,
        member=status[keep] == ACTIVE, credit=_held(history, through)[keep] / 100,
    )  # fmt: skip


def _held(history: CaisseHistory, through: int) -> np.ndarray:
    """(N,) cents of food credit each member holds at the end of month `through` (0 for others)."""
    h = history.households
    left = np.maximum(h.credit[:, through] - h.spent[:, through], 0)
    held: np.ndarray = np.where(h.status[:, through] == ACTIVE, left, 0)
    return held


def _late_to_come(history: CaisseHistory, calibration: Calibration, through: int) -> dict[str, Any]:
    """What month `through`'s late payers will pay the month after: the households that paid less
    than their due in the month owe the difference, and each pays it late rather than never with
    the chance ℓ / (u + ℓ) — over 1 − ℓ, as a household that paid last month's late due in the
    month shows no shortfall though it may owe this one (as often as ℓ)."""
    h = history.households
    due = np.maximum(h.due[:, through], 0)
    shortfall = np.clip(due - h.paid[:, through], 0, due)
    late, never = calibration.late_share.value, calibration.unpaid_share.value
    if late + never <= 0 or late >= 1 or not shortfall.any():
        return {}
    return {
        "late_contributions": round(float(shortfall.sum()) / 100, 2),
        "late_households": int((shortfall > 0).sum()),
        "late_payment_chance": min(1.0, late / (late + never) / (1 - late)),
    }


# The largest Beta parameter given to the scenario (which takes up to 1e6): past it the distribution
# is a point for the forecast (its spread is under 0.3 % of the rate), and both parameters are scaled
# down to it, keeping their mean.
BETA_LIMIT = 1e5


def _beta(posterior: BetaPosterior | None) -> dict[str, Any] | None:
    if posterior is None:
        return None
    scale = min(1.0, BETA_LIMIT / max(posterior.a, posterior.b))
    return {"distribution": "beta", "a": posterior.a * scale, "b": posterior.b * scale}


def forecast_document(
    history: CaisseHistory,
    calibration: Calibration,
    through: int,
    *,
    months: int = HORIZON,
    paths: int = PATHS,
    seed: int | None = None,
) -> dict[str, Any]:
    """The scenario (a document `simulation.decode_scenario` reads) forecasting `months` months
    after month `through` from the books calibrated up to it."""
    start = history.months[through + 1] if through + 1 < len(history.months) else history.next_month
    rule_set = history.rule_sets[through + 1]
    uncertainty = {
        "leave_rate": _beta(calibration.leave_rate.posterior),
        "join_rate": _beta(calibration.join_rate.posterior if calibration.join_rate else None),
        "spend_through": _beta(calibration.spend_posterior),
        "unpaid_share": _beta(calibration.unpaid_posterior),
        "late_share": _beta(calibration.late_posterior),
    }
    spending: dict[str, Any] = {
        "spend_through": calibration.spend_through.value,
        "redemption_lag_months": calibration.redemption_lag_months,
    }
    lifetime = history.credit_lifetime_months
    if lifetime is not None:
        spending["credit_lifetime_months"] = lifetime
    # The spread between households only changes what expires; the fast engine follows it when
    # credit lasts a month, and without expiry it changes nothing.
    if calibration.concentration is not None and lifetime == 1:
        spending["concentration"] = calibration.concentration
    subsidies = [
        {
            "name": funder.name,
            "amount": funder.amount,
            "period_months": funder.period_months,
            "first_month": funder.next_month,
            "payment": "upfront",
            **({"last_month": funder.until} if funder.until else {}),
        }
        for funder in calibration.funders
        if funder.projected
    ]
    scenario: dict[str, Any] = {"name": f"{history.name} — prévision", "start": start, "months": months}
    scenario["paths"] = paths
    if seed is not None:
        scenario["seed"] = seed
    return {
        "scenario": scenario,
        "population": {"source": "caisse", "caisse": history.slug},
        "contribution": {
            "scheme": msgspec.to_builtins(rule_set.contribution),
            "unpaid_share": calibration.unpaid_share.value,
            "late_share": min(calibration.late_share.value, 1 - calibration.unpaid_share.value),
        },
        "allocation": {"rule": msgspec.to_builtins(rule_set.allocation)},
        "participation": {
            "leave_rate": calibration.leave_rate.estimate.value,
            "join_rate": calibration.join_rate.estimate.value if calibration.join_rate else 0.0,
            "rejoin": False,  # the applicants join; no caisse has seen its leavers come back
        },
        "spending": spending,
        "funding": {
            # The members' wallets are in the simulated caisse (they spend them, or they lapse):
            # its cash starts from the free reserve plus them.
            "initial_reserve": int(history.free_reserve_end[through] + _held(history, through).sum()) / 100,
            **_late_to_come(history, calibration, through),
            "operating_costs": calibration.operating_costs,
            "subsidies": subsidies,
        },
        "uncertainty": {key: value for key, value in uncertainty.items() if value is not None},
    }
