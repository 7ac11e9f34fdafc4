"""The stratified lottery (tirage au sort), as a pure function anyone can re-run.

`draw(volunteers, quotas, seed_hex)` is deterministic: the same volunteers, quotas and seed give
the same result on any machine. The algorithm is specified in docs/lottery.md:

1. the generator is ``Generator(PCG64(SeedSequence(int(seed_hex, 16))))``; only the raw 64-bit
   words of its PCG64 bit generator are used (numpy guarantees that stream for a fixed seed,
   whereas its sampling methods may change between releases);
2. volunteers are grouped by cell (their stratum's `cell_key`); the cells are every cell named in
   the quotas plus every cell that has a volunteer, processed in code-point order of their keys;
3. in each cell the pseudonyms are sorted in code-point order, then shuffled by Fisher–Yates
   (for i from n-1 down to 1: swap items i and `uniform_below(i + 1)`), one generator shared by
   all cells in that order; `uniform_below(b)` draws raw words until one is below
   2^64 - (2^64 mod b) and returns it mod b (no modulo bias);
4. the first `quota` of the shuffled cell are selected, the rest is the cell's reserve list in
   rank order. A cell with fewer volunteers than its quota selects them all and reports the
   shortfall; no seat moves to another cell.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from numpy.random import PCG64, Generator, SeedSequence

from caisse.committee.strata import cell_key, parse_cell_key

ALGORITHM = "caisse-lottery-1"
_HEX = re.compile(r"[0-9a-fA-F]+")
_WORD = 2**64


@dataclass(frozen=True)
class CellDraw:
    """One cell's outcome: `selected` and `reserve` are pseudonyms in rank order."""

    key: str
    quota: int
    available: int
    selected: tuple[str, ...]
    reserve: tuple[str, ...]

    @property
    def stratum(self) -> dict[str, str]:
        return parse_cell_key(self.key)

    @property
    def shortfall(self) -> int:
        """Seats of this cell left empty for want of volunteers."""
        return max(0, self.quota - self.available)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "stratum": self.stratum,
            "quota": self.quota,
            "available": self.available,
            "selected": list(self.selected),
            "reserve": list(self.reserve),
            "shortfall": self.shortfall,
        }


@dataclass(frozen=True)
class DrawResult:
    """The whole draw: cells in processing order (code-point order of their keys)."""

    seed: str
    cells: tuple[CellDraw, ...]

    @property
    def selected(self) -> tuple[str, ...]:
        """Every selected pseudonym, cell by cell in processing order, by rank within a cell."""
        return tuple(p for cell in self.cells for p in cell.selected)

    @property
    def shortfall(self) -> int:
        return sum(cell.shortfall for cell in self.cells)

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": ALGORITHM,
            "seed": self.seed,
            "cells": [cell.to_dict() for cell in self.cells],
            "selected": list(self.selected),
            "shortfall": self.shortfall,
        }


def normalise_seed(seed_hex: str) -> str:
    """The seed as lowercase hex digits; ValueError when it is not hexadecimal.

    >>> normalise_seed("00FF")
    '00ff'
    """
    if not isinstance(seed_hex, str) or not _HEX.fullmatch(seed_hex):
        raise ValueError(f"The seed must be hexadecimal digits (0-9, a-f), got {seed_hex!r}.")
    return seed_hex.lower()


def seed_commitment(seed_hex: str) -> str:
    """The public commitment to a seed: sha256 (hex) of its lowercase hex digits as ASCII text.
    Published at the announcement, it binds the caisse to the seed without revealing it.

    >>> seed_commitment("C0FFEE") == hashlib.sha256(b"c0ffee").hexdigest()
    True
    """
    return hashlib.sha256(normalise_seed(seed_hex).encode("ascii")).hexdigest()


def generator(seed_hex: str) -> Generator:
    """The draw's generator: ``Generator(PCG64(SeedSequence(int(seed_hex, 16))))``."""
    return Generator(PCG64(SeedSequence(int(normalise_seed(seed_hex), 16))))


def uniform_below(rng: Generator, bound: int) -> int:
    """A uniform integer in [0, bound) from raw 64-bit words, by rejection (no modulo bias)."""
    limit = _WORD - _WORD % bound
    while True:
        word = int(rng.bit_generator.random_raw())
        if word < limit:
            return word % bound


def ranked(pseudonyms: Iterable[str], rng: Generator) -> list[str]:
    """The pseudonyms in code-point order, shuffled by Fisher–Yates with `uniform_below`."""
    items = sorted(pseudonyms)
    for i in range(len(items) - 1, 0, -1):
        j = uniform_below(rng, i + 1)
        items[i], items[j] = items[j], items[i]
    return items


def _check(volunteers: list[tuple[str, Mapping[str, str]]], quotas: Mapping[str, int]) -> None:
    seen: set[str] = set()
    for pseudonym, stratum in volunteers:
        if not isinstance(pseudonym, str) or not pseudonym:
            raise ValueError(f"A pseudonym is non-empty text, got {pseudonym!r}.")
        if pseudonym in seen:
            raise ValueError(f"Pseudonym {pseudonym} appears twice among the volunteers.")
        seen.add(pseudonym)
        if not isinstance(stratum, Mapping):
            raise ValueError(f"The stratum of {pseudonym} must map dimension names to values.")
    for key, quota in quotas.items():
        if not isinstance(key, str):
            raise ValueError(f"A quota is keyed by its cell key (text), got {key!r}.")
        if isinstance(quota, bool) or not isinstance(quota, int) or quota < 0:
            raise ValueError(f"The quota of cell '{key}' must be a whole number, 0 or more, got {quota!r}.")


def draw(
    volunteers: Iterable[tuple[str, Mapping[str, str]]], quotas: Mapping[str, int], seed_hex: str
) -> DrawResult:
    """Draw `quotas[cell]` volunteers in each cell, with a ranked reserve list per cell.

    `volunteers` are (pseudonym, stratum) pairs; `quotas` maps cell keys (`strata.cell_key`) to
    seats. A cell missing from `quotas` has a quota of 0 (its volunteers are all reserves).

    >>> pool = [("V-0001", {"age": "young"}), ("V-0002", {"age": "young"}), ("V-0003", {"age": "old"})]
    >>> result = draw(pool, {"age=young": 1, "age=old": 2}, "c0ffee")
    >>> [(c.key, len(c.selected), c.shortfall) for c in result.cells]
    [('age=old', 1, 1), ('age=young', 1, 0)]
    >>> result == draw(list(reversed(pool)), {"age=old": 2, "age=young": 1}, "C0FFEE")
    True
    """
    pool = list(volunteers)
    _check(pool, quotas)
    seed = normalise_seed(seed_hex)
    by_cell: dict[str, list[str]] = {key: [] for key in quotas}
    for pseudonym, stratum in pool:
        by_cell.setdefault(cell_key(stratum), []).append(pseudonym)
    rng = generator(seed)
    cells = []
    for key in sorted(by_cell):
        order = ranked(by_cell[key], rng)
        quota = quotas.get(key, 0)
        cells.append(
            CellDraw(
                key=key,
                quota=quota,
                available=len(order),
                selected=tuple(order[:quota]),
                reserve=tuple(order[quota:]),
            )
        )
    return DrawResult(seed=seed, cells=tuple(cells))
