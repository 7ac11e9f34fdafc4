"""What the staff's money pages share besides `web.pages.staff.forms`: the month in a query, the
day money moved and how much, files to download and the spreadsheet's euro format."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from litestar import Response
from litestar.params import QueryParameter

from caisse.caisses.models import Caisse
from caisse.periods import caisse_today, first_day
from web.formatting import Formatter
from web.pages.staff.forms import check_amount, day_or_none

MonthParam = Annotated[str | None, QueryParameter(name="mois", max_length=7)]
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
# A number a spreadsheet shows in euros, with two decimals and the thousands grouped.
EUROS_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'


def valid_month(text: str | None) -> str | None:
    return text if text is not None and _MONTH.fullmatch(text) else None


def check_past_day(
    text: str, caisse: Caisse, errors: dict[str, str], field: str, _: Callable[[str], str], fmt: Formatter
) -> date | None:
    """A day money moved: not in the future, not before the caisse's first month."""
    day = day_or_none(text)
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


def check_money_moved(
    amount: str,
    day: str,
    fields: tuple[str, str],
    caisse: Caisse,
    errors: dict[str, str],
    _: Callable[[str], str],
    fmt: Formatter,
) -> tuple[int, date | None]:
    """How much moved and on which day, asked the same on every money form (a payment, a subsidy,
    a cost): the cents (0 when refused) and the day (None when refused), errors by `fields` (the
    amount's field id, the day's)."""
    return check_amount(amount, errors, fields[0], _, fmt), check_past_day(
        day, caisse, errors, fields[1], _, fmt
    )


def download(content: str | bytes, media_type: str, filename: str) -> Response[Any]:
    body = content.encode("utf-8") if isinstance(content, str) else content
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Litestar adds "; charset=utf-8" to a text/ media type itself (naming it here said it twice).
CSV = "text/csv"
