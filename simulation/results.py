"""From the chunks' outcomes to the forecast: what a run keeps of its paths (:class:`PathResults` or
:class:`StreamedResults`) and the summary written by ``caisse simulate --json``
(:class:`SimulationResult`, DESIGN.md §3).

**Two ways to keep a run**, chosen by its size (:func:`keeps_paths`):

* Up to :data:`KEEP_PATHS_LIMIT` path-months (4 194 304: 34 952 paths of 120 months; the web API's
  20 000 paths up to 209 months), every path's monthly series are kept
  (:class:`PathResults`, 4 × 8 bytes a path-month) and the bands are numpy's percentiles.
* Above it, each chunk's outcome is folded, in chunk order, into summaries that merge
  (:class:`ResultsFolder` → :class:`StreamedResults`): sums over paths for the means, counts of paths in
  deficit for the risks, four numbers per path for the callers that pair paths or need their spread
  (final reserve, deficit in any month, contributions and allocations over the horizon), and for each
  series a :class:`MonthlyHistogram` for the percentiles. A million paths of 120 months then keep
  about 100 MB instead of 2.9 GB.

Everything but the percentile bands is identical both ways: the sums are added path after path in the
order numpy adds the rows of a whole array, so the means, P(deficit), the depletion month, the ratio,
the transfers and the standard errors are the same numbers. The streamed percentiles differ from
numpy's (linear interpolation) by less than one bin width of that month's histogram, at most
2 (max − min) / (BINS − 2) over the month's paths, and at least 2^-8 € (see :class:`MonthlyHistogram`,
tested against numpy). At a million paths that is about 1/8 000 of the paths' range, smaller than
the Monte Carlo error of the percentile itself (about 1/500 of a normal spread for p05).

Both ways depend only on the seed, the chunk size and the engine; the histograms do not even depend on
the order the chunks are folded in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import numpy as np

from simulation.engines.common import ChunkOutcome
from simulation.types import BoolArray, FloatArray, IntArray, PathsByMonths

KEEP_PATHS_LIMIT = 4_194_304
"""Path-months up to which a run keeps every path's monthly figures (32 MB per series)."""

MONTHLY_SUMS = ("contributions", "allocations", "subsidies", "redemptions", "costs", "outstanding", "expired")
SERIES = ("reserve", "net_flow", "members", "free_reserve")
PERCENTILES: dict[str, tuple[int, ...]] = {
    "reserve": (5, 25, 50, 75, 95),
    "net_flow": (5, 50, 95),
    "members": (5, 25, 50, 75, 95),
    "free_reserve": (5, 25, 50, 75, 95),
}


def keeps_paths(paths: int, months: int) -> bool:
    """Whether a run of `paths` × `months` keeps every path's monthly figures (else it streams).

    >>> keeps_paths(20_000, 120), keeps_paths(1_000_000, 120)
    (True, False)
    """
    return paths * months <= KEEP_PATHS_LIMIT


@dataclass(frozen=True)
class PathResults:
    """Every path of a run, in path order: (N, M) `reserve`, `net_flow`, `members`; (N,) horizon
    totals of contributions paid and allocations credited (€); (M,) sums over paths of the monthly
    flows (€); (10,) member-months and net transfers (€) by national income decile."""

    reserve: PathsByMonths
    net_flow: PathsByMonths
    members: PathsByMonths
    free_reserve: PathsByMonths
    contributions_total: FloatArray
    allocations_total: FloatArray
    sums: dict[str, FloatArray]
    member_months: FloatArray
    net_transfer: FloatArray

    @property
    def paths(self) -> int:
        return int(self.reserve.shape[0])

    @property
    def final_reserve(self) -> FloatArray:
        """(N,) € in the reserve at the end of the last month."""
        final: FloatArray = self.reserve[:, -1]
        return final

    @property
    def deficit_any_month(self) -> BoolArray:
        """(N,) whether the path's reserve goes below 0 in some month."""
        deficit: BoolArray = np.any(self.reserve < 0, axis=1)
        return deficit


