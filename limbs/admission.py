"""Admission: the tier's meters, one running slot (concurrency), then one token (rate).

The rate is charged to the identity, its client address and its network prefix at once
(``accounts.meters``): identities are free, addresses are not.
"""

from __future__ import annotations

import logging

from accounts import addresses, limits, meters
from accounts.limits import Lease, LimitsUnavailable
from accounts.models import User
from limbs.spec import ActionSpec
from pog_site.errors import RequestError

log = logging.getLogger(__name__)


# A running slot outlives the action's deadline by this much before it frees itself.
LEASE_MARGIN_S = 30.0

BUSY_RETRY_S = 2


def admit(owner: User, action: ActionSpec) -> Lease | None:
    """The tier's meters: one running slot (concurrency), then one token (rate) from every meter.

    Checked after validation, so a typo never costs a token. If the shared store is
    unreachable the request is let through and the problem logged: a meter outage
    must not take the studio down with it.
    """
    tier = owner.effective_tier()
    try:
        rate_meters = meters.generation_meters(owner, tier, addresses.current())
    except ValueError:
        # A tier saved with limits the limiter cannot count (Tier.clean refuses them in the
        # admin): meter nothing rather than fail every request of that tier.
        log.error("tier %s has unusable limits; admitting the request", tier.slug, exc_info=True)
        return None
    lease: Lease | None = None
    try:
        lease = limits.acquire(
            f"busy:user:{owner.pk}", max(1, tier.concurrency), lease_s=action.deadline_s + LEASE_MARGIN_S
        )
        if lease is None:
            running = "one thing" if tier.concurrency == 1 else f"{tier.concurrency} things"
            raise RequestError(
                429,
                "busy",
                f"You already have {running} being made (the {tier.name} tier makes {running} at a "
                "time). It will be your turn as soon as that is done.",
                None,
                retry_after=BUSY_RETRY_S,
            )
        decision = limits.take_all([(m.key, m.limit) for m in rate_meters])
    except LimitsUnavailable:
        log.warning("rate and concurrency limits unavailable; admitting the request", exc_info=True)
        release(lease)
        return None
    if not decision.allowed:
        release(lease)
        raise meters.refusal(rate_meters, decision)
    return lease


def release(lease: Lease | str | None, owner_id: int | None = None) -> None:
    if isinstance(lease, str):
        lease = Lease(f"busy:user:{owner_id}", lease, 0.0) if lease else None
    if lease is None:
        return
    try:
        limits.release(lease)
    except LimitsUnavailable:
        log.warning("could not release a concurrency lease; it expires by itself", exc_info=True)
