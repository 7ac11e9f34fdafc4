"""Errors become `{"error", "detail"}` JSON with the right status, in one place."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from caisse.errors import Conflict, ValidationFailed
from caisse.http.errors import database_error_handler, domain_error_handler, overflow_handler


def _body(response: Any) -> dict[str, Any]:
    return response.content  # type: ignore[no-any-return]


def test_domain_errors_keep_their_code_status_and_problems() -> None:
    response = domain_error_handler(None, ValidationFailed("bad", problems=[{"line": 3}]))  # type: ignore[arg-type]
    assert response.status_code == 422
    assert _body(response) == {"error": "invalid", "detail": "bad", "problems": [{"line": 3}]}
    assert domain_error_handler(None, Conflict("taken")).status_code == 409  # type: ignore[arg-type]


def test_a_number_overflowing_the_database_is_the_callers_error() -> None:
    response = overflow_handler(None, OverflowError("int too big"))  # type: ignore[arg-type]
    assert response.status_code == 400
    assert _body(response)["error"] == "invalid"


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"driver error {sqlstate}")
        self.sqlstate = sqlstate


class _Request:
    method = "POST"

    class url:
        path = "/api/v1/caisses/test/ballots"


@pytest.mark.parametrize("sqlstate", ["22021", "22P05"])
def test_a_character_the_database_cannot_store_is_the_callers_error(sqlstate: str) -> None:
    """The backstop behind `caisse.text`: PostgreSQL's refusal of NUL is a 422, not a 500."""
    error = DBAPIError("INSERT ...", {}, _DriverError(sqlstate))
    response = database_error_handler(_Request(), error)  # type: ignore[arg-type]
    assert response.status_code == 422 and _body(response)["error"] == "invalid"
    assert "cannot be stored" in _body(response)["detail"]


def test_other_database_errors_stay_internal_errors() -> None:
    error = DBAPIError("INSERT ...", {}, _DriverError("40P01"))
    response = database_error_handler(_Request(), error)  # type: ignore[arg-type]
    assert response.status_code == 500 and _body(response)["error"] == "internal"
