"""A small, warm pool of worker processes for CPU-bound work, out of the GIL's way.

Embedded mode runs every job in the daphne process, where one interpreter lock lets only
one thread compute at a time; a generator's ``make`` (numpy, Pillow, pure Python) is
handed to one of ``POG_PROCS`` spawned children instead, so every core works. Scale mode
has Celery's worker processes already and sets ``POG_PROCS=0`` by default: the work then
runs on the calling thread, as it always did.

What is sent must pickle: a module-level function and plain data. Progress the child
reports comes back through one queue that a relay thread reads; the caller's own thread
receives it (so a callback may use that thread's database connection). So does anything
the child hands back with ``to_caller`` (state that lives in the server's memory: its
channel layer, its admission slots): the caller's thread runs it, in order, before its
``call`` returns. An exception the child raises is raised again in the caller with the
same type and fields.

With ``POG_PROCS_JOBS`` the children also set Django up, with the server's database
settings, so a whole job body (claiming, routing, storing) can run there and the server
process only answers requests (``in_child``, ``jobs_here``).

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
import time
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
_listeners: dict[int, queue.SimpleQueue[tuple[str, Any] | None]] = {}
_tokens = itertools.count(1)

# In a child: the queue its progress goes to (set by ``_child_init``), and the token of the
# call it runs now.
_child_events: Any = None
_child_token: int | None = None
_in_child = False
# What a child's relayed items are.
_PROGRESS, _CALL, _END = "progress", "call", "end"
# How long a caller waits, after its child answered, for what the child handed back first.
_END_PATIENCE_S = 5.0


def size() -> int:
    """How many child processes run work (0: none, the caller's thread does it). Inside a
    child, 0: its work runs there and then."""
    return 0 if _in_child else int(settings.POG_PROCS)


def in_child() -> bool:
    """Whether this is one of the children."""
    return _in_child


def jobs_here() -> bool:
    """Whether whole job bodies may be sent to the children (``POG_PROCS_JOBS``): there
    are children, and they set Django up."""
    return size() > 0 and bool(settings.POG_PROCS_JOBS)


def _child_settings() -> dict[str, Any]:
    """The server's settings a child's Django must share: the database (a test's is made
    at run time) and the studio's own settings."""
    names = ["DATABASES", *(name for name in dir(settings) if name.startswith("POG_"))]
    return {name: getattr(settings, name) for name in names}


def _child_init(events: Any, preload: tuple[str, ...], django_settings: dict[str, Any] | None) -> None:
    global _child_events, _in_child
    _child_events = events
    _in_child = True
    memory.limit_arenas(1)  # one thread computes here
    watch = threading.Thread(
        target=_follow_parent, args=(os.getppid(),), name="pog-procs-parent", daemon=True
    )
    watch.start()
    if django_settings is not None:
        import django
        from django.conf import settings as child_settings

        for name, value in django_settings.items():
            setattr(child_settings, name, value)
        skip = set(child_settings.POG_PROCS_JOBS_SKIP_APPS)
        child_settings.INSTALLED_APPS = [app for app in child_settings.INSTALLED_APPS if app not in skip]
        django.setup(set_prefix=False)
    for name in preload:
        __import__(name)


def _follow_parent(parent: int, every_s: float = 1.0) -> None:
    """End this child when the server that started it is gone (killed, say, with no time to
    stop its pool): the child holds its own end of the work queue, so it would otherwise wait
    on it for ever, an idle process nobody owns."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(0)


def _warm() -> int:
    return os.getpid()


def _get_pool() -> ProcessPoolExecutor:
    global _pool, _events, _relay
    with _lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            _events = context.Queue()
            preload = tuple(settings.POG_PROCS_PRELOAD)
            django_settings = _child_settings() if settings.POG_PROCS_JOBS else None
            if django_settings is not None:
                preload += tuple(settings.POG_PROCS_JOBS_PRELOAD)
            _pool = ProcessPoolExecutor(
                max_workers=size(),
                mp_context=context,
                initializer=_child_init,
                initargs=(_events, preload, django_settings),
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
    """Hand every item a child sends to the thread waiting for that call (the relay never
    runs a callback itself, so one slow callback holds up no other job)."""
    while True:
        try:
            item = events.get()
        except (EOFError, OSError, ValueError):
            return
        if item is None:
            return
        token, payload = item
        listener = _listeners.get(token)
        if listener is not None:
            listener.put(payload)


def _report(token: int) -> Progress:
    def report(fraction: float, message: str) -> None:
        with contextlib.suppress(Exception):
            _child_events.put((token, (_PROGRESS, (float(fraction), str(message)))))

    return report


def to_caller(fn: Callable[..., Any], *args: Any) -> None:
    """``fn(*args)``, for state that lives in the server process: in a child, run by the
    thread that sent this child its work (in order with everything else it hands back, and
    before that thread's ``call`` returns), else here and now. Nothing comes back: ``fn``
    and ``args`` must pickle, and what ``fn`` raises there is logged, not raised here."""
    token = _child_token
    if not _in_child or token is None:
        fn(*args)
        return
    _child_events.put((token, (_CALL, (fn, args))))


class _UnpicklableError(Exception):
    """Stands for a child's exception that cannot cross back as itself."""


def _run_in_child(token: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    global _child_token
    _child_token = token
    try:
        return fn(*args, progress=_report(token))
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise _UnpicklableError(f"{type(exc).__name__}: {exc}") from None
        raise
    finally:
        _child_token = None
        with contextlib.suppress(Exception):
            _child_events.put((token, (_END, ())))  # everything handed back is before this
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
    inbox: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()
    _listeners[token] = inbox
    try:
        pool = _get_pool()
        future: Future[Any] = pool.submit(_run_in_child, token, fn, args)
        future.add_done_callback(lambda _: inbox.put(None))
        answered = ended = False  # the child's answer; the end of what it hands back
        while not (answered and ended):
            try:
                with turns.waiting():  # the child computes; this thread only waits
                    item = inbox.get(timeout=_END_PATIENCE_S if answered else None)
            except queue.Empty:
                log.warning("a generator process answered without its last reports; going on")
                break
            if item is None:
                answered = True
                if future.cancelled() or isinstance(future.exception(), BrokenProcessPool):
                    break  # a dead child hands nothing more back
                continue
            kind, body = item
            if kind == _END:
                ended = True
            else:
                _handle(kind, body, report)
        try:
            return future.result()
        except BrokenProcessPool:
            _discard(pool)
            raise
    finally:
        _listeners.pop(token, None)


def _handle(kind: str, body: Any, report: Progress) -> None:
    """One item a child handed back, on the caller's thread."""
    if kind == _PROGRESS:
        with contextlib.suppress(Exception):
            report(*body)
        return
    fn, args = body
    try:
        fn(*args)
    except Exception:
        log.exception("what a generator process handed back failed: %s", getattr(fn, "__name__", fn))


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