def combine(outcomes: Sequence[ChunkOutcome]) -> PathResults:
    """Join chunk outcomes in chunk order, whatever order they finished in."""
    ordered = sorted(outcomes, key=lambda outcome: outcome.index)
    return PathResults(
        reserve=np.concatenate([o.reserve for o in ordered]),
        net_flow=np.concatenate([o.net_flow for o in ordered]),
        members=np.concatenate([o.members for o in ordered]),
        free_reserve=np.concatenate([o.free_reserve for o in ordered]),
        contributions_total=np.concatenate([o.contributions_total for o in ordered]),
        allocations_total=np.concatenate([o.allocations_total for o in ordered]),
        sums={key: np.sum([getattr(o, key) for o in ordered], axis=0) for key in MONTHLY_SUMS},
        member_months=np.sum([o.member_months for o in ordered], axis=0),
        net_transfer=np.sum([o.net_transfer for o in ordered], axis=0),
    )


# --- streamed percentiles -------------------------------------------------------------------------

BINS = 16_384
"""Bins of each month's histogram: 128 KB a month and series."""

FINEST = -8
"""Narrowest bin, 2^-8 €: under half a cent, finer than the summary rounds to."""

_INDEX_BITS = 60  # bins are counted from 0 € in int64: keep |value| / width below 2^60


@dataclass(frozen=True)
class MonthlyHistogram:
    """Counts of paths by value, month by month, in bins of width 2^`exponent` € aligned on multiples
    of it: month m's bin j covers [(origin + j) w, (origin + j + 1) w) with w = 2^exponent[m].

    Each month's width is the narrowest power of two (at least 2^FINEST) for which its paths' range
    [low, high] fits in BINS bins, and its origin is floor(low / w). Both depend only on low and high,
    and a histogram rebinned to a wider power of two is exactly the histogram of the same values at
    that width, so merging gives the histogram of all the values whatever the order and grouping of
    the merges. `low`, `high`: (M,) smallest and largest value; `counts`: (M, BINS) paths.
    """

    exponent: IntArray
    origin: IntArray
    low: FloatArray
    high: FloatArray
    counts: IntArray

    @property
    def width(self) -> FloatArray:
        """(M,) bin width of each month, €."""
        return np.ldexp(1.0, self.exponent)

    @property
    def paths(self) -> int:
        return int(self.counts[0].sum()) if self.counts.size else 0

    @property
    def error_bound(self) -> FloatArray:
        """(M,) how far a percentile of :meth:`percentiles` may be from numpy's: one bin width."""
        return self.width

    def _order_statistic(self, cumulative: IntArray, rank: int) -> FloatArray:
        """(M,) estimate of the `rank`-th smallest value (from 0) of each month: its bin, and within
        the bin the values taken as evenly spread; clipped to the month's [low, high]."""
        months = np.arange(cumulative.shape[0])
        found = np.argmax(cumulative > rank, axis=1)
        inside = self.counts[months, found]
        before = cumulative[months, found] - inside
        position = (self.origin + found) + (rank - before + 0.5) / inside
        estimate: FloatArray = np.clip(position * self.width, self.low, self.high)
        return estimate

    def percentiles(self, levels: tuple[int, ...]) -> dict[str, FloatArray]:
        """(M,) percentiles at `levels`, as numpy's default (linear interpolation between the order
        statistics around rank (n − 1) q), each order statistic estimated within its bin: off by
        less than one bin width (:attr:`error_bound`)."""
        n = self.paths
        cumulative = np.cumsum(self.counts, axis=1)
        found = {}
        for level in levels:
            rank = (n - 1) * level / 100.0
            below = int(np.floor(rank))
            lower = self._order_statistic(cumulative, below)
            upper = self._order_statistic(cumulative, min(below + 1, n - 1))
            found[f"p{level:02d}"] = lower + (rank - below) * (upper - lower)
        return found


def _layout(low: FloatArray, high: FloatArray) -> tuple[IntArray, IntArray]:
    """(exponent, origin) of each month for values in [low, high]: the narrowest power of two, at
    least 2^FINEST, whose bins from floor(low / w) to floor(high / w) are at most BINS."""
    spread = np.maximum(high - low, 0.0)
    with np.errstate(divide="ignore"):
        guess = np.ceil(np.log2(spread / (BINS - 1)))
        magnitude = np.ceil(np.log2(np.maximum(np.abs(low), np.abs(high)))) - _INDEX_BITS
    floor = np.maximum(FINEST, np.nan_to_num(magnitude, neginf=FINEST)).astype(np.int64)
    exponent = np.maximum(np.nan_to_num(guess, neginf=FINEST).astype(np.int64) - 1, floor)

    def span(k: IntArray) -> IntArray:
        return (
            np.floor(np.ldexp(high, -k)).astype(np.int64) - np.floor(np.ldexp(low, -k)).astype(np.int64) + 1
        )

    # The guess is within one of the answer; step up until the range fits (span shrinks as k grows).
    while np.any(too_wide := span(exponent) > BINS):
        exponent = exponent + too_wide
    return exponent, np.floor(np.ldexp(low, -exponent)).astype(np.int64)


