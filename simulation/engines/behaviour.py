"""Per-type probabilities and spend shares used by both engines, and the stratified engine's draws of
counts and shares (vectorised over paths and strata, only where something can happen)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.billing import mutualist_allocation
from simulation.draws import PathParameters, by_type
from simulation.engines.common import one_decile_each
from simulation.plan import Plan, Strata
from simulation.sections import ParticipationSection
from simulation.types import CountsByTypes, FloatArray, Generator, IntArray, PathsByTypes


@dataclass(frozen=True)
class TypeProbabilities:
    """(P, T) probabilities for each path and household type, after the net-cost adjustment."""

    take_up: PathsByTypes
    join: PathsByTypes
    leave: PathsByTypes


def type_probabilities(
    participation: ParticipationSection, net_cost: FloatArray, parameters: PathParameters
) -> TypeProbabilities:
    """Take-up and joining fall, leaving rises, with the type's net cost (adverse selection)."""
    sensitivity, cost = participation.net_cost_sensitivity, net_cost
    return TypeProbabilities(
        take_up=by_type(parameters.take_up, cost, sensitivity, -1.0),
        join=by_type(parameters.join_rate, cost, sensitivity, -1.0),
        leave=by_type(parameters.leave_rate, cost, sensitivity, +1.0),
    )


def population_types(plan: Plan) -> Strata:
    """The population's own types as strata (what the micro engine lays its households out by)."""
    return Strata(plan.population, plan.tables, plan.net_cost, one_decile_each(plan.population.decile))


def month_allocation(strata: Strata, m: int, members: CountsByTypes) -> FloatArray:
    """Allocation per household in month `m`, € : (T,) from the rule tables, or (P, T) for a mutualist
    rule (the mean contribution owed by each path's members)."""
    rule = strata.tables.mutualist[m]
    if rule is None:
        allocation: FloatArray = strata.tables.allocation[m]
        return allocation
    return mutualist_allocation(rule, strata.population, strata.tables.contribution[m], members)


def pay_contributions(
    rng: Generator,
    parameters: PathParameters,
    members: CountsByTypes,
    owed: FloatArray,
    coming: PathsByTypes,
) -> tuple[PathsByTypes, PathsByTypes]:
    """Step (2), by counts: of each type's `members`, how many never pay, pay a month late or pay
    on time their `owed` (T,) € (binomial draws with each path's chances; none when nobody is late or
    unpaid). Returns (€ received this month per path and type: the on-time payments and `coming`,
    last month's late ones; € to come next month)."""
    unpaid, late = parameters.unpaid_share[:, None], parameters.late_share[:, None]
    if not (unpaid.any() or late.any()):
        return members * owed + coming, np.zeros(members.shape)
    never = binomial_counts(rng, members, unpaid) if unpaid.any() else np.zeros_like(members)
    # Of those who pay, the share that pays late: late / (1 − unpaid).
    paying_late = np.divide(late, 1 - unpaid, out=np.zeros(late.shape), where=unpaid < 1)
    delayed = binomial_counts(rng, members - never, paying_late) if late.any() else np.zeros_like(members)
    return (members - never - delayed) * owed + coming, delayed * owed


def late_before_start(rng: Generator, plan: Plan, members: CountsByTypes, owed: FloatArray) -> PathsByTypes:
    """(P, T) € of the month before the start's contributions paid in the first month: of the
    `late_households` owing equal shares of `late_contributions`, a binomial count pays (all of it,
    times the chance, when the households are not counted). Shared among the types as their first
    month's contributions are."""
    paths = members.shape[0]
    if plan.late_contributions == 0:
        return np.zeros(members.shape)
    received: FloatArray
    if plan.late_households:
        paying = np.asarray(
            rng.binomial(plan.late_households, plan.late_payment_chance, size=paths), dtype=np.float64
        )
        received = plan.late_contributions * paying / plan.late_households
    else:
        received = np.full(paths, plan.late_contributions * plan.late_payment_chance)
    due = members * owed
    total = due.sum(axis=-1, keepdims=True)
    share = np.divide(due, total, out=np.full(due.shape, 1.0 / due.shape[-1]), where=total > 0)
    pending: PathsByTypes = received[:, None] * share
    return pending


