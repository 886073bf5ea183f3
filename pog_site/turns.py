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
interpreter lock, in the order below, and wake the moment one is free. Requests beyond
the turns still wait in their own threads, so the studio still takes them in and answers
each in turn; only the churn goes.

A thread holding no turn (a test's own thread, a Celery worker) is left alone: ``waiting``
is then a no-op, and ``working`` gives it one only for its own block.

Turns are shared out by use, not in arrival order. Every turn is charged to a key (the
client's address, given by the caller) with the time the thread held it (a thread's own
processor clock costs a system call to read, too dear to read at every turn), and
that use halves every ``USE_HALF_LIFE_S``. When threads wait for a turn, those whose key used
about what the typical key uses (up to ``TYPICAL_FACTOR`` times the median) are equals and go
in arrival order; a key using far more goes one class back for every doubling. So like
clients are served first come first served (a strict order by use made the waits of a
hundred identical clients spread from 3 to 7 s), while an address that keeps the studio busy
(a scraper, a flood of refused requests, identities made afresh at one address) is served
after the people who asked for little, and gets what they leave. Each request also counts
``REQUEST_COST_S`` (five times that when it is answered 4xx: refused, malformed, or asking
for what is not the client's), so a flood of cheap requests weighs what it costs the server
around them. ``RequestThreads`` queues requests waiting for a thread the same way.

This module names no app.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import os
import threading
import time
from collections.abc import Iterator

from django.conf import settings

# Use (seconds a key's threads held turns) halves every this many seconds.
USE_HALF_LIFE_S = 10.0
# Keys that used at most this many times what the typical active key used (the median) are
# equals, and so are all keys below ``USE_STEP_S``: among equals, first come first served.
# Beyond, every doubling of use is one step further back.
TYPICAL_FACTOR = 2.0
USE_STEP_S = 0.25
# What every request counts as at least, besides its turns: the server's own work around it
# (reading, parsing, a thread handed over, the answer sent), which no turn measures. It is
# what tells many cheap requests from a few dear ones: a client asking 20 times a second
# for pages that take 2 ms stands behind one that asks once a second for a picture.
REQUEST_COST_S = 0.02
# A request refused or malformed (answered 4xx) counts this many times as much: that is what
# abuse looks like (guessed ids, bad input, limits ignored), and a person rarely sends one.
REFUSED_COST_FACTOR = 5.0


def request_cost(status: int) -> float:
    """What a request answered ``status`` counts against its key besides its turns."""
    return REQUEST_COST_S * (REFUSED_COST_FACTOR if 400 <= status < 500 else 1.0)


# Keys with less use than this are forgotten when the table grows past ``_PRUNE_AT``.
_FORGET_BELOW_S = 0.001
_PRUNE_AT = 4096


class Use:
    """Decayed turn time per key, safe across threads."""

    def __init__(self, half_life_s: float = USE_HALF_LIFE_S) -> None:
        self.half_life_s = half_life_s
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, float]] = {}  # key -> (value, as of monotonic time)
        self._typical = 0.0
        self._typical_at = -1e9

    def _decayed(self, value: float, at: float, now: float) -> float:
        return value * math.pow(0.5, max(0.0, now - at) / self.half_life_s)

    def charge(self, key: str, seconds: float) -> None:
        if not key or seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            value, at = self._values.get(key, (0.0, now))
            self._values[key] = (self._decayed(value, at, now) + seconds, now)
            if len(self._values) > _PRUNE_AT:
                self._prune(now)

    def of(self, key: str) -> float:
        if not key:
            return 0.0
        now = time.monotonic()
        with self._lock:
            entry = self._values.get(key)
        return self._decayed(entry[0], entry[1], now) if entry is not None else 0.0

    def rank(self, key: str) -> int:
        """The priority class of ``key``: lower goes first. Keys using about what the typical
        key uses are all class 0, so like clients are served in arrival order; a key using
        far more waits one class further back for every doubling."""
        used = self.of(key)
        line = max(USE_STEP_S, TYPICAL_FACTOR * self.typical())
        if used <= line:
            return 0
        return 1 + int(math.log2(used / line))

    def typical(self) -> float:
        """The median use of the keys charged lately (recomputed at most once a second)."""
        now = time.monotonic()
        if now - self._typical_at < 1.0:
            return self._typical
        with self._lock:
            values = sorted(
                self._decayed(value, at, now) for value, at in self._values.values() if now - at < 60.0
            )
        self._typical = values[len(values) // 2] if values else 0.0
        self._typical_at = now
        return self._typical

    def _prune(self, now: float) -> None:
        for key, (value, at) in list(self._values.items()):
            if self._decayed(value, at, now) < _FORGET_BELOW_S:
                del self._values[key]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._typical_at = -1e9


USE = Use()


class FairTurns:
    """A counting semaphore whose waiters are served least use first (see the module)."""

    def __init__(self, count: int, use: Use | None = None) -> None:
        self.use = use if use is not None else USE
        self._lock = threading.Lock()
        self._free = count
        self._queue: list[tuple[int, int, threading.Lock]] = []
        self._order = itertools.count()

    def acquire(self, key: str = "", first: bool = False) -> None:
        """Take a turn; ``first``: ahead of every key (a thread that already holds something
        others may need: its place was settled when it was let in)."""
        with self._lock:
            if self._free > 0 and not self._queue:
                self._free -= 1
                return
            wake = threading.Lock()
            wake.acquire()
            rank = -1 if first else self.use.rank(key)
            heapq.heappush(self._queue, (rank, next(self._order), wake))
        wake.acquire()  # released by ``release`` with the turn handed over

    def release(self) -> None:
        with self._lock:
            if self._queue:
                _, _, wake = heapq.heappop(self._queue)
                wake.release()  # the turn goes straight to the waiter
                return
            self._free += 1

    def waiting(self) -> int:
        with self._lock:
            return len(self._queue)


_guard = threading.Lock()
_turns: FairTurns | None = None
# .turn: the turns this thread holds one of; .away: given back; .key: charged with the time;
# .since: when it last took a turn.
_held = threading.local()


def _semaphore() -> FairTurns:
    global _turns
    with _guard:
        if _turns is None:
            _turns = FairTurns(int(settings.POG_BUSY_THREADS))
        return _turns


def use(count: int | None) -> None:
    """Start afresh with ``count`` turns (None: ``POG_BUSY_THREADS`` on next use). Tests only:
    threads holding a turn of the old semaphore give it back to that one."""
    global _turns
    with _guard:
        _turns = None if count is None else FairTurns(count)


def holding() -> bool:
    return getattr(_held, "turn", None) is not None and not getattr(_held, "away", False)


def _charge() -> None:
    """Charge the time since this thread took its turn to the turn's key."""
    now = time.perf_counter()
    USE.charge(getattr(_held, "key", ""), now - getattr(_held, "since", now))
    _held.since = now


@contextlib.contextmanager
def working(key: str = "", first: bool = False) -> Iterator[None]:
    """Compute with a turn: waits for one unless this thread holds one already. ``key``
    (a client's address) is charged with the time and sets the place among waiters, unless
    ``first`` (work already let in by a scheduler of its own, such as a job) puts it ahead."""
    if getattr(_held, "turn", None) is not None:
        yield  # inside another ``working`` block of this thread: its turn covers this
        return
    turn = _semaphore()
    turn.acquire(key, first)
    _held.turn, _held.away, _held.key, _held.since = turn, False, key, time.perf_counter()
    try:
        yield
    finally:
        if not _held.away:
            _charge()
            turn.release()
        _held.turn, _held.away, _held.key = None, False, ""


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """Wait for something else with the turn given back; take one again afterwards."""
    if not step_away():
        yield
        return
    try:
        yield
    finally:
        step_back()


def step_away() -> bool:
    """Give the turn back without a block around the wait: for a wait whose end must not queue
    for a turn again (see ``step_back``). True when a turn was given back."""
    if not holding():
        return False
    _charge()
    _held.away = True
    _held.computing = False
    _held.turn.release()
    return True


def computing_away() -> None:
    """After ``step_away``: this thread computes from now on without a turn (a writer that got
    the database's write lock); that time counts against its key at ``step_back``."""
    if getattr(_held, "away", False):
        _held.computing = True
        _held.since = time.perf_counter()


def step_back() -> None:
    """Take a turn again after ``step_away``. Between the two this thread may compute without a
    turn: a writer that waited for the database's write lock finishes its transaction at once,
    instead of holding that lock while it queues for a turn behind threads that wait for it.

    A thread coming back goes ahead of those not yet let in, whatever its key: it holds a
    request thread, a job slot or a finished answer that others wait for, and ranking it
    last would hold those hostage (the place of a piece of work is settled once, when it
    first asks for a turn)."""
    turn = getattr(_held, "turn", None)
    if turn is not None and getattr(_held, "away", False):
        if getattr(_held, "computing", False):
            _charge()  # what it computed without a turn counts too
        turn.acquire(getattr(_held, "key", ""), first=True)
        _held.away = False
        _held.computing = False
        _held.since = time.perf_counter()


def _forget_in_fork() -> None:
    """A forked process (a test's live server) starts with every turn free."""
    global _turns, _guard
    _turns, _guard = None, threading.Lock()
    _held.__dict__.clear()


os.register_at_fork(after_in_child=_forget_in_fork)
