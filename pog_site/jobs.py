"""Submitting background jobs and publishing progress events.

Embedded mode runs jobs on POG_WORKERS threads inside the daphne process, served from one
queue per owner in turn (round robin, weighted by the time each owner's jobs took lately),
so one person's burst of big jobs never starves the others;
scale mode hands them to Celery. Either way the job body is the same plain function (the
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
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import close_old_connections

from pog_site import memory, procs, turns
from pog_site.celery import app as celery_app
from pog_site.state import shared_state

log = logging.getLogger(__name__)


_scheduler: _FairScheduler | None = None
_pool_lock = threading.Lock()
# At most POG_WORKERS job bodies run at once in this process: the scheduler's, and those a
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


@dataclass
class _Job:
    task: Any
    args: tuple[Any, ...]
    owner: str
    job_id: str | None
    future: Future[Any] = field(default_factory=Future)
    # Whose use this job's time also counts against (the client's address): identities made
    # afresh from one address share its use, so rotating them wins no turns.
    groups: tuple[str, ...] = ()


# Weighted turns: an owner's recent job time, halved every USE_HALF_LIFE_S; owners within
# one USE_STEP_S of each other count as equal, so short jobs keep plain round robin.
USE_HALF_LIFE_S = 30.0
USE_STEP_S = 0.25


@dataclass
class _Turns:
    """An owner in ``place``'s playing out of the turns to come."""

    used: float
    order: int
    owner: str
    left: int


