"""Work for tests of ``pog_site.procs``: module-level and free of Django, so a spawned child
can import it as a generator process imports ``limbs.procedural_child``."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from limbs.spec import GeneratorInputError

Progress = Callable[[float, str], None]


def child_pid(*, progress: Progress) -> int:
    return os.getpid()


def reports(steps: int, *, progress: Progress) -> int:
    for step in range(steps):
        progress(step / steps, f"step {step}")
    # Progress is best effort and travels apart from the answer: give it a moment to arrive
    # first, as a real generator's early reports do.
    time.sleep(0.3)
    return steps


def refuses(*, progress: Progress) -> None:
    raise GeneratorInputError("size", "That size cannot be drawn.")


class OpaqueError(Exception):
    def __init__(self, first: str, second: str) -> None:  # not how pickle rebuilds it
        super().__init__(f"{first} {second}")


def refuses_opaquely(*, progress: Progress) -> None:
    raise OpaqueError("a lock", "that does not pickle")


def dies(*, progress: Progress) -> None:
    os._exit(3)


def hands_back(count: int, *, progress: Progress) -> int:
    """Hands ``count`` calls back to its caller (``procs.to_caller``), then answers at once."""
    from pog_site import procs

    for index in range(count):
        procs.to_caller(note, index, os.getpid())
    return count


NOTED: list[tuple[int, int, int]] = []  # (index, the child's pid, the thread that ran it)


def note(index: int, child: int) -> None:
    import threading

    NOTED.append((index, child, threading.get_ident()))


def holds_write_lock(database: str, seconds: float, *, progress: Progress) -> bool:
    """Takes the database file's write lock in this (child) process and holds it a while."""
    from pog_site.sqlite.base import WriteLock

    lock = WriteLock(database)
    lock.acquire()
    progress(0.0, "holding")
    time.sleep(seconds)
    lock.release()
    return True
