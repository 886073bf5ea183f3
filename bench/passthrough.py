"""A gateway that does nothing: the floor under figure (a) of ``bench/router.py``.

Served by the same daphne as the studio, this ASGI app forwards every POST body, as it
came, to one upstream URL (``POG_PASSTHROUGH_URL``) with the upstream's bearer token
(``POG_PASSTHROUGH_TOKEN``) using the same httpx the studio's providers use, and
returns the upstream's answer unchanged. No routing, no database, no validation, no
provenance: what it adds over the direct request is the cost of the server and of one
more HTTP hop in Python, which any gateway on this stack pays before doing anything.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

_client: httpx.AsyncClient | None = None


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _client
    if scope["type"] == "lifespan":
        return
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = bool(message.get("more_body"))
    if scope["method"] != "POST":
        # The readiness check bench._common.Studio makes.
        await _answer(send, 200, b"application/json", b'{"ready": true}')
        return
    if _client is None:
        _client = httpx.AsyncClient(timeout=httpx.Timeout(30.0))
    upstream = await _client.post(
        os.environ["POG_PASSTHROUGH_URL"],
        content=body,
        headers={
            "Authorization": f"Bearer {os.environ['POG_PASSTHROUGH_TOKEN']}",
            "Content-Type": "application/json",
        },
    )
    content_type = upstream.headers.get("content-type", "application/json").encode()
    await _answer(send, upstream.status_code, content_type, upstream.content)


async def _answer(send: Any, status: int, content_type: bytes, body: bytes) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]}
    )
    await send({"type": "http.response.body", "body": body})
