"""Typed settings, read once from `CAISSE_*` environment variables.

Tests build `Settings(...)` directly and hand it to `create_app`; nothing reads the
environment behind their back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./caisse.db"


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

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
