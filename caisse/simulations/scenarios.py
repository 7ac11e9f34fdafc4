"""From a request to runnable scenarios: presets and overrides merged, every document validated by
the simulator's own decoder (so an error names the table and key as for a file), the population of
"caisse" scenarios read from the database, and the run's size checked against the limits."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from anyio import to_thread
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.caisses.service import decode_rule_set, rule_set_in_force
from caisse.errors import ValidationFailed
from caisse.forecasting.calibration import MIN_MONTHS, CalibrationError, calibrate
from caisse.forecasting.history import read_history
from caisse.forecasting.scenario import forecast_document
from caisse.ledger.balances import balances_by_kind, natural
from caisse.ledger.models import AccountKind
from caisse.members.chosen import first_open_month
from caisse.money.models import OperatingCost, Subsidy, SubsidySource
from caisse.periods import first_day, months_between, previous_month
from caisse.simulations.limits import (
    MAX_ITEMS,
    SERVER_MAX_PATHS,
    check_plan,
    check_work,
    chunk_size_for,
)
from caisse.simulations.models import RunKind
from caisse.simulations.population import members_population
from caisse.simulations.schemas import ScenarioInput, SimulationRequest
from caisse.simulations.solving import EVALUATIONS, check_solve
from caisse.text import has_control_characters
from simulation import Population, Scenario, ScenarioError, decode_scenario, synthetic_population
from simulation.engines import CHECKS
from simulation.plan import build_plan
from simulation.run import fresh_seed
from simulation.scenarios import shipped_scenarios
from simulation.types import EngineName


@dataclass(frozen=True)
class PreparedRun:
    """A validated request: the scenarios, each one's population when it comes from the caisse
    (None: the simulator builds it from the scenario), and the paths and seed every scenario uses."""

    kind: RunKind
    scenarios: tuple[Scenario, ...]
    populations: tuple[Population | None, ...]
    paths: int
    seed: int
    engine: EngineName
    solve: dict[str, Any] | None

    @property
    def label(self) -> str:
        names = [s.scenario.name or f"scenario {i + 1}" for i, s in enumerate(self.scenarios)]
        return " / ".join(names)[:300]

    @property
    def paths_total(self) -> int:
        return self.paths * (EVALUATIONS if self.kind is RunKind.SOLVE else len(self.scenarios))

    def document(self) -> dict[str, Any]:
        """The request as it will run (JSON-ready): every scenario in full, the paths and seed."""
        return {
            "kind": self.kind.value,
            "engine": self.engine,
            "paths": self.paths,
            "seed": self.seed,
            "scenarios": [msgspec.to_builtins(s) for s in self.scenarios],
            **({"solve": self.solve} if self.solve is not None else {}),
        }


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `overrides` laid over it: tables merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in overrides.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged


def shipped_document(name: str) -> dict[str, Any]:
    """The example scenario `name` (simulation/scenarios/NAME.toml) as a document."""
    path = shipped_scenarios()[name]
    return tomllib.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Reserve:
    """The caisse's money today, in cents: its cash in the bank, and the part of that cash already
    promised — members' unspent credit (their wallets) and what outlets took and are still owed."""

    cash: int
    promised: int

    @property
    def free(self) -> int:
        return self.cash - self.promised


async def caisse_reserve(session: AsyncSession, caisse: Caisse) -> Reserve:
    async def total(kind: AccountKind) -> int:
        return sum(natural(kind, raw) for raw in (await balances_by_kind(session, caisse.id, kind)).values())

    cash = await total(AccountKind.FUND)
    return Reserve(cash=cash, promised=await total(AccountKind.WALLET) + await total(AccountKind.OUTLET))


