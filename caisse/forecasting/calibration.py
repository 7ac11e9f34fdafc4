"""Calibration: the simulator's behaviour parameters estimated from a caisse's own books.

Pure (numpy, scipy) on a :class:`~caisse.forecasting.history.CaisseHistory`, up to a given month,
so the back-test can calibrate at every past month. Each estimate says what it rests on and has a
90 % interval:

* **leaving** — members who left in a month among those who were members at its start; **joining**
  — applicants who became members among those waiting at its start. Counts of yes/no per month, so
  a Beta posterior (Jeffreys prior, Beta(½, ½)): the interval is the posterior's 5–95 %, and the
  forecast draws the rate from that posterior on each path. A caisse changes (its members, the
  season, prices), so the recent months say more of the next ones: each month counts half as much
  every `HALF_LIFE` months back. The estimate follows a drift, and its interval is as wide as the
  months it effectively rests on.
* **unpaid contributions** — household by household: what it owes grows by what it never pays, and
  rises for a month by what it pays late. The intervals are a bootstrap over households.
* **spend-through** — each household's spending in a month over the credit it had (months with at
  least 5 € of credit). The mean is the estimate; the interval is a bootstrap over months (a month's
  households share its outlets, prices and weather, so months, not household-months, are the
  independent draws), and the forecast draws the mean from a Beta with that mean and spread. The
  spread between households gives the Beta concentration each household draws its share from.
* **chosen contribution** — under a self-determined scheme, each household's choice over the grid's
  suggestion, by fifth of income per consumption unit, with a bootstrap interval over households.
* **funders** — a funder's grant agreement when the treasurer recorded it (amount, cadence, end);
  otherwise its receipts: its cadence (the median gap between receipts), amount (the median
  receipt) and the month the next one is due. A funder seen once without an agreement, or whose
  next receipt is overdue, is not carried into the forecast: nothing says it will pay again.
* **running costs** — the mean of the last (up to) twelve months.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

import msgspec
import numpy as np
from scipy import stats

from caisse import rules
from caisse.forecasting.history import ACTIVE, APPLICANT, MIN_CREDIT_CENTS, CaisseHistory

LEVEL = 0.90  # the intervals' coverage
BOOTSTRAP = 2000  # resamples of the bootstrap intervals
SEED = 20_27  # the bootstrap's: the same books always give the same intervals
BANDS = 5  # income bands of the chosen contribution (fifths)
MIN_MONTHS = 3  # closed months needed to calibrate at all
HALF_LIFE = 6.0  # months after which a month counts half as much in the leaving and joining rates


class CalibrationError(ValueError):
    """The books do not hold enough to calibrate (say what is missing)."""


class Estimate(msgspec.Struct, frozen=True, kw_only=True):
    """A parameter's estimate and 90 % interval (None: too little data for one), and what it rests
    on: `observations` (member-months, household-months, months or households: see `basis`)."""

    value: float
    low: float | None
    high: float | None
    observations: int
    basis: str


class BetaPosterior(msgspec.Struct, frozen=True, kw_only=True):
    """The distribution the forecast draws a probability from, once per path."""

    a: float
    b: float


class Rate(msgspec.Struct, frozen=True, kw_only=True):
    estimate: Estimate
    events: int
    posterior: BetaPosterior


class BandChoice(msgspec.Struct, frozen=True, kw_only=True):
    """Households of one fifth of income per consumption unit (€ a month, from `low` to `high`)."""

    income_per_unit_low: float
    income_per_unit_high: float
    ratio: Estimate


class Funder(msgspec.Struct, frozen=True, kw_only=True):
    """A funder's receipts over the months used, and what the forecast expects of it: `amount` €
    every `period_months` from `next_month` (to `last_month` when its agreement ends), when
    `projected`. `basis` says why: "agreement" (the grant agreement recorded for it), "receipts" (its
    cadence, from two receipts or more), "once" (received once: nothing says it pays again),
    "overdue" (its next receipt was due by the last month and did not come: taken as stopped) or
    "ended" (its agreement ended)."""

    name: str
    receipts: int
    received: float  # € over the months used
    period_months: int | None
    amount: float | None  # € per receipt: the agreement's, or the median receipt
    last_month: str | None
    next_month: str | None
    until: str | None = None
    projected: bool
    basis: str


class Calibration(msgspec.Struct, frozen=True, kw_only=True):
    """`caisse calibrate --json`: the estimates from the months `first_month` to `last_month`."""

    caisse: str
    first_month: str
    last_month: str
    months: int
    households: int
    members: int
    applicants: int
    leave_rate: Rate
    join_rate: Rate | None
    unpaid_share: Estimate
    late_share: Estimate
    unpaid_posterior: BetaPosterior | None
    late_posterior: BetaPosterior | None
    spend_through: Estimate
    spend_posterior: BetaPosterior | None
    concentration: float | None
    redemption_lag_months: int
    chosen_ratio: Estimate | None
    chosen_by_band: list[BandChoice]
    funders: list[Funder]
    operating_costs: float  # € a month


def calibrate(history: CaisseHistory, through: int | None = None) -> Calibration:
    """Estimates from the months `0..through` of `history` (default: all of them)."""
    last = len(history.months) - 1 if through is None else through
    if not 0 <= last < len(history.months):
        raise ValueError(f"through = {through}: the history has {len(history.months)} months")
    if last + 1 < MIN_MONTHS:
        raise CalibrationError(
            f"{history.slug}: {last + 1} closed month(s); calibration needs at least {MIN_MONTHS} "
            "(a month's leavers and joiners are counted against the month before)."
        )
    status = history.households.status[:, : last + 1]
    spend_estimate, posterior, concentration = _spend_through(history, last)
    unpaid, late = _unpaid(history, last)
    leave = _rate(
        status[:, :-1] == ACTIVE, status[:, 1:] != ACTIVE, "member-months: members at a month's start"
    )
    waiting = status[:, :-1] == APPLICANT
    join = (
        _rate(waiting, status[:, 1:] == ACTIVE, "applicant-months: applicants at a month's start")
        if waiting.any()
        else None
    )
    chosen, by_band = _chosen(history, last)
    return Calibration(
        caisse=history.slug,
        first_month=history.months[0],
        last_month=history.months[last],
        months=last + 1,
        households=int((status != 0).any(axis=1).sum()),
        members=int((status[:, -1] == ACTIVE).sum()),
        applicants=int((status[:, -1] == APPLICANT).sum()),
        leave_rate=leave,
        join_rate=join,
        unpaid_share=unpaid,
        late_share=late,
        unpaid_posterior=_from_interval(unpaid),
        late_posterior=_from_interval(late),
        spend_through=spend_estimate,
        spend_posterior=posterior,
        concentration=concentration,
        redemption_lag_months=_redemption_lag(history, last),
        chosen_ratio=chosen,
        chosen_by_band=by_band,
        funders=_funders(history, last),
        operating_costs=round(float(history.costs[max(0, last - 11) : last + 1].mean()) / 100, 2),
    )


def _interval(a: float, b: float) -> tuple[float, float]:
    tail = (1 - LEVEL) / 2
    low, high = stats.beta.ppf([tail, 1 - tail], a, b)
    return float(low), float(high)


def _rate(at_risk: np.ndarray, moved: np.ndarray, basis: str) -> Rate:
    """Share of the `at_risk` household-months that `moved`, with its Beta posterior (Jeffreys prior),
    each month counting for less the older it is (half as much every `HALF_LIFE` months)."""
    trials_by_month = at_risk.sum(axis=0)
    events_by_month = (at_risk & moved).sum(axis=0)
    age = np.arange(trials_by_month.size)[::-1]
    weight = 0.5 ** (age / HALF_LIFE)
    trials, events = int(trials_by_month.sum()), int(events_by_month.sum())
    weighted_trials = float(weight @ trials_by_month)
    weighted_events = float(weight @ events_by_month)
    a, b = weighted_events + 0.5, weighted_trials - weighted_events + 0.5
    low, high = _interval(a, b)
    value = weighted_events / weighted_trials if weighted_trials else 0.0
    return Rate(
        estimate=Estimate(value=value, low=low, high=high, observations=trials, basis=basis),
        events=events,
        posterior=BetaPosterior(a=a, b=b),
    )


def _unpaid(history: CaisseHistory, last: int) -> tuple[Estimate, Estimate]:
    """(never paid, paid a month late): shares of the contributions due, household by household.

    What a household owes grows by what it never pays and rises for a month by what it pays late,
    whichever months its payments settle. So what it never paid up to the month before last is the
    smaller of what it owed at the end of that month and of the last: a late payment of either is
    back by then (unless it was late both months). What it paid late is, each month, what it paid
    beyond that month's due (up to the month before's); that misses a late payment made in a month
    whose own due is not paid on time, as often as a due is not paid on time (1 − u − ℓ), which is
    corrected for, taking months to be independent. The intervals are a bootstrap over households:
    one household that stops paying leaves many unpaid months, so households, not months, are the
    independent draws."""
    h = history.households
    due, paid = h.due[:, : last + 1], h.paid[:, : last + 1]
    owed = np.maximum(np.cumsum(due - paid, axis=1), 0)
    counted = np.maximum(due, 0)
    basis = "member-months billed; interval by households"
    rng = np.random.default_rng(SEED)
    never = np.minimum(owed[:, last - 1], owed[:, last])
    caught_up = np.clip(paid[:, 1:] - counted[:, 1:], 0, counted[:, :-1]).sum(axis=1)
    billed = int((due[:, :last] > 0).sum())
    whole = counted[:, :last].sum(axis=1)
    unpaid = _ratio(never, whole, rng, billed, basis)
    seen = _ratio(caught_up, whole, rng, billed, basis)

    def late(observed: float | None) -> float | None:
        """ℓ from what was seen, ℓ (1 − u − ℓ), the smaller root."""
        if observed is None:
            return None
        on_time_or_late = 1 - unpaid.value
        return float((on_time_or_late - np.sqrt(max(on_time_or_late**2 - 4 * observed, 0.0))) / 2)

    corrected = Estimate(
        value=late(seen.value) or 0.0,
        low=late(seen.low),
        high=late(seen.high),
        observations=billed,
        basis=basis,
    )
    return unpaid, corrected


def _ratio(
    part: np.ndarray, whole: np.ndarray, rng: np.random.Generator, observations: int, basis: str
) -> Estimate:
    """Σ part / Σ whole over households, with a bootstrap interval over households."""
    total = int(whole.sum())
    if total <= 0:
        return Estimate(value=0.0, low=None, high=None, observations=observations, basis=basis)
    low, high = _central(_bootstrap(part, whole, rng))
    value = float(part.sum()) / total
    return Estimate(value=value, low=low, high=high, observations=observations, basis=basis)


def _bootstrap(part: np.ndarray, whole: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Σ part / Σ whole over BOOTSTRAP resamples, with replacement, of the entries (households or
    months)."""
    picks = rng.integers(0, whole.size, size=(BOOTSTRAP, whole.size))
    resampled: np.ndarray = part[picks].sum(axis=1) / np.maximum(whole[picks].sum(axis=1), 1)
    return resampled


