"""The rate meters one request must pass, and the words of their 429s.

A request is charged to every meter that applies, all or nothing (``limits.take_all``):

- its identity's (``user:42``): the tier's allowance; a fraction of it for a guest in its
  first ``POG_NEWCOMER_S`` seconds (identities are free, so a fresh one earns trust
  before it gets the full allowance); a quarter while flagged;
- its client address's: ``POG_LIMIT_ADDRESS_MULTIPLE`` times the tier's allowance, shared
  by everyone behind that address (a household or a classroom behind one NAT still works,
  a crowd of throwaway identities does not);
- its network prefix's: ``POG_LIMIT_PREFIX_MULTIPLE`` times, for clients that also rotate
  addresses within their network.

An address or prefix that the detector flagged gets the same quarter as a flagged identity.
Generations (``limbs.admission``) and reads (``accounts.reads``) keep separate buckets.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts import threats
from accounts.addresses import Client
from accounts.limits import MultiDecision, RateLimit
from accounts.models import Tier, User
from pog_site.errors import RequestError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Meter:
    """One bucket a request is charged to, and how to say that it is empty."""

    key: str
    limit: RateLimit
    code: str
    whose: str  # finishes "That is N requests in a minute, the most ..."
    flagged: bool = False


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def newcomer_s() -> int:
    return int(_setting("POG_NEWCOMER_S", 600))


def is_newcomer(user: User) -> bool:
    """A guest made less than ``POG_NEWCOMER_S`` ago (accounts with a password are not free to make)."""
    joined = getattr(user, "date_joined", None)
    if not user.is_guest or joined is None:
        return False
    return bool(timezone.now() - joined < timedelta(seconds=newcomer_s()))


def scaled(limit: RateLimit, factor: float) -> RateLimit:
    """``limit`` with ``factor`` times the requests in the same period."""
    return RateLimit(max(1, math.floor(limit.requests * factor)), limit.period_s)


def generation_meters(owner: User, tier: Tier, client: Client | None) -> list[Meter]:
    """The meters a generation by ``owner`` from ``client`` is charged to (ValueError: unusable tier)."""
    base = RateLimit(tier.requests_per_period, tier.period_s)
    return _meters("rate", base, owner, tier.name, client)


def read_meters(user_id: int | None, client: Client | None) -> list[Meter]:
    """The meters an API read is charged to: its identity's and its address's read allowances."""
    period = 60.0
    meters: list[Meter] = []
    if user_id is not None:
        per_identity = RateLimit(int(_setting("POG_READS_PER_MINUTE", 300)), period)
        flagged = threats.is_throttled(user_id)
        meters.append(
            Meter(
                f"reads:user:{user_id}",
                threats.throttled_limit(per_identity) if flagged else per_identity,
                "reads_rate_limited",
                "one identity may make"
                + (" while the studio's staff look at some unusual activity" if flagged else ""),
                flagged,
            )
        )
    if client is not None:
        per_address = RateLimit(int(_setting("POG_READS_PER_ADDRESS_MINUTE", 3000)), period)
        address_flagged, _ = threats.throttled_subjects(client)
        meters.append(
            Meter(
                f"reads:{client.address_key}",
                threats.throttled_limit(per_address) if address_flagged else per_address,
                "address_reads_rate_limited",
                f"everyone at your address {client.address} may make together"
                + (" while the studio's staff look at unusual activity from it" if address_flagged else ""),
                address_flagged,
            )
        )
    return meters


def page_meters(client: Client) -> list[Meter]:
    """The meter a page view is charged to: its address's page allowance."""
    limit = RateLimit(int(_setting("POG_PAGES_PER_ADDRESS_MINUTE", 120)), 60.0)
    address_flagged, _ = threats.throttled_subjects(client)
    return [
        Meter(
            f"pages:{client.address_key}",
            threats.throttled_limit(limit) if address_flagged else limit,
            "address_pages_rate_limited",
            f"everyone at your address {client.address} may open together",
            address_flagged,
        )
    ]


def _meters(bucket: str, base: RateLimit, owner: User, tier_name: str, client: Client | None) -> list[Meter]:
    throttled = threats.is_throttled(owner.pk)
    own = base
    whose = f"the {tier_name} tier allows"
    if is_newcomer(owner):
        own = threats.throttled_limit(base, int(_setting("POG_NEWCOMER_DIVISOR", 3)))
        minutes = max(1, round(newcomer_s() / 60))
        whose = (
            f"a new guest may make in its first {minutes} minutes (the {tier_name} tier allows "
            f"{base.requests} after that, or as soon as you sign up)"
        )
    if throttled:
        own = threats.throttled_limit(own)
        whose = "your account allows while the studio's staff take a look at some unusual activity"
    meters = [Meter(f"{bucket}:user:{owner.pk}", own, "rate_limited", whose, throttled)]
    if client is None:
        return meters
    address_flagged, prefix_flagged = threats.throttled_subjects(client)
    for key, multiple, flagged, code, where in (
        (
            client.address_key,
            _setting("POG_LIMIT_ADDRESS_MULTIPLE", 20),
            address_flagged,
            "address_rate_limited",
            f"your address {client.address}",
        ),
        (
            client.prefix_key,
            _setting("POG_LIMIT_PREFIX_MULTIPLE", 60),
            prefix_flagged,
            "network_rate_limited",
            f"your network {client.prefix}",
        ),
    ):
        limit = scaled(base, multiple)
        if flagged:
            limit = threats.throttled_limit(limit)
        meters.append(
            Meter(
                f"{bucket}:{key}",
                limit,
                code,
                f"everyone at {where} may make together ({multiple:g} times one {tier_name} identity's "
                "allowance"
                + (", cut while the studio's staff look at unusual activity from it)" if flagged else ")"),
                flagged,
            )
        )
    return meters


def period_words(period_s: float) -> str:
    seconds = round(period_s)
    if seconds == 60:
        return "a minute"
    if seconds == 3600:
        return "an hour"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} s"


def refusal(meters: list[Meter], decision: MultiDecision, what: str = "requests") -> RequestError:
    """The 429 for the meter that refused: which limit, how big, and when to come back."""
    assert decision.refused is not None
    meter = meters[decision.refused]
    wait = max(1, math.ceil(decision.retry_after_s))
    return RequestError(
        429,
        meter.code,
        f"That is {meter.limit.requests} {what} in {period_words(meter.limit.period_s)}, the most "
        f"{meter.whose}. The next one can start in {wait} s.",
        None,
        retry_after=wait,
    )
