"""Typed settings, read once from `CAISSE_*` environment variables.

Tests build `Settings(...)` directly and hand it to `create_app`; nothing reads the
environment behind their back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./caisse.db"
# The shortest CAISSE_SECRET_KEY production mode takes (`secrets.token_hex(32)` gives 64 characters).
MIN_SECRET_KEY_LENGTH = 32


class ProductionRefused(ValueError):
    """Production mode (CAISSE_PRODUCTION=true) with a setting that is only safe on a developer's machine."""


def _as_bool(value: str) -> bool:
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL only: the schema to use (search_path), e.g. one per test run or per tenant.
    database_schema: str | None = None
    debug: bool = False
    echo_sql: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    session_max_age_seconds: int = 8 * 3600
    # Cookies need Secure behind HTTPS; off by default because `make run` serves plain HTTP.
    secure_cookies: bool = False
    db_pool_size: int = 10
    # Signs the web forms' CSRF tokens. Set it (any long random string) when serving with several
    # workers, so a form rendered by one worker is accepted by another; empty: one per process.
    secret_key: str = ""
    # Serving real people's data: refuse to start with a development default (`production_problems`).
    production: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from `CAISSE_<FIELD>` variables; unknown values fail loudly."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"CAISSE_{f.name.upper()}")
            if raw is None:
                continue
            try:
                if f.type == "bool":
                    values[f.name] = _as_bool(raw)
                elif f.type == "int":
                    values[f.name] = int(raw)
                else:
                    values[f.name] = raw
            except ValueError as exc:
                raise ValueError(f"CAISSE_{f.name.upper()}: {exc}") from None
        return cls(**values)  # type: ignore[arg-type]

    def production_problems(self) -> list[str]:
        """What production mode refuses in these settings, each naming its variable; empty when
        fine or when not in production mode."""
        if not self.production:
            return []
        problems = []
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            problems.append(
                f"CAISSE_SECRET_KEY must be set to a random string of at least {MIN_SECRET_KEY_LENGTH} "
                "characters (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
                + (": it is not set" if not self.secret_key else f": it has {len(self.secret_key)}")
            )
        if not self.secure_cookies:
            problems.append("CAISSE_SECURE_COOKIES must be true: serve the caisse behind HTTPS")
        if self.debug:
            problems.append("CAISSE_DEBUG must be false: debug pages show tracebacks and data")
        if self.echo_sql:
            problems.append("CAISSE_ECHO_SQL must be false: it logs every statement with its values")
        return problems

    def check_production(self) -> None:
        """Raise ProductionRefused listing every problem of `production_problems`."""
        if problems := self.production_problems():
            raise ProductionRefused("CAISSE_PRODUCTION=true refuses to start: " + "; ".join(problems) + ".")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