CANDIDATES_PER_COUNT = 0.1
"""Thinning (see :func:`binomial_counts`) is used while it needs at most this many candidate trials
per count drawn: a candidate costs 2–3 times what numpy spends on a count (a geometric gap, a
binary search for its count, a uniform)."""


def binomial_counts(rng: Generator, trials: IntArray, probability: FloatArray) -> IntArray:
    """Binomial(trials, probability) counts, elementwise over arrays of one shape: exact draws.

    Monthly joining and leaving are rare events over many counts (a caisse's 137 strata × 250 paths
    for one or two joiners a path), and numpy's sampler spends 30–50 ns of set-up on each count. So
    where few successes are expected, the trials of all the counts are laid end to end and the
    successes drawn directly: a Bernoulli process at the largest probability p* (geometric gaps
    between candidate trials), each candidate kept with probability p / p* of its count's trial —
    exactly Bernoulli(p) trials, so exactly binomial counts, for a cost that follows the candidates
    (n p* summed) rather than the counts. Otherwise ``rng.binomial``. Counts with nothing to draw
    (n = 0 or p = 0) take no random number.

    >>> rng = np.random.default_rng(1)
    >>> counts = binomial_counts(rng, np.full(200_000, 40), np.full(200_000, 0.005))
    >>> round(float(counts.mean()), 2), round(float(counts.var()), 2)
    (0.2, 0.2)
    """
    shape = np.broadcast_shapes(np.shape(trials), np.shape(probability))
    # Flat contiguous copies: fancy indexing on them is several times faster than on broadcast views.
    n_all = np.broadcast_to(np.asarray(trials, dtype=np.int64), shape).ravel()
    p_all = np.broadcast_to(np.asarray(probability, dtype=np.float64), shape).ravel()
    counts = np.zeros(n_all.size, dtype=np.int64)
    random = np.flatnonzero((n_all > 0) & (p_all > 0.0))
    if random.size:
        n, p = n_all[random], p_all[random]
        highest = float(p.max())
        if highest < 1.0 and float(n.sum()) * highest <= CANDIDATES_PER_COUNT * n.size:
            counts[random] = _thinned_counts(rng, n, p, highest)
        else:
            counts[random] = rng.binomial(n, p)
    return counts.reshape(shape)


def _thinned_counts(rng: Generator, n: IntArray, p: FloatArray, highest: float) -> IntArray:
    """Binomial(n, p) counts by thinning a Bernoulli(`highest`) process over their trials laid end to
    end (`highest` >= every p, < 1)."""
    ends = np.cumsum(n)
    total = int(ends[-1])
    candidates = []
    last = -1  # the last candidate trial found
    while True:
        expected = (total - last) * highest
        gaps = rng.geometric(highest, int(expected + 4.0 * np.sqrt(expected) + 16))
        found = last + np.cumsum(gaps)
        if found[-1] >= total:
            candidates.append(found[found < total])
            break
        candidates.append(found)
        last = int(found[-1])
    trial = np.concatenate(candidates)
    count_of = np.searchsorted(ends, trial, side="right")
    kept = rng.random(trial.size) * highest < p[count_of]
    return np.bincount(count_of[kept], minlength=n.size)


def _beta_around(rng: Generator, s: FloatArray, concentration: FloatArray | float) -> FloatArray:
    """Beta(c s, c (1 − s)) draws of shape ``s.shape``; exactly s where s is 0 or 1."""
    random = (s > 0.0) & (s < 1.0)
    a = np.where(random, s * concentration, 1.0)
    b = np.where(random, (1.0 - s) * concentration, 1.0)
    return np.where(random, rng.beta(a, b), s)


def household_spend_share(
    rng: Generator, mean: FloatArray, concentration: float | None, shape: tuple[int, int]
) -> FloatArray:
    """(P, H) share of its credit each household spends this month: Beta(κ s, κ (1 − s)) around its
    path's mean s (`mean`, shape (P,)), exactly s without a concentration."""
    s = np.broadcast_to(mean[:, None], shape).astype(np.float64)
    return s if concentration is None else _beta_around(rng, s, concentration)


NORMAL_ABOVE = 1_000.0
"""Smallest Beta parameter from which a spend share is drawn from the normal of the same mean and
variance: the Beta's skewness is then at most 2/√1 000 ≈ 0.063 and the two distribution functions
differ by less than 0.0045 (0.0042 at mean 0.99; tested)."""


