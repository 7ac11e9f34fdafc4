"""A scenario file (TOML or JSON): decoded and validated once, into frozen Structs.

Every table and field is documented in docs/scenario.md (units and defaults). An unknown key is an
error naming it and its table, never silently ignored.

>>> scenario = decode_scenario({
...     "scenario": {"start": "2027-01", "months": 12},
...     "contribution": {"preset": "ariege-ccampa"},
...     "allocation": {"rule": {"kind": "per_household", "base": 50}},
... })
>>> scenario.scenario.months, scenario.participation.take_up
(12, 1.0)
>>> try:
...     decode_scenario({"scenario": {"start": "2027-01", "monts": 12}})
... except ScenarioError as error:
...     print(error)
[scenario]: unknown key 'monts'; allowed keys: chunk_size, months, name, paths, seed, start
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from simulation.months import months_between
from simulation.sections import (
    AllocationSection,
    ContributionSection,
    FundingSection,
    ParticipationSection,
    PopulationSection,
    RunSection,
    SpendingSection,
    UncertaintySection,
)


class ScenarioError(ValueError):
    """A scenario that cannot be used, with a one-line message saying where and what to change."""


class Scenario(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A whole scenario: ``[scenario]`` and ``[contribution]``, ``[allocation]`` are required, every
    other table has defaults (see each section's docstring and docs/scenario.md)."""

    scenario: RunSection
    contribution: ContributionSection
    allocation: AllocationSection
    population: PopulationSection = msgspec.field(default_factory=PopulationSection)
    participation: ParticipationSection = msgspec.field(default_factory=ParticipationSection)
    spending: SpendingSection = msgspec.field(default_factory=SpendingSection)
    funding: FundingSection = msgspec.field(default_factory=FundingSection)
    uncertainty: UncertaintySection = msgspec.field(default_factory=UncertaintySection)

    def __post_init__(self) -> None:
        for index, subsidy in enumerate(self.funding.subsidies):
            if (
                subsidy.first_month is not None
                and months_between(self.scenario.start, subsidy.first_month) < 0
            ):
                raise ScenarioError(
                    f"[funding.subsidies][{index}]: first_month {subsidy.first_month} is before the "
                    f"scenario's start {self.scenario.start}; count only the periods from the start"
                )


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<key>[^`]*)`")
_MISSING = re.compile(r"Object missing required field `(?P<key>[^`]*)`")


def _segments(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path)]


def _table_name(segments: list[str | int]) -> str:
    text = ""
    for segment in segments:
        text += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if text else segment)
    return f"[{text}]" if text else "the top level"


def _resolve(current: Any, data: Any) -> Any:
    """Within a union, the one Struct the data can be: the only one, or the one its tag names."""
    if not isinstance(current, msgspec.inspect.UnionType):
        return current
    structs = [t for t in current.types if isinstance(t, msgspec.inspect.StructType)]
    if len(structs) == 1:
        return structs[0]
    for struct in structs:
        if isinstance(data, Mapping) and struct.tag_field and data.get(struct.tag_field) == struct.tag:
            return struct
    return current


def _type_at(segments: list[str | int], data: Any) -> Any:
    """msgspec's description of the type at `segments` from Scenario, following the document `data`."""
    current: Any = msgspec.inspect.type_info(Scenario)
    for segment in segments:
        current = _resolve(current, data)
        if isinstance(segment, int):
            current = getattr(current, "item_type", None)
            data = data[segment] if isinstance(data, list) and segment < len(data) else None
        elif isinstance(current, msgspec.inspect.StructType):
            current = next((f.type for f in current.fields if f.name == segment), None)
            data = data.get(segment) if isinstance(data, Mapping) else None
        else:
            return None
    return _resolve(current, data)


def _is_table(kind: Any) -> bool:
    return isinstance(kind, msgspec.inspect.StructType) or (
        isinstance(kind, msgspec.inspect.UnionType)
        and any(isinstance(t, msgspec.inspect.StructType) for t in kind.types)
    )


def explain_validation_error(error: msgspec.ValidationError, data: Any = None) -> str:
    """msgspec's message rewritten for a person editing the file: table, key, what to do.

    `data` is the decoded document, used to name the allowed keys of the table at fault.
    """
    parts = _AT.match(str(error))
    message, path = (parts["message"], parts["path"] or "") if parts else (str(error), "")
    segments = _segments(path)
    kind = _type_at(segments, data)
    unknown = _UNKNOWN.match(message)
    if unknown:
        allowed = ""
        if isinstance(kind, msgspec.inspect.StructType):
            names = [f.name for f in kind.fields] + ([kind.tag_field] if kind.tag_field else [])
            allowed = "; allowed keys: " + ", ".join(sorted(names))
        return f"{_table_name(segments)}: unknown key '{unknown['key']}'{allowed}"
    missing = _MISSING.match(message)
    if missing:
        return f"{_table_name(segments)}: missing required key '{missing['key']}'"
    if not segments:
        return message
    if not _is_table(kind) and isinstance(segments[-1], str):
        return f"{_table_name(segments[:-1])} {segments[-1]}: {message}"
    return f"{_table_name(segments)}: {message}"


def decode_scenario(data: Mapping[str, Any]) -> Scenario:
    """Validate a decoded TOML/JSON document; ScenarioError (a ValueError) with a one-line message."""
    try:
        return msgspec.convert(data, Scenario)
    except msgspec.ValidationError as error:
        raise ScenarioError(explain_validation_error(error, data)) from None


def _read(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError(f"cannot read scenario file {path}: {error.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(raw)
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(f"{path.name} is not UTF-8 text; save it as UTF-8") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise ScenarioError(f"{path.name} is not valid {kind}: {error}") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario from a ``.toml`` or ``.json`` file.

    The name defaults to the file's stem; a ``population.csv`` path is taken relative to the file.
    Raises ScenarioError naming the file, the table and the key when anything is wrong.
    """
    file = Path(path)
    if file.suffix.lower() not in (".toml", ".json"):
        raise ScenarioError(f"a scenario file ends in .toml or .json, got {file.name}")
    data = _read(file)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{file.name}: the scenario must be a table of sections, got {type(data).__name__}"
        )
    try:
        scenario = decode_scenario(data)
    except ScenarioError as error:
        raise ScenarioError(f"{file.name}: {error}") from None
    run, population = scenario.scenario, scenario.population
    if not run.name:
        run = msgspec.structs.replace(run, name=file.stem)
    if population.csv is not None:
        population = msgspec.structs.replace(population, csv=str((file.parent / population.csv).resolve()))
    return msgspec.structs.replace(scenario, scenario=run, population=population)
