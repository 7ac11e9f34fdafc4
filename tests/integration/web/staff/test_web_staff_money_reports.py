"""The staff's reports page: a month's report as tables, the same figures in the CSV and in the
XLSX (a sheet per table, a header row, euros formatted as euros), the households list as CSV and
XLSX (audit-logged), bad months refused, role refusals."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.caisses.models import Caisse
from caisse.members.models import Member
from caisse.money import record_contribution_payment, record_operating_cost
from caisse.reports.month import month_report
from tests.integration.redemptions.payout_helpers import PayoutWorld
from tests.integration.web.staff import money_fixtures
from tests.integration.web.staff.money_fixtures import GESTION
from tests.integration.web.web_fixtures import Client
from web.pages.staff.money import sheets

money_pages = money_fixtures.money_pages
ledger_verified_after_each_test = money_fixtures.ledger_verified_after_each_test
PAGE = f"{GESTION}/rapports"


async def _money_in_march(db: AsyncSession, pw: PayoutWorld) -> Caisse:
    caisse = await db.get(Caisse, pw.caisse_id)
    assert caisse is not None
    await record_contribution_payment(
        db, caisse, member="SA-1", amount_cents=3_000, method="cash", received_on=date(2026, 3, 3)
    )
    await record_operating_cost(db, caisse, category="loyer", amount_cents=12_345, paid_on=date(2026, 3, 4))
    await db.commit()
    return caisse


async def test_the_month_report_shows_the_same_figures_on_the_page_and_in_its_files(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    caisse = await _money_in_march(db, money_pages)
    staff = money_pages.headers["staff"]
    page = await client.get(f"{PAGE}?mois=2026-03", headers=staff)
    assert page.status_code == 200, page.text[:3000]
    assert "Rapport de mars 2026" in page.text
    assert "123,45\u00a0€" in page.text and "Cotisations payées" in page.text
    assert "Autofinancement" in page.text
    default = await client.get(PAGE, headers=staff)
    assert default.status_code == 200 and 'value="2026-03" selected' in default.text
    english = await client.get(f"{PAGE}?mois=2026-03", headers={**staff, "Accept-Language": "en"})
    assert "Report of March 2026" in english.text and "Money in" in english.text

    report = await month_report(db, caisse, "2026-03")
    assert report.money_in.contributions_paid_cents == 3_000 and report.money_out.costs_cents == 12_345

    xlsx = await client.get(f"{PAGE}/2026-03/rapport.xlsx", headers=staff)
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == [
        "Entrées d'argent",
        "Sorties d'argent",
        "Soldes en fin de mois",
        "Clôture du mois",
    ]
    values: dict[str, object] = {}
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        assert header == ["Poste", "Montant (€)"] and sheet["A1"].font.b
        for label, amount in sheet.iter_rows(min_row=2, values_only=True):
            values[str(label)] = amount
        money_cells = [
            row[1]
            for row in sheet.iter_rows(min_row=2)
            if row[0].value != "Autofinancement (cotisations dues ÷ allocations)"
        ]
        assert all("€" in c.number_format for c in money_cells)

    def cents(label: str) -> int:
        return round(Decimal(str(values[label])) * 100)

    assert cents("Cotisations payées") == report.money_in.contributions_paid_cents
    assert cents("Total de l'argent reçu") == report.money_in.total_cents
    assert cents("Frais de fonctionnement") == report.money_out.costs_cents
    assert cents("Réserve (trésorerie du fonds)") == report.reserve_cents
    assert (
        cents("Crédit alimentaire en circulation (porte-monnaie et lieux)") == report.outstanding_credit_cents
    )
    assert cents("Cotisations dues pour le mois") == report.contributions_due_cents == 5_000
    ratio = values["Autofinancement (cotisations dues ÷ allocations)"]
    assert ratio == report.self_financing_ratio

    rows = list(
        csv.DictReader(io.StringIO((await client.get(f"{PAGE}/2026-03/rapport.csv", headers=staff)).text))
    )
    by_label = {r["Poste"]: r["Montant (€)"] for r in rows}
    assert Decimal(by_label["Total de l'argent sorti"]) * 100 == report.money_out.total_cents
    assert {r["table"] for r in rows} == {
        "Entrées d'argent",
        "Sorties d'argent",
        "Soldes en fin de mois",
        "Clôture du mois",
    }

    for bad in (
        f"{PAGE}?mois=2026-3",
        f"{PAGE}?mois=2025-12",
        f"{PAGE}/2026-13/rapport.csv",
        f"{PAGE}/2026-03/rapport.pdf",
    ):
        answer = await client.get(bad, headers=staff)
        assert answer.status_code in (400, 404, 422), bad


async def test_the_households_list_is_exported_and_the_export_audited(
    client: Client, db: AsyncSession, money_pages: PayoutWorld
) -> None:
    admin = money_pages.headers["admin"]
    before = int(await db.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    exported = await client.get(f"{PAGE}/foyers/foyers.csv", headers=admin)
    assert exported.status_code == 200, exported.text[:2000]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["Code"] for r in rows] == ["SA-1", "SA-2", "SA-3", "SA-4"]
    assert rows[0]["Revenu mensuel (€)"] == "1500.00" and rows[2]["État"] == "Candidat"
    book = load_workbook(io.BytesIO((await client.get(f"{PAGE}/foyers/foyers.xlsx", headers=admin)).content))
    sheet = book.active
    assert sheet is not None and sheet["A2"].value == "SA-1" and sheet["I2"].value == 1500
    assert int(await db.scalar(select(func.count()).select_from(AuditEvent)) or 0) > before
    assert (await client.get(f"{PAGE}/foyers/foyers.pdf", headers=admin)).status_code in (400, 404, 422)


async def test_only_this_caisses_staff_read_the_reports(client: Client, money_pages: PayoutWorld) -> None:
    for who in ("outsider", "member", "outlet", "ferme", "official", "committee", "nobody"):
        headers = money_pages.headers[who]
        assert (await client.get(PAGE, headers=headers)).status_code == 403, who
        assert (await client.get(f"{PAGE}/2026-03/rapport.xlsx", headers=headers)).status_code == 403, who
        assert (await client.get(f"{PAGE}/foyers/foyers.csv", headers=headers)).status_code == 403, who


async def test_the_households_files_are_built_off_the_event_loop_and_formulas_stay_text(
    client: Client, db: AsyncSession, money_pages: PayoutWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await db.scalar(select(Member).where(Member.code == "SA-2"))
    assert member is not None
    member.reference_person = "=HYPERLINK(1)"
    await db.commit()
    loop_thread, builders = threading.get_ident(), []
    real_xlsx, real_csv = sheets.tables_xlsx, sheets.tables_csv

    def xlsx(*args: Any) -> bytes:
        builders.append(threading.get_ident())
        return real_xlsx(*args)

    def csv_text(*args: Any) -> str:
        builders.append(threading.get_ident())
        return real_csv(*args)

    monkeypatch.setattr(sheets, "tables_xlsx", xlsx)
    monkeypatch.setattr(sheets, "tables_csv", csv_text)
    admin = money_pages.headers["admin"]
    answer = await client.get(f"{PAGE}/foyers/foyers.xlsx", headers=admin)
    assert answer.status_code == 200
    assert (await client.get(f"{PAGE}/foyers/foyers.csv", headers=admin)).status_code == 200
    assert len(builders) == 2 and loop_thread not in builders
    assert answer.headers.get_list("cache-control") == ["no-store"]  # personal data: no copy on disk
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None and sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet["B3"].value == "=HYPERLINK(1)" and sheet["B3"].data_type == "s"
    assert sheet["I2"].number_format == sheets.EUROS_FORMAT and sheet["J2"].value.year == 2026
