"""`caisse serve`: the web app and the JSON API."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the caisse on http://HOST:PORT (settings from CAISSE_* variables)."""
    import asyncio
    import os
    import secrets

    import uvicorn

    from caisse.db.engine import make_engine
    from caisse.demo.guard import refuse_demo_logins
    from caisse.settings import Settings

    async def check_demo_logins(settings: Settings) -> None:
        engine = make_engine(settings)
        try:
            await refuse_demo_logins(engine)
        finally:
            await engine.dispose()

    # Before the workers start, so a refused production setting is one line, not a traceback each
    # (the app checks again at its start, for servers started otherwise).
    try:
        settings = Settings.from_env()
        settings.check_production()
        if settings.production:
            asyncio.run(check_demo_logins(settings))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if workers > 1 and not os.environ.get("CAISSE_SECRET_KEY"):
        # The workers must sign form tokens alike: share one secret for this run.
        os.environ["CAISSE_SECRET_KEY"] = secrets.token_hex(32)
    click.echo(f"Caisse commune on http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    uvicorn.run(
        "caisse.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
    )
