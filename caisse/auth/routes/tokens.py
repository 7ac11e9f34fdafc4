"""The caller's API tokens, for scripts: `Authorization: Bearer <token>`."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import JSONBody

from caisse.auth import service
from caisse.auth.guards import authenticated
from caisse.auth.routes.markers import Caller, DbSession
from caisse.auth.schemas import NewToken, NewTokenRequest, TokenView
from caisse.http.params import RowId


class TokenController(Controller):
    path = "/me/tokens"
    tags = ("identity",)
    guards = (authenticated,)

    @post("/", summary="Create an API token (shown once)")
    async def create(self, data: JSONBody[NewTokenRequest], actor: Caller, db_session: DbSession) -> NewToken:
        row, token = await service.issue_api_token(
            db_session, user_id=actor.user_id, name=data.name, valid_days=data.valid_days
        )
        return NewToken.issued(row, token)

    @get("/", summary="The caller's API tokens, without their secrets")
    async def list_tokens(self, actor: Caller, db_session: DbSession) -> list[TokenView]:
        return [TokenView.of(row) for row in await service.list_api_tokens(db_session, actor.user_id)]

    @delete("/{token_id:int}", summary="Revoke one of the caller's API tokens")
    async def revoke(
        self, token_id: RowId, actor: Caller, db_session: DbSession
    ) -> None:
        await service.revoke_api_token(db_session, user_id=actor.user_id, token_id=token_id)
