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


# --- shared out by use (issue 12: hostile users took turns as often as the people they crowded) ---


def _served(fair: turns.FairTurns, asks: list[tuple[str, bool]]) -> list[str]:
    """With the one turn held here, ``asks`` (key, first) ask for it one after another, each
    in a thread of its own; the order they get it in once it is given back."""
    served: list[str] = []
    fair.acquire()
    threads = []
    for key, first in asks:

        def take(key: str = key, first: bool = first) -> None:
            fair.acquire(key, first=first)
            served.append(key)
            fair.release()

        threads.append(threading.Thread(target=take))
        threads[-1].start()
        until = time.monotonic() + 5
        while fair.waiting() < len(threads) and time.monotonic() < until:
            time.sleep(0.001)
    fair.release()
    for thread in threads:
        thread.join(5)
    return served


def test_waiters_whose_key_used_least_go_first_and_equals_keep_their_order() -> None:
    use = turns.Use()
    fair = turns.FairTurns(1, use)
    for typical in range(9):
        use.charge(f"prefix:typical-{typical}", 0.1)
    use.charge("prefix:busy", 10.0)
    use.charge("prefix:some", 1.0)
    use.charge("prefix:like-the-rest", 0.2)  # twice the typical use or less: an equal
    assert use.rank("prefix:like-the-rest") == use.rank("prefix:never-seen") == 0
    assert 0 < use.rank("prefix:some") < use.rank("prefix:busy")
    keys = ["prefix:busy", "prefix:some", "prefix:new-a", "prefix:like-the-rest", "prefix:new-b"]
    assert _served(fair, [(key, False) for key in keys]) == [
        "prefix:new-a",
        "prefix:like-the-rest",
        "prefix:new-b",
        "prefix:some",
        "prefix:busy",
    ]


def test_a_thread_coming_back_goes_ahead_of_those_not_yet_let_in() -> None:
    use = turns.Use()
    fair = turns.FairTurns(1, use)
    use.charge("prefix:new", 0.01)
    use.charge("prefix:back", 10.0)  # however much it used
    assert _served(fair, [("prefix:new", False), ("prefix:back", True)]) == ["prefix:back", "prefix:new"]


def test_use_halves_every_half_life_and_turns_are_charged_to_their_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    use = turns.Use(half_life_s=10.0)
    use.charge("prefix:a", 4.0)
    now[0] += 10.0
    assert use.of("prefix:a") == pytest.approx(2.0)
    now[0] += 20.0
    assert use.of("prefix:a") == pytest.approx(0.5)
    assert use.of("prefix:never") == 0.0 and use.of("") == 0.0
    use.charge("", 5.0)  # no key: nothing to charge
    assert use.of("") == 0.0
    monkeypatch.undo()

    turns.USE.clear()
    with turns.working("prefix:worker"):
        time.sleep(0.03)
        with turns.waiting():
            time.sleep(0.2)  # waiting with the turn given back is not use
    assert 0.025 <= turns.USE.of("prefix:worker") < 0.15
    turns.USE.clear()


def test_a_refused_request_counts_more_than_an_answered_one() -> None:
    assert turns.request_cost(200) == turns.REQUEST_COST_S
    assert turns.request_cost(404) == turns.request_cost(429) > 4 * turns.request_cost(200)
    assert turns.request_cost(500) == turns.REQUEST_COST_S  # the studio's fault, not the client's
