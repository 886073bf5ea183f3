"""Bursts within a minute, per identity, per client address and per network prefix.

The baseline detector (``accounts.anomaly``) compares an identity with its own past, so
it needs minutes of history and never sees an identity that is thrown away after a few
requests. These rules need no history: each counts over the last ``window_s`` seconds
(12 slots of 5 s by default, so a burst is seen within seconds of crossing the line) and
trips when a count reaches a fixed line. What each subject is judged on:

- an identity (``user:42``): its requests, its refusals (429s it kept sending after it
  was told when to come back) and its bad inputs (400/413/422);
- an address (``address:203.0.113.7``): its requests, when they also stand far above the
  population's (``population_factor`` times the mean of every *other* active address, so
  a busy studio raises the line and a quiet one leaves the fixed floor), and how many
  distinct identities it used (rotating identities is the tell);
- a prefix (``prefix:203.0.113.0/24``): distinct identities, and new identities made
  from it (guests created: free identities are the raw material of rotation).

Each rule reports once per window (``claim``); ``accounts.threats`` turns a report into an
``AnomalyFlag`` naming the subject, the count and the window, and throttles the subject
until staff clear it. Counting lives in the anomaly backend (process memory, or Redis in
scale mode, one script per request for every counter together).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from accounts import anomaly
from accounts.addresses import Client
from accounts.anomaly import Count, increments

REQUESTS, REFUSED, BAD_INPUT = "burst_requests", "burst_refused", "burst_bad_input"
IDENTITIES, NEW_IDENTITIES = "identities", "new_identities"

_WORDS = {
    REQUESTS: "requests",
    REFUSED: "requests refused with 429 and sent again",
    BAD_INPUT: "malformed requests (400/413/422)",
    IDENTITIES: "distinct identities",
    NEW_IDENTITIES: "new guest identities",
}


@dataclass(frozen=True)
class BurstPolicy:
    slot_s: int = 5
    slots: int = 12
    identity_requests: int = 300
    identity_refused: int = 60
    identity_bad_input: int = 30
    address_requests: int = 600
    address_identities: int = 40
    prefix_identities: int = 120
    prefix_new_identities: int = 30
    population_factor: float = 10.0

    def __post_init__(self) -> None:
        if self.slot_s < 1 or self.slots < 1:
            raise ValueError("slot_s and slots must be at least 1")
        lines = (
            self.identity_requests,
            self.identity_refused,
            self.identity_bad_input,
            self.address_requests,
            self.address_identities,
            self.prefix_identities,
            self.prefix_new_identities,
        )
        if any(line < 1 for line in lines):
            raise ValueError(f"every burst line must be at least 1, not {lines!r}")
        if not self.population_factor >= 1 or not math.isfinite(self.population_factor):
            raise ValueError(f"population_factor must be at least 1, not {self.population_factor!r}")

    @property
    def window_s(self) -> int:
        return self.slot_s * self.slots

    @classmethod
    def from_settings(cls) -> BurstPolicy:
        def get(name: str, default: int) -> int:
            return int(getattr(settings, f"POG_BURST_{name}", default))

        return cls(
            slot_s=get("SLOT_S", 5),
            slots=max(1, get("WINDOW_S", 60) // get("SLOT_S", 5)),
            identity_requests=get("IDENTITY_REQUESTS", 300),
            identity_refused=get("IDENTITY_REFUSED", 60),
            identity_bad_input=get("IDENTITY_BAD_INPUT", 30),
            address_requests=get("ADDRESS_REQUESTS", 600),
            address_identities=get("ADDRESS_IDENTITIES", 40),
            prefix_identities=get("PREFIX_IDENTITIES", 120),
            prefix_new_identities=get("PREFIX_NEW_IDENTITIES", 30),
            population_factor=float(getattr(settings, "POG_BURST_POPULATION_FACTOR", 10.0)),
        )


@dataclass(frozen=True)
class Burst:
    """A subject that crossed a line within the window: what was seen, against which line."""

    subject: str  # "user:42", "address:203.0.113.7" or "prefix:203.0.113.0/24"
    metric: str
    count: int
    line: int  # count_at_least
    window_s: int
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def user_id(self) -> int | None:
        kind, _, value = self.subject.partition(":")
        return int(value) if kind == "user" and value.isdigit() else None

    def describe(self) -> str:
        return f"{self.count} {_WORDS[self.metric]} from {self.subject} in {self.window_s} s"

    def as_evidence(self) -> dict[str, Any]:
        """JSON-ready, for ``AnomalyFlag.evidence``: who, what, how many, in which window, by which rule."""
        return {
            "subject": self.subject,
            "metric": self.metric,
            "seen": self.describe(),
            "count": self.count,
            "window_s": self.window_s,
            "rule": {"count_at_least": self.line, "within_s": self.window_s},
            **self.detail,
        }


def _judge(
    policy: BurstPolicy, subject: str, metric: str, count: int, line: int, **detail: Any
) -> Burst | None:
    if count < line or not anomaly.claim(f"burst:{subject}:{metric}", policy.window_s):
        return None
    return Burst(subject, metric, count, line, policy.window_s, detail)


def observe_request(
    identity: str | None, client: Client | None, status: int, policy: BurstPolicy | None = None
) -> list[Burst]:
    """Count one answered request of ``identity`` (``user:42``) from ``client``; the bursts it completes."""
    policy = policy or BurstPolicy.from_settings()
    _, _, bad = increments(status)
    counts: list[Count] = []
    if identity is not None:
        counts += [
            Count(f"{identity}:requests"),
            Count(f"{identity}:refused", int(status == 429)),
            Count(f"{identity}:bad_input", bad),
        ]
    if client is not None:
        seen = int(identity is not None)
        counts += [
            Count(f"{client.address_key}:requests"),
            Count(f"{client.address_key}:identities", seen, member=str(identity)),
            Count(f"{client.prefix_key}:identities", seen, member=str(identity)),
            Count("all:requests"),
            Count("all:addresses", member=client.address),
        ]
    if not counts:
        return []
    totals = dict(
        zip((c.key for c in counts), anomaly.count(counts, policy.slot_s, policy.slots), strict=True)
    )
    found: list[Burst | None] = []
    if identity is not None:
        found += [
            _judge(policy, identity, REQUESTS, totals[f"{identity}:requests"], policy.identity_requests),
            _judge(policy, identity, REFUSED, totals[f"{identity}:refused"], policy.identity_refused),
            _judge(policy, identity, BAD_INPUT, totals[f"{identity}:bad_input"], policy.identity_bad_input),
        ]
    if client is not None:
        own = totals[f"{client.address_key}:requests"]
        everyone, active = totals["all:requests"], totals["all:addresses"]
        others_mean = (everyone - own) / (active - 1) if active > 1 else 0.0
        line = max(policy.address_requests, math.ceil(policy.population_factor * others_mean))
        found += [
            _judge(
                policy,
                f"address:{client.address}",
                REQUESTS,
                own,
                line,
                population={"active_addresses": active, "mean_of_other_addresses": round(others_mean, 2)},
            ),
            _judge(
                policy,
                f"address:{client.address}",
                IDENTITIES,
                totals[f"{client.address_key}:identities"],
                policy.address_identities,
            ),
            _judge(
                policy,
                f"prefix:{client.prefix}",
                IDENTITIES,
                totals[f"{client.prefix_key}:identities"],
                policy.prefix_identities,
            ),
        ]
    return [b for b in found if b is not None]


def observe_new_identity(client: Client, policy: BurstPolicy | None = None) -> list[Burst]:
    """Count one identity made from ``client`` (a guest); a burst when its prefix makes too many."""
    policy = policy or BurstPolicy.from_settings()
    key = f"{client.prefix_key}:new_identities"
    (total,) = anomaly.count([Count(key)], policy.slot_s, policy.slots)
    burst = _judge(
        policy,
        f"prefix:{client.prefix}",
        NEW_IDENTITIES,
        total,
        policy.prefix_new_identities,
        last_address=client.address,
    )
    return [burst] if burst is not None else []
