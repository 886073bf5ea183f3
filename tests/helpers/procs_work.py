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