class _FairScheduler:
    """POG_WORKERS threads serving one queue per owner: each turn takes the oldest job of the
    owner who used the workers least lately (in steps of ``USE_STEP_S`` seconds, fading with
    a half-life of ``USE_HALF_LIFE_S``, and a step more for each job of theirs running now),
    the first in line among equals. So one person's
    burst waits behind its own jobs, everyone else gets a turn between them, and a person
    whose jobs are four times bigger gets a quarter of the turns while others wait."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._cond = threading.Condition()
        self._queues: OrderedDict[str, deque[_Job]] = OrderedDict()
        self._queued: dict[str, _Job] = {}  # job id -> its queued job
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._closing = False
        # (finished at, seconds it ran) of recent jobs, for the waiting estimate.
        self._recent: deque[tuple[float, float]] = deque(maxlen=200)
        # owner -> (seconds of job time, faded to the moment on time.monotonic() beside it)
        self._used: dict[str, tuple[float, float]] = {}
        self._running: Counter[str] = Counter()  # owner -> jobs of theirs running now

    def _use_of(self, owner: str, now: float) -> float:
        used, at = self._used.get(owner, (0.0, now))
        return float(used * 0.5 ** ((now - at) / USE_HALF_LIFE_S))

    def charge(self, owner: str, seconds: float, groups: tuple[str, ...] = ()) -> None:
        """Count ``seconds`` of job time against ``owner`` and its ``groups`` (a job run
        outside the queue too)."""
        now = time.monotonic()
        with self._cond:
            for key in (owner, *groups):
                self._used[key] = (self._use_of(key, now) + seconds, now)
            if len(self._used) > 10_000:
                # Forget owners whose use has faded to nothing.
                for key in [k for k in self._used if self._use_of(k, now) < USE_STEP_S / 100]:
                    del self._used[key]

    def _standing(self, owner: str, now: float) -> float:
        """An owner's use as its turns weigh it: the most of its own and its groups', plus a
        step for each job of theirs running now (someone with nothing running goes first,
        so no one holds every worker while others wait)."""
        waiting = self._queues.get(owner)
        groups = waiting[0].groups if waiting else ()
        used = max([self._use_of(owner, now), *(self._use_of(group, now) for group in groups)])
        return used + self._running[owner] * USE_STEP_S

    def _step(self, owner: str, now: float) -> int:
        return int(self._standing(owner, now) / USE_STEP_S)

    def submit(self, job: _Job) -> None:
        with self._cond:
            if self._closing:
                raise RuntimeError("the job scheduler is shutting down")
            self._queues.setdefault(job.owner, deque()).append(job)
            if job.job_id is not None:
                self._queued[job.job_id] = job
            while len(self._threads) < self.workers:
                thread = threading.Thread(
                    target=self._work, name=f"pog-job-{len(self._threads) + 1}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._cond.notify()

    def waiting(self) -> int:
        """How many jobs wait for a worker thread."""
        with self._cond:
            return sum(len(waiting) for waiting in self._queues.values())

    def _take(self) -> _Job:
        now = time.monotonic()
        owner = min(self._queues, key=lambda o: self._step(o, now))  # the first in line among equals
        waiting = self._queues[owner]
        job = waiting.popleft()
        del self._queues[owner]
        if waiting:
            self._queues[owner] = waiting  # back of the line
        if job.job_id is not None and self._queued.get(job.job_id) is job:
            del self._queued[job.job_id]
        return job

    def _work(self) -> None:
        while True:
            with self._cond:
                idle = not self._queues and not self._busy
            if idle:
                # The line is empty: what the burst allocated can go back to the system.
                memory.trim_soon()
            with self._cond:
                while not self._queues and not self._closing:
                    self._cond.wait()
                if not self._queues:
                    return
                job = self._take()
                self._busy += 1
                self._running[job.owner] += 1
            started = time.monotonic()
            try:
                if job.future.set_running_or_notify_cancel():
                    try:
                        job.future.set_result(_run_local(job.task, job.args, job.groups))
                    except BaseException as exc:  # _run_local logs and swallows; this is belt and braces
                        job.future.set_exception(exc)
            finally:
                ended = time.monotonic()
                self.charge(job.owner, ended - started, job.groups)
                with self._cond:
                    self._busy -= 1
                    self._running[job.owner] -= 1
                    if not self._running[job.owner]:
                        del self._running[job.owner]
                    self._recent.append((ended, ended - started))

    def place(self, job_id: str) -> dict[str, Any] | None:
        """Where a queued job stands: its 1-based position, the jobs before it, and an
        estimate in seconds until it is done. None when it is not queued here."""
        with self._cond:
            job = self._queued.get(job_id)
            if job is None:
                return None
            now = time.monotonic()
            recent = list(self._recent)
            index = self._queues[job.owner].index(job)
            # The turns to come, played out: each owner's use grows by a typical job's time.
            typical = sum(took for _, took in recent[-50:]) / len(recent[-50:]) if recent else 0.0
            # Weighed as ``_take`` weighs them: groups and running jobs count.
            line = [
                _Turns(self._standing(owner, now), order, owner, len(waiting))
                for order, (owner, waiting) in enumerate(self._queues.items())
            ]
            ahead = 0
            order = len(line)
            while True:
                turn = min((t for t in line if t.left > 0), key=lambda t: (int(t.used / USE_STEP_S), t.order))
                if turn.owner == job.owner:
                    if index == 0:
                        break
                    index -= 1  # one of this owner's earlier jobs
                ahead += 1
                turn.used += typical
                turn.left -= 1
                turn.order = order  # back of the line
                order += 1
        return {"position": ahead + 1, "ahead": ahead, "estimate_s": _estimate(ahead, recent, self.workers)}

    def close(self, wait: bool) -> None:
        with self._cond:
            self._closing = True
            if not wait:
                for waiting in self._queues.values():
                    for job in waiting:
                        job.future.cancel()
                self._queues.clear()
                self._queued.clear()
            self._cond.notify_all()
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()


def _estimate(ahead: int, recent: list[tuple[float, float]], workers: int) -> float:
    """Seconds until a job with ``ahead`` jobs before it is done, from recent jobs: the jobs
    ahead at the rate jobs finished lately, plus one job's own time."""
    if not recent:
        return 0.0
    durations = [took for _, took in recent[-50:]]
    own = sum(durations) / len(durations)
    now = time.monotonic()
    lately = [ended for ended, _ in recent if now - ended <= 60.0]
    if len(lately) >= 2 and lately[-1] > lately[0]:
        rate = (len(lately) - 1) / (lately[-1] - lately[0])
    else:
        rate = workers / own if own > 0 else 0.0
    wait = ahead / rate if rate > 0 else ahead * own
    return round(wait + own, 1)


def _get_scheduler() -> _FairScheduler:
    global _scheduler
    with _pool_lock:
        if _scheduler is None:
            _scheduler = _FairScheduler(settings.POG_WORKERS)
        return _scheduler


def _get_slots() -> threading.BoundedSemaphore:
    global _slots
    with _pool_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.POG_WORKERS)
        return _slots


