"""What the outlet's pages share: the outlet the user acts for, retry keys, masked member codes,
and pages of a list.

An outlet's user acts for the one outlet its grant names. Staff reach payments through their own
pages; here, an account without an outlet (or a superuser) is refused with a sentence saying why.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from babel.core import Locale
from babel.dates import format_time

from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.errors import PermissionDenied
from web.formatting import TIME_ZONE
from web.i18n import N_

PAGE_SIZE = 20
MAX_PAGE = 100_000
# The till's retry key: 22 URL-safe characters, new for each payment form shown.
KEY_BYTES = 16


def own_outlet(actor: Actor, caisse: Caisse) -> int:
    """The outlet this account takes payments for; 403 when its grant names none."""
    outlet_id = actor.outlet_id_in(caisse.slug)
    if outlet_id is None:
        raise PermissionDenied(
            "This account is not linked to an outlet: ask the caisse's administrator to link it."
        )
    return outlet_id


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def masked_code(code: str) -> str:
    """A member code with its middle hidden, as a screen may show it to people standing by:
    "DM-000042" -> "DM-•••042" (the prefix and the last three characters stay)."""
    prefix, dash, number = code.rpartition("-")
    head = prefix + dash if dash else ""
    body = number if dash else code
    shown = 3 if len(body) > 4 else max(len(body) - 2, 1)
    return head + "•" * (len(body) - shown) + body[-shown:]


@dataclass(frozen=True)
class Pager:
    """Page `number` (from 1) of `total` rows, `size` a page."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def clock(locale: Locale) -> Callable[[datetime], str]:
    """The time of day of a moment, in the caisses' time zone: "14:05"."""

    def shown(moment: datetime) -> str:
        return format_time(moment, "HH:mm", tzinfo=TIME_ZONE, locale=locale)

    return shown


REDEMPTION_STATUSES = {
    "requested": N_("Awaiting approval"),
    "approved": N_("Approved, to be paid"),
    "paid": N_("Paid out"),
    "rejected": N_("Request rejected"),
    "cancelled": N_("Request cancelled"),
}
