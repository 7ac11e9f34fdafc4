"""The forecast as text for a terminal: a short bilingual (French / English) summary.

>>> from simulation.run import simulate
>>> from simulation.scenario import decode_scenario
>>> scenario = decode_scenario({"scenario": {"name": "Test", "start": "2027-01", "months": 3, "paths": 4,
...     "seed": 1}, "contribution": {"preset": "flers"}, "allocation": {"preset": "flers"}})
>>> lines = summary_lines(simulate(scenario).summary())
>>> lines[0].startswith("Test — 4 trajectoires / paths, graine / seed 1"), lines[-5].startswith("P(déficit")
(True, True)
"""

from __future__ import annotations

from simulation.compare import Comparison
from simulation.results import SimulationResult


def _count(value: float) -> str:
    """French thousands separator (narrow no-break space): 30 907 289."""
    return f"{value:,.0f}".replace(",", "\u202f")


def _euros(value: float) -> str:
    return f"{_count(value)} €"


def _percent(value: float) -> str:
    return f"{value:.1%}"


def summary_lines(result: SimulationResult) -> list[str]:
    """The summary printed when no --json - is asked: bilingual French / English."""
    band, months = result.reserve, result.months
    shown = sorted({*range(0, len(months), max(1, len(months) // 6)), len(months) - 1})
    lines = [
        f"{result.scenario} — {_count(result.paths)} trajectoires / paths, graine / seed {result.seed}, "
        f"moteur / engine {result.engine}, {_count(result.households)} foyers éligibles / eligible "
        f"households ({result.types} types)",
        "",
        f"{'mois':<8} {'réserve médiane':>16} {'p05':>14} {'p95':>14} {'P(déficit)':>11} {'adhérents':>10}",
        f"{'month':<8} {'median reserve':>16} {'':>14} {'':>14} {'P(deficit)':>11} {'members':>10}",
    ]
    for m in shown:
        lines.append(
            f"{months[m]:<8} {_euros(band.p50[m]):>16} {_euros(band.p05[m]):>14} {_euros(band.p95[m]):>14} "
            f"{_percent(result.p_deficit[m]):>11} {result.members.mean[m]:>10.0f}"
        )
    errors, depletion = result.mc_standard_error, result.depletion_month
    ratio = result.self_financing_ratio.mean
    final = band.mean[-1]
    lines += [
        "",
        f"P(déficit au moins un mois / deficit in any month): {_percent(depletion.p_ever)} "
        f"± {_percent(errors.p_deficit_any_month)}",
        f"Réserve finale moyenne / mean final reserve: {_euros(final)} ± {_euros(errors.mean_final_reserve)}",
        "Autofinancement / self-financing (cotisations ÷ allocations): "
        + ("n/a" if ratio is None else _percent(ratio)),
        "Épuisement médian / median depletion month: "
        + (depletion.p50 or "aucun / none (moins de la moitié des trajectoires / under half the paths)"),
        "Transfert net par décile / net transfer by decile (allocation − cotisation, €/mois / month): "
        + " ".join(
            f"D{d + 1} {'–' if t is None else f'{t:+.0f}'}"
            for d, t in enumerate(result.net_transfer_by_decile)
        ),
    ]
    return lines


def comparison_lines(comparison: Comparison) -> list[str]:
    """Each scenario's risk and final reserve, then its difference from the first, with paired standard
    errors (common random numbers)."""
    first = comparison.results[0]
    lines = [
        f"{len(comparison.results)} scénarios / scenarios, {_count(first.paths)} trajectoires / paths, "
        f"graine commune / common seed {first.seed}, moteur / engine {first.engine}",
        "",
        f"{'scénario / scenario':<44} {'P(déficit / deficit)':>21} {'réserve finale / final reserve':>31}",
    ]
    for result in comparison.results:
        errors = result.mc_standard_error
        risk = f"{_percent(result.depletion_month.p_ever)} ± {_percent(errors.p_deficit_any_month)}"
        reserve = f"{_euros(result.reserve.mean[-1])} ± {_euros(errors.mean_final_reserve)}"
        lines.append(f"{result.scenario[:44]:<44} {risk:>21} {reserve:>31}")
    lines += ["", f"Écart au premier / difference from the first ({first.scenario}):"]
    for gap in comparison.differences:
        correlation = gap.final_reserve_correlation
        lines.append(
            f"  {gap.scenario}: P(déficit) {gap.p_deficit_any_month:+.1%} "
            f"± {_percent(gap.standard_error_p_deficit)}, "
            f"réserve finale / final reserve {'+' if gap.mean_final_reserve >= 0 else '−'}"
            f"{_euros(abs(gap.mean_final_reserve))} ± {_euros(gap.standard_error_final_reserve)}"
            + ("" if correlation is None else f" (corrélation / correlation {correlation:.2f})")
        )
    return lines
