"""Reading households from a spreadsheet export (CSV): pure, no database.

`parse_households(data, today=...)` decodes the bytes (UTF-8 with or without BOM, UTF-16 with BOM,
or Windows-1252 when that is certain), finds the delimiter (`;`, `,` or tab) from the header, maps
French or English headers to fields, and checks every line, returning the valid households and
*every* problem with its line number (line 1 is the header). Writing them is
`caisse.members.importing`. The columns are documented in docs/csv-import.md.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from caisse.amounts import parse_euros
from caisse.members.household import Household, check_household
from caisse.members.models import MemberStatus
from caisse.members.text import fold

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000


class CsvFileError(ValueError):
    """The file as a whole cannot be read (size, encoding, no header): one message, no line list."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, where: `line` 1 is the header; `column` as written in the file."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " + (f"{self.column}: " if self.column else "")
        return where + self.message

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "message": self.message}


# --- cell parsers: text in, a typed value out, ValueError with a message otherwise -----------------


def _text(value: str) -> str:
    return value


def _count(value: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", value):
        raise ValueError(f"'{value}' is not a whole number of persons")
    return int(value)


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]00:00(?::00)?)?")
_FRENCH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?: 00:00(?::00)?)?")


def parse_day(value: str) -> date:
    """A date written YYYY-MM-DD or DD/MM/YYYY (a time of 00:00, as some spreadsheets add, is ignored).

    >>> parse_day("2027-01-05"), parse_day("5/1/2027")
    (datetime.date(2027, 1, 5), datetime.date(2027, 1, 5))
    """
    iso, french = _ISO_DATE.fullmatch(value), _FRENCH_DATE.fullmatch(value)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if french:
            return date(int(french[3]), int(french[2]), int(french[1]))
    except ValueError:
        raise ValueError(f"'{value}' is not a date in the calendar") from None
    raise ValueError(f"'{value}' is not a date; write it YYYY-MM-DD or DD/MM/YYYY")


_STATUS_WORDS = {
    MemberStatus.APPLICANT: ("applicant", "candidat", "candidate", "candidature", "demandeur", "demandeuse"),
    MemberStatus.ACTIVE: ("active", "actif", "actifve", "actifs", "adherent", "adherente"),
    MemberStatus.SUSPENDED: ("suspended", "suspendu", "suspendue"),
    MemberStatus.LEFT: (
        "left", "parti", "partie", "sorti", "sortie", "ancien", "ancienne", "radie", "radiee",
    ),
}
_STATUS_BY_WORD = {word: status for status, words in _STATUS_WORDS.items() for word in words}


def parse_status(value: str) -> MemberStatus:
    """French or English, any case, accents and inclusive-writing dots ignored: "Actif·ve" is active."""
    key = re.sub(r"[^a-z]", "", fold(value))
    if key not in _STATUS_BY_WORD:
        raise ValueError(f"'{value}' is not a status; write candidat, actif, suspendu or parti")
    return _STATUS_BY_WORD[key]


# --- the columns ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # the Household attribute it fills
    french: str
    english: str
    parse: Callable[[str], Any]
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.french, self.english, *self.aliases)


COLUMNS: tuple[Column, ...] = (
    Column("reference_person", "nom", "reference_person", _text, True,
           ("personne_de_reference", "personne_reference", "nom_prenom", "nom_complet", "name", "full_name")),
    Column("email", "courriel", "email", _text, False,
           ("e_mail", "mail", "adresse_email", "adresse_mail", "adresse_e_mail", "email_address")),
    Column("phone", "telephone", "phone", _text, False, ("tel", "portable", "phone_number")),
    Column("address", "adresse", "address", _text, False, ("adresse_postale", "postal_address")),
    Column("adults", "adultes", "adults", _count, True, ("nb_adultes", "nombre_adultes", "nombre_d_adultes")),
    Column("others_14_plus", "autres_14_plus", "others_14_plus", _count, False,
           ("autres_personnes_14_plus", "personnes_14_plus", "nb_autres_14_plus", "autres_14_ans_plus")),
    Column("children_under_14", "enfants_moins_14", "children_under_14", _count, False,
           ("enfants_moins_de_14", "enfants_moins_14_ans", "enfants_moins_de_14_ans", "nb_enfants_moins_14",
            "enfants", "children")),
    Column("monthly_income_cents", "revenu_mensuel", "monthly_income", parse_euros, True,
           ("revenu", "revenus", "revenus_mensuels", "revenu_mensuel_du_foyer", "income")),
    Column("income_declared_on", "date_declaration", "income_declared_on", parse_day, True,
           ("date_de_declaration", "date_declaration_revenu", "date_revenu", "declared_on")),
    Column("status", "statut", "status", parse_status),
    Column("applied_on", "date_adhesion", "applied_on", parse_day, False,
           ("date_d_adhesion", "date_candidature", "date_inscription")),
    Column("activated_on", "date_activation", "activated_on", parse_day, False, ("date_d_activation",)),
    Column("suspended_on", "date_suspension", "suspended_on", parse_day),
    Column("left_on", "date_sortie", "left_on", parse_day, False, ("date_depart", "date_de_sortie")),
    Column("chosen_contribution_cents", "cotisation_choisie", "chosen_contribution", parse_euros, False,
           ("cotisation", "montant_cotisation")),
)


