"""What the staff's pages share, people and money alike: the guard and their addresses, query
parameters and paging, retry keys, reading a day, an amount or a small whole number typed in a
form, the words for a household's status and a funder's kind, text put in a spreadsheet, and
re-rendering a refused form (`refused_page`); a form recorded once however often it is sent (`record_once`).

The guard is the API's (`requires(*STAFF)`): the caisse's staff and its administrators (who hold
staff rights), and superusers; anyone else gets the 403 page, anonymous callers the login page.

Days are typed as YYYY-MM-DD (a date field) or DD/MM/YYYY, ASCII digits only, on every form (the
CSV import reads the same, `caisse.members.csv_import.parse_day`).

`refused_page`: a form refused with a 4xx is re-rendered with the page's personal data (a
household's details, a month's dues). The request's transaction is rolled back on a 4xx, and the
audit rows of those reads with it; so the refused page is built after that rollback, in a
transaction of its own that is committed: the audit log keeps what staff were shown.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Protocol, TypeAlias, TypeVar

import msgspec
from litestar.datastructures import CacheControlHeader
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import MAX_AMOUNT_CENTS, parse_euros
from caisse.auth.guards import STAFF, requires
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, DomainError, ValidationFailed
from caisse.members.csv_import import parse_day
from caisse.members.models import MemberStatus
from caisse.text import has_control_characters
from web.formatting import Formatter
from web.i18n import N_

T = TypeVar("T")
F = TypeVar("F", bound="KeyedForm")

GUARD = [requires(*STAFF)]
# Files of personal data or bank details: the browser keeps no copy on disk (replaces the web
# router's "private, no-cache" on the handlers that send them).
NO_STORE = CacheControlHeader(no_store=True)
PAGE_SIZE = 50
MAX_PAGE = 100_000
PageNumber: TypeAlias = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE)]
Flag: TypeAlias = Annotated[str | None, QueryParameter(max_length=10)]
RecordId: TypeAlias = Annotated[int | None, QueryParameter(ge=1, le=2**63 - 1)]
# A member code, a month or a reference in the path; longer is no such thing (404 below it).
PathText: TypeAlias = Annotated[str, PathParameter(max_length=80)]
_KEY = re.compile(r"[\x21-\x7e]{16,100}")
_SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")

STATUS_LABELS = {
    MemberStatus.APPLICANT: N_("Applicant"),
    MemberStatus.ACTIVE: N_("Active"),
    MemberStatus.SUSPENDED: N_("Suspended"),
    MemberStatus.LEFT: N_("Left"),
}
# A funder's kind (`caisse.money` subsidy sources).
FUNDER_KINDS = {
    "city": N_("City"),
    "intercommunality": N_("Group of communes"),
    "department": N_("Département"),
    "region": N_("Region"),
    "state": N_("State"),
    "social_security": N_("CAF, MSA or CPAM"),
    "foundation": N_("Foundation"),
    "other": N_("Other funder"),
}


def staff_url(caisse: Caisse, rest: str = "") -> str:
    return f"/c/{caisse.slug}/gestion{rest}"


def new_key() -> str:
    """A form's retry key: the same form sent twice records once."""
    return secrets.token_urlsafe(16)


def clean_key(key: str) -> str:
    """The form's retry key when it looks like one we made, else "" (the form was tampered with)."""
    return key if _KEY.fullmatch(key) else ""


def read_day(text: str) -> date:
    """A day typed as YYYY-MM-DD (a date field) or DD/MM/YYYY; ValueError otherwise."""
    return parse_day(text.strip())


def day_or_none(text: str) -> date | None:
    """`read_day`, None when the text is not a day."""
    try:
        return read_day(text)
    except ValueError:
        return None


def read_cents(text: str) -> int:
    """Euros typed with a comma or a point ("1 250,50"); cents. ValueError otherwise."""
    return parse_euros(text.strip())


