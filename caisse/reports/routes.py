"""HTTP routes of the reports: monthly figures (staff and officials: aggregates only) and a
household's yearly statement (staff, or the household itself)."""

from __future__ import annotations

from typing import TypeAlias

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.reports.month import month_report, report_months
from caisse.reports.schemas import MemberStatement, MonthReport, ReportMonth
from caisse.reports.statement import statement_for

DbSession: TypeAlias = NamedDependency[AsyncSession]
ThisCaisse: TypeAlias = NamedDependency[Caisse]


class MonthReportController(Controller):
    path = "/caisses/{slug:str}/reports/months"
    tags = ("reports",)
    guards = (requires(*STAFF, Role.OFFICIAL),)

    @get("/", summary="The months with something booked, oldest first")
    async def months(self, caisse: ThisCaisse, db_session: DbSession) -> list[ReportMonth]:
        return await report_months(db_session, caisse)

    @get(
        "/{month:str}",
        summary="A month: money in by source, money out, reserve, outstanding credit",
        description=(
            "Amounts in cents. Cash is grouped by the day it moved, what the close books by the month it is "
            "for; balances are at the month's end. 422 when the month is not YYYY-MM or is before the "
            "caisse's first month."
        ),
    )
    async def month(self, caisse: ThisCaisse, db_session: DbSession, month: FromPath[str]) -> MonthReport:
        """Amounts in cents. 422 when `month` is not YYYY-MM or is before the caisse's first month."""
        return await month_report(db_session, caisse, month)


class StatementController(Controller):
    path = "/caisses/{slug:str}/members/{code:str}/statements"
    tags = ("reports",)
    guards = (requires(*STAFF, Role.MEMBER),)

    @get(
        "/{year:int}",
        summary="A household's yearly statement and over-contribution",
        description=(
            "Staff and admins, or the household itself (another household's statement is a 404). "
            "Amounts in cents; the read is written to the audit log."
        ),
    )
    async def statement(
        self,
        caisse: ThisCaisse,
        actor: NamedDependency[Actor],
        db_session: DbSession,
        code: FromPath[str],
        year: FromPath[int],
    ) -> MemberStatement:
        """Staff, or the household itself (another household's statement is a 404). The read is
        audit-logged."""
        return await statement_for(db_session, caisse, member_code=code, year=year, actor=actor)


CONTROLLERS = (MonthReportController, StatementController)
