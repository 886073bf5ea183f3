"""Tier limits: a token bucket per identity (requests per period) and a concurrency limiter.

Token bucket. A bucket holds ``requests`` tokens and starts full; it refills at
``requests / period_s`` tokens a second and never above capacity. ``take`` removes
``cost`` tokens when that many are there and otherwise removes nothing and says how
long until they will be (``retry_after_s``, what a 429's ``Retry-After`` carries).

The arithmetic is integer so that "exactly N admitted" holds with any rate: time is
counted in milliseconds, tokens in milli-tokens, and the state is the *debt*, the
missing milli-tokens times the period in milliseconds. One millisecond then repays
exactly ``1000 * requests`` units of debt, with no rounding and no drift however
often a bucket is touched. That needs ``requests * period_ms * 1000`` to stay below
2**53 (the integers a double, and so Redis's Lua, holds exactly): ``RateLimit``
refuses larger ones, which still allows e.g. 100,000 a day or 2.5 million an hour.

Several buckets at once. ``take_all`` charges one request to several buckets (an identity's,
its address's, its network's) all or nothing: when any of them cannot pay, none is charged,
and the answer names the one that refused (the one with the longest wait when several do).

Concurrency. ``acquire`` hands out at most ``limit`` leases per key at once; each
lease expires ``lease_s`` after it was taken (or last extended), so a process that
crashes while holding one frees its slot by itself. ``release`` gives it back early.

Embedded mode keeps both in process memory (``MemoryLimits``, one lock); scale mode
keeps them in Redis (``RedisLimits``) so every web and Celery process counts
against the same allowance, each operation one Lua script (no read-modify-write
across round trips). As in ``limbs.breakers`` the caller's clock is passed into the
scripts, so tests can drive time; idle buckets and lease sets expire on their own.

Redis down. Every ``RedisLimits`` operation raises ``LimitsUnavailable`` when Redis
cannot answer (connection refused, timeout after ``timeout_s``, out of memory,
read-only replica). Nothing is admitted or refused silently: the caller chooses to
fail open (serve the request unlimited) or closed (answer 503), per call site.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

from pog_site.state import ProcessDefault

if TYPE_CHECKING:
    import redis

Clock = Callable[[], float]

# The largest integer a double holds exactly; bucket state must stay below it in Lua.
_EXACT = 2**53
# Redis keys outlive the moment they become meaningless by this much, so a small
# clock skew between processes never drops a bucket that another process still sees as in debt.
_EXPIRY_SLACK_MS = 1000


class LimitsUnavailable(RuntimeError):  # noqa: N818 - the name callers were promised
    """The limits store (Redis) could not answer; the caller decides to fail open or closed."""


def _ms(seconds: float) -> int:
    # Round, not floor: a fake clock advanced by exactly retry_after_s must land on the same millisecond.
    return round(seconds * 1000)


@dataclass(frozen=True)
class RateLimit:
    """``requests`` per ``period_s`` seconds: capacity ``requests``, refilled evenly over the period."""

    requests: int
    period_s: float

    def __post_init__(self) -> None:
        if isinstance(self.requests, bool) or not isinstance(self.requests, int) or self.requests < 1:
            raise ValueError(f"requests must be an integer of at least 1, not {self.requests!r}")
        if not self.period_s > 0 or not math.isfinite(self.period_s):
            raise ValueError(f"period_s must be a positive number of seconds, not {self.period_s!r}")
        if _ms(self.period_s) < 1:
            raise ValueError(f"period_s must be at least a millisecond, not {self.period_s!r}")
        if self.capacity_units >= _EXACT:
            raise ValueError(
                f"{self.requests} requests per {self.period_s} s is too large to count exactly; "
                "use a shorter period with proportionally fewer requests"
            )

    @property
    def period_ms(self) -> int:
        return _ms(self.period_s)

    @property
    def capacity_units(self) -> int:
        """A full bucket's worth of debt: milli-tokens times the period in milliseconds."""
        return 1000 * self.requests * self.period_ms

    @property
    def units_per_ms(self) -> int:
        """Debt repaid per millisecond."""
        return 1000 * self.requests

    def cost_units(self, cost: float) -> int:
        """``cost`` tokens as debt units, refusing costs no bucket of this size could ever pay."""
        milli = round(cost * 1000) if math.isfinite(cost) else 0
        if milli < 1:
            raise ValueError(f"cost must be at least 0.001 tokens, not {cost!r}")
        if milli > 1000 * self.requests:
            raise ValueError(f"cost {cost} exceeds the bucket's capacity of {self.requests}")
        return milli * self.period_ms


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: float  # tokens left (after this take when allowed), to the milli-token, rounded down
    retry_after_s: float  # 0 when allowed; otherwise seconds until ``cost`` tokens will be there


