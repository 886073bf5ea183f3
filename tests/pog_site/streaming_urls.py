"""A URLconf for tests/pog_site/test_request_threads.py: one streaming view, one that fails.

Under /api/ so no guest is made (that would need the database)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

SENT: list[str] = []


async def _parts() -> AsyncIterator[bytes]:
    for part in ("one ", "two ", "three"):
        SENT.append(part)
        yield part.encode()


def streaming(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(_parts(), content_type="text/plain")


def failing(request: HttpRequest) -> HttpResponse:
    SENT.append("failing ran")
    raise RuntimeError("the view fell over")


urlpatterns = [path("api/stream/", streaming), path("api/fail/", failing)]
