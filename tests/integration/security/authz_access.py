"""The vocabulary of the authorisation table: who calls, and what each caller must get from a route.

An outcome is the status code as a string, "303 login" for a page's redirect to the login form and
"403 csrf" for a form refused for its CSRF token (which the matrix must never confuse with a role guard).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# "outsider" is staff of the other caisse, "other_admin" its administrator: the users of another caisse.
CALLERS = (
    "anonymous", "admin", "staff", "committee", "official", "outlet", "member",
    "outsider", "other_admin", "superuser", "nobody",
)  # fmt: skip
OTHER_CAISSE = ("outsider", "other_admin")

EVERYONE = frozenset(CALLERS)
SIGNED_IN = EVERYONE - {"anonymous"}
# Every role of the caisse "test" (a superuser holds every role everywhere).
IN_CAISSE = frozenset({"admin", "staff", "committee", "official", "outlet", "member", "superuser"})
ADMIN = frozenset({"admin", "superuser"})
STAFF = ADMIN | {"staff"}
COMMITTEE = STAFF | {"committee"}
OFFICIALS = STAFF | {"official"}
# The committee's and the officials' readers of outlets, ballots and conventions.
READERS = COMMITTEE | {"official"}


@dataclass(frozen=True)
class Access:
    """What a route answers: `ok` to the callers in `allowed`, a refusal to the others (401, or a
    redirect to the login form for a page, to anonymous callers; 403 to signed-in ones), except the
    callers listed in `answers`, whose outcome is given (a household's page to a superuser who has
    none, a resource the first allowed caller deleted).

    `params` fills a path parameter from another of the world's objects than its namesake (key:
    parameter, value: world key). `body` is sent to the other caisse's and the neighbour's objects only,
    so that a mutation reaches the lookup of its object instead of stopping at validation; the matrix
    itself sends an empty body, since the guard's decision comes first.
    """

    allowed: frozenset[str]
    ok: str = "200"
    answers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None

    def expected(self, caller: str, *, page: bool) -> str:
        if caller in self.answers:
            return self.answers[caller]
        if caller in self.allowed:
            return self.ok
        if caller == "anonymous":
            return "303 login" if page else "401"
        return "403"


def public(ok: str = "200", **kw: Any) -> Access:
    return Access(EVERYONE, ok, **kw)


def only(callers: frozenset[str] | set[str], ok: str = "200", **kw: Any) -> Access:
    return Access(frozenset(callers), ok, **kw)