def _bin_index(values: PathsByMonths, exponent: IntArray, origin: IntArray) -> IntArray:
    """(P, M) flat index m × BINS + bin of each value, for counting with bincount."""
    bins = np.floor(np.ldexp(values, -exponent[None, :])).astype(np.int64) - origin[None, :]
    return bins + (np.arange(values.shape[1]) * BINS)[None, :]


def _rebinned(histogram: MonthlyHistogram, exponent: IntArray, origin: IntArray) -> IntArray:
    """`histogram`'s counts in the (wider or equal) bins of `exponent` and `origin`."""
    months = histogram.counts.shape[0]
    shift = (exponent - histogram.exponent)[:, None]
    first = histogram.origin[:, None] + np.arange(BINS)[None, :]
    # Right shift of a signed integer floors towards −∞: floor(floor(x/w)/2^d) = floor(x/(w 2^d)).
    target = (first >> shift) - origin[:, None] + (np.arange(months) * BINS)[:, None]
    occupied = histogram.counts.ravel() > 0
    counts = np.bincount(target.ravel()[occupied], histogram.counts.ravel()[occupied], months * BINS)
    return np.rint(counts).astype(np.int64).reshape(months, BINS)


def histogram_of(values: PathsByMonths) -> MonthlyHistogram:
    """The histogram of (P, M) values (P >= 1), month by month.

    >>> counts = histogram_of(np.array([[0.0, 5.0], [1.0, 5.0], [3.0, 5.0]]))
    >>> counts.paths, counts.width.tolist(), counts.percentiles((50,))["p50"].round(2).tolist()
    (3, [0.00390625, 0.00390625], [1.0, 5.0])
    """
    low, high = values.min(axis=0), values.max(axis=0)
    exponent, origin = _layout(low, high)
    months = values.shape[1]
    counts = np.bincount(_bin_index(values, exponent, origin).ravel(), minlength=months * BINS)
    return MonthlyHistogram(exponent, origin, low, high, counts.reshape(months, BINS))


def merged(first: MonthlyHistogram, second: MonthlyHistogram) -> MonthlyHistogram:
    """The histogram of both histograms' values (the same months)."""
    low, high = np.minimum(first.low, second.low), np.maximum(first.high, second.high)
    exponent, origin = _layout(low, high)
    counts = _rebinned(first, exponent, origin) + _rebinned(second, exponent, origin)
    return MonthlyHistogram(exponent, origin, low, high, counts)


# --- streamed runs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamedResults:
    """A run too large to keep every path's months (:func:`keeps_paths`): (N,) per path the final
    reserve (€), whether it is in deficit in some month, and the horizon totals of contributions paid
    and allocations credited (€); (M,) sums over paths of the monthly flows (`sums`, €) and of each
    series of :data:`SERIES` (`series_sums`), the paths in deficit that month (`deficit_paths`) and
    in that month or before (`depleted_paths`); a :class:`MonthlyHistogram` per series; (10,)
    member-months and net transfers (€) by national income decile."""

    final_reserve: FloatArray
    deficit_any_month: BoolArray
    contributions_total: FloatArray
    allocations_total: FloatArray
    sums: dict[str, FloatArray]
    series_sums: dict[str, FloatArray]
    deficit_paths: IntArray
    depleted_paths: IntArray
    histograms: dict[str, MonthlyHistogram]
    member_months: FloatArray
    net_transfer: FloatArray

    @property
    def paths(self) -> int:
        return int(self.final_reserve.size)

    def _not_kept(self, name: str) -> PathsByMonths:
        raise ValueError(
            f"this run of {self.paths:,} paths kept no per-path monthly {name} (runs above "
            f"{KEEP_PATHS_LIMIT:,} path-months stream their summaries); use final_reserve, "
            "deficit_any_month or the summary, or run with keep_paths=True"
        )

    @property
    def reserve(self) -> PathsByMonths:
        return self._not_kept("reserve")

    @property
    def net_flow(self) -> PathsByMonths:
        return self._not_kept("net flow")

    @property
    def members(self) -> PathsByMonths:
        return self._not_kept("members")

    @property
    def free_reserve(self) -> PathsByMonths:
        return self._not_kept("free reserve")


