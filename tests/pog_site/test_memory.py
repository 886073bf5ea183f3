"""Memory a burst allocated goes back to the system (issue #12: the server grew from 140 MB
to 1 GB under load and never came back)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pog_site import memory

glibc = pytest.mark.skipif(memory._glibc() is None, reason="trimming is glibc's")


BURST = """
import re, threading
from pathlib import Path
from pog_site import memory

def rss():
    return int(re.search(r"VmRSS:\\s*(\\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024

kept = []

def burst():
    # Middle-sized buffers come from the C allocator's heap; a small block that outlives the
    # burst after each one leaves the freed ones as holes the heap cannot shrink past.
    held = []
    for _ in range(3000):
        block = bytearray(64 * 1024)
        block[::4096] = b"x" * len(block[::4096])
        held.append(block)
        kept.append(bytearray(200))
    del held

worker = threading.Thread(target=burst)
worker.start()
worker.join()
before = rss()
memory.trim()
print(before, rss())
"""


@glibc
def test_a_trim_hands_back_what_a_thread_allocated_and_freed() -> None:
    # A fresh interpreter: a long test session's heap is in no known state.
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", BURST], cwd=root, capture_output=True, text=True, check=True)
    before, after = (float(x) for x in out.stdout.split())
    assert before - after > 50, (before, after)


@glibc
def test_the_allocator_takes_an_arena_limit() -> None:
    assert memory.limit_arenas(8)
    assert not memory.limit_arenas(0)


def test_a_trim_soon_happens_once_for_many_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    done = threading.Event()

    def counting(every_s: float = 0.0) -> bool:
        calls.append(1)
        done.set()
        return True

    monkeypatch.setattr(memory, "trim", counting)
    monkeypatch.setattr(memory, "_glibc", lambda: object())
    monkeypatch.setattr(memory, "_pending", None)
    for _ in range(5):
        memory.trim_soon(0.05)
    assert done.wait(5)
    pending = memory._pending
    assert pending is not None
    pending.join(5)
    assert calls == [1]
