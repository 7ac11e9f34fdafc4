"""Shared values of the outlet tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from caisse.outlets.models import Outlet

IBAN = "FR7630006000011234567890189"
SIRET = "73282932000074"
ENTERED_ON = date(2027, 1, 10)

AddOutlet = Callable[..., Awaitable[Outlet]]