async def caisse_document(session: AsyncSession, caisse: Caisse) -> dict[str, Any]:
    """The caisse as it stands: from its next open month, its rules in force then, its active members
    (all of whom take part), its credit lifetime; once it has closed enough months, its free reserve
    at the last close and the behaviour, grants and running costs its books show
    (`caisse.forecasting`), else its free reserve today, no churn, every due paid and its grants and
    running costs of the last year carried forward; two years, 1 000 paths.

    The free reserve is the cash minus the credit already promised (wallets and outlets, see
    :class:`Reserve`): the simulated caisse starts with no credit outstanding, so the credit promised
    today would otherwise never be redeemed in the forecast, and the reserve would be overstated by
    as much. Taking it off at once is the cautious reading: some of it will lapse back to the caisse
    and its redemptions come over the next months, so the first months' reserve is slightly low."""
    month = await first_open_month(session, caisse)
    rule_set = decode_rule_set(await rule_set_in_force(session, caisse.id, month))
    reserve = await caisse_reserve(session, caisse)
    calibrated = await _calibrated_document(session, caisse, month)
    if calibrated is not None:
        calibrated["scenario"] = {"name": f"{caisse.name} — état actuel", "start": month, "months": 24}
        calibrated["scenario"]["paths"] = 1000
        calibrated["participation"]["take_up"] = 1.0
        return calibrated
    spending: dict[str, Any] = {}
    if caisse.credit_lifetime_months is not None:
        spending["credit_lifetime_months"] = caisse.credit_lifetime_months
    subsidies, costs = await recent_funding(session, caisse, month)
    return {
        "scenario": {"name": f"{caisse.name} — état actuel", "start": month, "months": 24, "paths": 1000},
        "population": {"source": "caisse", "caisse": caisse.slug},
        "contribution": {"scheme": msgspec.to_builtins(rule_set.contribution)},
        "allocation": {"rule": msgspec.to_builtins(rule_set.allocation)},
        "participation": {"take_up": 1.0},
        "spending": spending,
        "funding": {"initial_reserve": reserve.free / 100, "operating_costs": costs, "subsidies": subsidies},
    }


async def _calibrated_document(session: AsyncSession, caisse: Caisse, month: str) -> dict[str, Any] | None:
    """The forecast scenario from the caisse's books, when it has enough closed months up to the
    month before `month` (else None: the document above assumes no churn and every due paid)."""
    history = await read_history(session, caisse)
    if history is None or len(history.months) < MIN_MONTHS or history.next_month != month:
        return None
    try:
        calibration = calibrate(history)
    except CalibrationError:
        return None
    last = len(history.months) - 1
    document = forecast_document(history, calibration, last)
    # Its behaviour and funding are the books', from the end of the last closed month (what came in
    # since is part of the forecast's first month). Its population is today's members without their
    # wallets (`members_population`), so it starts from the free reserve, wallets not added back.
    document["funding"]["initial_reserve"] = int(history.free_reserve_end[last]) / 100
    return document


async def recent_funding(
    session: AsyncSession, caisse: Caisse, month: str
) -> tuple[list[dict[str, Any]], float]:
    """What the caisse received from each funder and spent on running costs over the (up to) twelve
    months before `month`, carried forward: each funder's grant as a yearly amount paid monthly
    (renewed for sure: the official sets the risk with the levers), costs as a monthly mean (€)."""
    history = months_between(max(caisse.first_month, _months_before(month, 12)), previous_month(month))
    if month <= caisse.first_month or not history:
        return [], 0.0
    since, until = first_day(history[0]), first_day(month)
    granted = await session.execute(
        select(SubsidySource.name, func.sum(Subsidy.amount_cents))
        .join(SubsidySource, SubsidySource.id == Subsidy.source_id)
        .where(Subsidy.caisse_id == caisse.id, Subsidy.received_on >= since, Subsidy.received_on < until)
        .group_by(SubsidySource.name)
        .order_by(SubsidySource.name)
    )
    per_year = 12 / len(history)
    subsidies = [
        {"name": name, "amount": round(int(cents) * per_year / 100, 2), "payment": "monthly"}
        for name, cents in granted
        if cents and cents > 0
    ]
    spent = await session.scalar(
        select(func.coalesce(func.sum(OperatingCost.amount_cents), 0)).where(
            OperatingCost.caisse_id == caisse.id,
            OperatingCost.paid_on >= since,
            OperatingCost.paid_on < until,
        )
    )
    return subsidies, round(max(int(spent or 0), 0) / len(history) / 100, 2)


