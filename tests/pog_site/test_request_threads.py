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
from django.db import connections
from django.db.backends.signals import connection_created

from accounts.models import ApiToken, User
from pog_site.request_threads import PooledThreadsASGIHandler, RequestThreads


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
    lend = threads.lend

    def recording_lend() -> ThreadPoolExecutor:
        executor = lend()
        lent.append(executor)
        return executor

    threads.lend = recording_lend  # type: ignore[method-assign]
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
