"""The one place where errors become HTTP responses: `{"error": code, "detail": text}`."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError

from caisse.errors import DomainError, ValidationFailed

log = logging.getLogger("caisse")

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def _error(status: int, code: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    return Response({"error": code, "detail": detail, **extra}, status_code=status, media_type=MediaType.JSON)


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    if exc.status_code >= 500:
        log.error("domain invariant broken: %s", exc.detail)
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationFailed) and exc.problems:
        extra["problems"] = exc.problems
    return _error(exc.status_code, exc.code, exc.detail, **extra)


def validation_error_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    # Litestar's messages name the field and the problem ("Expected `int`, got `str` - at
    # `$.adults`"); keep them, as one line a person can act on.
    messages = [
        f"{item.get('message', '')} ({item.get('key')})" if item.get("key") else str(item.get("message", ""))
        for item in (exc.extra or [])
        if isinstance(item, dict)
    ]
    detail = "; ".join(m for m in messages if m) or exc.detail or "The request is not valid."
    return _error(400, "invalid", detail)


def overflow_handler(_: Request[Any, Any, Any], exc: OverflowError) -> Response[dict[str, Any]]:
    # A safety net: typed parameters bound every number, but a value that still overflows a
    # database integer is the caller's input, not a server fault.
    return _error(400, "invalid", "A number in the request is out of range.")


# PostgreSQL's refusals of a character it cannot store (NUL in text: character_not_in_repertoire;
# \u0000 in JSON: untranslatable_character).
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


def database_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    # A safety net: `caisse.text` checks free text before it is stored, but a character the
    # database cannot store is still the caller's input, not a server fault.
    if exc.connection_invalidated:
        log.warning("database connection lost on %s %s", request.method, request.url.path)
        detail = "The connection to the database was lost; nothing was saved. Try again."
        return _error(503, "database_unavailable", detail)
    if getattr(exc.orig, "sqlstate", None) in _UNSTORABLE_TEXT:
        return _error(
            422, "invalid", "The request holds a character that cannot be stored (such as NUL); remove it."
        )
    return internal_error_handler(request, exc)


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    code = _HTTP_CODES.get(exc.status_code, "error")
    return _error(exc.status_code, code, exc.detail)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal", "An unexpected error occurred; nothing was saved."
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    OverflowError: overflow_handler,
    DBAPIError: database_error_handler,
    Exception: internal_error_handler,
}
