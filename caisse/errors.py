"""One domain error hierarchy. Services raise these; `caisse.http.errors` maps them to
HTTP in one place, and the CLI prints their message and exits non-zero."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a person can act on. `code` is stable, `detail` is for people."""

    code = "error"
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(DomainError):
    code = "invalid"
    status_code = 422

    def __init__(self, detail: str, problems: list[dict[str, object]] | None = None) -> None:
        super().__init__(detail)
        self.problems = problems or []


class NotFound(DomainError):
    code = "not_found"
    status_code = 404


class Conflict(DomainError):
    code = "conflict"
    status_code = 409


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status_code = 401


class PermissionDenied(DomainError):
    code = "forbidden"
    status_code = 403


class PeriodOutOfOrder(Conflict):
    code = "period_out_of_order"


class PeriodClosed(Conflict):
    code = "period_closed"


class InsufficientCredit(Conflict):
    code = "insufficient_credit"


class LedgerImbalance(DomainError):
    """A posting whose lines do not sum to zero: a programming error, never user input."""

    code = "ledger_imbalance"
    status_code = 500
