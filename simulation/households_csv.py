"""Households for a simulation from a CSV file: the columns of the caisse's member import
(docs/csv-import.md) that the rules need, plus an optional weight.

Read columns (French or English header, any case, accents or unit): adultes / adults (required),
autres_14_plus / others_14_plus, enfants_moins_14 / children_under_14 (empty = 0), revenu_mensuel /
monthly_income (€ per month, required), cotisation_choisie / chosen_contribution (€ per month, empty =
none) and foyers / households (how many households the line stands for, default 1). The member
import's personal columns (name, e-mail, dates, status…) are accepted and ignored, so a caisse's import
file can be simulated as it is; any other column is refused, naming it.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from simulation.population import Population, population_from_households

MAX_LINES = 1_000_000
T = TypeVar("T")

# field -> accepted header names (already normalised)
COLUMNS: dict[str, tuple[str, ...]] = {
    "adults": ("adults", "adultes", "nb_adultes", "nombre_adultes"),
    "others_14_plus": ("others_14_plus", "autres_14_plus", "personnes_14_plus", "autres_14"),
    "children_under_14": (
        "children_under_14",
        "enfants_moins_14",
        "enfants",
        "enfants_moins_de_14",
        "enfants_14",
    ),
    "monthly_income": ("monthly_income", "revenu_mensuel", "revenu", "revenus", "income"),
    "chosen": ("chosen_contribution", "cotisation_choisie", "cotisation"),
    "weight": ("households", "foyers", "weight", "poids"),
}
REQUIRED = ("adults", "monthly_income")
IGNORED = frozenset(
    {
        "nom",
        "reference_person",
        "personne_de_reference",
        "nom_prenom",
        "name",
        "courriel",
        "email",
        "mail",
        "e_mail",
        "adresse_email",
        "telephone",
        "phone",
        "tel",
        "portable",
        "adresse",
        "address",
        "adresse_postale",
        "date_declaration",
        "income_declared_on",
        "date_de_declaration",
        "date_revenu",
        "statut",
        "status",
        "date_adhesion",
        "applied_on",
        "date_inscription",
        "date_candidature",
        "date_activation",
        "activated_on",
        "date_suspension",
        "suspended_on",
        "date_sortie",
        "left_on",
        "date_depart",
    }
)


def normalise_header(name: str) -> str:
    """``"Revenu mensuel (€)"`` → ``"revenu_mensuel"``: no unit, accents, case or punctuation.

    >>> normalise_header(" Revenu mensuel (€) "), normalise_header("Enfants < 14")
    ('revenu_mensuel', 'enfants_14')
    """
    text = re.sub(r"\([^)]*\)", " ", name)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def parse_amount(text: str) -> float:
    """Euros written ``1234.5``, ``1 234,50`` or ``1.234,50 €``; ValueError otherwise.

    >>> parse_amount("1 234,50 €"), parse_amount("980")
    (1234.5, 980.0)
    """
    value = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        raise ValueError(f"'{text}' is not an amount in euros")
    return float(value)


def _count(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text.strip()):
        raise ValueError(f"'{text}' is not a whole number")
    return int(text)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("the file is neither UTF-8 nor Windows-1252 text")


def _columns(header: list[str], name: str) -> dict[str, int]:
    by_name = {alias: field for field, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, column in enumerate(header):
        key = normalise_header(column)
        if not key or key in IGNORED:
            continue
        if key not in by_name:
            raise ValueError(f"{name}: unknown column '{column}'; see docs/scenario.md for the columns read")
        if by_name[key] in found:
            raise ValueError(f"{name}: column '{column}' repeats another column")
        found[by_name[key]] = index
    missing = [COLUMNS[field][1] for field in REQUIRED if field not in found]
    if missing:
        raise ValueError(f"{name}: missing column {', '.join(missing)}")
    return found


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _field(row: list[str], at: dict[str, int], field: str, parse: Callable[[str], T], default: T) -> T:
    """One cell, parsed; `default` when empty (an error for a required column)."""
    text = _cell(row, at.get(field))
    if not text:
        if field in REQUIRED:
            raise ValueError(f"{COLUMNS[field][1]}: is empty")
        return default
    try:
        return parse(text)
    except ValueError as error:
        raise ValueError(f"{COLUMNS[field][1]}: {error}") from None


def _parse_row(row: list[str], at: dict[str, int]) -> tuple[int, int, int, float, float, int]:
    adults = _field(row, at, "adults", _count, 1)
    if adults < 1:
        raise ValueError("adultes: must be at least 1 (the reference person)")
    weight = _field(row, at, "weight", _count, 1)
    if weight < 1:
        raise ValueError("foyers: must be at least 1")
    return (
        adults,
        _field(row, at, "others_14_plus", _count, 0),
        _field(row, at, "children_under_14", _count, 0),
        _field(row, at, "monthly_income", parse_amount, 0.0),
        _field(row, at, "chosen", parse_amount, math.nan),
        weight,
    )


def parse_households_csv(text: str, name: str = "households.csv") -> Population:
    """Households from CSV text (delimiter ``;``, ``,`` or tab, found from the header line).

    Raises ValueError naming the file, the line (1 = the header) and the column of the first problem,
    and how many lines have problems.

    >>> text = "adultes;revenu_mensuel;nom\\n1;1 200,00;Awa\\n2;3000;Luc\\n"
    >>> parse_households_csv(text).households.tolist()
    [1, 1]
    """
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ValueError(f"{name}: the first line must name the columns")
    at = _columns(rows[0], name)
    parsed, problems = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            parsed.append(_parse_row(row, at))
        except ValueError as error:
            problems.append(f"line {line}: {error}")
    if len(parsed) + len(problems) > MAX_LINES:
        raise ValueError(f"{name}: more than {MAX_LINES} lines; use the foyers column to weight lines")
    if problems:
        more = f" (and {len(problems) - 1} more lines with problems)" if len(problems) > 1 else ""
        raise ValueError(f"{name} {problems[0]}{more}")
    if not parsed:
        raise ValueError(f"{name}: no household lines below the header")
    columns = list(zip(*parsed, strict=True))
    return population_from_households(
        np.array(columns[0]),
        np.array(columns[1]),
        np.array(columns[2]),
        np.array(columns[3]),
        chosen=np.array(columns[4]),
        weight=np.array(columns[5]),
    )


def read_households_csv(path: str | Path) -> Population:
    """Households from a CSV file (UTF-8, with or without BOM, or Windows-1252); see the module doc."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read households file {file}: {error.strerror}") from None
    try:
        text = _decode(raw)
    except ValueError as error:
        raise ValueError(f"{file.name}: {error}") from None
    return parse_households_csv(text.replace("\r\n", "\n"), file.name)
