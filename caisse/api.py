"""Every JSON route, under /api/v1. Each domain package contributes its controllers."""

from __future__ import annotations

from litestar import Router, get

from caisse.http.deps import DEPENDENCIES


@get("/health", tags=["meta"], summary="Liveness check")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def api_router() -> Router:
    handlers: list[object] = [health]
    return Router(path="/api/v1", route_handlers=handlers, dependencies=DEPENDENCIES)  # type: ignore[arg-type]
