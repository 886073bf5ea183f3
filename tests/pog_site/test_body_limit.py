"""The running body-size limit: a body past it is refused with 413 at once, never read whole."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pog_site.request_threads import PooledThreadsASGIHandler, RequestThreads, body_limit

MIB = 1024 * 1024


class Sender:
    """An ASGI client sending ``chunks`` chunks of one MiB, counting what the app asked for."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.asked = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.asked += 1
        if self.asked > self.chunks:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": bytes(MIB), "more_body": self.asked < self.chunks}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])


def _scope(path: str, length: int | None = None) -> dict[str, Any]:
    headers = [(b"host", b"localhost"), (b"content-type", b"application/octet-stream")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
    }


@pytest.fixture
def app() -> Any:
    threads = RequestThreads(keep=1)
    yield PooledThreadsASGIHandler(threads)
    threads.close()


async def test_a_declared_length_over_the_limit_is_refused_before_any_byte_is_read(
    app: PooledThreadsASGIHandler, settings: Any
) -> None:
    settings.POG_MAX_BODY_MB = 2
    client = Sender(chunks=50)
    await app(_scope("/api/handle/file", length=50 * MIB), client.receive, client.send)
    assert client.status == 413 and client.asked == 0
    error = json.loads(client.body)["error"]
    assert error["code"] == "body_too_large" and "2 MB" in error["message"]


async def test_a_body_without_a_length_is_cut_at_the_first_chunk_past_the_limit(
    app: PooledThreadsASGIHandler, settings: Any
) -> None:
    settings.POG_MAX_BODY_MB = 2
    client = Sender(chunks=200)
    await app(_scope("/api/relics/nothing-here"), client.receive, client.send)
    assert client.status == 413
    # Two chunks fit, the third passes the limit: the other 197 MiB are never asked for.
    assert client.asked == 3
    assert json.loads(client.body)["error"]["code"] == "body_too_large"


async def test_pages_get_a_plain_413_page(app: PooledThreadsASGIHandler, settings: Any) -> None:
    settings.POG_MAX_BODY_MB = 1
    client = Sender(chunks=5)
    await app(_scope("/limbs/file/upload"), client.receive, client.send)
    assert client.status == 413 and b"<h1>Too large</h1>" in client.body


async def test_a_relic_upload_may_be_as_large_as_the_relic_cap(settings: Any) -> None:
    settings.POG_MAX_BODY_MB = 2
    settings.POG_RELIC_MAX_UPLOAD_MB = 200
    assert body_limit("/api/relics/caches") == 201 * MIB
    assert body_limit("/relics/upload") == 201 * MIB
    assert body_limit("/api/handle/file") == 2 * MIB


@pytest.mark.django_db(transaction=True)
async def test_a_body_within_the_limit_reaches_django(app: PooledThreadsASGIHandler, settings: Any) -> None:
    settings.POG_MAX_BODY_MB = 2
    client = Sender(chunks=1)
    await app(_scope("/api/no-such-endpoint"), client.receive, client.send)
    assert client.status != 413 and client.asked == 1
