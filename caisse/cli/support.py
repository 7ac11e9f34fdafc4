"""What every CLI command shares: a database session, JSON output, one-line errors."""

from __future__ import annotations

import asyncio
import functools
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.db.engine import make_engine, make_sessionmaker
from caisse.errors import DomainError
from caisse.settings import Settings

T = TypeVar("T")


def run_in_transaction(work: Callable[[AsyncSession], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run `work` in one transaction: committed if it returns, rolled back if it raises."""

    async def run() -> T:
        engine = make_engine(settings or Settings.from_env())
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def domain_errors_exit(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a DomainError (or a bad setting) into `Error: ...` on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from None
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        except OverflowError:
            raise click.ClickException("A number given is out of range.") from None

    return wrapper


def print_json(value: Any) -> None:
    """msgspec Structs, dataclasses and plain values alike, indented for people and scripts."""
    sys.stdout.write(json.dumps(json.loads(msgspec.json.encode(value)), indent=2, ensure_ascii=False) + "\n")
