"""Small shared state: process memory in embedded mode, Redis (atomic) in scale mode.

Counters here are what several processes must agree on (rate windows now;
breakers and token buckets build on the same client later).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Generic, Protocol, TypeVar

from django.conf import settings


class SharedState(Protocol):
    def hit(self, key: str, window_s: int) -> tuple[int, float]:
        """Count one event in ``key``'s fixed window; return (count so far, seconds left)."""
        ...

    def reset(self, key: str) -> None: ...


class MemoryState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}

    def hit(self, key: str, window_s: int) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            count, ends = self._windows.get(key, (0, now + window_s))
            if ends <= now:
                count, ends = 0, now + window_s
            count += 1
            self._windows[key] = (count, ends)
            if len(self._windows) > 10_000:
                self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
        return count, ends - now

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class RedisState:
    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def hit(self, key: str, window_s: int) -> tuple[int, float]:
        name = f"{self._prefix}:state:{key}"
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, window_s, nx=True)
        pipe.pttl(name)
        count, _, ttl_ms = pipe.execute()
        return int(count), max(0.0, int(ttl_ms) / 1000)

    def reset(self, key: str) -> None:
        self._redis.delete(f"{self._prefix}:state:{key}")


T = TypeVar("T")


class ProcessDefault(Generic[T]):
    """One object per process, made on first use by ``make`` (which reads the settings,
    e.g. Redis in scale mode, memory otherwise). ``use`` puts another in its place (tests,
    benchmarks); ``reset`` lets the next use make a fresh one."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._made = False
        self._value: T | None = None

    def get(self) -> T:
        if not self._made:
            with self._lock:
                if not self._made:
                    self._value = self._make()
                    self._made = True
        return self._value  # type: ignore[return-value]

    def use(self, value: T) -> None:
        with self._lock:
            self._value, self._made = value, True

    def reset(self) -> None:
        with self._lock:
            self._value, self._made = None, False

    def use_or_reset(self, value: T | None) -> None:
        """``use(value)``, or ``reset()`` when ``value`` is None."""
        if value is None:
            self.reset()
        else:
            self.use(value)


@lru_cache(maxsize=1)
def shared_state() -> SharedState:
    if settings.REDIS_URL:
        return RedisState(settings.REDIS_URL, settings.POG_REDIS_PREFIX)
    return MemoryState()
