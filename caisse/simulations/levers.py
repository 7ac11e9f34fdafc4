"""The levers an official moves on a scenario from the web form, applied to a scenario document:
contributions and allocations scaled, subsidies scaled or one added, take-up, reserve, costs,
horizon and paths. Each lever is a plain change of the document, so the result is an ordinary
scenario the simulator validates as any other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from caisse import rules
from caisse.errors import ValidationFailed
from caisse.simulations.scenarios import merge


class LeverError(ValidationFailed):
    """A lever that cannot apply to the scenario; `lever` names it (a field of :class:`Levers`)."""

    def __init__(self, lever: str, detail: str) -> None:
        super().__init__(detail)
        self.lever = lever


@dataclass(frozen=True)
class Levers:
    """Shares are fractions (1.0 = the base scenario's value); amounts in €."""

    name: str
    months: int
    paths: int
    seed: int | None
    contribution_scale: float
    allocation_scale: float
    subsidy_scale: float
    take_up: float
    initial_reserve: float
    operating_costs: float
    extra_subsidy: float
    extra_subsidy_renewal: float


def _rule_at(section: dict[str, Any], inline: str, start: str, pick: str) -> dict[str, Any]:
    """The section's rule as an inline table: its own, or its preset's in force at the start."""
    if section.get(inline) is not None:
        return dict(section[inline])
    preset = rules.get_preset(section["preset"])
    rule_set = preset.in_force(section.get("rule_month") or start)
    return dict(msgspec.to_builtins(getattr(rule_set, pick)))


def _scaled(values: dict[str, Any], keys: tuple[str, ...], factor: float) -> dict[str, Any]:
    return {k: (v * factor if k in keys and isinstance(v, int | float) else v) for k, v in values.items()}


def scale_contribution(section: dict[str, Any], start: str, factor: float) -> dict[str, Any]:
    """Contributions × `factor`: households choose `factor` × more under a self-determined scheme;
    a proportional scheme's rate, floor and ceiling are multiplied. Other schemes have no single
    scale (LeverError)."""
    if factor == 1.0:
        return section
    scheme = _rule_at(section, "scheme", start, "contribution")
    kind = scheme.get("kind")
    if kind == "self_determined":
        return {**section, "chosen_ratio": round(section.get("chosen_ratio", 1.0) * factor, 6)}
    if kind == "proportional":
        scaled = _scaled(scheme, ("rate", "floor", "ceiling", "extra_floor_per_person"), factor)
        rest = {k: v for k, v in section.items() if k not in ("preset", "rule_month")}
        return {**rest, "scheme": scaled}
    raise LeverError(
        "contribution_scale",
        f"A {str(kind).replace('_', ' ')} contribution scheme has no single scale: keep 100 % here and "
        "change its brackets or tiers in the scenario itself (API).",
    )


def scale_allocation(section: dict[str, Any], start: str, factor: float) -> dict[str, Any]:
    """Allocations × `factor` (a mutualist allocation shares out the contributions: no scale)."""
    if factor == 1.0:
        return section
    rule = _rule_at(section, "rule", start, "allocation")
    if rule.get("kind") == "mutualist":
        raise LeverError(
            "allocation_scale",
            "A mutualist allocation shares out the contributions; scale the contributions instead.",
        )
    scaled = _scaled(
        rule, ("amount", "amount_per_unit", "base", "per_extra_person", "per_child_under_14"), factor
    )
    rest = {k: v for k, v in section.items() if k not in ("preset", "rule_month")}
    return {**rest, "rule": scaled}


def apply_levers(document: dict[str, Any], levers: Levers) -> dict[str, Any]:
    """`document` with the levers set (LeverError when a lever cannot apply to it)."""
    start = document["scenario"]["start"]
    funding = dict(document.get("funding", {}))
    subsidies = [{**s, "amount": s["amount"] * levers.subsidy_scale} for s in funding.get("subsidies", [])]
    if levers.extra_subsidy > 0:
        subsidies.append(
            {
                "name": "Nouvelle subvention",
                "amount": levers.extra_subsidy,
                "period_months": 12,
                "renewal_probability": levers.extra_subsidy_renewal,
            }
        )
    changed = merge(
        document,
        {
            "scenario": {"name": levers.name, "months": levers.months, "paths": levers.paths},
            "participation": {"take_up": levers.take_up},
            "funding": {
                "initial_reserve": levers.initial_reserve,
                "operating_costs": levers.operating_costs,
                "subsidies": subsidies,
            },
        },
    )
    if levers.seed is not None:
        changed["scenario"]["seed"] = levers.seed
    else:
        # No seed asked for: new futures, not the base scenario's own seed (the run reports the seed
        # it drew, so it can be repeated).
        changed["scenario"].pop("seed", None)
    changed["contribution"] = scale_contribution(
        dict(document["contribution"]), start, levers.contribution_scale
    )
    changed["allocation"] = scale_allocation(dict(document["allocation"]), start, levers.allocation_scale)
    # A base scenario's uncertainty on take-up would override the lever: the lever is what the
    # official asked for.
    uncertainty = {k: v for k, v in changed.get("uncertainty", {}).items() if k != "take_up"}
    changed["uncertainty"] = uncertainty
    return changed
