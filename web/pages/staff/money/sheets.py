"""Tables written as files a treasurer opens in a spreadsheet: CSV (UTF-8, amounts in euros with a
dot, 12.50) and XLSX (a sheet per table, a bold header row, euros as numbers with a euro format,
ratios as percentages, dates as dates).

A table is a title, its column headers, and rows whose cells are text, dates, whole numbers, or
`Euros`/`Ratio` values, so each file writes each kind of figure properly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from caisse.amounts import plain_euros
from web.pages.staff.money.common import EUROS_FORMAT

PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"
# Characters a sheet's title may not hold, and its length.
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
_TITLE_LENGTH = 31
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Euros:
    cents: int


@dataclass(frozen=True)
class Ratio:
    value: float | None


Cell = str | int | date | Euros | Ratio | None


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def _csv_cell(cell: Cell) -> str:
    if isinstance(cell, Euros):
        return plain_euros(cell.cents)
    if isinstance(cell, Ratio):
        return "" if cell.value is None else f"{cell.value:.4f}"
    if isinstance(cell, date):
        return cell.isoformat()
    if cell is None:
        return ""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell  # text typed by a person must never run as a formula
    return str(cell)


def tables_csv(tables: Sequence[Table]) -> str:
    """One CSV: each table's rows after its title in the first column, tables one after the other
    when there are several (`table` column), or the rows alone with their headers when one."""
    out = io.StringIO()
    writer = csv.writer(out)
    if len(tables) == 1:
        writer.writerow(tables[0].headers)
        writer.writerows([_csv_cell(c) for c in row] for row in tables[0].rows)
        return out.getvalue()
    writer.writerow(["table", *tables[0].headers])
    for table in tables:
        writer.writerows([table.title, *(_csv_cell(c) for c in row)] for row in table.rows)
    return out.getvalue()


def sheet_title(text: str, taken: set[str]) -> str:
    title = _NOT_IN_TITLE.sub(" ", text)[:_TITLE_LENGTH].strip() or "Sheet"
    base, n = title, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = base[: _TITLE_LENGTH - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(sheet_title(table.title, taken))
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        widths = [len(h) for h in table.headers]
        for number, row in enumerate(table.rows, start=2):
            for column, value in enumerate(row, start=1):
                target = sheet.cell(row=number, column=column)
                if isinstance(value, Euros):
                    target.value = Decimal(value.cents) / 100
                    target.number_format = EUROS_FORMAT
                elif isinstance(value, Ratio):
                    target.value = value.value
                    target.number_format = PERCENT_FORMAT
                elif isinstance(value, date):
                    target.value = value
                    target.number_format = DATE_FORMAT
                elif isinstance(value, str):
                    target.value = value
                    target.data_type = "s"  # text stays text, even "=..."
                else:
                    target.value = value
                widths[column - 1] = max(widths[column - 1], len(_csv_cell(value)) + 2)
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width, 10), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
