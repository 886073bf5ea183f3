"""Django's ASGI handler with request threads that outlive their request.

Stock Django gives every HTTP request a brand-new thread for its synchronous work
(middleware, sync views, the ORM), so every request also opens a brand-new database
connection, and its thread is joined afterwards. On SQLite that is about a
millisecond per request before any work is done, and ``CONN_MAX_AGE`` never gets a
chance to help. Here each request borrows a one-thread executor from a small pool
instead, as a WSGI server's worker threads would serve it: the thread, and the
connection Django keeps on it, serve the next request too.

Sync work still runs one call at a time per request on one thread (what Django's
thread-sensitive mode needs); asgiref's ``ThreadSensitiveContext(executor=...)`` is
the documented way to supply that thread.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler
from django.db import connections


class RequestThreads:
    """Lends one-thread executors to requests; keeps up to ``keep`` idle ones for the next."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._idle: list[ThreadPoolExecutor] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    def lend(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._idle:
                return self._idle.pop()  # the most recently used: its thread is warm
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pog-request-{next(self._numbers)}")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        """Return an executor once everything already queued on it has run.

        A request that was cancelled (the client went away) may leave a sync call
        still running; the executor goes back to the pool only after that call, so
        the next request never waits behind someone else's work.
        """
        executor.submit(_nothing).add_done_callback(lambda _: self._settle(executor))

    def _settle(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(executor)
                return
        # Too many idle threads: this one closes its connections and ends.
        executor.submit(connections.close_all)
        executor.shutdown(wait=False)

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for executor in idle:
            executor.submit(connections.close_all)
            executor.shutdown(wait=True)


def _nothing() -> None:
    return None


class PooledThreadsASGIHandler(ASGIHandler):
    """``ASGIHandler`` whose requests run their sync work on a borrowed, long-lived thread."""

    def __init__(self, threads: RequestThreads) -> None:
        super().__init__()
        self.threads = threads

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # refuses it, as Django does
            return
        executor = self.threads.lend()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)
