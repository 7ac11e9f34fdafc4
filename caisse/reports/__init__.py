"""Reports: the monthly report of a caisse and a household's yearly statement."""

from caisse.reports.month import month_report, report_months
from caisse.reports.schemas import MemberStatement, MonthReport
from caisse.reports.statement import statement, statement_for

__all__ = ["MemberStatement", "MonthReport", "month_report", "report_months", "statement", "statement_for"]