def header_key(header: str) -> str:
    """How a header is matched: case, accents, spaces, dashes, dots and units ignored.

    >>> header_key(" Revenu mensuel (€) "), header_key("Autres 14+"), header_key("Enfants < 14")
    ('revenu_mensuel', 'autres_14_plus', 'enfants_moins_14')
    """
    key = fold(header.replace("\ufeff", "")).replace("+", " plus ").replace("<", " moins ").replace("€", " ")
    key = re.sub(r"[^a-z0-9]+", "_", key).strip("_")
    return re.sub(r"_(eur|euros|en_euros)$", "", key)


_COLUMN_BY_KEY = {header_key(name): column for column in COLUMNS for name in column.names}


# --- reading the file ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    household: Household


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The valid rows, every problem (sorted by line), and how the file was read."""

    rows: tuple[ParsedRow, ...]
    problems: tuple[Problem, ...]
    encoding: str
    delimiter: str
    # Household field -> the header naming it in this file.
    headers: dict[str, str] = field(default_factory=dict)

    def column_for(self, household_field: str) -> str:
        """The file's header for a field (its French name when the file has no such column)."""
        return self.headers.get(household_field) or french_name(household_field)


def parse_households(data: bytes, *, today: date) -> ParsedFile:
    """Read and check every household of a CSV file. Raises CsvFileError when the file as a whole
    is unreadable; otherwise returns the valid rows and every problem found."""
    if len(data) > MAX_BYTES:
        raise CsvFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB. "
            "Split it into several files.",
            too_large=True,
        )
    text, encoding = decode(data)
    if not text.strip():
        raise CsvFileError("The file is empty; it needs a header line and one line per household.")
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = _records(reader)
    try:
        header_line, header = next(records)
    except StopIteration:  # pragma: no cover - a non-blank text has a first record
        raise CsvFileError("The file has no header line.") from None
    columns, problems = map_headers(header, header_line)
    if problems:
        return ParsedFile((), tuple(problems), encoding, delimiter)
    headers = {column.field: header[i].strip() for i, column in columns.items()}
    rows: list[ParsedRow] = []
    seen_emails: dict[str, int] = {}
    seen_rows: dict[tuple[str, ...], int] = {}
    for count, (line, record) in enumerate(records, start=1):
        if count > MAX_ROWS:
            raise CsvFileError(
                f"The file has more than {MAX_ROWS:,} households (lines); split it into several files."
                .replace(",", " ")
            )
        row_problems, clean = _parse_row(line, record, header, columns, headers, today)
        cells = tuple(c.strip() for c in record)
        if cells in seen_rows:
            row_problems.append(Problem(line, None, f"the same household as line {seen_rows[cells]}"))
        seen_rows.setdefault(cells, line)
        email = clean.get("email")
        if email is not None and email in seen_emails:
            message = f"{email} is also on line {seen_emails[email]}"
            row_problems.append(Problem(line, headers["email"], message))
        if email is not None:
            seen_emails.setdefault(email, line)
        problems += row_problems
        if not row_problems:
            rows.append(ParsedRow(line, Household(**clean)))
    return ParsedFile(tuple(rows), tuple(problems), encoding, delimiter, headers)


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells) for each non-blank record; a record may span lines
    when a quoted cell holds a line break."""
    next_line = 1
    try:
        for record in reader:
            line, next_line = next_line, reader.line_num + 1
            if any(cell.strip() for cell in record):
                yield line, record
    except csv.Error as exc:
        raise CsvFileError(f"Line {reader.line_num}: the file is not valid CSV ({exc}).") from None


def map_headers(header: list[str], line: int) -> tuple[dict[int, Column], list[Problem]]:
    """Which column each header position fills; problems for unknown, repeated or missing columns."""
    columns: dict[int, Column] = {}
    problems: list[Problem] = []
    by_field: dict[str, str] = {}
    unknown = []
    for position, raw in enumerate(header):
        name = raw.strip().replace("\ufeff", "")
        if not name:
            continue  # an empty header: spreadsheets export trailing empty columns
        column = _COLUMN_BY_KEY.get(header_key(name))
        if column is None:
            unknown.append(name)
        elif column.field in by_field:
            problems.append(
                Problem(line, name, f"says the same as column '{by_field[column.field]}'; keep one of them")
            )
        else:
            by_field[column.field] = name
            columns[position] = column
    if unknown:
        known = ", ".join(f"{c.french}/{c.english}" for c in COLUMNS)
        problems += [Problem(line, name, f"unknown column; the columns are: {known}") for name in unknown]
    for column in COLUMNS:
        if column.required and column.field not in by_field:
            problems.append(
                Problem(line, column.french, f"required column missing (also accepted: {column.english})")
            )
    return columns, problems


def _parse_row(
    line: int,
    record: list[str],
    header: list[str],
    columns: dict[int, Column],
    headers: dict[str, str],
    today: date,
) -> tuple[list[Problem], dict[str, Any]]:
    """The line's problems, and its values cleaned (complete when there is no problem)."""
    problems: list[Problem] = []
    extra = [cell for cell in record[len(header) :] if cell.strip()]
    if extra:
        problems.append(
            Problem(line, None, f"has {len(header) + len(extra)} values but the header has {len(header)} "
                                "columns; does a value hold the delimiter without quotes around it?")
        )
    values: dict[str, Any] = {}
    unreadable: set[str] = set()
    for position, column in columns.items():
        cell = record[position].strip() if position < len(record) else ""
        if not cell:
            if column.required:
                problems.append(Problem(line, headers[column.field], "is empty; this column is required"))
                unreadable.add(column.field)
            continue
        try:
            values[column.field] = column.parse(cell)
        except ValueError as exc:
            problems.append(Problem(line, headers[column.field], str(exc)))
            unreadable.add(column.field)
    for position, cell in enumerate(record[: len(header)]):
        if cell.strip() and not header[position].strip():
            problems.append(
                Problem(line, f"column {position + 1}", "holds a value but the column has no header")
            )
    clean, found = check_household(values, today=today)
    problems += [
        Problem(line, headers.get(p.field) or french_name(p.field), p.message)
        for p in found
        if p.field not in unreadable
    ]
    # Read left to right: problems in the order of the columns (whole-line problems first).
    order = {header[i].strip(): i for i in columns}
    problems.sort(key=lambda p: order.get(p.column or "", -1))
    return problems, clean


