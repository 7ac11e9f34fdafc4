"""Commit before answering: a request's transaction is committed before its answer leaves, and a
commit that fails turns the answer into the error it is.

A handler builds its answer (a 201 with the payment, say) before its transaction commits. The
SQLAlchemy plugin's autocommit then commits as the answer starts, but a commit that fails there
(the connection lost at that moment, a refusal only the commit reveals) is only logged, and the
success goes out: a till would show a payment that was never saved, and never resend it. This
middleware commits first, on the same statuses (2xx and 3xx), and when the commit fails answers as
for any other error of that kind, through the app's exception handlers (503 `database_unavailable`
for a lost connection: nothing was saved). The plugin's autocommit still runs afterwards: it finds
nothing left to commit, rolls back after an error, and closes the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state
from litestar import Request
from litestar.middleware import ASGIMiddleware

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send
    from sqlalchemy.ext.asyncio import AsyncSession

COMMIT_STATUSES = range(200, 400)  # as the plugin's "autocommit_include_redirects"


class CommitBeforeAnswer(ASGIMiddleware):
    scopes = ("http",)  # type: ignore[assignment]

    def __init__(self, session_scope_key: str, exception_handlers: dict[type[Exception] | int, Any]) -> None:
        self.session_scope_key = session_scope_key
        self.exception_handlers = exception_handlers

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        replaced = False

        async def send_once_committed(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the body of the answer that the failed commit replaced
            if message["type"] == "http.response.start" and message["status"] in COMMIT_STATUSES:
                session: AsyncSession | None = get_aa_scope_state(scope, self.session_scope_key)
                if session is not None:
                    try:
                        await session.commit()
                    except Exception as exc:  # whatever it is, the answer must not say it was saved
                        replaced = True
                        await self._answer_error(scope, receive, send, exc)
                        return
            await send(message)

        await next_app(scope, receive, send_once_committed)

    async def _answer_error(self, scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
        handler = next(
            (h for cls in type(exc).__mro__ if (h := self.exception_handlers.get(cls)) is not None),
            self.exception_handlers[Exception],
        )
        request: Request[Any, Any, Any] = Request(scope, receive)
        response = handler(request, exc)
        await response.to_asgi_response(None, request)(scope, receive, send)
