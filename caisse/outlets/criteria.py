"""Evaluating a criteria grid: pure functions over plain values, so the rules are testable alone.

A reading passes a criterion when: yes/no is yes; a scale (1–5) is 3 or more; a numeric value
respects the threshold in its direction (`at_most 70` km: 70 passes, 70.1 fails). With several
assessors, each one's latest reading counts once; the criterion is met when more than half of
them pass it, and its share of the score is the mean of their readings (scale: 1→0, 5→1).
The score is the weighted mean over the active criteria, 0–100; an unassessed criterion counts 0.
An outlet is eligible when every required criterion is assessed and met.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from caisse.outlets.models import CriterionKind, Direction

SCALE_MIN, SCALE_MAX, SCALE_PASS = 1, 5, 3

Value = bool | int | Decimal


@dataclass(frozen=True)
class Rule:
    kind: CriterionKind
    threshold: Decimal | None = None
    direction: Direction | None = None


def check_value(rule: Rule, value: Value) -> Value:
    """The value in the type the criterion expects, or ValueError saying what is expected."""
    if rule.kind is CriterionKind.YES_NO:
        if not isinstance(value, bool):
            raise ValueError("This criterion is yes/no: send true or false.")
        return value
    if rule.kind is CriterionKind.SCALE:
        if isinstance(value, bool) or not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX:
            raise ValueError(
                f"This criterion is a scale: send a whole number from {SCALE_MIN} to {SCALE_MAX}."
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("This criterion is a numeric threshold: send a number.")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError("Send a finite number.")
    return number


def passes(rule: Rule, value: Value) -> bool:
    if rule.kind is CriterionKind.YES_NO:
        return value is True
    if rule.kind is CriterionKind.SCALE:
        return int(value) >= SCALE_PASS
    if rule.threshold is None or rule.direction is None:
        return False
    number = Decimal(value)
    if rule.direction is Direction.AT_MOST:
        return number <= rule.threshold
    return number >= rule.threshold


def share(rule: Rule, value: Value) -> Decimal:
    """A reading's contribution to the score, 0 to 1."""
    if rule.kind is CriterionKind.SCALE:
        return Decimal(int(value) - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
    return Decimal(1) if passes(rule, value) else Decimal(0)


@dataclass(frozen=True)
class CriterionResult:
    assessed: bool
    met: bool
    share: Decimal  # 0..1


def evaluate(rule: Rule, readings: Sequence[Value]) -> CriterionResult:
    if not readings:
        return CriterionResult(assessed=False, met=False, share=Decimal(0))
    passing = sum(1 for v in readings if passes(rule, v))
    mean = sum((share(rule, v) for v in readings), Decimal(0)) / len(readings)
    return CriterionResult(assessed=True, met=passing * 2 > len(readings), share=mean)


def score(weighted: Sequence[tuple[int, CriterionResult]]) -> int:
    """Weighted score 0–100, rounded half up; 0 when no criterion carries weight."""
    total = sum(w for w, _ in weighted)
    if total == 0:
        return 0
    points = sum((w * r.share for w, r in weighted), Decimal(0)) * 100 / total
    return int(points.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def eligible(required: Sequence[CriterionResult]) -> bool:
    return all(r.assessed and r.met for r in required)


# The default grid, from criteria real caisses use (sources: ../shared/research/ssa_facts.md §2.3).
DEFAULT_GRID: tuple[dict[str, object], ...] = (
    {
        "code": "organic",
        "label": "Organic (AB, Nature & Progrès, Demeter) or in conversion",
        "kind": CriterionKind.YES_NO,
        "required": True,
        "weight": 3,
        "description": "CAC09 Couserans, by consensus: organic only, or in conversion "
        "(https://cac09.le-pic.org/dixieme-atelier-06-09-2025); Lyon, Montpellier: organic supply.",
    },
    {
        "code": "local",
        "label": "Produced within 70 km",
        "kind": CriterionKind.NUMERIC_THRESHOLD,
        "unit": "km",
        "threshold": Decimal(70),
        "direction": Direction.AT_MOST,
        "required": True,
        "weight": 3,
        "description": "Flers: local = made within 70 km (https://www.tendanceouest.com/actualite-431135-...).",
    },
    {
        "code": "fair_producer_pay",
        "label": "Fair pay for producers",
        "kind": CriterionKind.SCALE,
        "required": False,
        "weight": 2,
        "description": "Gironde common conventioning charter: fair pay for farmers (https://aqui.fr/...); "
        "Cadenet: producer pay (https://leclacdecadenet.ouvaton.org/?p=317).",
    },
    {
        "code": "limited_margins",
        "label": "Limited profit-making and transparent margins",
        "kind": CriterionKind.YES_NO,
        "required": False,
        "weight": 2,
        "description": "Montpellier: outlets must have limited profit-making ('lucrativité limitée') and "
        "transparency on margins (https://www.participation-citoyenne.eu/...).",
    },
    {
        "code": "working_conditions",
        "label": "Working conditions",
        "kind": CriterionKind.SCALE,
        "required": False,
        "weight": 2,
        "description": "Cadenet: respect for workers, working conditions "
        "(https://leclacdecadenet.ouvaton.org/?p=317); "
        "Toulouse: social practices (https://lareleveetlapeste.fr/...).",
    },
    {
        "code": "price_accessibility",
        "label": "Price accessibility",
        "kind": CriterionKind.SCALE,
        "required": False,
        "weight": 1,
        "description": "Gironde common conventioning charter: accessibility (https://aqui.fr/...).",
    },
)
