"""Explicit dependency markers for route handlers (Litestar 3 drops inferred dependencies)."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse

# The request's database session (committed on 2xx/3xx, rolled back otherwise).
DbSession: TypeAlias = NamedDependency[AsyncSession]
# The caller; 401 when anonymous.
Caller: TypeAlias = NamedDependency[Actor]
# The caisse named by the `{slug}` path parameter; 404 when unknown.
PathCaisse: TypeAlias = NamedDependency[Caisse]
