"""Pre-threat detection: each identity's request, error and bad-input counts against its own baseline.

Counting. Per identity (a string such as ``"user:42"``) and per metric, events are
counted in fixed buckets of ``bucket_s`` seconds (default 60) aligned to the unix
epoch. ``record(identity, status=...)`` is called once per API request once its
status is known and counts:

- every status as a request (``requests``), including 401/403/404/429: those are
  ordinary answers (and 429 is our own throttle speaking, which must not ratchet a
  throttled identity into more flags);
- 5xx also as an error (``errors``);
- 400, 413 and 422 also as bad input (``bad_input``): the request itself was malformed.

Baseline. When a bucket closes (the first call that falls in a later bucket, or
``evaluate``), each metric's count is folded into an EWMA mean and EWMA variance
(smoothing ``alpha``, default 0.3; the first closed bucket seeds the mean). Buckets in
which the identity sent nothing are not folded: the baseline describes how busy the
identity is *when it is active*, so a user who comes back after lunch at their usual
pace is not compared with an hour of zeros. An identity idle for ``ttl_s`` (a day)
forgets its history and has to earn a baseline again.

Rule. A bucket's count x for a metric trips when, against the baseline as it stood
before that bucket (mean m, variance v, h closed buckets of history):

    h >= min_history (5)  and  x >= floor (20 / 10 / 10)  and  z = (x - m) / s >= threshold (4.0)

with s = sqrt(max(v, m, 1)). The variance is floored at the mean because counts carry
at least Poisson noise: an identity that happened to send exactly ten requests every
minute would otherwise trip on eleven. The floor keeps quiet identities from ever
tripping on noise however spiky they are in relative terms.

Errors and bad input are judged by *count*, not by share of requests. A share over a
handful of requests is noise (one failure in two is 50 %), the floor already demands
ten of them in a bucket, and a client probing at its usual volume moves the count
exactly as much as the share. The share is in the evidence for staff to read.

Early trip. Within a bucket counts only grow and the baseline does not move, so a
bucket that will trip when it closes trips as soon as its running count crosses the
line: ``record`` returns the verdict then (once per bucket and metric), and the
identity is throttled while the burst is still going on instead of a minute later.
``AnomalyPolicy(trip_early=False)`` judges at close only.

Folding a tripped bucket. The value folded is clipped to ``m + threshold * s`` (once
there is enough history), so one burst cannot teach the baseline that bursts are
normal, while a genuine lasting change of pace is still absorbed within a few buckets.

Backends. ``MemoryAnomalies`` (embedded mode, one lock) and ``RedisAnomalies`` (scale
mode: one hash per identity, every call one Lua script doing record and roll-over
atomically, so two processes never fold a bucket twice or lose a count). The caller's
clock is passed into the script, as in ``accounts.limits``. A record whose clock is
behind the identity's current bucket (another process's clock) counts in the current
bucket: a closed bucket is never reopened.

Short windows. Besides the baselines, each backend keeps plain counters over a sliding
window of ``slots`` slots of ``slot_s`` seconds (``count``), or of distinct members seen
within the window (a counter with ``member``: each member's last sighting is kept, so a
member counts once however often it is seen, and drops out a window after it was last
seen); and one-shot claims (``claim``) so that a burst is reported once per window.
``accounts.bursts`` builds the within-a-minute burst rules on them; they need no history.

Redis down. Every ``RedisAnomalies`` operation raises ``AnomaliesUnavailable``; the
caller fails open (``accounts.threats.note_request`` logs and carries on).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

from pog_site.state import ProcessDefault

if TYPE_CHECKING:
    import redis

Clock = Callable[[], float]

REQUESTS, ERRORS, BAD_INPUT = "requests", "errors", "bad_input"
METRICS: tuple[str, str, str] = (REQUESTS, ERRORS, BAD_INPUT)
BAD_INPUT_STATUSES = frozenset({400, 413, 422})


class AnomaliesUnavailable(RuntimeError):  # noqa: N818 - the name callers were promised
    """The anomaly store (Redis) could not answer; callers fail open."""


def increments(status: int) -> tuple[int, int, int]:
    """What one response with ``status`` adds to (requests, errors, bad_input)."""
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"status must be an HTTP status code, not {status!r}")
    return 1, int(status >= 500), int(status in BAD_INPUT_STATUSES)


@dataclass(frozen=True)
class AnomalyPolicy:
    bucket_s: int = 60
    alpha: float = 0.3
    min_history: int = 5
    threshold: float = 4.0
    floors: tuple[int, int, int] = (20, 10, 10)  # requests, errors, bad_input per bucket
    ttl_s: int = 86400
    trip_early: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.bucket_s, bool) or not isinstance(self.bucket_s, int) or self.bucket_s < 1:
            raise ValueError(f"bucket_s must be a whole number of seconds, at least 1, not {self.bucket_s!r}")
        if not 0 < self.alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], not {self.alpha!r}")
        if self.min_history < 1 or not self.threshold > 0 or not math.isfinite(self.threshold):
            raise ValueError("min_history must be at least 1 and threshold a positive number")
        if len(self.floors) != len(METRICS) or any(f < 1 for f in self.floors):
            raise ValueError(f"floors must be three counts of at least 1, not {self.floors!r}")
        if self.ttl_s < self.bucket_s:
            raise ValueError("ttl_s must be at least one bucket")

    @classmethod
    def from_settings(cls) -> AnomalyPolicy:
        return cls(
            bucket_s=int(getattr(settings, "POG_ANOMALY_BUCKET_S", 60)),
            alpha=float(getattr(settings, "POG_ANOMALY_ALPHA", 0.3)),
            min_history=int(getattr(settings, "POG_ANOMALY_MIN_HISTORY", 5)),
            threshold=float(getattr(settings, "POG_ANOMALY_Z", 4.0)),
            floors=(
                int(getattr(settings, "POG_ANOMALY_FLOOR_REQUESTS", 20)),
                int(getattr(settings, "POG_ANOMALY_FLOOR_ERRORS", 10)),
                int(getattr(settings, "POG_ANOMALY_FLOOR_BAD_INPUT", 10)),
            ),
            ttl_s=int(getattr(settings, "POG_ANOMALY_TTL_S", 86400)),
            trip_early=bool(getattr(settings, "POG_ANOMALY_TRIP_EARLY", True)),
        )

    def bucket(self, now: float) -> int:
        return math.floor(now / self.bucket_s)


@dataclass(frozen=True)
class Verdict:
    """One metric of one bucket that left the identity's baseline."""

    identity: str
    metric: str
    count: int  # in the bucket when it tripped (the running count, with early trips)
    mean: float  # the baseline before this bucket
    std: float  # the spread z was measured in: sqrt(max(variance, mean, 1))
    z: float
    bucket_start: float  # unix time
    history: int = 0  # closed buckets behind the baseline
    requests: int = 0  # requests in the same bucket, for the error / bad-input share
    threshold: float = 0.0
    floor: int = 0
    bucket_s: int = 0

    def as_evidence(self) -> dict[str, Any]:
        """JSON-ready, for ``AnomalyFlag.evidence``: what tripped, against what, by which rule."""
        evidence: dict[str, Any] = {
            "identity": self.identity,
            "metric": self.metric,
            "count": self.count,
            "mean": round(self.mean, 3),
            "std": round(self.std, 3),
            "z": round(self.z, 3),
            "bucket_start": self.bucket_start,
            "bucket_s": self.bucket_s,
            "history": self.history,
            "requests_in_bucket": self.requests,
            "rule": {"z_at_least": self.threshold, "count_at_least": self.floor},
        }
        if self.metric != REQUESTS and self.requests:
            evidence["share_of_requests"] = round(self.count / self.requests, 3)
        return evidence