@dataclass(frozen=True)
class Lease:
    key: str
    id: str
    expires_at: float  # in the backend's clock: monotonic for memory, unix time for Redis


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _refill(debt: int, last_ms: int, held_p: int, now_ms: int, limit: RateLimit) -> tuple[int, int]:
    """The debt at ``max(now, last)`` and that instant; mirrors the Lua below step for step."""
    p = limit.period_ms
    if held_p != p:
        # The identity's limit changed (a tier upgrade): keep its missing tokens, not its units.
        # Float on purpose, exactly as Lua computes it, so both backends agree.
        debt = math.ceil(debt / held_p * p)
    debt = min(debt, limit.capacity_units)
    elapsed = now_ms - last_ms
    if elapsed > 0:
        # Clamp first: a long idle would otherwise overflow the exact range before the max(0, ...).
        debt = 0 if elapsed >= p else max(0, debt - elapsed * limit.units_per_ms)
        last_ms = now_ms
    return debt, last_ms


def _decide(debt: int, last_ms: int, now_ms: int, limit: RateLimit, need: int, commit: bool) -> Decision:
    """The decision for a bucket with ``debt`` at ``last_ms`` asked for ``need`` units."""
    cap = limit.capacity_units
    if debt + need <= cap:
        after = debt + need if commit else debt
        return Decision(True, (cap - after) // limit.period_ms / 1000, 0.0)
    # Later than now when the caller's clock is behind the bucket's (another process's clock).
    wait_ms = _ceil_div(debt + need - cap, limit.units_per_ms) + (last_ms - now_ms)
    return Decision(False, (cap - debt) // limit.period_ms / 1000, wait_ms / 1000)


@dataclass(frozen=True)
class MultiDecision:
    """What ``take_all`` decided: ``refused`` is the index of the bucket that said no (None: all paid)."""

    allowed: bool
    refused: int | None
    decisions: tuple[Decision, ...]  # one per bucket, in the order asked

    @property
    def retry_after_s(self) -> float:
        return 0.0 if self.refused is None else self.decisions[self.refused].retry_after_s


def _multi(decisions: list[Decision]) -> MultiDecision:
    refusals = [i for i, d in enumerate(decisions) if not d.allowed]
    if not refusals:
        return MultiDecision(True, None, tuple(decisions))
    worst = max(refusals, key=lambda i: decisions[i].retry_after_s)
    return MultiDecision(False, worst, tuple(decisions))


class LimitsBackend(Protocol):
    def take(self, key: str, limit: RateLimit, cost: float = 1) -> Decision: ...

    def take_all(self, buckets: Sequence[tuple[str, RateLimit]], cost: float = 1) -> MultiDecision: ...

    def peek(self, key: str, limit: RateLimit, cost: float = 1) -> Decision: ...

    def reset(self, key: str) -> None: ...

    def acquire(self, key: str, limit: int, lease_s: float) -> Lease | None: ...

    def release(self, lease: Lease) -> bool: ...

    def extend(self, lease: Lease, lease_s: float) -> Lease | None: ...

    def active(self, key: str) -> int: ...

    def hold(self, key: str, limit: int, lease_s: float) -> AbstractContextManager[Lease | None]: ...


def _check_concurrency(limit: int, lease_s: float) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"concurrency limit must be an integer of at least 1, not {limit!r}")
    _check_lease(lease_s)


def _check_lease(lease_s: float) -> None:
    if not lease_s > 0 or not math.isfinite(lease_s) or _ms(lease_s) < 1:
        raise ValueError(f"lease_s must be at least a millisecond, not {lease_s!r}")


@contextmanager
def _hold(backend: LimitsBackend, key: str, limit: int, lease_s: float) -> Iterator[Lease | None]:
    lease = backend.acquire(key, limit, lease_s)
    try:
        yield lease
    finally:
        if lease is not None:
            backend.release(lease)


# --------------------------------------------------------------------------- memory


@dataclass
class _Bucket:
    debt: int
    last_ms: int
    period_ms: int
    units_per_ms: int

    def full(self, now_ms: int) -> bool:
        return self.debt <= max(0, now_ms - self.last_ms) * self.units_per_ms


class MemoryLimits:
    """Process-memory limits for embedded mode; one lock, held for microseconds."""

    # Sweep full buckets and empty lease sets once the tables pass this many keys (then twice what is left).
    SWEEP_AT = 4096

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self._leases: dict[str, dict[str, int]] = {}  # key -> lease id -> expiry (ms)
        self._sweep_at = self.SWEEP_AT

    def _bucket(self, key: str, limit: RateLimit, cost: float, commit: bool) -> Decision:
        need = limit.cost_units(cost)
        now_ms = _ms(self._clock())
        with self._lock:
            held = self._buckets.get(key)
            debt, last_ms = 0, now_ms
            if held is not None:
                debt, last_ms = _refill(held.debt, held.last_ms, held.period_ms, now_ms, limit)
            decision = _decide(debt, last_ms, now_ms, limit, need, commit)
            if commit and decision.allowed:
                self._buckets[key] = _Bucket(debt + need, last_ms, limit.period_ms, limit.units_per_ms)
                self._maybe_sweep(now_ms)
        return decision

    def take(self, key: str, limit: RateLimit, cost: float = 1) -> Decision:
        return self._bucket(key, limit, cost, commit=True)

    def take_all(self, buckets: Sequence[tuple[str, RateLimit]], cost: float = 1) -> MultiDecision:
        """Charge ``cost`` to every bucket, or to none when any of them cannot pay it."""
        needs = [limit.cost_units(cost) for _, limit in buckets]
        now_ms = _ms(self._clock())
        with self._lock:
            states = []
            for key, limit in buckets:
                held = self._buckets.get(key)
                debt, last_ms = 0, now_ms
                if held is not None:
                    debt, last_ms = _refill(held.debt, held.last_ms, held.period_ms, now_ms, limit)
                states.append((debt, last_ms))
            decisions = [
                _decide(debt, last_ms, now_ms, limit, need, True)
                for (debt, last_ms), (_, limit), need in zip(states, buckets, needs, strict=True)
            ]
            result = _multi(decisions)
            if result.allowed:
                for (key, limit), (debt, last_ms), need in zip(buckets, states, needs, strict=True):
                    self._buckets[key] = _Bucket(debt + need, last_ms, limit.period_ms, limit.units_per_ms)
                self._maybe_sweep(now_ms)
        return result

    def peek(self, key: str, limit: RateLimit, cost: float = 1) -> Decision:
        """Would ``take`` admit ``cost`` now? ``remaining`` is what the bucket holds; nothing is taken."""
        return self._bucket(key, limit, cost, commit=False)

    def reset(self, key: str) -> None:
        with self._lock:
            self._buckets.pop(key, None)

    def _live(self, key: str, now_ms: int) -> dict[str, int]:
        leases = self._leases.setdefault(key, {})
        for lease_id in [i for i, expiry in leases.items() if expiry <= now_ms]:
            del leases[lease_id]
        return leases

    def acquire(self, key: str, limit: int, lease_s: float) -> Lease | None:
        _check_concurrency(limit, lease_s)
        now_ms = _ms(self._clock())
        with self._lock:
            leases = self._live(key, now_ms)
            if len(leases) >= limit:
                return None
            lease_id = uuid.uuid4().hex
            leases[lease_id] = now_ms + _ms(lease_s)
            self._maybe_sweep(now_ms)
            return Lease(key, lease_id, leases[lease_id] / 1000)

    def release(self, lease: Lease) -> bool:
        """Give the slot back; False when the lease had already expired (or was released)."""
        now_ms = _ms(self._clock())
        with self._lock:
            leases = self._live(lease.key, now_ms)
            return leases.pop(lease.id, None) is not None

    def extend(self, lease: Lease, lease_s: float) -> Lease | None:
        """Renew for ``lease_s`` from now; None when it already expired (its slot may be someone else's)."""
        _check_lease(lease_s)
        now_ms = _ms(self._clock())
        with self._lock:
            leases = self._live(lease.key, now_ms)
            if lease.id not in leases:
                return None
            leases[lease.id] = now_ms + _ms(lease_s)
            return Lease(lease.key, lease.id, leases[lease.id] / 1000)

    def active(self, key: str) -> int:
        now_ms = _ms(self._clock())
        with self._lock:
            return sum(expiry > now_ms for expiry in self._leases.get(key, {}).values())

    def hold(self, key: str, limit: int, lease_s: float) -> AbstractContextManager[Lease | None]:
        """``with limits.hold(key, 1, 300) as lease:`` a Lease released on exit, or None when full."""
        return _hold(self, key, limit, lease_s)

    def _maybe_sweep(self, now_ms: int) -> None:
        """Forget idle identities: a full bucket or an empty lease set is the same as none. Lock held."""
        if len(self._buckets) + len(self._leases) < self._sweep_at:
            return
        self._buckets = {key: b for key, b in self._buckets.items() if not b.full(now_ms)}
        self._leases = {key: live for key in list(self._leases) if (live := self._live(key, now_ms))}
        self._sweep_at = max(self.SWEEP_AT, 2 * (len(self._buckets) + len(self._leases)))


# --------------------------------------------------------------------------- redis

_LUA_HELPERS = """
local function fmt(x) return string.format('%.0f', x) end
-- exact integer division on doubles below 2^53: correct the float quotient by one either way
local function floor_div(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end
local function ceil_div(a, b)
  local q = floor_div(a, b)
  if q * b < a then q = q + 1 end
  return q
end
"""

# KEYS: bucket. ARGV: now_ms, requests, period_ms, need (debt units), commit (1/0), slack_ms.
# Returns {allowed, remaining milli-tokens, retry_after_ms}. Mirrors _refill and _decide.
_BUCKET = (
    _LUA_HELPERS
    + """
local key = KEYS[1]
local now, r, p, need = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local commit, slack = ARGV[5] == '1', tonumber(ARGV[6])
local cap, per_ms = 1000 * r * p, 1000 * r
local debt, last = 0, now
local h = redis.call('HMGET', key, 'd', 't', 'p')
if h[1] then
  debt, last = tonumber(h[1]), tonumber(h[2])
  local held_p = tonumber(h[3])
  if held_p ~= p then debt = math.ceil(debt / held_p * p) end
  if debt > cap then debt = cap end
  local elapsed = now - last
  if elapsed > 0 then
    if elapsed >= p then debt = 0 else debt = math.max(0, debt - elapsed * per_ms) end
    last = now
  end
end
if debt + need <= cap then
  local after = debt
  if commit then
    after = debt + need
    redis.call('HSET', key, 'd', fmt(after), 't', fmt(last), 'p', fmt(p))
    -- gone once full again: a missing bucket is a full one
    redis.call('PEXPIRE', key, ceil_div(after, per_ms) + slack)
  end
  return {1, floor_div(cap - after, p), 0}
end
return {0, floor_div(cap - debt, p), ceil_div(debt + need - cap, per_ms) + (last - now)}
"""
)

# KEYS: n buckets. ARGV: now_ms, slack_ms, then requests, period_ms, need for each bucket.
# Returns 3 numbers per bucket as _BUCKET does; every bucket is charged only when all allow.
_BUCKETS = (
    _LUA_HELPERS
    + """
local now, slack = tonumber(ARGV[1]), tonumber(ARGV[2])
local n = #KEYS
local st, out, all = {}, {}, true
for i = 1, n do
  local r, p, need = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  local cap, per_ms = 1000 * r * p, 1000 * r
  local debt, last = 0, now
  local h = redis.call('HMGET', KEYS[i], 'd', 't', 'p')
  if h[1] then
    debt, last = tonumber(h[1]), tonumber(h[2])
    local held_p = tonumber(h[3])
    if held_p ~= p then debt = math.ceil(debt / held_p * p) end
    if debt > cap then debt = cap end
    local elapsed = now - last
    if elapsed > 0 then
      if elapsed >= p then debt = 0 else debt = math.max(0, debt - elapsed * per_ms) end
      last = now
    end
  end
  st[i] = {debt, last, p, per_ms, need, cap}
  local at = 3 * (i - 1)
  if debt + need <= cap then
    out[at + 1] = 1
    out[at + 2] = floor_div(cap - debt - need, p)
    out[at + 3] = 0
  else
    all = false
    out[at + 1] = 0
    out[at + 2] = floor_div(cap - debt, p)
    out[at + 3] = ceil_div(debt + need - cap, per_ms) + (last - now)
  end
end
if all then
  for i = 1, n do
    local debt, last, p, per_ms, need = st[i][1], st[i][2], st[i][3], st[i][4], st[i][5]
    local after = debt + need
    redis.call('HSET', KEYS[i], 'd', fmt(after), 't', fmt(last), 'p', fmt(p))
    redis.call('PEXPIRE', KEYS[i], ceil_div(after, per_ms) + slack)
  end
end
return out
"""
)

# KEYS: lease set. ARGV: now_ms, limit, lease_ms, id, slack_ms. Returns the expiry (ms) or 0 (refused).
_ACQUIRE = """
local key = KEYS[1]
local now, limit, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) >= limit then return 0 end
local expiry = now + lease
redis.call('ZADD', key, expiry, ARGV[4])
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', key, tonumber(last[2]) - now + tonumber(ARGV[5]))
return expiry
"""

# KEYS: lease set. ARGV: now_ms, lease_ms, id, slack_ms. Returns the new expiry (ms) or 0 (lost).
_EXTEND = """
local key = KEYS[1]
local now, lease = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if not redis.call('ZSCORE', key, ARGV[3]) then return 0 end
local expiry = now + lease
redis.call('ZADD', key, 'XX', expiry, ARGV[3])
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', key, tonumber(last[2]) - now + tonumber(ARGV[4]))
return expiry
"""


class RedisLimits:
    """Limits in Redis, shared by every process; each operation one atomic command or script."""

    def __init__(
        self,
        url: str | None = None,
        prefix: str | None = None,
        clock: Clock = time.time,
        client: redis.Redis | None = None,
        timeout_s: float = 1.0,
    ) -> None:
        import redis as redis_lib

        self._errors = redis_lib.RedisError
        self._clock = clock
        self._prefix = prefix if prefix is not None else settings.POG_REDIS_PREFIX
        # A limits check sits on every request: a stalled Redis must fail fast, not hold the request.
        self._redis: redis.Redis = client or redis_lib.Redis.from_url(
            url or settings.REDIS_URL,
            decode_responses=True,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
        )
        self._bucket_script = self._redis.register_script(_BUCKET)
        self._buckets_script = self._redis.register_script(_BUCKETS)
        self._acquire_script = self._redis.register_script(_ACQUIRE)
        self._extend_script = self._redis.register_script(_EXTEND)

    def _rate_key(self, key: str) -> str:
        return f"{self._prefix}:limits:rate:{key}"

    def _lease_key(self, key: str) -> str:
        return f"{self._prefix}:limits:conc:{key}"

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self._errors as exc:
            raise LimitsUnavailable(f"limits store unavailable ({what}): {exc}") from exc

    def _bucket(self, key: str, limit: RateLimit, cost: float, commit: bool) -> Decision:
        need = limit.cost_units(cost)
        args = [_ms(self._clock()), limit.requests, limit.period_ms, need, int(commit), _EXPIRY_SLACK_MS]
        allowed, remaining, wait_ms = self._call(
            "take" if commit else "peek",
            lambda: self._bucket_script(keys=[self._rate_key(key)], args=args),
        )
        return Decision(bool(allowed), int(remaining) / 1000, int(wait_ms) / 1000)

    def take(self, key: str, limit: RateLimit, cost: float = 1) -> Decision:
        return self._bucket(key, limit, cost, commit=True)

    def take_all(self, buckets: Sequence[tuple[str, RateLimit]], cost: float = 1) -> MultiDecision:
        """Charge ``cost`` to every bucket, or to none when any of them cannot pay it (one script)."""
        args: list[int] = [_ms(self._clock()), _EXPIRY_SLACK_MS]
        for _, limit in buckets:
            args += [limit.requests, limit.period_ms, limit.cost_units(cost)]
        keys = [self._rate_key(key) for key, _ in buckets]
        flat = self._call("take_all", lambda: self._buckets_script(keys=keys, args=args))
        decisions = [
            Decision(bool(flat[i]), int(flat[i + 1]) / 1000, int(flat[i + 2]) / 1000)
            for i in range(0, len(flat), 3)
        ]
        return _multi(decisions)

    def peek(self, key: str, limit: RateLimit, cost: float = 1) -> Decision:
        """Would ``take`` admit ``cost`` now? ``remaining`` is what the bucket holds; nothing is taken."""
        return self._bucket(key, limit, cost, commit=False)

    def reset(self, key: str) -> None:
        self._call("reset", lambda: self._redis.delete(self._rate_key(key)))

    def acquire(self, key: str, limit: int, lease_s: float) -> Lease | None:
        _check_concurrency(limit, lease_s)
        lease_id = uuid.uuid4().hex
        args: list[str | int] = [_ms(self._clock()), limit, _ms(lease_s), lease_id, _EXPIRY_SLACK_MS]
        expiry = int(
            self._call("acquire", lambda: self._acquire_script(keys=[self._lease_key(key)], args=args))
        )
        return Lease(key, lease_id, expiry / 1000) if expiry else None

    def release(self, lease: Lease) -> bool:
        """Give the slot back; False when the lease had already expired (or was released)."""
        removed = self._call("release", lambda: self._redis.zrem(self._lease_key(lease.key), lease.id))
        return bool(removed)

    def extend(self, lease: Lease, lease_s: float) -> Lease | None:
        """Renew for ``lease_s`` from now; None when it already expired (its slot may be someone else's)."""
        _check_lease(lease_s)
        args: list[str | int] = [_ms(self._clock()), _ms(lease_s), lease.id, _EXPIRY_SLACK_MS]
        expiry = int(
            self._call("extend", lambda: self._extend_script(keys=[self._lease_key(lease.key)], args=args))
        )
        return Lease(lease.key, lease.id, expiry / 1000) if expiry else None

    def active(self, key: str) -> int:
        now_ms = _ms(self._clock())
        count = self._call("active", lambda: self._redis.zcount(self._lease_key(key), f"({now_ms}", "+inf"))
        return int(count)

    def hold(self, key: str, limit: int, lease_s: float) -> AbstractContextManager[Lease | None]:
        """``with limits.hold(key, 1, 300) as lease:`` a Lease released on exit, or None when full."""
        return _hold(self, key, limit, lease_s)


# --------------------------------------------------------------------------- process-wide

_default: ProcessDefault[LimitsBackend] = ProcessDefault(
    lambda: RedisLimits() if settings.REDIS_URL else MemoryLimits()
)


def default_limits() -> LimitsBackend:
    """Redis when ``REDIS_URL`` is set (scale mode), process memory otherwise."""
    return _default.get()


def use_limits(backend: LimitsBackend | None) -> None:
    """Swap the process-wide backend (tests); None re-reads settings (and starts empty) on next use."""
    _default.use_or_reset(backend)


def take(key: str, limit: RateLimit, cost: float = 1) -> Decision:
    return default_limits().take(key, limit, cost)


def take_all(buckets: Sequence[tuple[str, RateLimit]], cost: float = 1) -> MultiDecision:
    return default_limits().take_all(buckets, cost)


def peek(key: str, limit: RateLimit, cost: float = 1) -> Decision:
    return default_limits().peek(key, limit, cost)


def reset(key: str) -> None:
    default_limits().reset(key)


def acquire(key: str, limit: int, lease_s: float) -> Lease | None:
    return default_limits().acquire(key, limit, lease_s)


def release(lease: Lease) -> bool:
    return default_limits().release(lease)


def extend(lease: Lease, lease_s: float) -> Lease | None:
    return default_limits().extend(lease, lease_s)


def active(key: str) -> int:
    return default_limits().active(key)


def hold(key: str, limit: int, lease_s: float) -> AbstractContextManager[Lease | None]:
    """``with hold(key, 1, 300) as lease:`` a Lease (released on exit) or None when the limit is reached."""
    return default_limits().hold(key, limit, lease_s)
