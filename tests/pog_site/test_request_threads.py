"""Request threads outlive their request, and so do their database connections."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.backends.signals import connection_created

from accounts.models import ApiToken, User
from pog_site.request_threads import PooledThreadsASGIHandler, RequestThreads
from tests.pog_site import streaming_urls


def _wait_until(condition: Any, timeout: float = 5.0) -> None:
    until = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > until:
            raise AssertionError("timed out")
        time.sleep(0.005)


def _guest_token() -> tuple[User, str]:
    user = User.create_guest()
    return user, ApiToken.issue(user)[1]


async def _await_until(condition: Any, timeout: float = 5.0) -> None:
    until = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > until:
            raise AssertionError("timed out")
        await asyncio.sleep(0.005)


@pytest.mark.django_db(transaction=True)
async def test_requests_one_after_another_share_one_thread_and_one_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The suite turns persistent connections off (conftest); this test needs them, as served.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 600)
    threads = RequestThreads(keep=2)
    lent: list[ThreadPoolExecutor] = []
    lend = threads._executor_locked

    def recording_lend() -> ThreadPoolExecutor:
        executor = lend()
        lent.append(executor)
        return executor

    threads._executor_locked = recording_lend  # type: ignore[method-assign]
    opened: list[str] = []

    def on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
        opened.append(threading.current_thread().name)

    _, token = await sync_to_async(_guest_token)()
    headers = [(b"host", b"localhost"), (b"authorization", f"Bearer {token}".encode())]
    connection_created.connect(on_connect)
    app = PooledThreadsASGIHandler(threads)
    try:
        for _ in range(3):
            communicator = HttpCommunicator(app, "GET", "/api/metabolism", headers=headers)
            response = await communicator.get_response(timeout=10)
            assert response["status"] == 200
            await _await_until(lambda: threads.idle() == 1)  # given back once its work has run
        assert len(lent) == 3 and lent[0] is lent[1] is lent[2]
        # Stock Django opens a connection per request (each on a new thread); here only the first does.
        assert len(opened) == 1 and opened[0].startswith("pog-request-")
    finally:
        connection_created.disconnect(on_connect)
        threads.close()


async def _get(app: PooledThreadsASGIHandler, path: str) -> dict[str, Any]:
    """Status and whole body (a final body message may carry no ``body`` key at all)."""
    communicator = HttpCommunicator(app, "GET", path, headers=[(b"host", b"localhost")])
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await communicator.wait(10)  # the app's own end (a dropped communicator would cancel it)
    return {"status": start["status"], "body": body}


def _track_request_signals() -> tuple[list[tuple[str, str]], Any]:
    """Record (signal, thread name) for request_started and request_finished."""
    seen: list[tuple[str, str]] = []

    def started(sender: Any, **kwargs: Any) -> None:
        seen.append(("started", threading.current_thread().name))

    def finished(sender: Any, **kwargs: Any) -> None:
        seen.append(("finished", threading.current_thread().name))

    request_started.connect(started)
    request_finished.connect(finished)

    def stop() -> None:
        request_started.disconnect(started)
        request_finished.disconnect(finished)

    return seen, stop


async def test_a_request_starts_and_finishes_on_its_own_thread(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.pog_site.streaming_urls"
    settings.POG_READS_EXEMPT = ["/api/"]  # no database here, and metering a read looks up flags
    threads = RequestThreads(keep=1)
    app = PooledThreadsASGIHandler(threads)
    streaming_urls.SENT.clear()
    seen, stop = _track_request_signals()
    try:
        response = await _get(app, "/api/fail/")
        assert response["status"] == 500
        assert streaming_urls.SENT == ["failing ran"]
        # Both signals ran on the request's thread, in the one call that made the response.
        assert [name for name, _ in seen] == ["started", "finished"]
        assert all(thread.startswith("pog-request-") for _, thread in seen)
        await _await_until(lambda: threads.idle() == 1)  # a failing view still gives it back
    finally:
        stop()
        threads.close()


async def test_a_streaming_response_is_sent_whole_and_closed_after_it(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.pog_site.streaming_urls"
    settings.POG_READS_EXEMPT = ["/api/"]  # no database here, and metering a read looks up flags
    streaming_urls.SENT.clear()
    threads = RequestThreads(keep=1)
    app = PooledThreadsASGIHandler(threads)
    seen, stop = _track_request_signals()
    sent_when_finished: list[int] = []

    def record(sender: Any, **kwargs: Any) -> None:
        sent_when_finished.append(len(streaming_urls.SENT))

    request_finished.connect(record)
    try:
        response = await _get(app, "/api/stream/")
        assert response["status"] == 200
        assert response["body"] == b"one two three"
        assert [name for name, _ in seen] == ["started", "finished"]
        assert sent_when_finished == [3]  # closed only once every part had gone out
    finally:
        request_finished.disconnect(record)
        stop()
        threads.close()


def test_a_burst_beyond_what_is_kept_ends_the_extra_threads() -> None:
    threads = RequestThreads(keep=1)
    first, second = threads.lend(), threads.lend()
    assert first is not second
    threads.give_back(first)
    threads.give_back(second)
    _wait_until(lambda: threads.idle() == 1)
    time.sleep(0.05)
    assert threads.idle() == 1
    kept = threads.lend()
    ended = second if kept is first else first
    with pytest.raises(RuntimeError):
        ended.submit(lambda: None)  # shut down
    assert kept.submit(lambda: 7).result(timeout=5) == 7
    threads.give_back(kept)
    _wait_until(lambda: threads.idle() == 1)
    threads.close()
    assert threads.idle() == 0


def test_a_thread_still_busy_with_a_cancelled_request_is_lent_again_only_when_free() -> None:
    threads = RequestThreads(keep=4)
    executor = threads.lend()
    release = threading.Event()
    executor.submit(release.wait, 10)  # a sync call the departed client left running
    threads.give_back(executor)
    time.sleep(0.1)
    assert threads.idle() == 0
    assert threads.lend() is not executor  # the next request gets another thread
    release.set()
    _wait_until(lambda: threads.idle() == 1)
    assert threads.lend() is executor
    threads.close()
