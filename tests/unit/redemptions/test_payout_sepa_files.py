"""The files of a payout batch, built without a database: pain.001.001.03 and the CSV."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest

from caisse.redemptions.sepa import (
    Debtor,
    SepaFileError,
    Transfer,
    account_problems,
    pain001,
    payouts_csv,
    read_payouts_csv,
    sepa_text,
)

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
DEBTOR = Debtor("Caisse alimentaire commune de Foix", "FR7630006000011234567890189", "CMCIFR2A")
CREATED = datetime(2026, 11, 23, 9, 30, 0)


def _transfer(rid: int, cents: int, name: str = "Ferme du Couserans", bic: str = "BNPAFRPP") -> Transfer:
    return Transfer(
        redemption_id=rid,
        outlet_id=rid + 100,
        outlet_name=name,
        iban="FR4430004000030000012345678",
        bic=bic,
        amount_cents=cents,
        reference=f"VIR-2026-12-0001-R{rid}",
        remittance=f"Reconversion demande {rid}",
    )


def _file(transfers: list[Transfer]) -> str:
    return pain001(
        DEBTOR, transfers, message_id="VIR-2026-12-0001-20261123093000", payment_info_id="VIR-2026-12-0001",
        execution_date=date(2026, 12, 1), created_at=CREATED,
    )  # fmt: skip


def test_file_counts_and_sums_the_transfers_in_euros() -> None:
    root = ET.fromstring(_file([_transfer(1, 4_000), _transfer(2, 5), _transfer(3, 123_456)]).encode())
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert header is not None and info is not None
    assert header.findtext("p:NbOfTxs", namespaces=NS) == info.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert (
        header.findtext("p:CtrlSum", namespaces=NS) == info.findtext("p:CtrlSum", namespaces=NS) == "1274.61"
    )
    amounts = [a.text for a in info.findall("p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)]
    assert amounts == ["40.00", "0.05", "1234.56"]
    assert header.findtext("p:MsgId", namespaces=NS) == "VIR-2026-12-0001-20261123093000"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2026-11-23T09:30:00"
    assert info.findtext("p:PmtInfId", namespaces=NS) == "VIR-2026-12-0001"
    assert info.findtext("p:ReqdExctnDt", namespaces=NS) == "2026-12-01"


def test_same_inputs_give_the_same_file() -> None:
    transfers = [_transfer(1, 4_000), _transfer(2, 2_500)]
    assert _file(transfers) == _file(transfers)


def test_names_are_written_in_the_sepa_character_set() -> None:
    assert sepa_text("Épicerie & Cie — œufs «bio» n°1", 70) == "Epicerie + Cie oeufs bio n 1"
    assert sepa_text("Ferme " + "x" * 100, 10) == "Ferme xxxx"
    assert sepa_text("農場", 70) == ""
    root = ET.fromstring(_file([_transfer(1, 100, name="農場"), _transfer(2, 100, name="Crèmerie")]).encode())
    names = [n.text for n in root.iterfind(".//p:Cdtr/p:Nm", NS)]
    assert names == ["Lieu 101", "Cremerie"]


@pytest.mark.parametrize(
    ("transfer", "message"),
    [
        (_transfer(1, 100, bic="BNPAFR1A"), "BNPAFR1A is not a BIC a SEPA file accepts"),
        (_transfer(1, 100, bic=""), "Ferme du Couserans has no BIC"),
        (_transfer(1, 0), "must be more than 0"),
    ],
)
def test_values_a_bank_would_refuse_are_named(transfer: Transfer, message: str) -> None:
    with pytest.raises(SepaFileError, match=message):
        _file([transfer])


def test_an_empty_batch_makes_no_file() -> None:
    with pytest.raises(SepaFileError, match="at least one transfer"):
        _file([])


def test_account_problems_say_what_is_missing() -> None:
    assert account_problems("La caisse", None, None) == ["La caisse has no IBAN", "La caisse has no BIC"]
    assert account_problems("La caisse", "FR7630006000011234567890189", "CMCIFR2AXXX") == []


def test_csv_lists_the_same_transfers_and_reads_back() -> None:
    transfers = [_transfer(1, 4_000, name="Épicerie & Cie"), _transfer(2, 5, name='=HYPERLINK("x")')]
    text = payouts_csv(transfers)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["outlet", "iban", "bic", "amount", "reference", "redemption_id", "outlet_id"]
    assert rows[1] == [
        "Épicerie & Cie",
        "FR4430004000030000012345678",
        "BNPAFRPP",
        "40.00",
        "VIR-2026-12-0001-R1",
        "1",
        "101",
    ]
    # A name a spreadsheet would run as a formula is written as text.
    assert rows[2][0] == '\'=HYPERLINK("x")' and rows[2][3] == "0.05"
    back = read_payouts_csv(text)
    assert [(t.outlet, t.amount_cents, t.reference) for t in back] == [
        ("Épicerie & Cie", 4_000, "VIR-2026-12-0001-R1"),
        ('=HYPERLINK("x")', 5, "VIR-2026-12-0001-R2"),
    ]
