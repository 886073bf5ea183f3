"""Websocket identity: a bearer token in the Authorization header, else the session."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware

from accounts.identity import token_from_bearer
from accounts.reads import WebsocketConnectMeter


class BearerTokenMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"authorization")
        if raw:
            token = await database_sync_to_async(token_from_bearer)(raw.decode("latin-1"))
            # A socket only listens, so the "read" scope is enough.
            if token is not None and token.allows("read"):
                scope = dict(scope, user=token.user, token_id=token.pk)
        return await super().__call__(scope, receive, send)


def IdentityMiddlewareStack(inner: Any) -> Any:  # noqa: N802 - named like channels' AuthMiddlewareStack
    # Connects are metered per address first; session auth runs next, and the bearer middleware
    # then overrides ``user`` when a token is given.
    return WebsocketConnectMeter(AuthMiddlewareStack(BearerTokenMiddleware(inner)))