def _central(samples: np.ndarray) -> tuple[float, float]:
    """The central LEVEL interval of `samples`."""
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class _Shares:
    values: np.ndarray  # household-month shares spent
    month: np.ndarray  # the month index of each


def _shares(history: CaisseHistory, last: int) -> _Shares:
    credit = history.households.credit[:, : last + 1]
    spent = history.households.spent[:, : last + 1]
    counted = credit >= MIN_CREDIT_CENTS
    share = np.clip(spent[counted] / credit[counted], 0.0, 1.0)
    month = np.broadcast_to(np.arange(last + 1), credit.shape)[counted]
    return _Shares(share, month)


def _spend_through(history: CaisseHistory, last: int) -> tuple[Estimate, BetaPosterior | None, float | None]:
    shares = _shares(history, last)
    basis = "household-months with at least 5 € of credit; interval by months"
    n = shares.values.size
    if n == 0:
        return Estimate(value=1.0, low=None, high=None, observations=0, basis=basis), None, None
    mean = float(shares.values.mean())
    months = np.unique(shares.month)
    per_month_sum = np.bincount(shares.month, shares.values, last + 1)[months]
    per_month_count = np.bincount(shares.month, minlength=last + 1)[months]
    resampled = _bootstrap(per_month_sum, per_month_count, np.random.default_rng(SEED))
    low, high = _central(resampled)
    posterior = _beta_with(mean, float(resampled.std(ddof=1))) if months.size > 1 else None
    # Between households, within each month (a month's own level is not a household's spread).
    within = shares.values - (per_month_sum / per_month_count)[np.searchsorted(months, shares.month)]
    variance = float(within.var(ddof=1)) if n > 1 else 0.0
    concentration = None
    if 0 < mean < 1 and variance > 0:
        concentration = float(np.clip(mean * (1 - mean) / variance - 1, 0.01, 1e6))
    estimate = Estimate(
        value=mean, low=float(low), high=float(high), observations=n, basis=basis + f" ({months.size})"
    )
    return estimate, posterior, concentration


