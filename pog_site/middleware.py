"""Cross-cutting response headers."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class OverheadMiddleware:
    """Every API response says how long the studio itself took (``X-POG-Overhead-Ms``).

    Views that wait on providers set the header themselves, excluding provider
    time; everything else spends no time in providers, so all of it is overhead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if request.path.startswith("/api/") and "X-POG-Overhead-Ms" not in response:
            response["X-POG-Overhead-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        return response
