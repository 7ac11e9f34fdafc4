"""Errors on web pages: an HTML page in the reader's language, and a login redirect for a 401.

The JSON API keeps its own format: `by_path` wraps the API's handlers (caisse.http.errors) so that
a request under /api/ (or the OpenAPI pages under /schema) gets exactly the JSON it always got,
and every other path gets a page. The mapping of domain errors to statuses stays in one place:
the `status_code` of `caisse.errors.DomainError` and of Litestar's HTTP exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from sqlalchemy.exc import DBAPIError

from caisse.errors import DomainError
from caisse.http.errors import body_limit, database_refusal, is_upload, too_deep
from web.i18n import N_
from web.redirects import login_url, path_with_query
from web.render import render_to_string

log = logging.getLogger("caisse.web")

ExceptionHandler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]

CSRF_FAILURE = "CSRF token verification failed"

# status -> (title, what it means for the reader); marked for translation, translated when shown.
MESSAGES: dict[int, tuple[str, str]] = {
    400: (N_("The request is not valid"), N_("A value in the address or in the form is not valid.")),
    403: (N_("Access refused"), N_("Your account does not hold the role this page needs.")),
    404: (N_("Page not found"), N_("This page does not exist, or no longer exists.")),
    405: (N_("Action not allowed"), N_("This page cannot be used this way.")),
    409: (
        N_("This cannot be done now"),
        N_("The change conflicts with the current state; nothing was saved."),
    ),
    413: (N_("Too large"), N_("What was sent is too large.")),
    422: (N_("The data is not valid"), N_("Something sent is not valid; nothing was saved.")),
    429: (N_("Too many attempts"), N_("Wait a few minutes before trying again.")),
    500: (N_("Something went wrong"), N_("An unexpected error occurred; nothing was saved.")),
    503: (
        N_("The service is interrupted"),
        N_("The connection to the database was lost; nothing was saved. Try again in a moment."),
    ),
}
CSRF_MESSAGE = (
    N_("The form has expired"),
    N_(
        "This form was sent without a valid security token: it may be old, or come from another site. "
        "Nothing was saved. Reload the page and send the form again."
    ),
)


def is_page_request(request: Request[Any, Any, Any]) -> bool:
    """Everything but the JSON API and its documentation is a web page."""
    path = request.url.path
    return not (path in ("/api", "/schema") or path.startswith(("/api/", "/schema/")))


def _status_and_detail(exc: Exception) -> tuple[int, str | None]:
    """The status, and the detail worth showing a person (a domain error's message says what to do)."""
    if isinstance(exc, DomainError):
        return exc.status_code, None if exc.status_code >= 500 else exc.detail
    if isinstance(exc, ValidationException):
        return 400, None
    if isinstance(exc, HTTPException):
        return exc.status_code, None
    if isinstance(exc, OverflowError) or (isinstance(exc, RecursionError) and too_deep(exc)):
        return 400, None
    if isinstance(exc, DBAPIError) and (refusal := database_refusal(exc)) is not None:
        # As the API classifies it; the page's own words for the status say it in the reader's language.
        return refusal.status, None
    return 500, None


def html_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status, detail = _status_and_detail(exc)
    if status == 401:
        # Come back to the page after logging in; a form post cannot be replayed, so no `next`.
        here = (
            path_with_query(request.url.path, request.url.query)
            if request.method in ("GET", "HEAD")
            else None
        )
        return Redirect(path=login_url(here), status_code=303)
    if status >= 500:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    csrf = status == 403 and isinstance(exc, HTTPException) and exc.detail == CSRF_FAILURE
    title, message = CSRF_MESSAGE if csrf else MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    # A body over the limit: say how much this page takes (a file's size limit, for an upload).
    limit = body_limit(request) if status == 413 else None
    limit_mb = round(limit / 1024 / 1024, 1) if limit else None
    try:
        body = render_to_string(
            request, "errors/error.html", status=status, title=title, message=message, detail=detail,
            limit_mb=limit_mb, upload=is_upload(request),
        )  # fmt: skip
    except Exception:  # the error page must never fail itself: fall back to bare HTML
        log.exception("the error page could not be rendered")
        body = f'<!doctype html><html lang="en"><title>{status}</title><h1>Error {status}</h1></html>'
    return Response(
        body, status_code=status, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"}
    )


def by_path(api_handlers: dict[type[Exception] | int, Any]) -> dict[type[Exception] | int, Any]:
    """The app's exception handlers: the API's for /api/ and /schema, an HTML page elsewhere."""

    def dispatch(api_handler: ExceptionHandler) -> ExceptionHandler:
        def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            if is_page_request(request):
                return html_error(request, exc)
            return api_handler(request, exc)

        return handle

    return {key: dispatch(handler) for key, handler in api_handlers.items()}