@dataclass(frozen=True)
class Baseline:
    """An identity's state: the open bucket's counts and each metric's EWMA mean and std."""

    identity: str
    bucket_start: float
    counts: dict[str, int]
    history: int
    mean: dict[str, float]
    std: dict[str, float]  # the EWMA's own, without the Poisson floor


@dataclass(frozen=True)
class Count:
    """One windowed counter to bump by ``inc``; with ``member``, a count of distinct members instead."""

    key: str
    inc: int = 1
    member: str | None = None


class AnomaliesBackend(Protocol):
    policy: AnomalyPolicy

    def record(self, identity: str, *, status: int) -> list[Verdict]: ...

    def count(self, counts: Sequence[Count], slot_s: int, slots: int) -> list[int]: ...

    def claim(self, key: str, ttl_s: float) -> bool: ...

    def evaluate(self, identity: str, now: float | None = None) -> list[Verdict]: ...

    def reset(self, identity: str) -> None: ...

    def baseline(self, identity: str) -> Baseline | None: ...


# --------------------------------------------------------------------------- the arithmetic


@dataclass
class _State:
    """One identity; every list is indexed like METRICS. Mirrors the Redis hash field for field."""

    bucket: int
    seen: float  # last call, for forgetting idle identities
    history: int = 0
    counts: list[int] = field(default_factory=lambda: [0, 0, 0])
    tripped: list[int] = field(default_factory=lambda: [0, 0, 0])
    mean: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    var: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])


