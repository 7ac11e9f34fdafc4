"""A finished run as a CSV table, month by month (one block of rows per scenario of a comparison),
for a spreadsheet: amounts in € as in the JSON, probabilities as fractions."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from simulation.results import SimulationResult

COLUMNS = (
    "scenario", "month", "reserve_mean", "reserve_p05", "reserve_p25", "reserve_p50", "reserve_p75",
    "reserve_p95", "p_deficit", "net_flow_mean", "members_mean", "contributions_mean", "subsidies_mean",
    "redemptions_mean", "outstanding_credit_mean",
)  # fmt: skip


# A cell starting with one of these is a formula to a spreadsheet (as in caisse.redemptions.sepa).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _as_text(cell: str) -> str:
    # The scenario's name is typed by a person: "=HYPERLINK(...)" must reach the reader's
    # spreadsheet as text, never run there.
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def forecasts_csv(results: Sequence[SimulationResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for result in results:
        reserve, name = result.reserve, _as_text(result.scenario)
        for i, month in enumerate(result.months):
            writer.writerow(
                [
                    name, month, reserve.mean[i], reserve.p05[i], reserve.p25[i], reserve.p50[i],
                    reserve.p75[i], reserve.p95[i], result.p_deficit[i], result.net_flow.mean[i],
                    result.members.mean[i], result.contributions.mean[i], result.subsidies.mean[i],
                    result.redemptions.mean[i], result.outstanding_credit.mean[i],
                ]
            )  # fmt: skip
    return out.getvalue()
