"""Where a page may send the browser next: only to a page of this site.

A `next=` value comes from the query string or a form, so anyone can write it; an unchecked one
turns the login page into a springboard to another site ("open redirect").
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

MAX_NEXT_LENGTH = 2000


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` when it is a local path of the web pages (not the API), else `default`.

    Refused: absolute and scheme-relative URLs (`https://x`, `//x`, `/\\x`), anything with a
    scheme or host, control characters, and the JSON API (it answers JSON, not pages).
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return default
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    if parts.path == "/api" or parts.path.startswith(("/api/", "/schema", "/static/")):
        return default
    return target


def login_url(next_path: str | None = None) -> str:
    """The login page, asking to come back to `next_path` (when it is a safe local path)."""
    target = safe_next(next_path, default="")
    return "/connexion" if not target else "/connexion?next=" + quote(target, safe="/")


def path_with_query(path: str, query: str) -> str:
    return path + ("?" + query if query else "")