def _run_local(task: Any, args: tuple[Any, ...], groups: tuple[str, ...] = ()) -> Any:
    # The scheduler chose this job fairly already, and it holds a job slot: its turns at the
    # interpreter come first, and count against the widest of its groups (the client's
    # network), as the requests from there do.
    with _get_slots(), turns.working(groups[-1] if groups else ""):
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
def slot_if_free(wanted: bool = True, owner: str = "", groups: tuple[str, ...] = ()) -> Iterator[bool]:
    """Embedded mode: hold one of the POG_WORKERS job slots, if one is free and nobody is
    queued, for a job the caller runs on its own thread (a request that waits for its answer
    anyway saves handing the job to a worker thread and back). Yields False, holding
    nothing, when not ``wanted``, when every slot is busy, when jobs wait in the queue (they
    go first) or when jobs go to Celery; the caller then ``submit``s as usual. The time the
    caller holds the slot counts against ``owner`` as its queued jobs' time does."""
    if not wanted or settings.POG_JOB_BACKEND == "celery":
        yield False
        return
    if _get_scheduler().waiting():
        yield False
        return
    slots = _get_slots()
    if not slots.acquire(blocking=False):
        yield False
        return
    started = time.monotonic()
    try:
        yield True
    finally:
        slots.release()
        if owner:
            # Counted like a queued job's time, for the weighted turns.
            _get_scheduler().charge(owner, time.monotonic() - started, groups)


def submit(
    task: Any, *args: Any, owner: str = "", job_id: str | None = None, groups: tuple[str, ...] = ()
) -> Future[Any] | None:
    """Run a Celery ``task`` in the background: on a Celery worker in scale mode, or its body
    (``task.run``) on the in-process scheduler otherwise, where the returned future carries
    the body's return value (so a caller in this process can wait on it directly).

    ``owner`` names whose job it is (an identity, "user:12"): the scheduler serves owners
    round robin, weighted by their recent use and that of their ``groups`` (the client's
    address, "address:203.0.113.7", then its network, "prefix:203.0.113.0/24", the widest
    last: the job's turns at the interpreter are charged to it). ``job_id`` (a generation's
    id) lets ``place`` say where the job stands.
    ``task`` may be the task's registered name: its app's ``tasks`` module, imported by the
    app's ``ready()``, registered it with Celery."""
    if isinstance(task, str):
        task = celery_app.tasks[task]
    if settings.POG_JOB_BACKEND == "celery":
        task.apply_async(args=args, priority=_celery_priority(owner))
        return None
    job = _Job(task, args, owner, job_id, groups=groups)
    _get_scheduler().submit(job)
    return job.future


def _celery_priority(owner: str) -> int:
    """Scale mode's fairness: the broker serves priority 0 first (Redis), and an owner's jobs
    of the last minute take one step down each, so a burst of one person sinks below the next
    person's first job. A meter that cannot be read gives the first step, never an error."""
    if not owner:
        return 0
    try:
        count, _ = shared_state().hit(f"jobs:{owner}", settings.POG_FAIR_WINDOW_S)
    except Exception:
        log.warning("could not count the jobs of %s", owner, exc_info=True)
        return 0
    return max(0, min(9, count - 1))


def owner_key(user_id: int | str) -> str:
    """The scheduler's key for an identity's jobs: each identity is served in turn."""
    return f"user:{user_id}"


def place(job_id: str) -> dict[str, Any] | None:
    """Where a queued job of this process stands (``{"position", "ahead", "estimate_s"}``),
    or None when it is not waiting in this process's queue (running, finished, or Celery's)."""
    scheduler = _scheduler
    return scheduler.place(job_id) if scheduler is not None else None


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
    the job (the database row stays the source of truth). In a generator process the event
    goes back to the server, whose channel layer it is (``procs.to_caller``).
    """
    if procs.in_child():
        procs.to_caller(_publish_here, group, event)
        return
    _publish_here(group, event)


def _publish_here(group: str, event: dict[str, Any]) -> None:
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
    """Stop the in-process scheduler (tests use it to finish background work)."""
    global _scheduler, _slots
    with _pool_lock:
        scheduler, _scheduler = _scheduler, None
        if scheduler is None or wait:
            _slots = None  # read the setting again with the next scheduler
    if scheduler is not None:
        scheduler.close(wait=wait)