def _from_interval(estimate: Estimate) -> BetaPosterior | None:
    """The Beta distribution of the estimate's value, with the spread its 90 % interval says (its
    width is 3.29 standard errors)."""
    if estimate.low is None or estimate.high is None:
        return None
    return _beta_with(estimate.value, (estimate.high - estimate.low) / 3.29)


def _beta_with(mean: float, sd: float) -> BetaPosterior | None:
    """The Beta distribution of this mean and standard deviation (None if there is none)."""
    if not 0 < mean < 1 or sd <= 0 or sd**2 >= mean * (1 - mean):
        return None
    total = mean * (1 - mean) / sd**2 - 1
    return BetaPosterior(a=mean * total, b=(1 - mean) * total)


def _redemption_lag(history: CaisseHistory, last: int) -> int:
    """Months outlets wait, on average, for what they took: the credit they hold at months' ends
    over the months' spending."""
    spent = history.households.spent[:, : last + 1].sum(axis=0)
    wallets = (history.households.credit - history.households.spent)[:, : last + 1].sum(axis=0)
    outlets = history.outstanding_end[: last + 1] - wallets
    if spent.sum() <= 0:
        return 0
    return int(np.clip(round(float(outlets.sum()) / float(spent.sum())), 0, 24))


def _chosen(history: CaisseHistory, last: int) -> tuple[Estimate | None, list[BandChoice]]:
    scheme = history.rule_sets[last].contribution
    if not isinstance(scheme, rules.SelfDeterminedScheme):
        return None, []
    h = history.households
    members = (h.status[:, last] == ACTIVE) & ~np.isnan(h.chosen)
    if members.sum() < BANDS:
        return None, []
    composition = (h.adults[members], h.others_14_plus[members], h.children_under_14[members])
    suggested = rules.suggested_contributions(scheme, h.income[members], *composition)
    chose = h.chosen[members]
    valid = suggested > 0
    ratio = chose[valid] / suggested[valid]
    units = rules.consumption_units(*composition)
    per_unit = (h.income[members] / units)[valid]
    rng = np.random.default_rng(SEED)
    basis = "members with a chosen contribution; interval by households"
    overall = _bootstrap_mean(ratio, rng, basis)
    edges = np.quantile(per_unit, np.linspace(0, 1, BANDS + 1))
    band = np.clip(np.searchsorted(edges, per_unit, side="right") - 1, 0, BANDS - 1)
    by_band = [
        BandChoice(
            income_per_unit_low=round(float(edges[b]), 2),
            income_per_unit_high=round(float(edges[b + 1]), 2),
            ratio=_bootstrap_mean(ratio[band == b], rng, basis),
        )
        for b in range(BANDS)
        if np.any(band == b)
    ]
    return overall, by_band


