"""Numbers, money and dates as people read them in the page's language (Babel).

French style on French pages: 1 234,56 € (narrow no-break space between thousands, comma before
the cents, no-break space before the sign), "mars 2027", "12 mars 2027 à 10:30". Money arrives in
integer cents and is converted with Decimal, never float, so no cent is ever lost in display.
Times are shown in the caisses' time zone (Europe/Paris).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel.core import Locale
from babel.dates import format_date, format_datetime, get_timezone
from babel.numbers import format_compact_currency, format_currency, format_decimal, format_percent

from caisse.periods import first_day

TIME_ZONE = get_timezone("Europe/Paris")
NBSP = "\u00a0"


@dataclass(frozen=True)
class Formatter:
    """Formatting bound to one locale; templates get it as `fmt`."""

    locale: Locale

    def money(self, cents: int | None) -> str:
        """Integer cents as euros with the sign and two decimals: 123456 -> '1 234,56 €'."""
        if cents is None:
            return "—"
        return format_currency(Decimal(cents) / 100, "EUR", locale=self.locale)

    def money_short(self, cents: int) -> str:
        """A rounded amount for chart axes: 1250000 cents -> '12,5 k€'."""
        return format_compact_currency(Decimal(cents) / 100, "EUR", locale=self.locale, fraction_digits=1)

    def euros(self, amount: float) -> str:
        """An amount in euros from the rules (float €), shown to the cent."""
        return format_currency(Decimal(str(round(amount, 2))), "EUR", locale=self.locale)

    def number(self, value: int | float | Decimal, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, ratio: float | None, digits: int = 1) -> str:
        """A ratio as a percentage: 0.4567 -> '45,7 %' (French) or '45.7%' (English)."""
        if ratio is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        text = format_percent(ratio, format=pattern, locale=self.locale)
        # Babel keeps the pattern's spacing; French writes a no-break space before the sign.
        return text.replace("%", NBSP + "%") if self.locale.language == "fr" else text

    def date(self, day: date | None, form: str = "long") -> str:
        return "—" if day is None else format_date(day, form, locale=self.locale)

    def datetime(self, moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return format_datetime(moment, "d MMMM y, HH:mm", tzinfo=TIME_ZONE, locale=self.locale)

    def month(self, month: str) -> str:
        """'2027-03' -> 'mars 2027' / 'March 2027'."""
        return format_date(first_day(month), "LLLL y", locale=self.locale)

    def short_month(self, month: str) -> str:
        """'2027-03' -> 'mars 27' / 'Mar 27', for chart axes."""
        return format_date(first_day(month), "LLL yy", locale=self.locale)
