"""The studio's server (``python -m pog_site.server``): a URL or headers too large for it get
414 or 431 with a short answer, not a dropped connection, and the connection after is served."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.pog_site.live import LiveStudio, live_studio

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def studio(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveStudio]:
    with django_db_blocker.unblock(), live_studio("server") as running:
        yield running


def _raw(studio: LiveStudio, request: bytes) -> bytes:
    """Send ``request`` as it is and read the whole answer (the server closes after it)."""
    with socket.create_connection(("127.0.0.1", studio.port), timeout=20) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_20_kb_url_gets_414(studio: LiveStudio) -> None:
    response = httpx.get(f"{studio.url}/{'a' * 20_000}", timeout=20)
    assert response.status_code == 414
    assert response.headers["content-type"].startswith("text/plain")
    assert "too long" in response.text


def test_a_60_kb_header_gets_431(studio: LiveStudio) -> None:
    response = httpx.get(f"{studio.url}/api/limbs", headers={"X-Big": "b" * 60_000}, timeout=20)
    assert response.status_code == 431
    assert "headers are too large" in response.text


def test_many_headers_adding_up_past_the_limit_get_431(studio: LiveStudio) -> None:
    headers = {f"X-Part-{i}": "c" * 1000 for i in range(20)}
    assert httpx.get(f"{studio.url}/api/limbs", headers=headers, timeout=20).status_code == 431


def test_a_raw_client_sending_a_huge_header_reads_the_431(studio: LiveStudio) -> None:
    request = b"GET /api/limbs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"d" * 60_000 + b"\r\n\r\n"
    answer = _raw(studio, request)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert answer.endswith(b"16 KB of them.\n")


def test_a_raw_client_sending_a_huge_request_line_reads_the_414(studio: LiveStudio) -> None:
    answer = _raw(studio, b"GET /" + b"e" * 20_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 414 URI Too Long\r\n")


def test_ordinary_requests_are_served_and_forms_are_left_to_django(
    studio: LiveStudio, transactional_db: Any
) -> None:
    assert httpx.get(f"{studio.url}/api/limbs/image", timeout=20).status_code == 200
    # A multipart body with no boundary: Django's parser says what is wrong (Twisted's own
    # form parsing is off, which used to answer a bare 400 with no body).
    token = httpx.post(f"{studio.url}/api/auth/guest", timeout=20).json()["token"]
    response = httpx.post(
        f"{studio.url}/api/relics/caches",
        content=b"--x--\r\n",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data"},
        timeout=20,
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["code"]
