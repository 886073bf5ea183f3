"""Small shared state: process memory in embedded mode, Redis (atomic) in scale mode.

Counters here are what several processes must agree on (rate windows now;
breakers and token buckets build on the same client later).
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Protocol

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


@lru_cache(maxsize=1)
def shared_state() -> SharedState:
    if settings.REDIS_URL:
        return RedisState(settings.REDIS_URL, settings.POG_REDIS_PREFIX)
    return MemoryState()
