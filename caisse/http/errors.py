"""The one place where errors become HTTP responses: `{"error": code, "detail": text}`."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import HTTPRouteHandler
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


def too_deep(exc: RecursionError) -> bool:
    """True for msgspec's refusal of a body nested deeper than Python's recursion limit (the
    caller's input); any other RecursionError is a server fault."""
    return "while deserializing" in str(exc)


def recursion_handler(request: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, Any]]:
    if too_deep(exc):
        return _error(400, "invalid", "The request's JSON is nested too deeply.")
    return internal_error_handler(request, exc)


# PostgreSQL's refusals of a character it cannot store (NUL in text: character_not_in_repertoire;
# \u0000 in JSON: untranslatable_character).
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})
# A number out of the column's range: numeric_value_out_of_range from the server.
_OUT_OF_RANGE = "22003"
# asyncpg's own refusal of an argument before it is sent ("invalid input for query argument $1: …
# (value out of int64 range)"): data_exception, which also covers a wrong type passed by our code
# (a server fault), hence the words.
_CLIENT_DATA_ERROR = "22000"
_OUT_OF_INT_RANGE = re.compile(r"value out of int(16|32|64) range")


@dataclass(frozen=True)
class DatabaseRefusal:
    """A database error that is the caller's doing or a passing outage, not a server fault."""

    status: int
    code: str
    detail: str


def database_refusal(exc: DBAPIError) -> DatabaseRefusal | None:
    """What a database error means for the caller, or None for a server fault (a 500).

    A safety net shared by the API and the web pages: typed parameters bound every number and
    `caisse.text` checks free text before it is stored, but what still slips through is the
    caller's input (400/422), and a lost connection is worth retrying (503)."""
    if exc.connection_invalidated:
        return DatabaseRefusal(
            503,
            "database_unavailable",
            "The connection to the database was lost; nothing was saved. Try again.",
        )
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _UNSTORABLE_TEXT:
        return DatabaseRefusal(
            422, "invalid", "The request holds a character that cannot be stored (such as NUL); remove it."
        )
    if sqlstate == _OUT_OF_RANGE or (
        sqlstate == _CLIENT_DATA_ERROR and _OUT_OF_INT_RANGE.search(str(exc.orig)) is not None
    ):
        return DatabaseRefusal(400, "invalid", "A number in the request is out of range.")
    return None


def database_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    refusal = database_refusal(exc)
    if refusal is None:
        return internal_error_handler(request, exc)
    if refusal.status == 503:
        log.warning("database connection lost on %s %s", request.method, request.url.path)
    return _error(refusal.status, refusal.code, refusal.detail)


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    code = _HTTP_CODES.get(exc.status_code, "error")
    return _error(exc.status_code, code, exc.detail)


def body_limit(request: Request[Any, Any, Any]) -> int | None:
    """The most a request to this route may send, in bytes: the route's `opt["upload_limit"]` (the
    file limit a person can act on, when the route takes a file inside a form), else its body limit."""
    handler = request.scope.get("route_handler")
    if not isinstance(handler, HTTPRouteHandler):
        return None
    shown = handler.opt.get("upload_limit")
    return int(shown) if shown else handler.resolve_request_max_body_size()


def is_upload(request: Request[Any, Any, Any]) -> bool:
    """Whether the route takes a file (its limit is then the file's, `opt["upload_limit"]`)."""
    handler = request.scope.get("route_handler")
    return isinstance(handler, HTTPRouteHandler) and bool(handler.opt.get("upload_limit"))


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, limit // 1024)} kB"


def too_large_handler(
    request: Request[Any, Any, Any], exc: RequestEntityTooLarge
) -> Response[dict[str, Any]]:
    limit = body_limit(request)
    detail = "The request's body is too large"
    detail += f": this route takes at most {_size(limit)}." if limit else "."
    return _error(413, "too_large", detail)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal", "An unexpected error occurred; nothing was saved."
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    RequestEntityTooLarge: too_large_handler,
    HTTPException: http_error_handler,
    OverflowError: overflow_handler,
    RecursionError: recursion_handler,
    DBAPIError: database_error_handler,
    Exception: internal_error_handler,
}