def _months_before(month: str, count: int) -> str:
    for _ in range(count):
        month = previous_month(month)
    return month


async def scenario_document(
    session: AsyncSession, caisse: Caisse, given: ScenarioInput, where: str
) -> dict[str, Any]:
    if (given.scenario is None) == (given.preset is None):
        raise ValidationFailed(
            f"{where}: give either 'scenario' (a whole scenario) or 'preset', not both nor neither."
        )
    if given.scenario is not None:
        if given.overrides is not None:
            raise ValidationFailed(f"{where}: 'overrides' apply to a preset; put them in 'scenario' itself.")
        return given.scenario
    base = (
        await caisse_document(session, caisse)
        if given.preset == "caisse"
        else shipped_document(given.preset or "")
    )
    return merge(base, given.overrides or {})


def decode(document: dict[str, Any], caisse: Caisse, where: str) -> Scenario:
    """The scenario, or ValidationFailed saying which scenario, table and key are wrong.

    Stricter than the simulator's own decoder (the CLI stays free): the name is stored as the run's
    label, so no control character; the lists the simulator evaluates one item at a time (subsidies,
    brackets, tiers) are at most MAX_ITEMS long, as nothing else bounds their cost."""
    try:
        scenario = decode_scenario(document)
    except ScenarioError as error:
        raise ValidationFailed(f"{where}: {error}") from None
    if has_control_characters(scenario.scenario.name):
        raise ValidationFailed(
            f"{where}: [scenario] name: remove the control characters (such as NUL or a line break)."
        )
    for section in msgspec.structs.fields(scenario):
        for key, length in _lists(getattr(scenario, section.name), ""):
            if length > MAX_ITEMS:
                raise ValidationFailed(
                    f"{where}: [{section.name}] {key}: {length:,} items, more than the server takes "
                    f"({MAX_ITEMS}); merge some, or run it with `caisse simulate` on your own machine."
                )
    source = scenario.population
    if source.source == "csv":
        raise ValidationFailed(
            f'{where}: [population] source = "csv" reads a file on the machine running the simulation, which '
            'the server does not offer; use source = "caisse" (this caisse\'s members) or "synthetic".'
        )
    if source.source == "caisse" and source.caisse != caisse.slug:
        raise ValidationFailed(
            f"{where}: [population] caisse = '{source.caisse}': a run of this caisse can only use its own "
            f"members; write caisse = '{caisse.slug}'."
        )
    return scenario


def _lists(value: object, key: str) -> Iterator[tuple[str, int]]:
    """Each list in a decoded section (key, length), a list before what it holds."""
    if isinstance(value, msgspec.Struct):
        for field in msgspec.structs.fields(value):
            yield from _lists(getattr(value, field.name), f"{key}.{field.name}" if key else field.name)
    elif isinstance(value, tuple | list):
        yield key, len(value)
        for item in value:
            yield from _lists(item, key)


