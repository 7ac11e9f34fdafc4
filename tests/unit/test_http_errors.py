"""Errors become `{"error", "detail"}` JSON with the right status, in one place."""

from __future__ import annotations

from typing import Any

from caisse.errors import Conflict, ValidationFailed
from caisse.http.errors import domain_error_handler, overflow_handler


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
