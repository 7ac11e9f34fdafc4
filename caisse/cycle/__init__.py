"""The monthly cycle: closing a month (contributions due, expiry, allocations) and withheld credit.

The names are re-exported lazily: `caisse.caisses.service` imports `caisse.cycle.models`, and the
close imports that service, so importing the close eagerly here would be circular.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caisse.cycle.close import close_month
    from caisse.cycle.models import PeriodClose, WithheldAllocation
    from caisse.cycle.schemas import CloseResult, CycleStatus, PeriodSummary
    from caisse.cycle.status import cycle_status
    from caisse.cycle.withheld import release_paid_allocations

_EXPORTS = {
    "CloseResult": "caisse.cycle.schemas",
    "CycleStatus": "caisse.cycle.schemas",
    "PeriodClose": "caisse.cycle.models",
    "PeriodSummary": "caisse.cycle.schemas",
    "WithheldAllocation": "caisse.cycle.models",
    "close_month": "caisse.cycle.close",
    "cycle_status": "caisse.cycle.status",
    "release_paid_allocations": "caisse.cycle.withheld",
}

__all__ = [
    "CloseResult",
    "CycleStatus",
    "PeriodClose",
    "PeriodSummary",
    "WithheldAllocation",
    "close_month",
    "cycle_status",
    "release_paid_allocations",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'caisse.cycle' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
