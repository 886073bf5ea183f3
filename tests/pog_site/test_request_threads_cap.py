"""Request threads are capped (issue #12: every request in a burst got a new thread, 144 of
them, and their memory never came back): past the cap a request waits, on no thread, for
one to come back."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from channels.testing import HttpCommunicator

from pog_site import turns
from pog_site.request_threads import PooledThreadsASGIHandler, RequestThreads
from tests.pog_site import slow_urls


async def _until(condition: Any, timeout: float = 10.0) -> None:
    until = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > until:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)


async def test_a_burst_waits_for_the_capped_threads_and_every_request_is_answered(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.pog_site.slow_urls"
    settings.POG_READS_EXEMPT = ["/api/"]  # no database here, and metering a read looks up flags
    # These views block without computing (as no real view does): more turns than requests,
    # so that only the thread cap holds them back.
    turns.use(16)
    slow_urls.RELEASE.clear()
    slow_urls.THREADS.clear()
    slow_urls.PEAK[0] = 0
    threads = RequestThreads(keep=3, limit=3)
    app = PooledThreadsASGIHandler(threads)
    communicators = [
        HttpCommunicator(app, "GET", "/api/slow/", headers=[(b"host", b"localhost")]) for _ in range(8)
    ]
    answers = [asyncio.ensure_future(c.get_response(timeout=20)) for c in communicators]
    try:
        await _until(lambda: len(slow_urls.INSIDE) == 3)
        await asyncio.sleep(0.2)  # time for a fourth to get in, were there no cap
        assert len(slow_urls.INSIDE) == 3 and threads.lent() == 3
        slow_urls.RELEASE.set()
        responses = await asyncio.gather(*answers)
        assert [r["status"] for r in responses] == [200] * 8
        assert slow_urls.PEAK[0] == 3
        assert len(slow_urls.THREADS) <= 3  # the waiting requests reused the threads that came back
        await _until(lambda: threads.lent() == 0)
    finally:
        slow_urls.RELEASE.set()
        threads.close()
        turns.use(None)


async def test_a_waiting_request_whose_client_leaves_gives_its_turn_to_the_next() -> None:
    threads = RequestThreads(keep=1, limit=1)
    held = await threads.borrow()
    leaving = asyncio.ensure_future(threads.borrow())
    staying = asyncio.ensure_future(threads.borrow())
    await asyncio.sleep(0.05)
    leaving.cancel()
    threads.give_back(held)
    executor = await asyncio.wait_for(staying, 10)
    assert threads.lent() == 1
    threads.give_back(executor)
    await _until(lambda: threads.lent() == 0)
    threads.close()


async def test_without_a_limit_nothing_waits() -> None:
    threads = RequestThreads(keep=1)
    lent = [await asyncio.wait_for(threads.borrow(), 5) for _ in range(5)]
    assert threads.lent() == 5
    for executor in lent:
        threads.give_back(executor)
    await _until(lambda: threads.lent() == 0)
    threads.close()


async def test_requests_waiting_for_a_thread_are_let_in_least_use_first() -> None:
    """Issue 12: a flood from one network cannot hold the line of requests waiting for a thread."""
    turns.USE.clear()
    turns.USE.charge("prefix:someone", 0.1)
    turns.USE.charge("prefix:quiet", 0.1)
    turns.USE.charge("prefix:busy", 10.0)
    threads = RequestThreads(keep=1, limit=1)
    try:
        held = await threads.borrow("prefix:someone")
        busy = asyncio.ensure_future(threads.borrow("prefix:busy"))
        await asyncio.sleep(0.05)
        quiet = asyncio.ensure_future(threads.borrow("prefix:quiet"))
        await asyncio.sleep(0.05)
        assert not busy.done() and not quiet.done()
        threads.give_back(held)
        await asyncio.wait_for(asyncio.shield(quiet), 5)
        assert not busy.done()  # it asked first, but its network used far more
        threads.give_back(quiet.result())
        threads.give_back(await asyncio.wait_for(busy, 5))
        await _until(lambda: threads.lent() == 0)
    finally:
        threads.close()
        turns.USE.clear()
