"""User accounts, created by the installation administrator (superuser)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody

from caisse.auth import service
from caisse.auth.guards import superuser
from caisse.auth.routes.markers import DbSession
from caisse.auth.schemas import NewUserRequest, UserView


class UserController(Controller):
    path = "/users"
    tags = ("identity",)
    guards = (superuser,)

    @post("/", summary="Create a user account (superuser)")
    async def create(self, data: JSONBody[NewUserRequest], db_session: DbSession) -> UserView:
        user = await service.create_user(
            db_session, email=data.email, display_name=data.display_name, password=data.password,
            is_superuser=data.is_superuser,
        )
        return UserView.of(user)
