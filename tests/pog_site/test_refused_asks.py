"""A 429 with Retry-After is remembered for exactly the ask that got it and answered again,
before the request's body is read and without the application, until it runs out (issue 12:
a client ignoring Retry-After made the studio run its whole middleware chain again and again
to reach the same refusal)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse, StreamingHttpResponse

from pog_site.request_threads import RefusedAsks
from tests.pog_site.live import LiveStudio, live_studio


def _scope(auth: bytes = b"Bearer a", path: str = "/api/handle/image") -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "client": ["203.0.113.7", 5000],
        "headers": [(b"host", b"x"), (b"authorization", auth), (b"content-type", b"application/json")],
    }


def _refusal(retry_after: str | None = "3") -> HttpResponse:
    body = b'{"error": {"code": "rate_limited"}}'
    response = HttpResponse(body, status=429, content_type="application/json")
    if retry_after is not None:
        response["Retry-After"] = retry_after
    return response


def test_the_same_ask_is_refused_again_until_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [500.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    asks = RefusedAsks()
    ask = RefusedAsks.ask_of(_scope())
    assert asks.answer(ask) is None
    asks.note(ask, _refusal("3"))
    again = asks.answer(ask)
    assert again is not None and again.status_code == 429
    assert again.content == b'{"error": {"code": "rate_limited"}}'
    assert again["Content-Type"] == "application/json" and again["Retry-After"] == "3"
    now[0] += 1.2
    assert asks.answer(ask)["Retry-After"] == "2"  # type: ignore[index]
    # Other credentials, another path: not this ask.
    assert asks.answer(RefusedAsks.ask_of(_scope(auth=b"Bearer b"))) is None
    assert asks.answer(RefusedAsks.ask_of(_scope(path="/api/assets"))) is None
    now[0] += 2.0
    assert asks.answer(ask) is None  # its time is over: the application decides again


def test_only_a_refusal_with_retry_after_is_remembered() -> None:
    asks = RefusedAsks()
    ask = RefusedAsks.ask_of(_scope())
    asks.note(ask, HttpResponse(b"fine"))
    asks.note(ask, _refusal(None))
    asks.note(ask, _refusal("soon"))
    asks.note(ask, _refusal("0"))
    streaming = StreamingHttpResponse(iter([b"x"]), status=429)
    streaming["Retry-After"] = "5"
    asks.note(ask, streaming)
    assert asks.answer(ask) is None
    asks.note(ask, _refusal("600"))
    assert asks.answer(ask)["Retry-After"] == "60"  # type: ignore[index]  # a minute at most


def test_the_server_and_the_application_name_an_ask_alike() -> None:
    headers = {b"authorization": [b"Bearer a"], b"cookie": [b"s=1", b"t=2"]}
    from_server = RefusedAsks.ask("203.0.113.7", "post", b"/api/x", headers.get)
    scope = {
        "method": "POST",
        "path": "/api/x",
        "raw_path": b"/api/x",
        "client": ["203.0.113.7", 1],
        "headers": [(b"Authorization", b"Bearer a"), (b"cookie", b"s=1"), (b"cookie", b"t=2")],
    }
    assert RefusedAsks.ask_of(scope) == from_server


# --- served for real ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def studio(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveStudio]:
    with (
        django_db_blocker.unblock(),
        live_studio("refused-asks", {"POG_PAGES_PER_ADDRESS_MINUTE": "1"}) as running,
    ):
        yield running


def _ask(studio: LiveStudio, request: bytes, source: str, timeout: float = 20) -> bytes:
    address = ("127.0.0.1", studio.port)
    with socket.create_connection(address, timeout=timeout, source_address=(source, 0)) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.django_db
def test_a_repeated_refused_ask_is_answered_before_its_body_is_read(studio: LiveStudio) -> None:
    page = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    assert _ask(studio, page, "127.0.9.1").startswith(b"HTTP/1.1 200 ")
    refused = _ask(studio, page, "127.0.9.1")  # the page meter (one a minute) refuses it
    assert refused.startswith(b"HTTP/1.1 429 ") and b"Retry-After: " in refused
    # The same ask again, announcing a body it never sends: were it read, the server would
    # wait for the body (and the socket time out); it is answered from memory at once.
    started = time.monotonic()
    again = _ask(
        studio,
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n",
        "127.0.9.1",
        timeout=5,
    )
    assert time.monotonic() - started < 4
    assert again.startswith(b"HTTP/1.1 429 Too Many Requests\r\n")
    assert b"Retry-After: " in again
    assert again.split(b"\r\n\r\n", 1)[1] == refused.split(b"\r\n\r\n", 1)[1]  # the same page
    # Another address asking the same is served as ever.
    assert _ask(studio, page, "127.0.10.1").startswith(b"HTTP/1.1 200 ")