def _bootstrap_mean(values: np.ndarray, rng: np.random.Generator, basis: str) -> Estimate:
    mean, n = float(values.mean()), int(values.size)
    if n < 2:
        return Estimate(value=mean, low=None, high=None, observations=n, basis=basis)
    low, high = _central(_bootstrap(values, np.ones(n), rng))
    return Estimate(value=mean, low=low, high=high, observations=n, basis=basis)


def _funders(history: CaisseHistory, last: int) -> list[Funder]:
    received: dict[str, list[tuple[int, int]]] = {name: [] for name in history.agreements}
    for name, k, cents in history.subsidies:
        if k <= last:
            received.setdefault(name, []).append((k, cents))
    return [_funder(history, last, name, receipts) for name, receipts in sorted(received.items())]


def _funder(history: CaisseHistory, last: int, name: str, receipts: list[tuple[int, int]]) -> Funder:
    months = sorted({k for k, _ in receipts})
    by_month = [sum(c for k, c in receipts if k == month) for month in months]
    # Seen once, without an agreement: nothing says it pays again.
    once = Funder(
        name=name, receipts=len(months), received=sum(by_month) / 100,
        last_month=history.months[months[-1]] if months else None,
        period_months=None, amount=None, next_month=None, projected=False, basis="once",
    )  # fmt: skip
    start = _month_after(history.months[0], last + 1)  # the forecast's first month
    agreement = history.agreements.get(name)
    if agreement is not None:
        # The agreement says how much and how often; the receipts say when the next one is due
        # (a late one is expected at once), or, before the first, from the forecast's start.
        due = _month_after(history.months[0], months[-1] + agreement.every_months) if months else start
        next_month = max(due, start)
        ended = agreement.until is not None and next_month > agreement.until
        return msgspec.structs.replace(
            once, period_months=agreement.every_months, amount=agreement.amount_cents / 100,
            next_month=next_month, until=agreement.until, projected=not ended,
            basis="ended" if ended else "agreement",
        )  # fmt: skip
    if len(months) < 2:
        return once
    period = max(1, round(median(np.diff(months).tolist())))
    due_index = months[-1] + period
    overdue = due_index <= last
    return msgspec.structs.replace(
        once, period_months=period, amount=round(median(by_month) / 100, 2),
        next_month=_month_after(history.months[0], due_index), projected=not overdue,
        basis="overdue" if overdue else "receipts",
    )  # fmt: skip


def _month_after(first: str, offset: int) -> str:
    """The month `offset` months after `first`."""
    year, month = int(first[:4]), int(first[5:7]) - 1 + offset
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"
