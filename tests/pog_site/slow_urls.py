"""A URLconf for tests/pog_site/test_request_threads_cap.py: a view that holds its thread
until the test lets it go, as a request waiting for its job does.

Under /api/ so no guest is made (that would need the database)."""

from __future__ import annotations

import threading

from django.http import HttpRequest, HttpResponse
from django.urls import path

RELEASE = threading.Event()
LOCK = threading.Lock()
INSIDE: list[str] = []  # thread names of the requests in the view now
THREADS: set[str] = set()  # every thread that ran the view
PEAK = [0]


def slow(request: HttpRequest) -> HttpResponse:
    name = threading.current_thread().name
    with LOCK:
        INSIDE.append(name)
        THREADS.add(name)
        PEAK[0] = max(PEAK[0], len(INSIDE))
    try:
        RELEASE.wait(10)
    finally:
        with LOCK:
            INSIDE.remove(name)
    return HttpResponse("done")


urlpatterns = [path("api/slow/", slow)]
