"""Giving memory back to the system after a burst (glibc only; elsewhere these do nothing).

CPython frees its objects, but the C allocator keeps the freed pages for later, and with many
threads it keeps a separate heap (an "arena") per thread: after a burst of requests the
process stays at its peak. Fewer arenas and a trim once the work is done bring it back close
to where it started (issue #12: 140 MB grew to 1 GB and never came back).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from typing import Any

_M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h
_libc: Any = None
_loaded = False
_lock = threading.Lock()
_last_trim = 0.0


def _glibc() -> Any:
    global _libc, _loaded
    if not _loaded:
        _loaded = True
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name) if name else None
            _libc = libc if libc is not None and hasattr(libc, "malloc_trim") else None
        except OSError:
            _libc = None
    return _libc


def limit_arenas(count: int) -> bool:
    """Let the allocator keep at most ``count`` heaps, however many threads there are.
    Call it early, before the threads start. True when the allocator took it."""
    libc = _glibc()
    return bool(libc is not None and count > 0 and libc.mallopt(_M_ARENA_MAX, count) == 1)


def trim(every_s: float = 0.0) -> bool:
    """Return the free pages at the top of every heap to the system; at most once in
    ``every_s`` seconds. True when something was given back."""
    global _last_trim
    libc = _glibc()
    if libc is None:
        return False
    with _lock:
        now = time.monotonic()
        if every_s and now - _last_trim < every_s:
            return False
        _last_trim = now
    return bool(libc.malloc_trim(0))


_pending: threading.Thread | None = None
_quiet_at = 0.0  # on time.monotonic(): when the planned trim is due


def trim_soon(delay_s: float = 2.0) -> None:
    """Trim once things have been quiet for ``delay_s``: each call moves the planned trim to
    ``delay_s`` from now, so a burst's last call decides (a trim planned earlier in the burst
    would run before the burst's last work freed its memory). Many calls, one trim."""
    global _pending, _quiet_at
    if _glibc() is None:
        return
    with _lock:
        _quiet_at = time.monotonic() + delay_s
        if _pending is not None and _pending.is_alive():
            return
        _pending = threading.Thread(target=_trim_when_quiet, name="pog-memory-trim", daemon=True)
        _pending.start()


def _trim_when_quiet() -> None:
    while True:
        with _lock:
            left = _quiet_at - time.monotonic()
        if left <= 0:
            break
        time.sleep(left)
    trim()
