"""HTTP routes of identity: login and sessions, the caller and their API tokens, users, role
grants per caisse and the audit log."""

from __future__ import annotations

from caisse.auth.routes.audit import AuditController
from caisse.auth.routes.grants import GrantController
from caisse.auth.routes.session import SessionController
from caisse.auth.routes.tokens import TokenController
from caisse.auth.routes.users import UserController

CONTROLLERS = (SessionController, TokenController, UserController, GrantController, AuditController)

__all__ = ["CONTROLLERS"]
