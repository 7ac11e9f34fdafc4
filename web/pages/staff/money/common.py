"""What the staff's money pages share: the guard, their addresses, reading an amount and a day typed
in a form, retry keys, and files to download."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from litestar import Response
from litestar.params import QueryParameter

from caisse.amounts import MAX_AMOUNT_CENTS, parse_euros
from caisse.auth.guards import STAFF, requires
from caisse.caisses.models import Caisse
from caisse.periods import caisse_today, first_day
from web.formatting import Formatter

# Staff of the caisse, and its administrators, as for the money API.
GUARD = [requires(*STAFF)]
PAGE_SIZE = 50
MAX_PAGE = 100_000
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE)]
Flag = Annotated[str | None, QueryParameter(max_length=10)]
RecordId = Annotated[int | None, QueryParameter(ge=1, le=2**63 - 1)]
MonthParam = Annotated[str | None, QueryParameter(name="mois", max_length=7)]
_KEY = re.compile(r"[\x21-\x7e]{16,100}")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# A number a spreadsheet shows in euros, with two decimals and the thousands grouped.
EUROS_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'


def gestion_url(caisse: Caisse, rest: str = "") -> str:
    return f"/c/{caisse.slug}/gestion{rest}"


def new_key() -> str:
    return secrets.token_urlsafe(16)


def clean_key(key: str) -> str:
    """The form's retry key when it looks like one we made, else "" (the form was tampered with)."""
    return key if _KEY.fullmatch(key) else ""


def valid_month(text: str | None) -> str | None:
    return text if text is not None and _MONTH.fullmatch(text) else None


def check_amount(
    text: str, errors: dict[str, str], field: str, _: Callable[[str], str], fmt: Formatter
) -> int:
    """Cents from an amount typed in euros (0 and an error by `field` when it is not one)."""
    if not text:
        errors[field] = _("Enter the amount in euros, such as 25,00.")
        return 0
    try:
        cents = parse_euros(text)
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


def parse_day(text: str) -> date | None:
    """A day typed as 2027-03-14 (a date field) or 14/03/2027; None when it is neither."""
    try:
        if found := _ISO_DAY.fullmatch(text):
            return date(int(found[1]), int(found[2]), int(found[3]))
        if found := _FRENCH_DAY.fullmatch(text):
            return date(int(found[3]), int(found[2]), int(found[1]))
    except ValueError:
        return None
    return None


def check_past_day(
    text: str, caisse: Caisse, errors: dict[str, str], field: str, _: Callable[[str], str], fmt: Formatter
) -> date | None:
    """A day money moved: not in the future, not before the caisse's first month."""
    day = parse_day(text)
    if day is None:
        errors[field] = _("Enter the day as 14/03/2027.")
        return None
    today = caisse_today()
    if day > today:
        errors[field] = _("This day is in the future: enter the day the money moved, today at the latest.")
        return None
    start = first_day(caisse.first_month)
    if day < start:
        errors[field] = _("The caisse started on %(day)s: enter a day from then on.") % {
            "day": fmt.date(start)
        }
        return None
    return day


def download(content: str | bytes, media_type: str, filename: str) -> Response[Any]:
    body = content.encode("utf-8") if isinstance(content, str) else content
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
