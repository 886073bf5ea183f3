"""Circuit breakers per (provider, model): a dead provider costs nothing once it is known dead.

Closed: outcomes are counted in a rolling window of one-second buckets; once at
least ``min_requests`` landed and the failure share reaches ``error_rate`` the
breaker opens. Two more rules trip it regardless of the window, for providers
that fail slowly (a stall costs a whole hop timeout, so a 30 s window may never
hold ``min_requests`` of them under one-at-a-time traffic): ``min_requests``
consecutive failures open it, and so do ``slow_trip`` consecutive slow failures
(kind "stalled" or "timeout"). Any success resets both counters; any failure of
another kind resets the slow one (a stall, a 500, a stall is not two slow
failures in a row). Open: ``allow()`` is a pure read that says no, so the router makes
no upstream attempt at all. When the open period ends the breaker is half-open:
exactly one caller, across every thread and process, gets a probe lease; its
outcome closes the breaker (fresh window) or opens it again for longer. A probe
whose caller dies is not waited for forever: its lease expires.

Embedded mode keeps the state in process memory (``MemoryBackend``); scale mode
keeps it in Redis (``RedisBackend``) so every web and Celery process shares one
verdict, each transition one Lua script, so no two processes ever both win a
probe or both trip the breaker.

The clock is injectable: per backend (``clock=``), or for every backend made without one
(``use_clock``); the Redis backend passes the caller's ``now`` into its scripts (instead
of Redis ``TIME``) so tests can drive time there too.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from django.conf import settings

from pog_site.state import ProcessDefault

if TYPE_CHECKING:
    import redis

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
FORCED_OPEN = "forced_open"
FORCED_CLOSED = "forced_closed"

# A quota or rate-limit answer is the provider saying outright that it will refuse
# us; there is nothing statistical to wait for.
CERTAIN_KINDS = frozenset({"rate_limited", "quota_exhausted"})
# Failures that each already cost the caller a whole hop timeout: a few in a row
# are enough evidence, and waiting for more is what costs the most.
SLOW_KINDS = frozenset({"stalled", "timeout"})

Clock = Callable[[], float]
Forced = Literal["open", "closed"]

_clock: Clock = time.time


def now() -> float:
    """The breakers' time (unix seconds): the wall clock, unless ``use_clock`` set another."""
    return _clock()


def use_clock(clock: Clock | None) -> None:
    """Drive every backend made without a clock of its own from ``clock`` (tests, simulations),
    so an open period can pass without being waited for; None goes back to the wall clock."""
    global _clock
    _clock = clock if clock is not None else time.time


@dataclass(frozen=True)
class BreakerPolicy:
    window_s: int = 30
    min_requests: int = 5
    error_rate: float = 0.5
    open_s: float = 15.0
    max_open_s: float = 300.0
    probe_timeout_s: float = 30.0
    # Consecutive slow failures (stalled, timeout) that open it at once. One: each already
    # cost a caller a whole hop timeout, and the next caller should not pay another.
    slow_trip: int = 1

    def __post_init__(self) -> None:
        if self.window_s < 1 or self.min_requests < 1 or self.slow_trip < 1:
            raise ValueError("window_s, min_requests and slow_trip must be at least 1")
        if not 0 < self.error_rate <= 1:
            raise ValueError("error_rate must be in (0, 1]")
        if self.open_s <= 0 or self.max_open_s < self.open_s or self.probe_timeout_s <= 0:
            raise ValueError("need 0 < open_s <= max_open_s and probe_timeout_s > 0")

    @classmethod
    def from_settings(cls) -> BreakerPolicy:
        return cls(
            window_s=int(getattr(settings, "POG_BREAKER_WINDOW_S", 30)),
            min_requests=int(getattr(settings, "POG_BREAKER_MIN_REQUESTS", 5)),
            error_rate=float(getattr(settings, "POG_BREAKER_ERROR_RATE", 0.5)),
            open_s=float(getattr(settings, "POG_BREAKER_OPEN_S", 15)),
            max_open_s=float(getattr(settings, "POG_BREAKER_MAX_OPEN_S", 300)),
            probe_timeout_s=float(getattr(settings, "POG_BREAKER_PROBE_TIMEOUT_S", 30)),
            slow_trip=int(getattr(settings, "POG_BREAKER_SLOW_TRIP", 1)),
        )

    def open_period(self, trips: int, retry_after: float | None, exact: bool) -> float:
        """How long to stay open after the ``trips``-th consecutive opening.

        ``exact``: a certain quota answer with a Retry-After is taken at its word,
        even when shorter than ``open_s``.
        """
        if exact and retry_after is not None:
            return min(self.max_open_s, max(0.0, retry_after))
        # Each failed probe doubles the wait: a provider down for an hour gets a
        # probe every max_open_s, not every open_s.
        grown = self.open_s * 2.0 ** min(max(trips, 1) - 1, 30)
        return min(self.max_open_s, max(grown, retry_after or 0.0))


