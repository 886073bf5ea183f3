"""Scale mode: one breaker state shared by two processes through Redis.

A child process (a fresh interpreter, so nothing is shared but Redis) records
failures until the breaker opens; the parent must then see it open, and when
both race for the half-open probe exactly one of them gets it.
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

from limbs.breakers import Breaker, RedisBackend
from tests.helpers.clock import T0, FakeClock
from tests.helpers.redis import delete_prefix, redis_url_or_skip
from tests.limbs.test_breakers import POLICY

ROOT = Path(__file__).resolve().parents[2]
PROVIDER, MODEL = "cloudflare", "@cf/black-forest-labs/flux-1-schnell"

# The child speaks JSON lines: it trips the breaker, then obeys commands on stdin.
CHILD = """
import json, sys, time
from limbs.breakers import Breaker, BreakerPolicy, RedisBackend

url, prefix, provider, model, policy_json, t0 = sys.argv[1:7]
now = [float(t0)]
backend = RedisBackend(url, prefix, BreakerPolicy(**json.loads(policy_json)), clock=lambda: now[0])
b = Breaker(provider, model, backend)
failures = 0
while b.allow():
    b.record_failure(kind="server_error")
    failures += 1
print(json.dumps({"failures": failures}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] == "race":
        now[0] = cmd["now"]
        while time.time() < cmd["at"]:
            pass
        print(json.dumps({"granted": sum(b.allow() for _ in range(cmd["calls"]))}), flush=True)
    elif cmd["op"] == "report":
        b.record_success() if cmd["ok"] else b.record_failure(kind=cmd.get("kind", "server_error"))
        print(json.dumps({"done": True}), flush=True)
    else:
        break
"""


class Child:
    def __init__(self, url: str, prefix: str) -> None:
        policy = {f: getattr(POLICY, f) for f in POLICY.__dataclass_fields__}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, prefix, PROVIDER, MODEL, json.dumps(policy), repr(T0)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"child exited early with {self.proc.wait(timeout=10)}"
        return dict(json.loads(line))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.send(op="quit")
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def shared() -> Iterator[tuple[Child, Breaker, FakeClock]]:
    url = redis_url_or_skip("Breakers shared through Redis")
    prefix = f"pogtest-breakers-shared-{uuid.uuid4().hex}"
    child = Child(url, prefix)
    clock = FakeClock(T0)
    try:
        yield child, Breaker(PROVIDER, MODEL, RedisBackend(url, prefix, POLICY, clock=clock)), clock
    finally:
        child.close()
        delete_prefix(url, prefix)


def race(child: Child, parent: Breaker, clock: FakeClock, now: float, calls: int = 50) -> tuple[int, int]:
    """Both processes call allow() ``calls`` times from the same wall-clock instant."""
    clock.now = now
    at = time.time() + 0.3
    child.send(op="race", now=now, at=at, calls=calls)
    while time.time() < at:
        pass
    mine = sum(parent.allow() for _ in range(calls))
    return mine, int(child.read()["granted"])


def test_a_breaker_tripped_by_one_process_is_open_in_another(
    shared: tuple[Child, Breaker, FakeClock],
) -> None:
    child, parent, _ = shared
    assert child.read() == {"failures": POLICY.min_requests}
    st = parent.state()
    assert (st.state, st.failures, st.requests) == ("open", POLICY.min_requests, POLICY.min_requests)
    assert sum(parent.allow() for _ in range(200)) == 0


def test_exactly_one_of_two_processes_gets_each_half_open_probe(
    shared: tuple[Child, Breaker, FakeClock],
) -> None:
    child, parent, clock = shared
    child.read()
    for _ in range(5):
        opened_until = parent.state().opened_until
        assert opened_until is not None
        mine, theirs = race(child, parent, clock, opened_until + 0.001)
        assert (mine, theirs) in {(1, 0), (0, 1)}
        # The winner's probe fails: open again, for longer, for both processes.
        if mine:
            parent.record_failure(kind="server_error")
        else:
            child.send(op="report", ok=False)
            child.read()
        assert parent.state().state == "open"
    assert parent.state().trips == 6  # the first opening plus five failed probes

    # A probe that succeeds in one process closes the breaker for the other.
    opened_until = parent.state().opened_until
    assert opened_until is not None
    mine, theirs = race(child, parent, clock, opened_until + 0.001)
    if mine:
        parent.record_success()
    else:
        child.send(op="report", ok=True)
        child.read()
    st = parent.state()
    assert (st.state, st.requests, st.trips) == ("closed", 0, 0)
    assert parent.allow()


def test_consecutive_stalls_in_two_processes_add_up(
    shared: tuple[Child, Breaker, FakeClock],
) -> None:
    child, parent, clock = shared
    child.read()
    opened_until = parent.state().opened_until
    assert opened_until is not None
    clock.now = opened_until + 0.001
    assert parent.allow()
    parent.record_success()  # closed, both counters reset
    assert parent.state().state == "closed"
    child.send(op="report", ok=False, kind="stalled")
    child.read()
    st = parent.state()
    assert (st.state, st.consecutive, st.consecutive_slow) == ("closed", 1, 1)
    clock.advance(POLICY.window_s + 1)  # the child's clock is behind: order is all that matters
    parent.record_failure(kind="stalled")
    st = parent.state()
    assert (st.state, st.consecutive_slow) == ("open", POLICY.slow_trip)