Results = PathResults | StreamedResults
"""What a finished run keeps of its paths."""


def _added_rows(total: FloatArray | None, rows: PathsByMonths) -> FloatArray:
    """`total` plus the rows one after the other, as numpy sums the rows of a whole array (so the
    streamed means are those of the kept paths, to the last bit)."""
    stacked = rows if total is None else np.concatenate([total[None, :], rows])
    added: FloatArray = np.add.reduce(stacked, axis=0)
    return added


class ResultsFolder:
    """Folds chunk outcomes, in chunk order, into a run's results: every path kept
    (:class:`PathResults`, through :func:`combine`) or streamed (:class:`StreamedResults`).

    Streamed, a chunk leaves four numbers per path and its sums; its series wait in a buffer until
    BINS paths are there, then are binned and merged into the histograms, so merging the
    (M, BINS) histograms costs no more than binning the buffered values.
    """

    def __init__(self, *, keep_paths: bool) -> None:
        self.keep_paths = keep_paths
        self._outcomes: list[ChunkOutcome] = []
        self._per_path: dict[str, list[FloatArray]] = {
            key: []
            for key in ("final_reserve", "deficit_any_month", "contributions_total", "allocations_total")
        }
        self._sums: dict[str, FloatArray] = {}
        self._series_sums: dict[str, FloatArray] = {}
        self._deciles: dict[str, FloatArray] = {}
        self._counts: dict[str, IntArray] = {}
        self._buffer: dict[str, list[PathsByMonths]] = {key: [] for key in SERIES}
        self._buffered = 0
        self._histograms: dict[str, MonthlyHistogram] = {}
        self._last_index = -1

    def add(self, outcome: ChunkOutcome) -> None:
        """Fold the next chunk's outcome (chunks must come in index order)."""
        if outcome.index <= self._last_index:
            raise ValueError(f"chunk {outcome.index} folded after chunk {self._last_index}: fold in order")
        self._last_index = outcome.index
        if self.keep_paths:
            self._outcomes.append(outcome)
            return
        reserve = outcome.reserve
        in_deficit = reserve < 0
        depleted = np.logical_or.accumulate(in_deficit, axis=1)
        for key, value in (
            ("final_reserve", reserve[:, -1].copy()),
            ("deficit_any_month", depleted[:, -1].copy()),
            ("contributions_total", outcome.contributions_total),
            ("allocations_total", outcome.allocations_total),
        ):
            self._per_path[key].append(value)
        for key in MONTHLY_SUMS:
            self._sums[key] = (
                getattr(outcome, key) + self._sums[key] if key in self._sums else getattr(outcome, key).copy()
            )
        for key in ("member_months", "net_transfer"):
            value = getattr(outcome, key)
            self._deciles[key] = self._deciles[key] + value if key in self._deciles else value.copy()
        for key in SERIES:
            values = getattr(outcome, key)
            self._series_sums[key] = _added_rows(self._series_sums.get(key), values)
            self._buffer[key].append(values)
        for key, flags in (("deficit_paths", in_deficit), ("depleted_paths", depleted)):
            count = flags.sum(axis=0)
            self._counts[key] = self._counts[key] + count if key in self._counts else count
        self._buffered += reserve.shape[0]
        if self._buffered >= BINS:
            self._bin_buffer()

    def _bin_buffer(self) -> None:
        for key in SERIES:
            binned = histogram_of(np.concatenate(self._buffer[key]))
            self._histograms[key] = (
                merged(self._histograms[key], binned) if key in self._histograms else binned
            )
            self._buffer[key] = []
        self._buffered = 0

    def results(self) -> Results:
        """The run's results, once every chunk is folded."""
        if self._last_index < 0:
            raise ValueError("no chunk was folded")
        if self.keep_paths:
            return combine(self._outcomes)
        if self._buffered:
            self._bin_buffer()
        per_path = {key: np.concatenate(values) for key, values in self._per_path.items()}
        return StreamedResults(
            final_reserve=per_path["final_reserve"],
            deficit_any_month=per_path["deficit_any_month"].astype(bool),
            contributions_total=per_path["contributions_total"],
            allocations_total=per_path["allocations_total"],
            sums=self._sums,
            series_sums=self._series_sums,
            deficit_paths=self._counts["deficit_paths"],
            depleted_paths=self._counts["depleted_paths"],
            histograms=self._histograms,
            member_months=self._deciles["member_months"],
            net_transfer=self._deciles["net_transfer"],
        )


