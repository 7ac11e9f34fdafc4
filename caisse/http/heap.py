"""The objects the app builds at startup, kept out of Python's garbage collections.

Routes, their signature models, SQLAlchemy's mappers and Litestar's internals are some 335 000
objects that live as long as the process. CPython's full (oldest-generation) collection walks
them all: 120–230 ms on a 2-vCPU host. It runs whenever enough objects have survived into the
old generation, which a page reading a few thousand rows (the staff contributions page, the
arrears) causes every five requests or so: those requests took three times the others
(benchmarks/pages.md). Frozen after startup, they are never walked again and a full collection
takes 10–15 ms. The cost is that a cycle among them is never freed, and they are meant to live
for good anyway.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_heap() -> None:
    """Collect the startup garbage, then move every object alive to the permanent generation.

    Once per process: the tests build many apps in one process, and each startup's collection
    would cost them a full walk of the heap for nothing."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