@dataclass(frozen=True)
class BreakerState:
    provider: str
    model: str
    state: str  # closed | open | half_open | forced_open | forced_closed
    failures: int  # in the current window
    requests: int  # in the current window
    opened_until: float | None  # unix time the open period ends (or ended, when half-open)
    forced: Forced | None
    last_error_kind: str | None
    probing: bool = False  # a half-open probe lease is out
    trips: int = 0  # consecutive openings without a successful probe
    consecutive: int = 0  # failures since the last success (or closing)
    consecutive_slow: int = 0  # slow failures (stalled, timeout) with nothing else in between


def _classify(retry_after: float | None, kind: str | None) -> tuple[bool, bool]:
    """(certain, exact): does this failure open at once, and is its Retry-After the period?"""
    if kind not in CERTAIN_KINDS:
        return False, False
    if retry_after is not None:
        return True, True
    # A used-up daily quota is certain even without a Retry-After; a bare 429 is not.
    return kind == "quota_exhausted", False


# What ``admit`` answers: no call, a call while closed, or the one half-open probe.
REFUSED, PASS, PROBE = 0, 1, 2


class BreakerBackend(Protocol):
    policy: BreakerPolicy

    def allow(self, provider: str, model: str) -> bool: ...

    def admit(self, provider: str, model: str) -> int: ...

    def record(
        self, provider: str, model: str, ok: bool, retry_after: float | None, kind: str | None
    ) -> None: ...

    def force(self, provider: str, model: str, forced: Forced | None) -> None: ...

    def state(self, provider: str, model: str) -> BreakerState: ...

    def all_states(self) -> list[BreakerState]: ...

    def reset_all(self) -> None: ...


# --------------------------------------------------------------------------- memory


@dataclass
class _Entry:
    state: str = CLOSED  # closed | open; half-open is open with the period over
    forced: Forced | None = None
    opened_until: float | None = None
    probe_until: float | None = None
    trips: int = 0
    last_error_kind: str | None = None
    # [bucket second, successes, failures], oldest first, plus running totals.
    buckets: deque[list[int]] = field(default_factory=deque)
    successes: int = 0
    failures: int = 0
    consecutive: int = 0
    consecutive_slow: int = 0

    def sweep(self, bucket: int, window_s: int) -> None:
        while self.buckets and self.buckets[0][0] <= bucket - window_s:
            _, s, f = self.buckets.popleft()
            self.successes -= s
            self.failures -= f

    def count(self, bucket: int, ok: bool) -> None:
        if not self.buckets or self.buckets[-1][0] != bucket:
            self.buckets.append([bucket, 0, 0])
        if ok:
            self.buckets[-1][1] += 1
            self.successes += 1
        else:
            self.buckets[-1][2] += 1
            self.failures += 1

    def streak(self, ok: bool, slow: bool) -> None:
        """Count consecutive failures; a success resets both, a non-slow failure the slow one."""
        self.consecutive = 0 if ok else self.consecutive + 1
        self.consecutive_slow = self.consecutive_slow + 1 if slow and not ok else 0

    def clear_window(self) -> None:
        self.buckets.clear()
        self.successes = self.failures = 0

    def open(self, now: float, period: float, trips: int) -> None:
        self.state, self.trips = OPEN, trips
        self.opened_until, self.probe_until = now + period, None

    def close(self) -> None:
        self.state, self.trips = CLOSED, 0
        self.opened_until = self.probe_until = None
        self.consecutive = self.consecutive_slow = 0
        self.clear_window()


