"""Per-tier upload meters: uploads an hour (a rate, 429) and megabytes a day (a quota, 413).

Both are token buckets in the shared limits store (``accounts.limits``: Redis in scale
mode), so they hold across processes. Relic caches and files sent to limbs are charged
alike, once each, before anything is stored. Like the request meters, an unreachable
store lets the upload through and logs the problem.
"""

from __future__ import annotations

import logging
import math

from accounts import limits
from accounts.limits import LimitsUnavailable, RateLimit
from accounts.models import User
from pog_site.errors import RequestError

log = logging.getLogger(__name__)

HOUR_S = 3600
DAY_S = 86400
MIB = 1024 * 1024


def _wait_words(seconds: float) -> str:
    wait = max(1, math.ceil(seconds))
    if wait < 120:
        return f"{wait} s"
    if wait < 2 * HOUR_S:
        return f"{math.ceil(wait / 60)} minutes"
    return f"{wait / HOUR_S:.1f} hours"


def charge_upload(user: User, nbytes: int, field: str | None = "files") -> None:
    """Count one upload of ``nbytes`` against ``user``'s tier, or refuse it (RequestError)."""
    tier = user.effective_tier()
    per_hour, per_day_mb = tier.uploads_per_hour, tier.upload_mb_per_day
    mb = nbytes / MIB
    if per_hour < 1:
        raise RequestError(429, "uploads_off", f"The {tier.name} tier does not take uploads.", field)
    if mb > per_day_mb:
        raise RequestError(
            413,
            "upload_quota",
            f"This upload is {mb:.1f} MB; the {tier.name} tier takes at most {per_day_mb} MB of "
            "uploads a day.",
            field,
        )
    count = RateLimit(per_hour, HOUR_S)
    volume = RateLimit(per_day_mb, DAY_S)
    cost = max(mb, 0.001)
    try:
        seen = limits.peek(f"uploads:count:user:{user.pk}", count)
        if not seen.allowed:
            wait = _wait_words(seen.retry_after_s)
            raise RequestError(
                429,
                "upload_rate",
                f"That is {per_hour} uploads in an hour, the most the {tier.name} tier allows. "
                f"The next one can be sent in {wait}.",
                field,
                retry_after=max(1, math.ceil(seen.retry_after_s)),
            )
        taken = limits.take(f"uploads:mb:user:{user.pk}", volume, cost)
        if not taken.allowed:
            wait = _wait_words(taken.retry_after_s)
            raise RequestError(
                413,
                "upload_quota",
                f"This upload of {mb:.1f} MB would pass the {per_day_mb} MB of uploads a day the "
                f"{tier.name} tier allows ({taken.remaining:.1f} MB left). That much is free "
                f"again in {wait}.",
                field,
                retry_after=max(1, math.ceil(taken.retry_after_s)),
            )
        limits.take(f"uploads:count:user:{user.pk}", count)
    except LimitsUnavailable:
        log.warning("upload meters unavailable; letting the upload through", exc_info=True)
