"""What the committee's pages share: who may open them, their URLs, and times typed in a form.

The committee's members vote and assess; staff and administrators run the ballots with them (open
and close, as the API allows) and see the same pages, but only people on a ballot's roll vote.

A refused change is answered on its page with a 4xx status: the session is rolled back when a 4xx
goes out (`autocommit_include_redirects`), so nothing of it is kept, and the page is drawn before.
"""

from __future__ import annotations

from datetime import date, datetime, time

from caisse.auth.guards import requires
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.periods import CAISSE_ZONE

# The ballots' API roles that open and close ballots are the ones that see these pages.
ROLES = (Role.COMMITTEE, Role.STAFF, Role.ADMIN)
GUARD = [requires(*ROLES)]
PAGE_SIZE = 20
MAX_PAGE = 10_000


def committee_url(caisse: Caisse, rest: str = "") -> str:
    return f"/c/{caisse.slug}/comite{rest}"


def paris_moment(day: date, at: time) -> datetime:
    """A day and time as read on a clock in France (the caisse's zone), as an aware datetime."""
    return datetime.combine(day, at, tzinfo=CAISSE_ZONE)