def french_name(household_field: str) -> str:
    """The French header of a Household field: what messages name when the file lacks the column."""
    return next(c.french for c in COLUMNS if c.field == household_field)


# --- encoding and delimiter ----------------------------------------------------------------------

# Bytes 0x80–0x9F that French Windows text really contains (€ … ‘ ’ “ ” – — Œ œ); other bytes in
# that range mean the file is in some other encoding, and guessing would garble names.
_CP1252_USUAL = frozenset(b"\x80\x85\x8c\x91\x92\x93\x94\x96\x97\x9c")
_REEXPORT = (
    'Re-export it from your spreadsheet as "CSV UTF-8" (LibreOffice: character set "Unicode (UTF-8)").'
)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name). UTF-8 (BOM optional), UTF-16 with BOM, else Windows-1252 when every
    non-ASCII byte is one French text uses; anything else is a CsvFileError asking for UTF-8."""
    if data.startswith(b"PK\x03\x04"):
        raise CsvFileError("This is a spreadsheet file (.xlsx/.ods), not CSV. " + _REEXPORT)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise CsvFileError("The file starts like UTF-16 text but is not. " + _REEXPORT) from None
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    if b"\x00" in data:
        raise CsvFileError("The file holds binary data (NUL bytes), not text. " + _REEXPORT)
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start]
    high = {b for b in data if b >= 0x80}
    if encoding == "utf-8" and all(b >= 0xA0 or b in _CP1252_USUAL for b in high):
        return data.decode("cp1252"), "cp1252"
    raise CsvFileError(f"The file is not UTF-8 text (line {line}: byte 0x{bad:02X}). " + _REEXPORT)


def detect_delimiter(text: str) -> str:
    """The delimiter the header line uses most, outside quotes: `;` (French spreadsheets), `,` or tab."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(";,\t", 0)
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts.values())
    # Ties (and a header of one column) go to ";", the French default.
    return next(d for d in ";,\t" if counts[d] == best)
