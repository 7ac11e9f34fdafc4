"""The outlet package's modules say where each name lives: no transitional forwarding left."""

from __future__ import annotations

import pytest

from caisse.outlets import conventioning, service


@pytest.mark.parametrize(
    "name", ["record_decision", "allowed_decisions", "Decision", "outlet_can_take_payments"]
)
def test_moved_names_are_imported_from_their_own_module_only(name: str) -> None:
    assert not hasattr(service, name)


def test_conventioning_keeps_the_decision_for_ballots() -> None:
    assert callable(conventioning.record_decision) and conventioning.allowed_decisions
