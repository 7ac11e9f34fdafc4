"""What the app builds at startup is frozen out of the garbage collector's full walks, once a process."""

from __future__ import annotations

import gc

import pytest

from caisse.app import create_app
from caisse.http import heap
from caisse.settings import Settings


def test_the_startup_heap_is_frozen_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_frozen", False)
    try:
        heap.freeze_startup_heap()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        later = [[n] for n in range(1000)]
        heap.freeze_startup_heap()
        assert gc.get_freeze_count() == frozen and len(later) == 1000
    finally:
        gc.unfreeze()


def test_the_app_freezes_its_heap_last_at_startup() -> None:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    assert app.on_startup[-1] is heap.freeze_startup_heap
