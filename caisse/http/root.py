"""The site root. Until the web pages exist (they are their own piece of work), it leads to
the API documentation rather than to an empty page."""

from __future__ import annotations

from litestar import get
from litestar.response import Redirect


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect(path="/schema")
