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
from typing import Any

from anyio import to_thread
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from caisse.amounts import plain_euros
from web.pages.staff.forms import spreadsheet_text
from web.pages.staff.money.common import EUROS_FORMAT

PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"
# Characters a sheet's title may not hold, and its length.
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
_TITLE_LENGTH = 31
# The rows read to size the columns (the header and these; a long table's later rows are alike).
WIDTH_ROWS = 300


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
    if isinstance(cell, str):
        return spreadsheet_text(cell)  # text typed by a person must never run as a formula
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
    """The workbook, streamed (openpyxl's write-only mode: constant memory, several times faster);
    slow for large tables all the same, so callers run it in a worker thread (`xlsx_off_loop`).
    Column widths are read from the header and the first `WIDTH_ROWS` rows."""
    book = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(sheet_title(table.title, taken))
        widths = [len(h) for h in table.headers]
        for row in table.rows[:WIDTH_ROWS]:
            for column, value in enumerate(row):
                widths[column] = max(widths[column], len(_csv_cell(value)) + 2)
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width, 10), 60)
        sheet.freeze_panes = "A2"
        header = []
        for text in table.headers:
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: Any, value: Cell) -> Any:
    if isinstance(value, Euros):
        cell = WriteOnlyCell(sheet, value=Decimal(value.cents) / 100)
        cell.number_format = EUROS_FORMAT
    elif isinstance(value, Ratio):
        cell = WriteOnlyCell(sheet, value=value.value)
        cell.number_format = PERCENT_FORMAT
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text stays text, even "=..."
    else:
        return value
    return cell


async def xlsx_off_loop(tables: Sequence[Table]) -> bytes:
    """`tables_xlsx` in a worker thread: the event loop keeps serving other requests meanwhile."""
    return await to_thread.run_sync(tables_xlsx, tables)


async def csv_off_loop(tables: Sequence[Table]) -> str:
    """`tables_csv` in a worker thread, for tables of every household."""
    return await to_thread.run_sync(tables_csv, tables)