def _spread(mean: float, var: float) -> float:
    return math.sqrt(max(var, mean, 1.0))


def _judge(policy: AnomalyPolicy, st: _State, i: int, identity: str, bucket: int) -> Verdict | None:
    x, m = st.counts[i], st.mean[i]
    if st.history < policy.min_history or x < policy.floors[i]:
        return None
    s = _spread(m, st.var[i])
    z = (x - m) / s
    if z < policy.threshold:
        return None
    return Verdict(
        identity=identity,
        metric=METRICS[i],
        count=x,
        mean=m,
        std=s,
        z=z,
        bucket_start=bucket * policy.bucket_s,
        history=st.history,
        requests=st.counts[0],
        threshold=policy.threshold,
        floor=policy.floors[i],
        bucket_s=policy.bucket_s,
    )


def _fold(policy: AnomalyPolicy, st: _State) -> None:
    """Fold the open bucket into the baseline (skipped when it saw no request)."""
    if st.counts[0] == 0:
        return
    a = policy.alpha
    for i in range(len(METRICS)):
        x, m, v = float(st.counts[i]), st.mean[i], st.var[i]
        if st.history == 0:
            st.mean[i], st.var[i] = x, 0.0
            continue
        if st.history >= policy.min_history:
            x = min(x, m + policy.threshold * _spread(m, v))
        # Incremental EWMA of mean and variance (West / Finch): both from the same difference.
        diff = x - m
        st.mean[i] = m + a * diff
        st.var[i] = (1 - a) * (v + a * diff * diff)
    st.history += 1


def _step(
    policy: AnomalyPolicy, st: _State | None, identity: str, bucket: int, now: float, incs: Sequence[int]
) -> tuple[_State, list[Verdict]]:
    """One call: roll over if the bucket moved on, then count. Mirrors _STEP (Lua) line for line."""
    verdicts: list[Verdict] = []
    if st is None or now - st.seen > policy.ttl_s:
        st = _State(bucket, now)
    elif bucket > st.bucket:
        if not policy.trip_early:
            verdicts += [v for i in range(len(METRICS)) if (v := _judge(policy, st, i, identity, st.bucket))]
        _fold(policy, st)
        st.bucket, st.counts, st.tripped = bucket, [0, 0, 0], [0, 0, 0]
    st.seen = max(st.seen, now)
    for i, inc in enumerate(incs):
        st.counts[i] += inc
        if inc and policy.trip_early and not st.tripped[i]:
            verdict = _judge(policy, st, i, identity, st.bucket)
            if verdict is not None:
                st.tripped[i] = 1
                verdicts.append(verdict)
    return st, verdicts


def _baseline(policy: AnomalyPolicy, identity: str, st: _State) -> Baseline:
    return Baseline(
        identity=identity,
        bucket_start=st.bucket * policy.bucket_s,
        counts=dict(zip(METRICS, st.counts, strict=True)),
        history=st.history,
        mean=dict(zip(METRICS, st.mean, strict=True)),
        std={name: math.sqrt(v) for name, v in zip(METRICS, st.var, strict=True)},
    )


# --------------------------------------------------------------------------- memory


