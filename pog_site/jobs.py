"""Submitting background jobs and publishing progress events.

Embedded mode runs jobs on a thread pool inside the daphne process; scale mode
hands them to Celery. Either way the job body is the same plain function (the
Celery task is a thin wrapper), and progress goes through ``publish`` to the
channel layer.

This module names no app: a caller submits a task object or a task's registered Celery
name, and the composition root (``pog_site.asgi``) hands ``ensure_started`` what to
resubmit when the server starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import close_old_connections

from pog_site.celery import app as celery_app

log = logging.getLogger(__name__)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
# At most POG_WORKERS job bodies run at once in this process: the pool's, and those a
# waiting request runs on its own thread (``slot_if_free``).
_slots: threading.BoundedSemaphore | None = None
_main_loop: asyncio.AbstractEventLoop | None = None
_started = False


def register_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the ASGI server's event loop so worker threads can publish into it.

    The in-memory channel layer is bound to that loop and is not thread-safe, so
    events from pool threads are handed over with ``run_coroutine_threadsafe``.
    """
    global _main_loop
    _main_loop = loop


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.POG_WORKERS, thread_name_prefix="pog-job")
        return _pool


def _get_slots() -> threading.BoundedSemaphore:
    global _slots
    with _pool_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.POG_WORKERS)
        return _slots


def _run_local(task: Any, args: tuple[Any, ...]) -> Any:
    with _get_slots():
        # Like a request: drop a connection that broke or outlived CONN_MAX_AGE, keep the rest.
        close_old_connections()
        try:
            return task.run(*args)
        except Exception:
            log.exception("job %s%r crashed", task.name, args)
            return None
        finally:
            close_old_connections()


@contextlib.contextmanager
def slot_if_free(wanted: bool = True) -> Iterator[bool]:
    """Embedded mode: hold one of the POG_WORKERS job slots, if one is free, for a job the
    caller runs on its own thread (a request that waits for its answer anyway saves
    handing the job to a pool thread and back). Yields False, holding nothing, when not
    ``wanted``, when every slot is busy or when jobs go to Celery; the caller then
    ``submit``s as usual."""
    if not wanted or settings.POG_JOB_BACKEND == "celery":
        yield False
        return
    slots = _get_slots()
    if not slots.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        slots.release()


def submit(task: Any, *args: Any) -> Future[Any] | None:
    """Run a Celery ``task`` in the background: on a Celery worker in scale mode, or its body
    (``task.run``) on the in-process pool otherwise, where the returned future carries
    the body's return value (so a caller in this process can wait on it directly).

    ``task`` may be the task's registered name: its app's ``tasks`` module, imported by the
    app's ``ready()``, registered it with Celery."""
    if isinstance(task, str):
        task = celery_app.tasks[task]
    if settings.POG_JOB_BACKEND == "celery":
        task.apply_async(args=args)
        return None
    return _get_pool().submit(_run_local, task, args)


def ensure_started(resubmit: Callable[[], int]) -> None:
    """Called once per server process with what resubmits the work a crash or restart left
    unfinished (it returns how many jobs it queued). Embedded mode only: in scale mode the
    broker keeps unfinished work and redelivers it."""
    global _started
    if _started:
        return
    _started = True
    if settings.POG_JOB_BACKEND != "thread":
        return
    try:
        count = resubmit()
    except Exception:
        log.exception("could not resubmit unfinished jobs")
        return
    if count:
        log.info("resubmitted %d unfinished job(s)", count)


def publish(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to a channel group from any thread or process.

    Delivery is best effort: a progress event that cannot be sent must never fail
    the job (the database row stays the source of truth).
    """
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(group):
        # Nobody listens: an in-memory layer reaches only this process, and its groups are
        # read here without waking the server's loop (a dict lookup, safe from any thread).
        # A listener subscribing a moment later reads the row first, as every listener does.
        return
    try:
        loop = _main_loop
        if loop is not None and loop.is_running() and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                loop.create_task(layer.group_send(group, event))
                return
            # Fire and forget: the job must not wait on the server's loop for each event.
            future = asyncio.run_coroutine_threadsafe(layer.group_send(group, event), loop)
            future.add_done_callback(_log_failed_send)
            return
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        log.warning("could not publish %s to %s", event.get("type"), group, exc_info=True)


def _log_failed_send(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("could not publish an event", exc_info=future.exception())


def shutdown(wait: bool = True) -> None:
    """Stop the in-process pool (tests use it to finish background work)."""
    global _pool, _slots
    with _pool_lock:
        pool, _pool = _pool, None
        if pool is None or wait:
            _slots = None  # read the setting again with the next pool
    if pool is not None:
        pool.shutdown(wait=wait)