def check_amount(
    text: str, errors: dict[str, str], field: str, _: Callable[[str], str], fmt: Formatter
) -> int:
    """Cents from an amount typed in euros (0 and an error by `field` when it is not one)."""
    if not text:
        errors[field] = _("Enter the amount in euros, such as 25,00.")
        return 0
    try:
        cents = read_cents(text)
    except ValueError:
        errors[field] = _("Write the amount in euros with at most 2 decimals, such as 25,00.")
        return 0
    if cents <= 0:
        errors[field] = _("The amount must be more than 0 €.")
        return 0
    if cents > MAX_AMOUNT_CENTS:
        errors[field] = _("An amount is at most %(max)s.") % {"max": fmt.money(MAX_AMOUNT_CENTS)}
        return 0
    return cents


def check_text(
    value: str, limit: int, field: str, errors: dict[str, str], message: str, required: bool = False
) -> str:
    """Free text typed on one line (a name, a reference), `message` by `field` when it is missing
    (`required`), too long, or holds control characters or bytes that were not UTF-8; the text is
    kept, cut to `limit`, to be shown again in the form."""
    value = value.strip()
    if (required and not value) or len(value) > limit or has_control_characters(value) or garbled(value):
        errors[field] = message
    return value[:limit]


def small_int(text: str, low: int, high: int) -> int | None:
    """A whole number typed in ASCII digits from `low` to `high`, else None (never a 500 for "²"
    or five thousand digits)."""
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,18}", text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def garbled(text: str) -> bool:
    """Text a form sent with bytes that were not UTF-8: the browser's "�" (U+FFFD) in place of
    each. Saved, a household's or funder's name would become replacement characters unnoticed."""
    return "\ufffd" in text


def spreadsheet_text(cell: str) -> str:
    """Text typed by a person, made to reach a spreadsheet as text, never as a formula (also when
    blanks come before the "=", which some importers trim)."""
    return "'" + cell if cell.lstrip(" \u00a0").startswith(_SPREADSHEET_FORMULA) else cell


async def refused_page(db: AsyncSession, caisse: Caisse, build: Callable[[], Awaitable[T]]) -> T:
    """The page `build` makes for a refused form, its reads audit-logged for good: what the request
    wrote is rolled back first (as its 4xx would), the caisse read again, the page built (its
    services write their read-audit rows), and that transaction committed before the 4xx is sent."""
    await db.rollback()
    await db.refresh(caisse)
    built = await build()
    await db.commit()
    return built


def with_detail(sentence: str, exc: DomainError) -> Markup:
    """A translated sentence saying what was refused, then, as a last resort, the service's own
    words (English, for the API and the log) marked `lang="en"` in brackets: never an English
    fragment inside a sentence of the page's language."""
    return Markup('{} <span lang="en">({})</span>').format(sentence, exc.detail)


class KeyedForm(Protocol):
    """A form that carries a retry key (`new_key`)."""

    @property
    def key(self) -> str: ...


class _Recorded(Protocol):
    """What a service that records once by retry key returns: the record, and whether this call
    made it (False: the same form had been sent before)."""

    @property
    def created(self) -> bool: ...

    @property
    def record(self) -> _HasId: ...


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


async def record_once(
    values: F,
    errors: dict[str, str],
    again: Callable[[int, F, str | None], Awaitable[T]],
    record: Callable[[], Awaitable[_Recorded]],
    shown_at: Callable[[int], str],
    *,
    resent: str,
    refused: str,
    _: Callable[[str], str],
) -> T | Redirect:
    """The steps every form with a retry key takes (a payment, a subsidy, a cost): refused (422,
    `again` shows the form) with `errors` or without its key; else `record` called, the form shown
    again with a fresh key and `resent` (409) when its key had recorded something else, or with
    `refused` and the service's words (422) when the service refused it; else to the record,
    `shown_at(id)`, "&deja=1" added when the form had been sent before and recorded nothing new."""
    if errors or not values.key:
        return await again(
            422, values, None if values.key else _("The form was incomplete. Check it and send it again.")
        )
    try:
        result = await record()
    except Conflict:
        # Every form here is a msgspec Struct; the Protocol that lets `values.key` be read cannot say so.
        return await again(409, msgspec.structs.replace(values, key=new_key()), resent)  # type: ignore[type-var]
    except ValidationFailed as exc:
        return await again(422, values, with_detail(refused, exc))
    flag = "" if result.created else "&deja=1"
    return Redirect(path=shown_at(result.record.id) + flag, status_code=303)
