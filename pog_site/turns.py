"""Turns at the interpreter: at most ``POG_BUSY_THREADS`` of the server's threads compute at once.

One process runs every request and (embedded mode) every job on its threads, and one
interpreter lock lets one of them compute at a time. Under load dozens are ready to
compute: each database call, each hand-over to a generator process gives the lock to
another of them, so the threads spend their time handing the lock and the processor caches
around. Measured with ``bench/load.py``'s clients on this machine, the studio completed
68 uncached sprites a second for 2 to 4 concurrent clients and 24 for 100.

So a thread takes a turn (``working``) before it computes: a request for its whole time in
Django, a job for its whole run. While it waits for something other than the processor
(a job's answer, a generator process, a cloud provider) it gives the turn back
(``waiting``) and takes one again afterwards. The others wait for a turn without the
interpreter lock, first come first served, and wake the moment one is free. Requests beyond
the turns still wait in their own threads, so the studio still takes them in and answers
each in turn; only the churn goes.

A thread holding no turn (a test's own thread, a Celery worker) is left alone: ``waiting``
is then a no-op, and ``working`` gives it one only for its own block.

This module names no app.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from django.conf import settings

_guard = threading.Lock()
_turns: threading.Semaphore | None = None
_held = threading.local()  # .turn: the semaphore whose turn this thread holds; .away: given back


def _semaphore() -> threading.Semaphore:
    global _turns
    with _guard:
        if _turns is None:
            _turns = threading.Semaphore(int(settings.POG_BUSY_THREADS))
        return _turns


def use(count: int | None) -> None:
    """Start afresh with ``count`` turns (None: ``POG_BUSY_THREADS`` on next use). Tests only:
    threads holding a turn of the old semaphore give it back to that one."""
    global _turns
    with _guard:
        _turns = None if count is None else threading.Semaphore(count)


def holding() -> bool:
    return getattr(_held, "turn", None) is not None and not getattr(_held, "away", False)


@contextlib.contextmanager
def working() -> Iterator[None]:
    """Compute with a turn: waits for one unless this thread holds one already."""
    if getattr(_held, "turn", None) is not None:
        yield  # inside another ``working`` block of this thread: its turn covers this
        return
    turn = _semaphore()
    turn.acquire()
    _held.turn, _held.away = turn, False
    try:
        yield
    finally:
        if not _held.away:
            turn.release()
        _held.turn, _held.away = None, False


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """Wait for something else with the turn given back; take one again afterwards."""
    if not holding():
        yield
        return
    turn = _held.turn
    _held.away = True
    turn.release()
    try:
        yield
    finally:
        turn.acquire()
        _held.away = False


def _forget_in_fork() -> None:
    """A forked process (a test's live server) starts with every turn free."""
    global _turns, _guard
    _turns, _guard = None, threading.Lock()
    _held.__dict__.clear()


os.register_at_fork(after_in_child=_forget_in_fork)
