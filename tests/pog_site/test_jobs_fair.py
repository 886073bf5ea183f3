"""Jobs are served one owner at a time, round robin: one person's burst cannot starve the
others (issue #12: a shared first-in-first-out queue made everyone wait behind a burst),
and a waiting job is told its place and an estimate."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest

from pog_site import jobs


class _Task:
    """A task object as ``jobs.submit`` takes one: a name and a body (``run``)."""

    name = "tests.record"

    def __init__(self) -> None:
        self.order: list[str] = []
        self.gate = threading.Event()
        self.started = threading.Event()

    def run(self, label: str) -> str:
        if label == "gate":
            self.started.set()
            self.gate.wait(10)
        if label.startswith("big"):
            time.sleep(0.3)  # more than one step (USE_STEP_S) of job time
        self.order.append(label)
        return label


@pytest.fixture
def one_worker(settings: Any) -> Iterator[_Task]:
    settings.POG_JOB_BACKEND = "thread"
    settings.POG_WORKERS = 1
    jobs.shutdown(wait=True)
    task = _Task()
    # The one worker is busy, so what follows queues up behind it.
    jobs.submit(task, "gate", owner="user:0")
    assert task.started.wait(10)
    yield task
    task.gate.set()
    jobs.shutdown(wait=True)


def test_a_burst_from_one_person_does_not_starve_another(one_worker: _Task) -> None:
    futures = [jobs.submit(one_worker, f"mallory-{i}", owner="user:1") for i in range(6)]
    futures.append(jobs.submit(one_worker, "alice", owner="user:2"))
    one_worker.gate.set()
    for future in futures:
        assert future is not None
        future.result(timeout=10)
    # Alice came last but is served on the second turn, not after Mallory's six jobs.
    assert one_worker.order[:3] == ["gate", "mallory-0", "alice"]
    assert one_worker.order[3:] == [f"mallory-{i}" for i in range(1, 6)]


def test_owners_take_turns_in_the_order_they_came(one_worker: _Task) -> None:
    for i in range(3):
        jobs.submit(one_worker, f"a{i}", owner="user:a")
    for i in range(2):
        jobs.submit(one_worker, f"b{i}", owner="user:b")
    final = jobs.submit(one_worker, "c0", owner="user:c")
    one_worker.gate.set()
    assert final is not None
    final.result(timeout=10)
    jobs.shutdown(wait=True)
    assert one_worker.order == ["gate", "a0", "b0", "c0", "a1", "b1", "a2"]


def test_a_queued_job_is_told_its_place_counting_the_turns_before_it(one_worker: _Task) -> None:
    for i in range(3):
        jobs.submit(one_worker, f"a{i}", owner="user:a", job_id=f"a{i}")
    jobs.submit(one_worker, "b0", owner="user:b", job_id="b0")
    # Turns: a0, b0, a1, a2.
    assert jobs.place("a0") == {"position": 1, "ahead": 0, "estimate_s": 0.0}
    places = {job: jobs.place(job) for job in ("b0", "a1", "a2")}
    assert {job: (p or {}).get("position") for job, p in places.items()} == {"b0": 2, "a1": 3, "a2": 4}
    assert all((p or {}).get("ahead") == (p or {}).get("position", 0) - 1 for p in places.values())
    assert jobs.place("never-queued") is None


def test_the_estimate_grows_with_the_place_once_jobs_have_finished(one_worker: _Task) -> None:
    one_worker.gate.set()
    warmup = [jobs.submit(one_worker, f"w{i}", owner="user:w") for i in range(3)]
    for future in warmup:
        assert future is not None
        future.result(timeout=10)
    one_worker.gate.clear()
    jobs.submit(one_worker, "gate", owner="user:0")
    for i in range(4):
        jobs.submit(one_worker, f"a{i}", owner="user:a", job_id=f"a{i}")
    estimates = [(jobs.place(f"a{i}") or {})["estimate_s"] for i in range(4)]
    assert estimates == sorted(estimates)
    one_worker.gate.set()


def test_a_running_or_finished_job_has_no_place(one_worker: _Task) -> None:
    future = jobs.submit(one_worker, "x", owner="user:x", job_id="x")
    assert jobs.place("x") is not None
    one_worker.gate.set()
    assert future is not None
    future.result(timeout=10)
    assert jobs.place("x") is None


def test_scale_mode_sinks_a_busy_owners_jobs_below_the_next_persons_first(settings: Any) -> None:
    settings.POG_JOB_BACKEND = "celery"
    sent: list[tuple[tuple[Any, ...], int]] = []

    class _CeleryTask:
        name = "tests.celery"

        def apply_async(self, args: tuple[Any, ...], priority: int) -> None:
            sent.append((args, priority))

    burst, other = f"user:burst-{uuid.uuid4()}", f"user:other-{uuid.uuid4()}"
    for i in range(12):
        assert jobs.submit(_CeleryTask(), f"b{i}", owner=burst, job_id=f"b{i}") is None
    jobs.submit(_CeleryTask(), "o0", owner=other, job_id="o0")
    priorities = {args[0]: priority for args, priority in sent}
    # Redis serves priority 0 first: the other person's first job goes before the burst's tail.
    assert [priorities[f"b{i}"] for i in range(12)] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]
    assert priorities["o0"] == 0
    assert jobs.place("o0") is None  # the broker holds it: no place in this process


def test_an_owner_whose_jobs_are_bigger_gets_fewer_turns_while_others_wait(one_worker: _Task) -> None:
    # Round robin by count would go big-0, small-0, big-1, small-1, big-2: the big jobs' owner
    # would take most of the worker's time. Weighted by the time taken, once big-0 has run
    # the small owner goes first until it has used as much.
    for i in range(3):
        jobs.submit(one_worker, f"big-{i}", owner="user:big")
    last = None
    for i in range(2):
        last = jobs.submit(one_worker, f"small-{i}", owner="user:small")
    one_worker.gate.set()
    assert last is not None
    last.result(timeout=10)
    jobs.shutdown(wait=True)
    assert one_worker.order == ["gate", "big-0", "small-0", "small-1", "big-1", "big-2"]


def test_someone_with_nothing_running_goes_before_someone_with_a_job_running(settings: Any) -> None:
    settings.POG_JOB_BACKEND = "thread"
    settings.POG_WORKERS = 2
    jobs.shutdown(wait=True)
    order: list[str] = []
    gates = {"gate-a": threading.Event(), "gate-x": threading.Event()}
    started = {name: threading.Event() for name in gates}

    class Gated:
        name = "tests.gated"

        def run(self, label: str) -> str:
            if label in gates:
                started[label].set()
                gates[label].wait(10)
            order.append(label)
            return label

    task = Gated()
    try:
        jobs.submit(task, "gate-a", owner="user:a")
        jobs.submit(task, "gate-x", owner="user:x")
        assert started["gate-a"].wait(10) and started["gate-x"].wait(10)
        jobs.submit(task, "a1", owner="user:a")  # first in line, but a has a job running
        last = jobs.submit(task, "b0", owner="user:b")
        gates["gate-x"].set()  # one worker frees up
        assert last is not None
        last.result(timeout=10)
        assert order[:2] == ["gate-x", "b0"]
    finally:
        for gate in gates.values():
            gate.set()
        jobs.shutdown(wait=True)


def test_identities_made_afresh_at_one_address_share_its_use() -> None:
    # Rotating identities: each new one would start with no use at all and jump the line.
    # Their jobs also count against their address, so a fresh identity from a busy address
    # waits like that address's earlier identities did.
    busy, quiet = ("address:203.0.113.7",), ("address:198.51.100.3",)
    for groups, first in ((busy, "user:o2"), ((), "user:r2")):
        scheduler = jobs._FairScheduler(1)
        scheduler.charge("user:r1", 1.0, busy)  # an earlier identity of the busy address
        scheduler._queues["user:r2"] = deque(
            [jobs._Job(_Task(), ("rotor-2",), "user:r2", None, groups=groups)]
        )
        scheduler._queues["user:o2"] = deque(
            [jobs._Job(_Task(), ("other-2",), "user:o2", None, groups=quiet)]
        )
        with scheduler._cond:
            assert scheduler._take().owner == first  # without the address, the new identity goes first


def test_the_place_told_weighs_the_line_as_the_scheduler_serves_it() -> None:
    """A job's place counts what its owner's address used and the jobs they have running,
    as the turns themselves do (the estimate used to weigh only the owner's own use)."""
    for setup, first in (("running", "user:b"), ("address", "user:b"), ("neither", "user:a")):
        scheduler = jobs._FairScheduler(1)
        groups = ("address:203.0.113.7",) if setup == "address" else ()
        if setup == "address":
            scheduler.charge("user:earlier", 1.0, groups)  # another identity of a's address
        if setup == "running":
            scheduler._running["user:a"] += 1
        scheduler._queues["user:a"] = deque([jobs._Job(_Task(), ("a",), "user:a", "a", groups=groups)])
        scheduler._queues["user:b"] = deque([jobs._Job(_Task(), ("b",), "user:b", "b")])
        scheduler._queued.update({"a": scheduler._queues["user:a"][0], "b": scheduler._queues["user:b"][0]})
        told = {job: (scheduler.place(job) or {})["position"] for job in ("a", "b")}
        with scheduler._cond:
            taken = scheduler._take().owner
        assert taken == first, setup
        assert told[first.removeprefix("user:")] == 1 and sorted(told.values()) == [1, 2], setup
