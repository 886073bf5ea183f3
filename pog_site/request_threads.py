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

import asyncio
import heapq
import itertools
import math
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import connections
from django.http import FileResponse, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix

from pog_site import memory, turns


class RequestThreads:
    """Lends one-thread executors to requests; keeps up to ``keep`` idle ones for the next.

    At most ``limit`` are lent at once (each holds a thread and a database connection, and
    a request waiting for its job holds its thread): a request beyond that waits, off any
    thread, in ``borrow`` until one comes back. Waiting requests are served as turns are
    (``pog_site.turns``): the client whose address used least goes first, first come first
    served among equals, so a flood from one address cannot hold every thread."""

    def __init__(self, keep: int, limit: int | None = None) -> None:
        self.keep = keep
        self.limit = limit
        self._idle: list[ThreadPoolExecutor] = []
        self._lent = 0
        self._waiters: list[tuple[int, int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._order = itertools.count()

    async def borrow(self, key: str = "") -> ThreadPoolExecutor:
        """An executor for a request, once fewer than ``limit`` are lent. ``key`` (the
        client's address) sets the request's place among those waiting."""
        with self._lock:
            if self.limit is None or (self._lent < self.limit and not self._waiters):
                self._lent += 1
                return self._executor_locked()
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[None] = loop.create_future()
            entry = (turns.USE.rank(key), next(self._order), loop, waiter)
            heapq.heappush(self._waiters, entry)
        try:
            await waiter  # resolved by ``_hand_over``, with a thread counted as lent to it
        except BaseException:
            with self._lock:
                queued = entry in self._waiters
                if queued:
                    self._waiters.remove(entry)
                    heapq.heapify(self._waiters)
            if not queued and waiter.done() and not waiter.cancelled():
                self._unreserve()  # handed a thread it no longer takes: pass it on
            raise
        with self._lock:
            return self._executor_locked()

    def lend(self) -> ThreadPoolExecutor:
        with self._lock:
            self._lent += 1
            return self._executor_locked()

    def _executor_locked(self) -> ThreadPoolExecutor:
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
            self._lent -= 1
            kept = len(self._idle) < self.keep
            if kept:
                self._idle.append(executor)
            quiet = self._lent == 0
        self._wake_one()
        if quiet:
            memory.trim_soon()  # the last request of a burst: hand its memory back
        if not kept:
            # Too many idle threads: this one closes its connections and ends.
            executor.submit(connections.close_all)
            executor.shutdown(wait=False)

    def _wake_one(self) -> None:
        """Hand a free thread to the first waiting request (counted as lent from now on)."""
        with self._lock:
            while self._waiters and (self.limit is None or self._lent < self.limit):
                _, _, loop, waiter = heapq.heappop(self._waiters)
                if waiter.done() or loop.is_closed():
                    continue
                self._lent += 1
                loop.call_soon_threadsafe(self._hand_over, waiter)
                return

    def _hand_over(self, waiter: asyncio.Future[None]) -> None:
        if waiter.done():
            self._unreserve()  # cancelled meanwhile: the thread goes to the next in line
        else:
            waiter.set_result(None)

    def _unreserve(self) -> None:
        with self._lock:
            self._lent -= 1
        self._wake_one()

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def lent(self) -> int:
        with self._lock:
            return self._lent

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for executor in idle:
            executor.submit(connections.close_all)
            executor.shutdown(wait=True)


def _nothing() -> None:
    return None


# --- refusals remembered (issue 12, abuse) -------------------------------------------------


class RefusedAsks:
    """429s the application answered with ``Retry-After``, answered again from memory.

    A client that ignores ``Retry-After`` and asks again at once would make the studio spend
    a thread, a turn and the whole middleware chain (identity, limits, validation) to reach
    the same refusal, a few milliseconds each. Here the refusal is kept for exactly that ask
    (the same peer address and ``X-Forwarded-For``, the same ``Authorization`` and
    ``Cookie`` headers, method and path) until its ``Retry-After`` has passed, and answered
    on the event loop with the same body and the time left, without running the application.
    Anything else from that client (another path, other credentials) goes through as usual,
    and nothing is remembered from a client that honours ``Retry-After``: it does not ask
    again before the refusal ends."""

    LIMIT = 10_000  # asks remembered at most; the oldest go first
    LONGEST_S = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asks: dict[tuple[Any, ...], tuple[float, bytes, str]] = {}

    @staticmethod
    def ask_of(scope: dict[str, Any]) -> tuple[Any, ...]:
        """The ask an ASGI request makes (see the class)."""
        found: dict[bytes, list[bytes]] = {}
        for name, value in scope.get("headers") or ():
            found.setdefault(name.lower(), []).append(value)
        peer = scope.get("client") or (None, None)
        raw_path = scope.get("raw_path") or str(scope.get("path", "")).encode()
        return RefusedAsks.ask(peer[0], str(scope.get("method", "")), raw_path, found.get)

    @staticmethod
    def ask(
        peer: str | None, method: str, raw_path: bytes, header: Callable[[bytes], list[bytes] | None]
    ) -> tuple[Any, ...]:
        """The ask of ``method`` on ``raw_path`` (no query) from ``peer``, whose headers
        ``header`` gives by lowercase name: built the same from the server's parse (before a
        body is read) and from an ASGI scope."""
        return (
            peer,
            method.upper(),
            raw_path,
            *(b"\n".join(header(name) or ()) for name in (b"authorization", b"cookie", b"x-forwarded-for")),
        )

    def note(self, ask: tuple[Any, ...], response: HttpResponseBase) -> None:
        if response.status_code != 429 or response.streaming:
            return
        try:
            seconds = min(self.LONGEST_S, float(response.get("Retry-After", "")))
        except ValueError:
            return
        if seconds <= 0:
            return
        content = getattr(response, "content", b"")
        entry = (time.monotonic() + seconds, bytes(content), response.get("Content-Type", "text/plain"))
        with self._lock:
            if len(self._asks) >= self.LIMIT:
                self._forget_ended()
                while len(self._asks) >= self.LIMIT:
                    del self._asks[next(iter(self._asks))]
            self._asks[ask] = entry

    def answer(self, ask: tuple[Any, ...]) -> HttpResponse | None:
        """The remembered refusal of ``ask`` while it lasts, with the seconds left."""
        with self._lock:
            entry = self._asks.get(ask)
            if entry is None:
                return None
            until, content, content_type = entry
            left = until - time.monotonic()
            if left <= 0:
                del self._asks[ask]
                return None
        response = HttpResponse(content, status=429, content_type=content_type)
        response["Retry-After"] = str(max(1, math.ceil(left)))
        return response

    def _forget_ended(self) -> None:
        now = time.monotonic()
        for ask in [ask for ask, (until, _, _) in self._asks.items() if until <= now]:
            del self._asks[ask]

    def clear(self) -> None:
        with self._lock:
            self._asks.clear()


REFUSED_ASKS = RefusedAsks()


# --- the body-size limit (issue 12, uploads) ----------------------------------------------


class BodyTooLargeError(Exception):
    """A request body passed the limit for its path: refused before the rest is read."""

    def __init__(self, limit: int, declared: int | None) -> None:
        super().__init__(f"body over {limit} bytes")
        self.limit = limit
        self.declared = declared


def body_limit(path: str) -> int:
    """The most bytes a request body to ``path`` may hold.

    The paths that take relic caches (``POG_LARGE_BODY_PATHS``, exactly) may send the per-upload cap
    plus a megabyte of multipart framing; every other path gets ``POG_MAX_BODY_MB``.
    """
    mib = 1024 * 1024
    if path.rstrip("/") in settings.POG_LARGE_BODY_PATHS:
        return (settings.POG_RELIC_MAX_UPLOAD_MB + 1) * mib
    return int(settings.POG_MAX_BODY_MB * mib)


def _declared_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # Django answers a malformed header itself; the running count still holds
    return None


def too_large_response(scope: dict[str, Any], exc: BodyTooLargeError) -> HttpResponseBase:
    """413: JSON in the API's error shape under /api/, a plain page elsewhere."""
    mb = exc.limit / (1024 * 1024)
    message = f"The request body is larger than the {mb:g} MB this address accepts; nothing was kept."
    response: HttpResponseBase
    if str(scope.get("path", "")).startswith("/api/"):
        error = {"code": "body_too_large", "message": message, "field": None}
        response = JsonResponse({"error": error}, status=413)
    else:
        page = f"<!doctype html><title>Too large</title><h1>Too large</h1><p>{message}</p>"
        response = HttpResponse(page, status=413, content_type="text/html; charset=utf-8")
    # The rest of the body is never read, so the connection cannot carry another request.
    response["Connection"] = "close"
    return response


class PooledThreadsASGIHandler(ASGIHandler):
    """``ASGIHandler`` whose requests run on a borrowed, long-lived thread, in one hop.

    Stock Django hops from the event loop to the request's thread three times (the
    ``request_started`` receivers, the middleware and view, then ``response.close()``
    with ``request_finished``). Every middleware and view here is synchronous, so the
    whole request runs as a WSGI server would run it: one call on the request's thread
    that starts the request, gets the response through the sync middleware chain and,
    for an ordinary (not streaming) response, closes it; the event loop then sends it.
    A streaming response is sent as Django sends it and closed afterwards.
    """

    def __init__(
        self, threads: RequestThreads, key_of: Callable[[dict[str, Any]], str] | None = None
    ) -> None:
        super().__init__()
        self.load_middleware(is_async=False)  # the sync chain, as under WSGI
        self.threads = threads
        # Whose use a request counts against for its thread and turns (``pog_site.turns``).
        self.key_of = key_of

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # refuses it, as Django does
            return
        key = self.key_of(scope) if self.key_of is not None else ""
        ask = RefusedAsks.ask_of(scope)
        refused = REFUSED_ASKS.answer(ask)
        if refused is not None:
            turns.USE.charge(key, turns.request_cost(429))
            await self.send_response(refused, send)  # the body, if any, is left unread
            return
        try:
            body_file = await self.read_limited_body(scope, receive)
        except RequestAborted:
            return
        except BodyTooLargeError as exc:
            turns.USE.charge(key, turns.request_cost(413))
            await self.send_response(too_large_response(scope, exc), send)
            return
        executor = await self.threads.borrow(key)
        status = 500
        try:
            async with ThreadSensitiveContext(executor=executor):
                response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file, key)
                REFUSED_ASKS.note(ask, response)
                status = response.status_code
                try:
                    await self.send_response(response, send)
                finally:
                    if response.streaming:
                        await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()
            self.threads.give_back(executor)
            turns.USE.charge(key, turns.request_cost(status))

    async def read_limited_body(self, scope: dict[str, Any], receive: Any) -> IO[bytes]:
        """Django's ``read_body`` with a running size limit: Content-Length is checked before
        any byte is read, then the running total of what arrives, so an oversized body is
        refused at the first chunk past the limit and never spooled whole to memory or disk."""
        limit = body_limit(str(scope.get("path", "")))
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            raise BodyTooLargeError(limit, declared)
        body_file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - handed to the request, closed after it
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b"
        )
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body_file.close()
                raise RequestAborted()
            chunk = message.get("body", b"")
            if chunk:
                total += len(chunk)
                if total > limit:
                    body_file.close()
                    raise BodyTooLargeError(limit, declared)
                body_file.write(chunk)
            if not message.get("more_body", False):
                break
        body_file.seek(0)
        return body_file

    def _respond(self, scope: dict[str, Any], body_file: IO[bytes], key: str = "") -> HttpResponseBase:
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response: HttpResponseBase
        if request is None:
            assert error_response is not None  # create_request gives one or the other
            response = error_response
        else:
            with turns.working(key):
                response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # the server does the low-level chunking
        if not response.streaming:
            # Its bytes are in memory: finish the request here (request_finished, resource
            # closers) instead of hopping back to this thread after sending.
            response.close()
        return response
