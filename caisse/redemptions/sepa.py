"""The files a payout batch hands to the bank: a SEPA credit-transfer file (pain.001.001.03, written
by `sepaxml` and validated against the ISO 20022 schema) and a CSV of the same transfers.

Pure: no database, no clock. The same inputs give byte-for-byte the same files, so a stored file
can always be explained from the batch's rows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sepaxml import SepaTransfer
from sepaxml.validation import ValidationError as SepaSchemaError

from caisse.amounts import parse_euros, plain_euros

SCHEMA = "pain.001.001.03"
# The patterns of the pain.001.001.03 schema (IBAN2007Identifier, BICIdentifier).
IBAN_PATTERN = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}")
BIC_PATTERN = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")
# The EPC's basic Latin character set: what every SEPA bank accepts in names and references.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "&": "+"})
# A cell starting with one of these is a formula to a spreadsheet: quote it as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("outlet", "iban", "bic", "amount", "reference", "redemption_id", "outlet_id")


class SepaFileError(ValueError):
    """The transfers cannot make a valid SEPA file; the message says which value is wrong."""


@dataclass(frozen=True)
class Debtor:
    """The caisse's bank account, which the transfers are paid from."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Transfer:
    """One credit transfer: `reference` is its end-to-end id (35 characters at most)."""

    redemption_id: int
    outlet_id: int
    outlet_name: str
    iban: str
    bic: str
    amount_cents: int
    reference: str
    remittance: str


def sepa_text(text: str, limit: int) -> str:
    """`text` in the SEPA character set: accents dropped, other signs turned into spaces, cut to
    `limit` characters. "Épicerie & Cie" -> "Epicerie + Cie"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_SEPA.sub(" ", ascii_only).split())[:limit].strip()


def account_problems(label: str, iban: str | None, bic: str | None) -> list[str]:
    """What keeps an account from a SEPA file, in words (empty when it is fine)."""
    problems = []
    if not iban:
        problems.append(f"{label} has no IBAN")
    elif not IBAN_PATTERN.fullmatch(iban):
        problems.append(f"{label}: the IBAN {iban} is not in the form a SEPA file needs")
    if not bic:
        problems.append(f"{label} has no BIC")
    elif not BIC_PATTERN.fullmatch(bic):
        problems.append(f"{label}: {bic} is not a BIC a SEPA file accepts (8 or 11 characters, SWIFT form)")
    return problems


class _Pain001(SepaTransfer):
    """sepaxml's transfer file with the message id, creation time and payment id we choose, instead
    of random ones and the clock, so the stored file matches the batch."""

    def __init__(
        self, config: dict[str, object], message_id: str, created_at: datetime, info_id: str
    ) -> None:
        self._chosen = (message_id, created_at, info_id)
        super().__init__(config, schema=SCHEMA, clean=True)

    def _create_header(self) -> None:
        message_id, created_at, _ = self._chosen
        self.msg_id = message_id
        super()._create_header()
        self._xml.find("CstmrCdtTrfInitn/GrpHdr/CreDtTm").text = created_at.strftime("%Y-%m-%dT%H:%M:%S")

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        for node in self._xml.iter("PmtInfId"):
            node.text = self._chosen[2]


def pain001(
    debtor: Debtor,
    transfers: Sequence[Transfer],
    *,
    message_id: str,
    payment_info_id: str,
    execution_date: date,
    created_at: datetime,
) -> str:
    """The pain.001.001.03 file paying `transfers` from `debtor` on `execution_date`, validated
    against the schema. Amounts are cents. SepaFileError names the first value a bank would refuse."""
    if not transfers:
        raise SepaFileError("A SEPA file needs at least one transfer.")
    problems = account_problems(f"The caisse's account ({debtor.name})", debtor.iban, debtor.bic)
    for t in transfers:
        problems += account_problems(t.outlet_name, t.iban, t.bic)
        if t.amount_cents <= 0:
            problems.append(
                f"the transfer {t.reference} is of {t.amount_cents} cents; it must be more than 0"
            )
        if not 1 <= len(t.reference) <= 35:
            problems.append(f"the reference {t.reference!r} must have 1 to 35 characters")
    if problems:
        raise SepaFileError("; ".join(problems))
    config = {
        "name": sepa_text(debtor.name, 70) or "Caisse",
        "IBAN": debtor.iban,
        "BIC": debtor.bic,
        "batch": True,
        "currency": "EUR",
    }
    document = _Pain001(config, message_id[:35], created_at, payment_info_id[:35])
    for t in transfers:
        document.add_payment(
            {
                "name": sepa_text(t.outlet_name, 70) or f"Lieu {t.outlet_id}",
                "IBAN": t.iban,
                "BIC": t.bic,
                "amount": t.amount_cents,
                "execution_date": execution_date,
                "description": sepa_text(t.remittance, 140) or t.reference,
                "endtoend_id": t.reference,
            }
        )
    try:
        return bytes(document.export(validate=True, pretty_print=True)).decode("utf-8")
    except SepaSchemaError as exc:
        cause = getattr(exc.__cause__, "reason", None) or str(exc.__cause__ or exc)
        raise SepaFileError(f"The SEPA file does not pass the {SCHEMA} schema: {cause}") from None


def payouts_csv(transfers: Sequence[Transfer]) -> str:
    """The same transfers as a CSV (comma-separated, UTF-8, amounts in euros with a dot: 12.50)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for t in transfers:
        writer.writerow(
            [
                _as_text(t.outlet_name),
                t.iban,
                t.bic,
                plain_euros(t.amount_cents),
                t.reference,
                t.redemption_id,
                t.outlet_id,
            ]
        )
    return out.getvalue()


def _as_text(cell: str) -> str:
    # An outlet names itself: "=HYPERLINK(...)" must reach the treasurer's spreadsheet as text.
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


@dataclass(frozen=True)
class PaidTransfer:
    """One transfer of a batch as it was sent (read back from the batch's CSV); cents."""

    redemption_id: int
    outlet_id: int
    outlet: str
    iban: str
    bic: str
    amount_cents: int
    reference: str


def read_payouts_csv(text: str) -> list[PaidTransfer]:
    """The transfers of a CSV written by `payouts_csv`, amounts back in cents."""
    rows = []
    for row in csv.DictReader(io.StringIO(text, newline="")):
        name = row["outlet"]
        if name.startswith("'") and name[1:].startswith(_FORMULA_START):
            name = name[1:]
        rows.append(
            PaidTransfer(
                redemption_id=int(row["redemption_id"]),
                outlet_id=int(row["outlet_id"]),
                outlet=name,
                iban=row["iban"],
                bic=row["bic"],
                amount_cents=parse_euros(row["amount"]),
                reference=row["reference"],
            )
        )
    return rows