async def prepare(session: AsyncSession, caisse: Caisse, request: SimulationRequest) -> PreparedRun:
    """Validate `request` for `caisse` (ValidationFailed naming what to change), fix its seed and the
    chunk size the server runs.

    Sizes are checked in the order of their cost: the document's lists (in `decode`), paths, the
    rule tables — all before any plan is built —, then each plan is built in a worker thread (the
    event loop keeps serving other requests) and the work and the chunk's memory are weighed on what
    the engine follows."""
    count = len(request.scenarios)
    if request.kind is RunKind.COMPARE and count < 2:
        raise ValidationFailed("A comparison needs at least two scenarios in 'scenarios'.")
    if request.kind is not RunKind.COMPARE and count != 1:
        raise ValidationFailed(f"A '{request.kind.value}' run takes exactly one scenario; got {count}.")
    if (request.kind is RunKind.SOLVE) != (request.solve is not None):
        raise ValidationFailed(
            "'solve' (the lever and the target) goes with kind = 'solve', and only with it."
        )
    if request.solve is not None:
        check_solve(request.solve)
    scenarios = []
    for index, given in enumerate(request.scenarios):
        where = f"scenarios[{index}]"
        scenarios.append(decode(await scenario_document(session, caisse, given, where), caisse, where))
    months = {s.scenario.months for s in scenarios}
    if len(months) > 1:
        raise ValidationFailed(
            f"Scenarios compared month by month need the same months; got {sorted(months)}."
        )
    first = scenarios[0].scenario
    paths = request.paths or first.paths
    if paths > SERVER_MAX_PATHS:
        raise ValidationFailed(
            f"[scenario] paths = {paths:,} is more than the server runs ({SERVER_MAX_PATHS:,}); "
            "give 'paths' or lower it."
        )
    seed = (
        request.seed if request.seed is not None else first.seed if first.seed is not None else fresh_seed()
    )
    micro = request.engine == "micro"
    members = None
    populations: list[Population | None] = []
    units = ages = 1
    for index, scenario in enumerate(scenarios):
        where = f"scenarios[{index}]"
        population = None
        if scenario.population.source == "caisse":
            members = members if members is not None else await members_population(session, caisse)
            population = members
        populations.append(population)
        whole = population or _synthetic(scenario)
        check_plan(scenario.scenario.months, whole.types, where)
        followed = await to_thread.run_sync(_check_engine, scenario, whole, request.engine, paths, where)
        # The largest scenario sets the run's chunk size and weighs for every one of the run.
        units = max(units, followed)
        ages = max(ages, scenario.spending.credit_lifetime_months or 1)
    # A solve runs its one scenario once per value of the lever it tries.
    runs = EVALUATIONS if request.kind is RunKind.SOLVE else count
    check_work(paths, first.months, units, ages, runs, micro=micro)
    # Never the document's chunk size as it is: it sets how much memory one chunk holds. All the
    # scenarios of a comparison share it (common random numbers); the stored request says what ran.
    chunk = chunk_size_for(first.chunk_size, paths, units, ages, micro=micro)
    return PreparedRun(
        kind=request.kind,
        scenarios=tuple(_with_chunk_size(scenario, chunk) for scenario in scenarios),
        populations=tuple(populations),
        paths=paths,
        seed=seed,
        engine=request.engine,
        solve=msgspec.to_builtins(request.solve) if request.solve is not None else None,
    )


def _with_chunk_size(scenario: Scenario, chunk_size: int) -> Scenario:
    return msgspec.structs.replace(
        scenario, scenario=msgspec.structs.replace(scenario.scenario, chunk_size=chunk_size)
    )


def _synthetic(scenario: Scenario) -> Population:
    section = scenario.population
    return synthetic_population(
        section.households, section.composition.as_dict(), section.income_bins, section.income_scale
    )


def _check_engine(
    scenario: Scenario, population: Population, engine: EngineName, paths: int, where: str
) -> int:
    """What the engine refuses (e.g. expiry with spread spending for the stratified engine), now
    rather than once the run is queued; the units it follows (strata of household types, or
    households for the micro engine). Builds the plan: run it off the event loop."""
    try:
        plan = build_plan(scenario, population)
        units = plan.population.total_households if engine == "micro" else plan.strata.population.types
        # One path: the chunk's memory is the server's to bound (`chunk_size_for`), not the document's.
        CHECKS[engine](plan, 1)
    except ValueError as error:
        raise ValidationFailed(f"{where}: {error}") from None
    return int(units)
