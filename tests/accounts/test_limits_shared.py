"""Scale mode: two OS processes counting against one allowance through Redis.

The child is a fresh interpreter, so nothing is shared but Redis. Both processes
take from one bucket from the same wall-clock instant and must together be admitted
exactly the allowance; a concurrency slot held in one refuses the other.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts.limits import RateLimit, RedisLimits
from tests.helpers.clock import T0, FakeClock
from tests.helpers.redis import delete_prefix, redis_url_or_skip

ROOT = Path(__file__).resolve().parents[2]

# The child speaks JSON lines: one command in on stdin, one answer out on stdout.
CHILD = """
import json, sys, time
from accounts.limits import Lease, RateLimit, RedisLimits

url, prefix, t0 = sys.argv[1:4]
now = [float(t0)]
backend = RedisLimits(url, prefix, clock=lambda: now[0])
held = {}
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    now[0] = cmd.get("now", now[0])
    if cmd["op"] == "race":
        limit = RateLimit(cmd["requests"], cmd["period_s"])
        while time.time() < cmd["at"]:
            pass
        granted = sum(backend.take(cmd["key"], limit).allowed for _ in range(cmd["calls"]))
        print(json.dumps({"granted": granted}), flush=True)
    elif cmd["op"] == "acquire":
        lease = backend.acquire(cmd["key"], cmd["limit"], cmd["lease_s"])
        if lease is not None:
            held[lease.id] = lease
        print(json.dumps({"lease": lease and lease.id}), flush=True)
    elif cmd["op"] == "release":
        print(json.dumps({"released": backend.release(held.pop(cmd["id"]))}), flush=True)
    else:
        break
"""


class Child:
    def __init__(self, url: str, prefix: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, prefix, repr(T0)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == {"ready": True}

    def ask(self, **cmd: Any) -> dict[str, Any]:
        self.send(**cmd)
        return self.read()

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"child exited early with {self.proc.wait(timeout=10)}"
        return dict(json.loads(line))

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.send(op="quit")
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def shared() -> Iterator[tuple[Child, RedisLimits, FakeClock]]:
    url = redis_url_or_skip("Limits shared through Redis")
    prefix = f"pogtest-limits-shared-{uuid.uuid4().hex}"
    clock = FakeClock(T0)
    child = Child(url, prefix)
    try:
        yield child, RedisLimits(url, prefix, clock=clock), clock
    finally:
        child.close()
        delete_prefix(url, prefix)


def test_two_processes_together_are_admitted_exactly_the_allowance(
    shared: tuple[Child, RedisLimits, FakeClock],
) -> None:
    child, parent, _ = shared
    limit = RateLimit(25, 60)
    for round_ in range(3):
        key = f"guest-{round_}"
        at = time.time() + 0.3
        child.send(op="race", key=key, requests=limit.requests, period_s=limit.period_s, calls=100, at=at)
        while time.time() < at:
            pass
        mine = sum(parent.take(key, limit).allowed for _ in range(100))
        theirs = int(child.read()["granted"])
        assert mine + theirs == 25, (mine, theirs)
        assert parent.peek(key, limit).remaining == 0


def test_a_concurrency_slot_held_in_one_process_refuses_the_other(
    shared: tuple[Child, RedisLimits, FakeClock],
) -> None:
    child, parent, _ = shared
    theirs = child.ask(op="acquire", key="alice", limit=1, lease_s=30)["lease"]
    assert theirs is not None
    assert parent.acquire("alice", 1, 30) is None
    assert parent.active("alice") == 1
    assert child.ask(op="release", id=theirs) == {"released": True}
    mine = parent.acquire("alice", 1, 30)
    assert mine is not None
    assert child.ask(op="acquire", key="alice", limit=1, lease_s=30) == {"lease": None}
    parent.release(mine)
    assert child.ask(op="acquire", key="alice", limit=1, lease_s=30)["lease"] is not None


def test_a_slot_held_by_a_crashed_process_frees_when_its_lease_expires(
    shared: tuple[Child, RedisLimits, FakeClock],
) -> None:
    child, parent, clock = shared
    assert child.ask(op="acquire", key="bob", limit=1, lease_s=30)["lease"] is not None
    child.kill()  # no release, ever
    clock.advance(29.999)
    assert parent.acquire("bob", 1, 30) is None
    clock.advance(0.001)
    assert parent.acquire("bob", 1, 30) is not None
