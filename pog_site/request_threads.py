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
import contextlib
import itertools
import tempfile
import threading
from collections import deque
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
    thread, in ``borrow`` until one comes back, first come first served."""

    def __init__(self, keep: int, limit: int | None = None) -> None:
        self.keep = keep
        self.limit = limit
        self._idle: list[ThreadPoolExecutor] = []
        self._lent = 0
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    async def borrow(self) -> ThreadPoolExecutor:
        """An executor for a request, once fewer than ``limit`` are lent."""
        while True:
            with self._lock:
                if self.limit is None or self._lent < self.limit:
                    break
                waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.append((asyncio.get_running_loop(), waiter))
            try:
                await waiter
            except BaseException:
                with self._lock, contextlib.suppress(ValueError):
                    self._waiters.remove((asyncio.get_running_loop(), waiter))
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # it was woken for a thread it no longer takes: pass it on
                raise
        return self.lend()

    def lend(self) -> ThreadPoolExecutor:
        with self._lock:
            self._lent += 1
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
        with self._lock:
            while self._waiters:
                loop, waiter = self._waiters.popleft()
                if waiter.done() or loop.is_closed():
                    continue
                loop.call_soon_threadsafe(_set_done, waiter)
                return

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


def _set_done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _nothing() -> None:
    return None


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

    def __init__(self, threads: RequestThreads) -> None:
        super().__init__()
        self.load_middleware(is_async=False)  # the sync chain, as under WSGI
        self.threads = threads

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # refuses it, as Django does
            return
        try:
            body_file = await self.read_limited_body(scope, receive)
        except RequestAborted:
            return
        except BodyTooLargeError as exc:
            await self.send_response(too_large_response(scope, exc), send)
            return
        executor = await self.threads.borrow()
        try:
            async with ThreadSensitiveContext(executor=executor):
                response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
                try:
                    await self.send_response(response, send)
                finally:
                    if response.streaming:
                        await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()
            self.threads.give_back(executor)

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

    def _respond(self, scope: dict[str, Any], body_file: IO[bytes]) -> HttpResponseBase:
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response: HttpResponseBase
        if request is None:
            assert error_response is not None  # create_request gives one or the other
            response = error_response
        else:
            with turns.working():
                response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # the server does the low-level chunking
        if not response.streaming:
            # Its bytes are in memory: finish the request here (request_finished, resource
            # closers) instead of hopping back to this thread after sending.
            response.close()
        return response
