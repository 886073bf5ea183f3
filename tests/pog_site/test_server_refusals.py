"""An address that keeps sending oversized requests is answered 429 on each new connection for
the rest of the minute, before its request is read; other addresses are served as ever."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.pog_site.live import LiveStudio, live_studio

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def studio(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveStudio]:
    with (
        django_db_blocker.unblock(),
        live_studio("refusals", {"POG_REFUSALS_PER_ADDRESS_MINUTE": "3"}) as running,
    ):
        yield running


def _raw(studio: LiveStudio, request: bytes, source: str) -> bytes:
    with socket.create_connection(("127.0.0.1", studio.port), timeout=20, source_address=(source, 0)) as sock:
        try:
            sock.sendall(request)
        except OSError:
            pass  # answered and closed before the whole request was sent
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_an_address_refused_again_and_again_is_answered_429_at_once(studio: LiveStudio) -> None:
    # The windows are whole minutes of the system's monotonic clock (the server's too):
    # start well inside one, so the four requests below fall in the same window.
    if time.monotonic() % 60 > 50:
        time.sleep(60 - time.monotonic() % 60 + 0.5)
    oversized = b"GET /api/limbs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"d" * 60_000 + b"\r\n\r\n"
    for _ in range(3):
        assert _raw(studio, oversized, "127.0.7.1").startswith(b"HTTP/1.1 431 ")
    # Now even an ordinary request from that address is refused without being read.
    ordinary = b"GET /api/limbs/image HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    answer = _raw(studio, ordinary, "127.0.7.1")
    assert answer.startswith(b"HTTP/1.1 429 Too Many Requests\r\n")
    assert b"Retry-After: 60" in answer
    assert answer.endswith(b"try again in a minute.\n")
    # Everyone else is served.
    transport = httpx.HTTPTransport(local_address="127.0.8.1")
    with httpx.Client(transport=transport, timeout=20) as client:
        assert client.get(f"{studio.url}/api/limbs/image").status_code == 200
