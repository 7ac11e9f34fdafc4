"""A database error while adding a vote to the tally never carries the choice into a log."""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from caisse.ballots.rules import Counts
from caisse.ballots.voting import _add_to_tally


class _FailingSession:
    async def execute(self, *_: Any, **__: Any) -> None:
        raise DBAPIError("UPDATE ballot_tally SET ...", (0, 1, 0, 7), Exception("connection lost"))


async def test_a_failed_tally_update_is_reported_without_its_parameters() -> None:
    with pytest.raises(RuntimeError) as caught:
        await _add_to_tally(_FailingSession(), 7, Counts(0, 1, 0))  # type: ignore[arg-type]
    logged = "".join(traceback.format_exception(caught.value))
    assert "the vote was not counted" in logged
    assert "[parameters:" not in logged
    assert "connection lost" not in logged
