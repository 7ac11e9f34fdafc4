"""The API's error answers, as its OpenAPI schema states them.

Every error of the API is the one body `caisse.http.errors` writes, whatever raised it; Litestar
would otherwise document only a 400 of its own shape (`status_code`, `extra`) that the API never
sends, and none of the 401/403/404/409/422 a client has to handle. Every operation lists the same
statuses: each can be met on any route of a caisse (the caller's token, the caisse's slug, its state)
and a client handles them the same way everywhere.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Router
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute


class ErrorBody(msgspec.Struct):
    """The body of every API error."""

    error: str
    """A stable code for programs: `invalid`, `not_authenticated`, `forbidden`, `not_found`, `conflict`,
    `insufficient_credit`, `too_many_requests`, `database_unavailable`…"""
    detail: str
    """What went wrong and what to do about it, for people."""
    problems: list[dict[str, Any]] | None = None
    """With some 422s: one entry per problem (such as the lines of an import), to fix them all at once."""


ERROR_STATUSES: dict[int, str] = {
    400: "A parameter or a field of the body is missing, of the wrong type or out of range.",
    401: "Not signed in: no session cookie or API token, or one that has expired or been revoked.",
    403: "Signed in, but without a role that allows this in this caisse.",
    404: "No such caisse, or no such object in it (or one the caller may not see).",
    409: "Refused by the current state: a month already closed, not enough credit, a ballot closed…",
    413: "The request's body is too large.",
    422: "Well formed, but refused by the caisse's rules; the detail says which and how to fix it.",
    429: "Too many attempts or runs under way; the detail says how long to wait.",
    503: "The connection to the database was lost; nothing was saved. Try again.",
}


def error_answer(description: str) -> ResponseSpec:
    """An error status only some operations answer (a handler's `responses`)."""
    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


def replayed(data: Any, description: str) -> dict[int, ResponseSpec]:
    """The 200 a creating operation (201) answers when the request was already carried out: the
    same idempotency key, a month already closed, a dry run."""
    return {200: ResponseSpec(data_container=data, description=description, generate_examples=False)}


def _responses() -> dict[int, ResponseSpec]:
    return {status: error_answer(description) for status, description in ERROR_STATUSES.items()}


def document_errors(router: Router) -> Router:
    """State the error answers on every operation of `router` (its own statuses come first)."""
    for route in router.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            handler.responses = {**_responses(), **(handler.responses or {})}
    return router