class MemoryAnomalies:
    """Process-memory detector for embedded mode; one lock, held for microseconds."""

    SWEEP_AT = 4096

    def __init__(self, clock: Clock = time.time, policy: AnomalyPolicy | None = None) -> None:
        self.policy = policy or AnomalyPolicy.from_settings()
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}
        self._sweep_at = self.SWEEP_AT
        self._windows: dict[str, dict[int, int]] = {}  # counter -> slot -> count
        self._members: dict[str, dict[str, float]] = {}  # distinct counter -> member -> last seen
        self._marks: dict[str, float] = {}  # claim -> expiry (clock seconds)
        self._window_sweep_at = self.SWEEP_AT

    def _call(self, identity: str, now: float, incs: Sequence[int]) -> list[Verdict]:
        bucket = self.policy.bucket(now)
        with self._lock:
            st, verdicts = _step(self.policy, self._states.get(identity), identity, bucket, now, incs)
            self._states[identity] = st
            if len(self._states) >= self._sweep_at:
                # Identities idle past the ttl have forgotten their history anyway.
                self._states = {k: s for k, s in self._states.items() if now - s.seen <= self.policy.ttl_s}
                self._sweep_at = max(self.SWEEP_AT, 2 * len(self._states))
        return verdicts

    def record(self, identity: str, *, status: int) -> list[Verdict]:
        return self._call(identity, self._clock(), increments(status))

    def count(self, counts: Sequence[Count], slot_s: int, slots: int) -> list[int]:
        """Bump each counter (or add its member); each one's total over the window."""
        now = self._clock()
        slot = math.floor(now / slot_s)
        since = now - slot_s * slots
        totals = []
        with self._lock:
            for c in counts:
                if c.member is not None:
                    seen = self._members.setdefault(c.key, {})
                    if c.inc:
                        seen[c.member] = max(now, seen.get(c.member, now))
                    for gone in [m for m, at in seen.items() if at <= since]:
                        del seen[gone]
                    totals.append(len(seen))
                    continue
                held = self._windows.setdefault(c.key, {})
                if c.inc:
                    held[slot] = held.get(slot, 0) + c.inc
                for old in [s for s in held if s <= slot - slots]:
                    del held[old]
                totals.append(sum(held.values()))
            if len(self._windows) + len(self._members) + len(self._marks) >= self._window_sweep_at:
                self._windows = {k: w for k, w in self._windows.items() if any(s > slot - slots for s in w)}
                self._members = {
                    k: m for k, m in self._members.items() if any(at > since for at in m.values())
                }
                self._marks = {k: until for k, until in self._marks.items() if until > now}
                kept = len(self._windows) + len(self._members) + len(self._marks)
                self._window_sweep_at = max(self.SWEEP_AT, 2 * kept)
        return totals

    def claim(self, key: str, ttl_s: float) -> bool:
        """True once per ``ttl_s`` for ``key``: the first caller reports, the others stay quiet."""
        now = self._clock()
        with self._lock:
            if self._marks.get(key, -math.inf) > now:
                return False
            self._marks[key] = now + ttl_s
            return True

    def evaluate(self, identity: str, now: float | None = None) -> list[Verdict]:
        """Close the buckets due by ``now`` without counting anything; what tripped as they closed."""
        with self._lock:
            if identity not in self._states:
                return []
        return self._call(identity, self._clock() if now is None else now, (0, 0, 0))

    def reset(self, identity: str) -> None:
        with self._lock:
            self._states.pop(identity, None)

    def baseline(self, identity: str) -> Baseline | None:
        with self._lock:
            st = self._states.get(identity)
            return None if st is None else _baseline(self.policy, identity, st)


# --------------------------------------------------------------------------- redis

