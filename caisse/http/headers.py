"""Security headers on every answer, error pages and static files included.

A `before_send` hook rather than a router's `response_headers`: those miss the answers made before
routing (an unknown path's 404, a 405) and the static files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.datastructures import MutableScopeHeaders

from caisse.settings import Settings

# JSON answers load nothing and are framed nowhere.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The OpenAPI page (Swagger UI) loads its script from a CDN with an inline start-up script: it
# keeps those, but is still never framed.
SCHEMA_CSP = "frame-ancestors 'none'"
# A year, once the browser has seen the site over HTTPS (not includeSubDomains: the caisse may
# live under a city's domain whose other sites are not ours to decide for).
HSTS = "max-age=31536000"

Hook = Callable[[Any, Any], Awaitable[None]]


def _csp_for(path: str, page_csp: str) -> str:
    if path in ("/api", "/schema") or path.startswith("/api/"):
        return API_CSP
    if path.startswith("/schema/"):
        return SCHEMA_CSP
    return page_csp


def security_headers(settings: Settings, page_csp: str) -> Hook:
    """The hook adding nosniff, the referrer policy, no framing and a CSP (`page_csp` for web
    pages) to every answer, and Strict-Transport-Security when the caisse is served over HTTPS
    (`secure_cookies`). A header a route already set is left as it is."""
    fixed = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if settings.secure_cookies:
        fixed["Strict-Transport-Security"] = HSTS

    async def add_headers(message: Any, scope: Any) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        wanted = {**fixed, "Content-Security-Policy": _csp_for(scope["path"], page_csp)}
        for name, value in wanted.items():
            if name not in headers:
                headers[name] = value

    return add_headers