class MemoryBackend:
    """Process-memory breakers for embedded mode; one lock, held for microseconds."""

    def __init__(self, policy: BreakerPolicy | None = None, clock: Clock | None = None) -> None:
        self.policy = policy or BreakerPolicy.from_settings()
        self._clock = clock if clock is not None else now
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}

    def _entry(self, provider: str, model: str) -> _Entry:
        entry = self._entries.get((provider, model))
        if entry is None:
            entry = self._entries[(provider, model)] = _Entry()
        return entry

    def allow(self, provider: str, model: str) -> bool:
        return self.admit(provider, model) != REFUSED

    def admit(self, provider: str, model: str) -> int:
        now = self._clock()
        with self._lock:
            entry = self._entry(provider, model)
            if entry.forced is not None:
                return PASS if entry.forced == "closed" else REFUSED
            if entry.state == CLOSED:
                return PASS
            assert entry.opened_until is not None
            if now < entry.opened_until or (entry.probe_until is not None and now < entry.probe_until):
                return REFUSED
            entry.probe_until = now + self.policy.probe_timeout_s
            return PROBE

    def record(
        self, provider: str, model: str, ok: bool, retry_after: float | None, kind: str | None
    ) -> None:
        now, policy = self._clock(), self.policy
        certain, exact = (False, False) if ok else _classify(retry_after, kind)
        bucket = int(now // 1)
        with self._lock:
            entry = self._entry(provider, model)
            if not ok:
                entry.last_error_kind = kind or "error"
            if entry.state == OPEN and entry.forced is None:
                assert entry.opened_until is not None
                if now < entry.opened_until:
                    # A call that began before the breaker opened: it proves nothing new,
                    # except that a quota answer may push the reopening further out.
                    if certain and retry_after is not None:
                        entry.opened_until = max(
                            entry.opened_until, now + min(retry_after, policy.max_open_s)
                        )
                    return
                if ok:
                    entry.close()
                else:
                    trips = entry.trips + 1
                    entry.open(now, policy.open_period(trips, retry_after, False), trips)
                return
            entry.sweep(bucket, policy.window_s)
            entry.count(bucket, ok)
            entry.streak(ok, kind in SLOW_KINDS)
            if ok or entry.forced is not None:
                return
            requests = entry.successes + entry.failures
            if (
                certain
                or (requests >= policy.min_requests and entry.failures / requests >= policy.error_rate)
                or entry.consecutive >= policy.min_requests
                or entry.consecutive_slow >= policy.slow_trip
            ):
                entry.open(now, policy.open_period(1, retry_after, exact), 1)

    def force(self, provider: str, model: str, forced: Forced | None) -> None:
        with self._lock:
            entry = self._entry(provider, model)
            # Release keeps the window: if the provider failed all through a forced
            # close, the next failure trips it, as it would have without staff.
            if forced is not None:
                entry.close()
            entry.forced = forced

    def _snapshot(self, provider: str, model: str, entry: _Entry, now: float) -> BreakerState:
        entry.sweep(int(now // 1), self.policy.window_s)
        return BreakerState(
            provider=provider,
            model=model,
            state=_effective_state(entry.forced, entry.state, entry.opened_until, now),
            failures=entry.failures,
            requests=entry.successes + entry.failures,
            opened_until=entry.opened_until,
            forced=entry.forced,
            last_error_kind=entry.last_error_kind,
            probing=entry.probe_until is not None and now < entry.probe_until,
            trips=entry.trips,
            consecutive=entry.consecutive,
            consecutive_slow=entry.consecutive_slow,
        )

    def state(self, provider: str, model: str) -> BreakerState:
        now = self._clock()
        with self._lock:
            return self._snapshot(provider, model, self._entry(provider, model), now)

    def all_states(self) -> list[BreakerState]:
        now = self._clock()
        with self._lock:
            return [self._snapshot(p, m, e, now) for (p, m), e in sorted(self._entries.items())]

    def reset_all(self) -> None:
        with self._lock:
            self._entries.clear()


def _effective_state(forced: str | None, state: str, opened_until: float | None, now: float) -> str:
    if forced is not None:
        return FORCED_OPEN if forced == "open" else FORCED_CLOSED
    if state == OPEN and opened_until is not None:
        return OPEN if now < opened_until else HALF_OPEN
    return CLOSED


# --------------------------------------------------------------------------- redis

# One hash per breaker. Window buckets live in the same hash as fields
# "w:<second>:s" / "w:<second>:f": a separate key would be ambiguous for model
# names that themselves contain ':' (Ollama's "llama3:8b").
_LUA_PRELUDE = """
local key, registry = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local function touch()
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'state', 'closed', 'trips', 0)
    redis.call('SADD', registry, ARGV[2])
  end
end
local function clear_window()
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if string.sub(f, 1, 2) == 'w:' then redis.call('HDEL', key, f) end
  end
end
local function close()
  clear_window()
  redis.call('HSET', key, 'state', 'closed', 'trips', 0)
  redis.call('HDEL', key, 'opened_until', 'probe_until', 'consec', 'slow')
end
"""

# ARGV: now, member, probe_timeout_s. Returns 0 (refused), 1 (go) or 2 (go: the probe).
_ALLOW = (
    _LUA_PRELUDE
    + """
local h = redis.call('HMGET', key, 'state', 'forced', 'opened_until', 'probe_until')
if not h[1] then touch() return 1 end
if h[2] == 'open' then return 0 end
if h[2] == 'closed' or h[1] ~= 'open' then return 1 end
if now < tonumber(h[3]) then return 0 end
if h[4] and now < tonumber(h[4]) then return 0 end
redis.call('HSET', key, 'probe_until', string.format('%.6f', now + tonumber(ARGV[3])))
return 2
"""
)

# ARGV: now, member, ok(1/0), retry_after(''), kind, certain(1/0), exact(1/0),
#       window_s, min_requests, error_rate, open_s, max_open_s, slow(1/0), slow_trip
_RECORD = (
    _LUA_PRELUDE
    + """
local ok, retry, kind = ARGV[3] == '1', tonumber(ARGV[4]), ARGV[5]
local certain, exact = ARGV[6] == '1', ARGV[7] == '1'
local window_s, min_req, rate = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local open_s, max_open = tonumber(ARGV[11]), tonumber(ARGV[12])
local slow, slow_trip = ARGV[13] == '1', tonumber(ARGV[14])
local bucket = math.floor(now)
touch()
local h = redis.call('HMGET', key, 'state', 'forced', 'opened_until', 'trips', 'swept')
local forced, trips = h[2], tonumber(h[4]) or 0

local function open(n, exact_period)
  local period
  if exact_period then
    period = math.min(max_open, math.max(retry, 0))
  else
    period = math.min(max_open, math.max(open_s * 2 ^ math.min(n - 1, 30), retry or 0))
  end
  redis.call('HSET', key, 'state', 'open', 'trips', n, 'opened_until', string.format('%.6f', now + period))
  redis.call('HDEL', key, 'probe_until')
end

-- drop buckets that left the window; return (successes, failures) in it
local function sweep()
  local all = redis.call('HGETALL', key)
  local s, f = 0, 0
  for i = 1, #all, 2 do
    local b, which = string.match(all[i], '^w:(%-?%d+):([sf])$')
    if b then
      if tonumber(b) <= bucket - window_s then
        redis.call('HDEL', key, all[i])
      elseif which == 's' then
        s = s + tonumber(all[i + 1])
      else
        f = f + tonumber(all[i + 1])
      end
    end
  end
  redis.call('HSET', key, 'swept', bucket)
  return s, f
end

if not ok then redis.call('HSET', key, 'last_error_kind', kind) end

if h[1] == 'open' and not forced then
  local until_ = tonumber(h[3])
  if now < until_ then
    if certain and retry and now + math.min(retry, max_open) > until_ then
      redis.call('HSET', key, 'opened_until', string.format('%.6f', now + math.min(retry, max_open)))
    end
    return 0
  end
  if ok then close() else open(trips + 1, false) end
  return 1
end

redis.call('HINCRBY', key, 'w:' .. string.format('%d', bucket) .. (ok and ':s' or ':f'), 1)
-- consecutive failures; a success resets both counters, a non-slow failure the slow one
local consec, slow_run = 0, 0
if ok then
  redis.call('HDEL', key, 'consec', 'slow')
else
  consec = redis.call('HINCRBY', key, 'consec', 1)
  if slow then slow_run = redis.call('HINCRBY', key, 'slow', 1) else redis.call('HDEL', key, 'slow') end
end
if ok or forced then
  -- sweep once per second at most: successes are the hot path
  if tonumber(h[5]) ~= bucket then sweep() end
  return 0
end
local s, f = sweep()
if certain or (s + f >= min_req and f / (s + f) >= rate) or consec >= min_req or slow_run >= slow_trip then
  open(1, exact)
  return 1
end
return 0
"""
)

# ARGV: now, member, forced ('open' | 'closed' | '' to release)
_FORCE = (
    _LUA_PRELUDE
    + """
touch()
if ARGV[3] == '' then
  redis.call('HDEL', key, 'forced')
else
  close()
  redis.call('HSET', key, 'forced', ARGV[3])
end
return 1
"""
)


class RedisBackend:
    """Breakers in Redis, shared by every process; each transition is one atomic script."""

    def __init__(
        self,
        url: str | None = None,
        prefix: str | None = None,
        policy: BreakerPolicy | None = None,
        clock: Clock | None = None,
        client: redis.Redis | None = None,
    ) -> None:
        import redis as redis_lib

        self.policy = policy or BreakerPolicy.from_settings()
        self._clock = clock if clock is not None else now
        self._prefix = prefix if prefix is not None else settings.POG_REDIS_PREFIX
        # Short timeouts: a stalled Redis must not hold a request longer than a stalled provider would.
        self._redis: redis.Redis = client or redis_lib.Redis.from_url(
            url or settings.REDIS_URL, decode_responses=True, socket_connect_timeout=2, socket_timeout=2
        )
        self._registry = f"{self._prefix}:breakers"
        self._allow = self._redis.register_script(_ALLOW)
        self._record = self._redis.register_script(_RECORD)
        self._force = self._redis.register_script(_FORCE)

    def _key(self, provider: str, model: str) -> str:
        return f"{self._prefix}:breaker:{provider}:{model}"

    def _keys(self, provider: str, model: str) -> list[str]:
        return [self._key(provider, model), self._registry]

    @staticmethod
    def _member(provider: str, model: str) -> str:
        # JSON, because provider and model names may hold any separator we might pick.
        return json.dumps([provider, model])

    def allow(self, provider: str, model: str) -> bool:
        return self.admit(provider, model) != REFUSED

    def admit(self, provider: str, model: str) -> int:
        args: list[str | float] = [
            repr(self._clock()),
            self._member(provider, model),
            self.policy.probe_timeout_s,
        ]
        return int(self._allow(keys=self._keys(provider, model), args=args))

    def record(
        self, provider: str, model: str, ok: bool, retry_after: float | None, kind: str | None
    ) -> None:
        certain, exact = (False, False) if ok else _classify(retry_after, kind)
        p = self.policy
        args: list[Any] = [
            repr(self._clock()),
            self._member(provider, model),
            int(ok),
            "" if retry_after is None else repr(float(retry_after)),
            kind or "error",
            int(certain),
            int(exact),
            p.window_s,
            p.min_requests,
            repr(p.error_rate),
            repr(p.open_s),
            repr(p.max_open_s),
            int(not ok and kind in SLOW_KINDS),
            p.slow_trip,
        ]
        self._record(keys=self._keys(provider, model), args=args)

    def force(self, provider: str, model: str, forced: Forced | None) -> None:
        args: list[str] = [repr(self._clock()), self._member(provider, model), forced or ""]
        self._force(keys=self._keys(provider, model), args=args)

    def _snapshot(self, provider: str, model: str, h: dict[str, str], now: float) -> BreakerState:
        oldest = int(now // 1) - self.policy.window_s
        successes = failures = 0
        for name, value in h.items():
            if not name.startswith("w:"):
                continue
            _, second, which = name.split(":")
            if int(second) > oldest:
                if which == "s":
                    successes += int(value)
                else:
                    failures += int(value)
        opened_until = float(h["opened_until"]) if "opened_until" in h else None
        forced = h.get("forced")
        return BreakerState(
            provider=provider,
            model=model,
            state=_effective_state(forced, h.get("state", CLOSED), opened_until, now),
            failures=failures,
            requests=successes + failures,
            opened_until=opened_until,
            forced="open" if forced == "open" else "closed" if forced == "closed" else None,
            last_error_kind=h.get("last_error_kind"),
            probing="probe_until" in h and now < float(h["probe_until"]),
            trips=int(h.get("trips", 0)),
            consecutive=int(h.get("consec", 0)),
            consecutive_slow=int(h.get("slow", 0)),
        )

    def state(self, provider: str, model: str) -> BreakerState:
        h: dict[str, str] = self._redis.hgetall(self._key(provider, model))  # type: ignore[assignment]
        return self._snapshot(provider, model, h, self._clock())

    def _known(self) -> list[tuple[str, str]]:
        members: set[str] = self._redis.smembers(self._registry)  # type: ignore[assignment]
        known: list[tuple[str, str]] = []
        for member in members:
            provider, model = json.loads(member)
            known.append((str(provider), str(model)))
        return sorted(known)

    def all_states(self) -> list[BreakerState]:
        known = self._known()
        pipe = self._redis.pipeline(transaction=False)
        for provider, model in known:
            pipe.hgetall(self._key(provider, model))
        now = self._clock()
        return [
            self._snapshot(provider, model, h, now)
            for (provider, model), h in zip(known, pipe.execute(), strict=True)
        ]

    def reset_all(self) -> None:
        keys = [self._key(p, m) for p, m in self._known()]
        self._redis.delete(self._registry, *keys)


# --------------------------------------------------------------------------- handles


class Breaker:
    """The breaker of one (provider, model); a thin handle, cheap to create per call."""

    __slots__ = ("_backend", "model", "provider")

    def __init__(self, provider: str, model: str, backend: BreakerBackend | None = None) -> None:
        self.provider = provider
        self.model = model
        self._backend = backend or default_backend()

    def allow(self) -> bool:
        """May a call go upstream now? While half-open, True grants the one probe."""
        return self._backend.allow(self.provider, self.model)

    def admit(self) -> int:
        """Like ``allow``, but says which: REFUSED, PASS (closed) or PROBE (half-open)."""
        return self._backend.admit(self.provider, self.model)

    def record_success(self) -> None:
        self._backend.record(self.provider, self.model, True, None, None)

    def record_failure(self, retry_after: float | None = None, kind: str | None = None) -> None:
        self._backend.record(self.provider, self.model, False, retry_after, kind)

    def state(self) -> BreakerState:
        return self._backend.state(self.provider, self.model)

    def force(self, state: Forced | None) -> None:
        """Staff override: "open" refuses every call, "closed" allows every call, None releases."""
        self._backend.force(self.provider, self.model, state)

    def __repr__(self) -> str:
        return f"Breaker({self.provider!r}, {self.model!r})"


_default: ProcessDefault[BreakerBackend] = ProcessDefault(
    lambda: RedisBackend() if settings.REDIS_URL else MemoryBackend()
)


def default_backend() -> BreakerBackend:
    """Redis when ``REDIS_URL`` is set (scale mode), process memory otherwise."""
    return _default.get()


def use_backend(backend: BreakerBackend | None) -> None:
    """Swap the process-wide backend (tests, benchmarks); None re-reads settings on next use."""
    _default.use_or_reset(backend)


def breaker(provider: str, model: str) -> Breaker:
    return Breaker(provider, model, default_backend())


def all_states() -> list[BreakerState]:
    """Every breaker ever touched (allowed, recorded or forced), by provider then model."""
    return default_backend().all_states()


def reset_all() -> None:
    default_backend().reset_all()
