"""A small, warm pool of worker processes for CPU-bound work, out of the GIL's way.

Embedded mode runs every job in the daphne process, where one interpreter lock lets only
one thread compute at a time; a generator's ``make`` (numpy, Pillow, pure Python) is
handed to one of ``POG_PROCS`` spawned children instead, so every core works. Scale mode
has Celery's worker processes already and sets ``POG_PROCS=0`` by default: the work then
runs on the calling thread, as it always did.

What is sent must pickle: a module-level function and plain data. Progress the child
reports comes back through one queue that a relay thread reads; the caller's own thread
receives it (so a callback may use that thread's database connection). An exception the
child raises is raised again in the caller with the same type and fields.

This module names no app.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from django.conf import settings

from pog_site import memory, turns

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

_pool: ProcessPoolExecutor | None = None
_events: Any = None  # the multiprocessing queue children report progress on
_relay: threading.Thread | None = None
_lock = threading.Lock()
_listeners: dict[int, queue.SimpleQueue[tuple[float, str] | None]] = {}
_tokens = itertools.count(1)

# In a child: the queue its progress goes to (set by ``_child_init``).
_child_events: Any = None


def size() -> int:
    """How many child processes run work (0: none, the caller's thread does it)."""
    return int(settings.POG_PROCS)


def _child_init(events: Any, preload: tuple[str, ...]) -> None:
    global _child_events
    _child_events = events
    memory.limit_arenas(1)  # one thread computes here
    for name in preload:
        __import__(name)


def _warm() -> int:
    return os.getpid()


def _get_pool() -> ProcessPoolExecutor:
    global _pool, _events, _relay
    with _lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            _events = context.Queue()
            preload = tuple(settings.POG_PROCS_PRELOAD)
            _pool = ProcessPoolExecutor(
                max_workers=size(),
                mp_context=context,
                initializer=_child_init,
                initargs=(_events, preload),
                max_tasks_per_child=settings.POG_PROCS_TASKS_PER_CHILD or None,
            )
            _relay = threading.Thread(
                target=_relay_events, args=(_events,), name="pog-procs-relay", daemon=True
            )
            _relay.start()
        return _pool


def warm() -> None:
    """Start the children now (and import what they need), not on the first job."""
    if size() <= 0:
        return
    pool = _get_pool()
    futures = [pool.submit(_warm) for _ in range(size())]
    for future in futures:
        with contextlib.suppress(Exception):
            future.result(timeout=120)


def _relay_events(events: Any) -> None:
    """Hand every progress report to the thread waiting for that job (the relay never
    runs a callback itself, so one slow callback holds up no other job)."""
    while True:
        try:
            item = events.get()
        except (EOFError, OSError, ValueError):
            return
        if item is None:
            return
        token, fraction, message = item
        listener = _listeners.get(token)
        if listener is not None:
            listener.put((fraction, message))


def _report(token: int) -> Progress:
    def report(fraction: float, message: str) -> None:
        with contextlib.suppress(Exception):
            _child_events.put((token, float(fraction), str(message)))

    return report


class _UnpicklableError(Exception):
    """Stands for a child's exception that cannot cross back as itself."""


def _in_child(token: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    try:
        return fn(*args, progress=_report(token))
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise _UnpicklableError(f"{type(exc).__name__}: {exc}") from None
        raise
    finally:
        # A big picture's buffers are freed by now: hand their pages back, so an idle child
        # holds what it started with, not its largest job (at most once a second under load,
        # and once more when the child has had nothing to do for a second).
        memory.trim(every_s=1.0)
        memory.trim_soon(1.0)


def call(fn: Callable[..., Any], *args: Any, progress: Progress | None = None) -> Any:
    """``fn(*args, progress=...)`` in a child process, or on this thread when there are none.

    Blocks this thread until the answer; ``progress`` is called on this thread with what the
    child reports meanwhile. A child that dies takes its job with it: the pool is made anew
    for the next job and this one raises ``BrokenProcessPool``."""
    report: Progress = progress if progress is not None else _ignore
    if size() <= 0:
        return fn(*args, progress=report)
    token = next(_tokens)
    inbox: queue.SimpleQueue[tuple[float, str] | None] = queue.SimpleQueue()
    _listeners[token] = inbox
    try:
        pool = _get_pool()
        future: Future[Any] = pool.submit(_in_child, token, fn, args)
        future.add_done_callback(lambda _: inbox.put(None))
        while True:
            with turns.waiting():  # the child computes; this thread only waits
                item = inbox.get()
            if item is None:
                break
            with contextlib.suppress(Exception):
                report(*item)
        try:
            return future.result()
        except BrokenProcessPool:
            _discard(pool)
            raise
    finally:
        _listeners.pop(token, None)


def _ignore(fraction: float, message: str) -> None:
    return None


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)
    log.warning("a generator process died; the process pool starts afresh")


def pids() -> list[int]:
    """The children's process ids (for tests and diagnostics)."""
    pool = _pool
    processes = getattr(pool, "_processes", None) or {}
    return list(processes)


def _forget_in_fork() -> None:
    """A forked process (a test's live server) gets the parent's pool object without its
    threads or children: it must start its own, never wait on the parent's."""
    global _pool, _events, _relay
    _pool, _events, _relay = None, None, None
    _listeners.clear()


os.register_at_fork(after_in_child=_forget_in_fork)


def shutdown() -> None:
    """Stop the children and the relay (tests, and the end of the process)."""
    global _pool, _events, _relay
    with _lock:
        pool, _pool = _pool, None
        events, _events = _events, None
        relay, _relay = _relay, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
    if events is not None:
        with contextlib.suppress(Exception):
            events.put(None)
        if relay is not None:
            relay.join(timeout=5)
        with contextlib.suppress(Exception):
            events.close()