# KEYS: the identity's hash. ARGV: bucket, now_ms, inc requests, inc errors, inc bad_input, alpha,
# min_history, threshold, floor x3, trip_early (1/0), ttl_ms, create (1/0).
# Returns a flat list, 8 strings per verdict: metric index, count, mean, std, z, bucket, history, requests.
# Hash fields: b bucket, s seen (ms), h history, c1..c3 counts, t1..t3 tripped, m1..m3 mean, v1..v3 var.
_STEP = """
local key = KEYS[1]
local bucket, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local incs = {tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])}
local a, min_h, thr = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local floors = {tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])}
local early, ttl, create = ARGV[12] == '1', tonumber(ARGV[13]), ARGV[14] == '1'
local function f(x) return string.format('%.17g', x) end
local function spread(m, v) return math.sqrt(math.max(v, m, 1)) end

local raw = redis.call('HGETALL', key)
if #raw == 0 and not create then return {} end
local st = {}
for i = 1, #raw, 2 do st[raw[i]] = tonumber(raw[i + 1]) end
local b, h = st['b'], st['h'] or 0
local c, t, m, v = {}, {}, {}, {}
for i = 1, 3 do
  c[i], t[i] = st['c' .. i] or 0, st['t' .. i] or 0
  m[i], v[i] = st['m' .. i] or 0, st['v' .. i] or 0
end
local out = {}
local function judge(i, at)
  if h < min_h or c[i] < floors[i] then return false end
  local s = spread(m[i], v[i])
  local z = (c[i] - m[i]) / s
  if z < thr then return false end
  for _, x in ipairs({i - 1, c[i], f(m[i]), f(s), f(z), at, h, c[1]}) do out[#out + 1] = tostring(x) end
  return true
end

if b == nil or now - st['s'] > ttl then
  b, h = bucket, 0
  for i = 1, 3 do c[i], t[i], m[i], v[i] = 0, 0, 0, 0 end
elseif bucket > b then
  if not early then for i = 1, 3 do judge(i, b) end end
  if c[1] > 0 then
    for i = 1, 3 do
      local x = c[i]
      if h == 0 then
        m[i], v[i] = x, 0
      else
        if h >= min_h then x = math.min(x, m[i] + thr * spread(m[i], v[i])) end
        local diff = x - m[i]
        m[i] = m[i] + a * diff
        v[i] = (1 - a) * (v[i] + a * diff * diff)
      end
    end
    h = h + 1
  end
  b = bucket
  for i = 1, 3 do c[i], t[i] = 0, 0 end
end
local seen = math.max(st['s'] or now, now)
for i = 1, 3 do
  c[i] = c[i] + incs[i]
  if incs[i] > 0 and early and t[i] == 0 and judge(i, b) then t[i] = 1 end
end
redis.call('HSET', key, 'b', f(b), 's', f(seen), 'h', f(h),
  'c1', f(c[1]), 'c2', f(c[2]), 'c3', f(c[3]), 't1', t[1], 't2', t[2], 't3', t[3],
  'm1', f(m[1]), 'm2', f(m[2]), 'm3', f(m[3]), 'v1', f(v[1]), 'v2', f(v[2]), 'v3', f(v[3]))
redis.call('PEXPIRE', key, ttl + 60000)
return out
"""


# KEYS: n counters. ARGV: now_ms, slot_ms, slots, then n increments, then n members ('' for a
# plain counter). Returns n totals. A plain counter is a hash of slot -> count; a distinct
# counter a sorted set of member -> last seen (ms).
_COUNT = """
local now, slot_ms, slots = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local slot = math.floor(now / slot_ms)
local n = #KEYS
local window = slot_ms * slots
local out = {}
for i = 1, n do
  local key, inc, member = KEYS[i], tonumber(ARGV[3 + i]), ARGV[3 + n + i]
  if member ~= '' then
    if inc > 0 then
      redis.call('ZADD', key, 'GT', now, member)
      redis.call('PEXPIRE', key, window + slot_ms)
    end
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    out[i] = redis.call('ZCARD', key)
  else
    if inc > 0 then
      redis.call('HINCRBY', key, slot, inc)
      redis.call('PEXPIRE', key, window + slot_ms)
    end
    local total, raw = 0, redis.call('HGETALL', key)
    for j = 1, #raw, 2 do
      if tonumber(raw[j]) <= slot - slots then redis.call('HDEL', key, raw[j])
      else total = total + tonumber(raw[j + 1]) end
    end
    out[i] = total
  end
end
return out
"""


