"""Paths in fixed-size chunks, each with its own random streams spawned from the seed.

Chunk i always covers the same paths and draws from ``SeedSequence(seed).spawn(n)[i]``, so a seed and a
chunk size give the same results whatever runs the chunks, in whichever order.

>>> [(c.first_path, c.paths) for c in chunk_specs(paths=5, chunk_size=2, seed=7)]
[(0, 2), (2, 2), (4, 1)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.types import Generator


@dataclass(frozen=True)
class ChunkSpec:
    """Chunk `index`: paths first_path … first_path + paths − 1, drawn from `seed`."""

    index: int
    first_path: int
    paths: int
    seed: np.random.SeedSequence


@dataclass(frozen=True)
class Streams:
    """A chunk's independent generators: uncertain parameters, subsidy renewals, behaviour (joining,
    leaving, spending) and payments (on time, late or never)."""

    parameters: Generator
    funding: Generator
    behaviour: Generator
    payments: Generator


def chunk_specs(paths: int, chunk_size: int, seed: int) -> tuple[ChunkSpec, ...]:
    """Split `paths` into chunks of `chunk_size` (the last may be shorter), one stream each."""
    if paths < 1 or chunk_size < 1:
        raise ValueError(f"paths and chunk_size must be >= 1, got {paths} and {chunk_size}")
    count = -(-paths // chunk_size)
    seeds = np.random.SeedSequence(seed).spawn(count)
    return tuple(
        ChunkSpec(i, i * chunk_size, min(chunk_size, paths - i * chunk_size), seeds[i]) for i in range(count)
    )


def streams(spec: ChunkSpec) -> Streams:
    """The chunk's generators: its seed's first four children, built without ``spawn()`` (which
    counts its calls on the SeedSequence) so running a chunk twice draws the same numbers. (The
    payments' stream came last, so runs without unpaid or late contributions draw as before.)"""
    seed = spec.seed
    children = (
        np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k), pool_size=seed.pool_size)
        for k in range(4)
    )
    parameters, funding, behaviour, payments = (np.random.default_rng(child) for child in children)
    return Streams(parameters, funding, behaviour, payments)