# --- the summary -------------------------------------------------------------------------------------


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
    """Member households each month: mean and percentiles 5 and 95, and 25, 50 and 75 (None in
    results stored before they were kept)."""

    mean: list[float]
    p05: list[float]
    p95: list[float]
    p25: list[float] | None = None
    p50: list[float] | None = None
    p75: list[float] | None = None


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
    # The reserve less the credit outstanding (None in results stored before it was kept).
    free_reserve: ReserveBands | None = None


def _cents(values: FloatArray) -> list[float]:
    return [round(float(v), 2) for v in values]


@dataclass(frozen=True)
class _Figures:
    """What the summary needs of a run, however it was kept: (M,) mean and percentiles of each
    series, share of paths in deficit that month and by that month."""

    means: dict[str, FloatArray]
    bands: dict[str, dict[str, FloatArray]]
    p_deficit: FloatArray
    ever_by_month: FloatArray


def _figures(results: Results) -> _Figures:
    n = results.paths
    if isinstance(results, PathResults):
        series = {key: getattr(results, key) for key in SERIES}
        bands = {}
        for key, values in series.items():
            found = np.percentile(values, PERCENTILES[key], axis=0)
            bands[key] = {f"p{level:02d}": row for level, row in zip(PERCENTILES[key], found, strict=True)}
        return _Figures(
            means={key: values.mean(axis=0) for key, values in series.items()},
            bands=bands,
            p_deficit=np.mean(results.reserve < 0, axis=0),
            ever_by_month=np.logical_or.accumulate(results.reserve < 0, axis=1).mean(axis=0),
        )
    return _Figures(
        means={key: total / n for key, total in results.series_sums.items()},
        bands={key: results.histograms[key].percentiles(PERCENTILES[key]) for key in SERIES},
        p_deficit=results.deficit_paths / n,
        ever_by_month=results.depleted_paths / n,
    )


def _depletion(ever_by_month: FloatArray, months: Sequence[str]) -> Depletion:
    half = np.flatnonzero(ever_by_month >= 0.5)
    return Depletion(p_ever=float(ever_by_month[-1]), p50=months[int(half[0])] if half.size else None)


def summarise(
    results: Results,
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
    figures = _figures(results)
    mean = {key: Mean(_cents(value / n)) for key, value in results.sums.items()}
    bands = {
        key: {level: _cents(row) for level, row in found.items()} for key, found in figures.bands.items()
    }
    final = results.final_reserve
    p_ever = float(np.mean(results.deficit_any_month))
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
        reserve=ReserveBands(mean=_cents(figures.means["reserve"]), **bands["reserve"]),
        net_flow=FlowBands(mean=_cents(figures.means["net_flow"]), **bands["net_flow"]),
        members=MemberBands(mean=_cents(figures.means["members"]), **bands["members"]),
        contributions=mean["contributions"],
        allocations=mean["allocations"],
        subsidies=mean["subsidies"],
        redemptions=mean["redemptions"],
        costs=mean["costs"],
        outstanding_credit=mean["outstanding"],
        expired_credit=mean["expired"],
        p_deficit=[float(p) for p in figures.p_deficit],
        depletion_month=_depletion(figures.ever_by_month, months),
        self_financing_ratio=Ratio(float(ratio.mean()) if ratio.size else None),
        net_transfer_by_decile=[None if np.isnan(t) else round(float(t), 2) for t in transfer],
        mc_standard_error=StandardErrors(
            p_deficit_any_month=float(np.sqrt(p_ever * (1 - p_ever) / n)),
            mean_final_reserve=float(final.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
        ),
        free_reserve=ReserveBands(mean=_cents(figures.means["free_reserve"]), **bands["free_reserve"]),
    )
