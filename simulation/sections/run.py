"""`[scenario]`: what is simulated, from when, for how long, with how many paths and which seed."""

from __future__ import annotations

from typing import Annotated

import msgspec

from caisse.rules import validate_month

MAX_MONTHS = 600
MAX_PATHS = 10_000_000


class RunSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[scenario]` table.

    * ``name`` — label shown in the summary, the JSON and the chart. Default: the scenario file's name.
    * ``start`` — first simulated month, ``"YYYY-MM"``. Required.
    * ``months`` — horizon in months, 1 to 600. Default 24.
    * ``paths`` — Monte Carlo paths (possible futures), 1 to 10 000 000. Default 1 000.
    * ``seed`` — integer >= 0 seeding every random draw. Default: none, a fresh seed is drawn and
      reported in the results so the run can be repeated.
    * ``chunk_size`` — paths simulated together, each chunk with its own random stream spawned from the
      seed, 1 to 100 000. Default 250. The same seed and chunk size give the same results however the
      chunks are scheduled (one process, several, a Dask cluster).
    """

    start: str
    name: str = ""
    months: Annotated[int, msgspec.Meta(ge=1, le=MAX_MONTHS)] = 24
    paths: Annotated[int, msgspec.Meta(ge=1, le=MAX_PATHS)] = 1000
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None = None
    chunk_size: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 250

    def __post_init__(self) -> None:
        try:
            validate_month(self.start)
        except ValueError as error:
            raise ValueError(f"start: {error}") from None
