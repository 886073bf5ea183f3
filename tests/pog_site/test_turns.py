"""Turns at the interpreter (pog_site/turns.py): at most N threads compute at once, a thread
that waits gives its turn back, and a database writer waiting for the write lock holds none."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from pog_site import turns


@pytest.fixture(autouse=True)
def two_turns() -> Iterator[None]:
    turns.use(2)
    yield
    turns.use(None)


def _peak_inside(workers: int, body: object) -> int:
    inside = [0]
    peak = [0]
    lock = threading.Lock()

    def work() -> None:
        with turns.working():
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            body()  # type: ignore[operator]
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    return peak[0]


def test_at_most_two_threads_compute_at_once() -> None:
    assert _peak_inside(6, lambda: time.sleep(0.05)) == 2


def test_a_thread_that_waits_lets_the_others_in() -> None:
    release = threading.Event()
    waiting_inside = threading.Semaphore(0)

    def waits() -> None:
        with turns.waiting():
            waiting_inside.release()
            release.wait(10)

    # Four threads wait (turns given back) at once although there are two turns.
    runners = []
    for _ in range(4):

        def run() -> None:
            with turns.working():
                waits()

        runners.append(threading.Thread(target=run))
    for runner in runners:
        runner.start()
    for _ in range(4):
        assert waiting_inside.acquire(timeout=5), "a thread could not get a turn to start waiting"
    release.set()
    for runner in runners:
        runner.join(10)
    assert not any(runner.is_alive() for runner in runners)


def test_nested_working_blocks_use_one_turn_and_waiting_without_a_turn_is_a_no_op() -> None:
    with turns.waiting():  # this thread holds no turn: nothing to give back
        pass
    with turns.working():
        with turns.working():
            assert turns.holding()
        assert turns.holding()
        with turns.waiting():
            assert not turns.holding()
        assert turns.holding()
    assert not turns.holding()
    # Both turns are free again.
    assert _peak_inside(2, lambda: time.sleep(0.02)) == 2