class RedisAnomalies:
    """Detector state in Redis, shared by every process; each call one atomic script."""

    def __init__(
        self,
        url: str | None = None,
        prefix: str | None = None,
        clock: Clock = time.time,
        policy: AnomalyPolicy | None = None,
        client: redis.Redis | None = None,
        timeout_s: float = 1.0,
    ) -> None:
        import redis as redis_lib

        self.policy = policy or AnomalyPolicy.from_settings()
        self._errors = redis_lib.RedisError
        self._clock = clock
        self._prefix = prefix if prefix is not None else settings.POG_REDIS_PREFIX
        # Called on every request: a stalled Redis must cost a second at most, then fail open.
        self._redis: redis.Redis = client or redis_lib.Redis.from_url(
            url or settings.REDIS_URL,
            decode_responses=True,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
        )
        self._step = self._redis.register_script(_STEP)
        self._count = self._redis.register_script(_COUNT)

    def _key(self, identity: str) -> str:
        return f"{self._prefix}:anomaly:{identity}"

    def _run(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self._errors as exc:
            raise AnomaliesUnavailable(f"anomaly store unavailable ({what}): {exc}") from exc

    def _call(self, identity: str, now: float, incs: Sequence[int], create: bool) -> list[Verdict]:
        p = self.policy
        policy_args: list[str | int] = [
            repr(p.alpha),
            p.min_history,
            repr(p.threshold),
            *p.floors,
            int(p.trip_early),
        ]
        args = [p.bucket(now), round(now * 1000), *incs, *policy_args, p.ttl_s * 1000, int(create)]
        flat = self._run("record", lambda: self._step(keys=[self._key(identity)], args=args))
        verdicts = []
        for at in range(0, len(flat), 8):
            i, count, mean, std, z, bucket, history, requests = (float(x) for x in flat[at : at + 8])
            verdicts.append(
                Verdict(
                    identity=identity,
                    metric=METRICS[int(i)],
                    count=int(count),
                    mean=mean,
                    std=std,
                    z=z,
                    bucket_start=int(bucket) * p.bucket_s,
                    history=int(history),
                    requests=int(requests),
                    threshold=p.threshold,
                    floor=p.floors[int(i)],
                    bucket_s=p.bucket_s,
                )
            )
        return verdicts

    def record(self, identity: str, *, status: int) -> list[Verdict]:
        return self._call(identity, self._clock(), increments(status), create=True)

    def count(self, counts: Sequence[Count], slot_s: int, slots: int) -> list[int]:
        """Bump each counter (or add its member); each one's total over the window (one script)."""
        if not counts:
            return []
        keys = [self._key(f"{'d' if c.member is not None else 'w'}:{c.key}") for c in counts]
        args: list[int | str] = [round(self._clock() * 1000), slot_s * 1000, slots]
        args += [c.inc for c in counts] + [c.member or "" for c in counts]
        totals = self._run("count", lambda: self._count(keys=keys, args=args))
        return [int(t) for t in totals]

    def claim(self, key: str, ttl_s: float) -> bool:
        """True once per ``ttl_s`` for ``key``, across every process."""
        ttl_ms = max(1, round(ttl_s * 1000))
        won = self._run("claim", lambda: self._redis.set(self._key(f"c:{key}"), "1", px=ttl_ms, nx=True))
        return bool(won)

    def evaluate(self, identity: str, now: float | None = None) -> list[Verdict]:
        """Close the buckets due by ``now`` without counting anything; what tripped as they closed."""
        return self._call(identity, self._clock() if now is None else now, (0, 0, 0), create=False)

    def reset(self, identity: str) -> None:
        self._run("reset", lambda: self._redis.delete(self._key(identity)))

    def baseline(self, identity: str) -> Baseline | None:
        raw: dict[str, str] = self._run("baseline", lambda: self._redis.hgetall(self._key(identity)))
        if not raw:
            return None
        st = _State(
            bucket=int(float(raw["b"])),
            seen=float(raw["s"]) / 1000,
            history=int(float(raw["h"])),
            counts=[int(float(raw[f"c{i}"])) for i in (1, 2, 3)],
            tripped=[int(raw[f"t{i}"]) for i in (1, 2, 3)],
            mean=[float(raw[f"m{i}"]) for i in (1, 2, 3)],
            var=[float(raw[f"v{i}"]) for i in (1, 2, 3)],
        )
        return _baseline(self.policy, identity, st)


# --------------------------------------------------------------------------- process-wide

_default: ProcessDefault[AnomaliesBackend] = ProcessDefault(
    lambda: RedisAnomalies() if settings.REDIS_URL else MemoryAnomalies()
)


def default_anomalies() -> AnomaliesBackend:
    """Redis when ``REDIS_URL`` is set (scale mode), process memory otherwise."""
    return _default.get()


def use_anomalies(backend: AnomaliesBackend | None) -> None:
    """Swap the process-wide backend (tests); None re-reads settings (and starts empty) on next use."""
    _default.use_or_reset(backend)


def record(identity: str, *, status: int) -> list[Verdict]:
    return default_anomalies().record(identity, status=status)


def evaluate(identity: str, now: float | None = None) -> list[Verdict]:
    return default_anomalies().evaluate(identity, now)


def reset(identity: str) -> None:
    default_anomalies().reset(identity)


def count(counts: Sequence[Count], slot_s: int, slots: int) -> list[int]:
    return default_anomalies().count(counts, slot_s, slots)


def claim(key: str, ttl_s: float) -> bool:
    return default_anomalies().claim(key, ttl_s)
