"""The reserve's fan chart as SVG: bands of 5–95 % and 25–75 % of the paths, the median, the zero line.

Drawn with matplotlib's object API on the Agg/SVG canvas (no pyplot, no global backend), labels in
French for the caisse's officials and funders. Safe to call from several threads: the one global
state touched, matplotlib's rcParams while saving, is held under a lock.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulation.results import SimulationResult

# rc_context swaps matplotlib's global rcParams and puts them back on exit: two threads inside it
# at once could restore each other's values.
_RC_LOCK = threading.Lock()


def _count(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _euros(value: float, _position: int) -> str:
    return f"{_count(value)} €"


def _finish(figure: Figure, axes: Axes, months: Sequence[str]) -> str:
    """French axis labels, months on x, € on y, a legend; the SVG document."""
    axes.axhline(0.0, color="#cb181d", linewidth=1, linestyle="--", label="Zéro")
    axes.set_ylabel("Réserve (€)")
    axes.set_xlabel("Mois")
    axes.yaxis.set_major_formatter(FuncFormatter(_euros))
    axes.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _p: months[int(v)] if 0 <= int(v) < len(months) else "")
    )
    axes.set_xlim(0, max(len(months) - 1, 1))
    axes.grid(True, alpha=0.3)
    legend = axes.legend(loc="best", fontsize="small")
    for text in legend.get_texts():
        # Scenario names are typed by people: a `$` is a dollar, not TeX (matplotlib's mathtext
        # would mangle them, or fail on an unbalanced formula).
        text.set_parse_math(False)
    buffer = io.StringIO()
    # A fixed hash salt and no date: the same result gives the same file.
    with _RC_LOCK, matplotlib.rc_context({"svg.hashsalt": "caisse-commune", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def fan_chart_svg(result: SimulationResult) -> str:
    """The SVG document of the reserve's fan chart, months on the x axis, € on the y axis.

    >>> from simulation.run import simulate
    >>> from simulation.scenario import decode_scenario
    >>> scenario = decode_scenario({"scenario": {"start": "2027-01", "months": 6, "paths": 20, "seed": 3},
    ...     "contribution": {"preset": "gironde"}, "allocation": {"preset": "gironde"}})
    >>> svg = fan_chart_svg(simulate(scenario).summary())
    >>> svg.startswith("<?xml") and "Réserve (€)" in svg and svg.rstrip().endswith("</svg>")
    True
    """
    x = list(range(len(result.months)))
    band = result.reserve
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    axes = figure.add_subplot()
    axes.fill_between(
        x, band.p05, band.p95, color="#9ecae1", alpha=0.6, linewidth=0, label="5–95 % des trajectoires"
    )
    axes.fill_between(x, band.p25, band.p75, color="#4292c6", alpha=0.7, linewidth=0, label="25–75 %")
    axes.plot(x, band.p50, color="#08306b", linewidth=2, label="Médiane")
    axes.set_title(
        f"{result.scenario} — réserve de la caisse ({_count(result.paths)} trajectoires)", parse_math=False
    )
    return _finish(figure, axes, result.months)


def comparison_chart_svg(results: Sequence[SimulationResult]) -> str:
    """Several scenarios' reserves on one chart: each one's median and its 5–95 % band.

    >>> from simulation.run import simulate
    >>> from simulation.scenario import decode_scenario
    >>> scenario = decode_scenario({"scenario": {"start": "2027-01", "months": 4, "paths": 5, "seed": 3},
    ...     "contribution": {"preset": "gironde"}, "allocation": {"preset": "gironde"}})
    >>> "Réserve (€)" in comparison_chart_svg([simulate(scenario).summary()] * 2)
    True
    """
    x = list(range(len(results[0].months)))
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    axes = figure.add_subplot()
    for index, result in enumerate(results):
        colour = f"C{index % 10}"
        band = result.reserve
        axes.fill_between(x, band.p05, band.p95, color=colour, alpha=0.2, linewidth=0)
        axes.plot(x, band.p50, color=colour, linewidth=2, label=f"{result.scenario} (médiane, 5–95 %)")
    axes.set_title(f"Réserve de la caisse — {len(results)} scénarios, mêmes tirages aléatoires")
    return _finish(figure, axes, results[0].months)