@dataclass(frozen=True)
class SpendShares:
    """A month's (P, T) spend shares, prepared from the members (see :func:`spend_shares`): drawn
    again each month with :meth:`draw`, prepared once while the members do not change."""

    share: PathsByTypes  # s where nothing is drawn
    beta_cells: IntArray  # flat cells drawn from Beta(a, b)
    a: FloatArray
    b: FloatArray
    normal_cells: IntArray  # flat cells drawn from the normal of the same mean and spread
    mean: FloatArray
    spread: FloatArray

    def draw(self, rng: Generator) -> PathsByTypes:
        if not (self.beta_cells.size or self.normal_cells.size):
            return self.share
        shares = self.share.copy()
        flat = shares.reshape(-1)
        if self.beta_cells.size:
            flat[self.beta_cells] = rng.beta(self.a, self.b)
        if self.normal_cells.size:
            normal = self.mean + self.spread * rng.standard_normal(self.mean.size)
            flat[self.normal_cells] = np.clip(normal, 0.0, 1.0)
        return shares


def spend_shares(mean: FloatArray, concentration: float | None, members: CountsByTypes) -> SpendShares:
    """How to draw the (P, T) share of a type's credit its members spend together in a month.

    The mean of n independent Beta(κ s, κ (1 − s)) shares has mean s and variance
    s (1 − s) / ((κ + 1) n); it is drawn as the Beta with those two moments, of concentration
    (κ + 1) n − 1 (exact for n = 1). This moment-matched draw treats the type's credit as evenly held
    by its members; tests check it against the mean of n draws and against the microsimulation.
    Where both of the Beta's parameters are at least NORMAL_ABOVE (hundreds of members or more: a
    nation's strata) it is drawn from the normal with the same two moments, 3–4 times cheaper. A type
    without members holds no credit: its share is left at s, nothing drawn.
    """
    s = np.broadcast_to(mean[:, None], members.shape).astype(np.float64)
    nothing = np.zeros(0, dtype=np.int64)
    if concentration is None:
        return SpendShares(s, nothing, s[:0, 0], s[:0, 0], nothing, s[:0, 0], s[:0, 0])
    flat, held = s.reshape(-1), members.reshape(-1)  # views: s is a fresh contiguous array
    cells = np.flatnonzero((held > 0) & (flat > 0.0) & (flat < 1.0))
    shares, c = flat[cells], (concentration + 1.0) * held[cells].astype(np.float64) - 1.0
    normal = c * np.minimum(shares, 1.0 - shares) >= NORMAL_ABOVE
    beta, gauss = ~normal, normal
    return SpendShares(
        share=s,
        beta_cells=cells[beta],
        a=c[beta] * shares[beta],
        b=c[beta] * (1.0 - shares[beta]),
        normal_cells=cells[gauss],
        mean=shares[gauss],
        spread=np.sqrt(shares[gauss] * (1.0 - shares[gauss]) / (c[gauss] + 1.0)),
    )


def mean_spend_share(
    rng: Generator, mean: FloatArray, concentration: float | None, members: CountsByTypes
) -> PathsByTypes:
    """(P, T) share of a type's credit its members spend together this month (see
    :func:`spend_shares`)."""
    return spend_shares(mean, concentration, members).draw(rng)


def beta_share(rng: Generator, s: FloatArray, concentration: FloatArray) -> FloatArray:
    """Beta(c s, c (1 − s)) draws for 0 < s < 1, c = `concentration`; from the normal of the same
    mean and variance s (1 − s) / (c + 1), kept within [0, 1], where both parameters are at least
    NORMAL_ABOVE (as one member each of :func:`spend_shares`' types with c = κ).

    >>> rng = np.random.default_rng(3)
    >>> shares = beta_share(rng, np.full(100_000, 0.9), np.full(100_000, 1e6))
    >>> round(float(shares.mean()), 4), round(float(shares.std() * 1e3 / 0.3), 2)
    (0.9, 1.0)
    """
    members = np.ones((s.size, 1), dtype=np.int64)
    found = np.empty(s.size)
    for kappa in np.unique(concentration):  # spend_shares takes one concentration
        same = np.flatnonzero(concentration == kappa)
        found[same] = spend_shares(s[same], float(kappa), members[same]).draw(rng)[:, 0]
    return found
