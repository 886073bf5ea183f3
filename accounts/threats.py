"""The Django side of pre-threat detection: flags for staff, and a stricter limit while flagged.

``note_request(user_id, status, client)`` feeds every API response to
``accounts.anomaly`` (the identity against its own baseline) and to
``accounts.bursts`` (the identity, its address and its network prefix within the last
minute); ``note_new_identity(client)`` feeds each guest made. Each verdict becomes an
``AnomalyFlag`` naming its subject (``user:42``, ``address:203.0.113.7``,
``prefix:203.0.113.0/24``) and carrying the evidence, unless that subject already has an
uncleared flag for that metric (a burst that lasts five minutes is one incident, not
five). A subject with any uncleared flag is throttled: ``is_throttled`` (an identity) and
``throttled_subjects`` (an address, a prefix) say so, and ``throttled_limit`` turns the
limit that applies into a much stricter one, until staff read the evidence and
``clear_flag``.

Staleness. ``is_throttled`` sits on the admission path of every request, so the studio's
uncleared flags (few, usually none) are kept in process memory for ``POG_ANOMALY_CACHE_S``
(2 s): one query then answers every identity, address and prefix asked about meanwhile.
With more uncleared flags than ``_CACHE_MAX``, each subject is asked about on its own
(and cached as long). A flag created or cleared in *this* process takes effect at once
(what was kept is dropped); one created or cleared in another process is seen here at
most that long later.

Failing open. When the detector's store (Redis) is down, ``note_request`` logs and
counts nothing: a monitoring outage must not take requests down with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts import anomaly, bursts
from accounts.addresses import Client, client_of
from accounts.anomaly import AnomaliesUnavailable, Verdict
from accounts.bursts import Burst
from accounts.limits import RateLimit
from accounts.models import AnomalyFlag, User

log = logging.getLogger(__name__)

_cache: dict[str, tuple[float, bool]] = {}  # subject -> (valid until, monotonic; throttled)
_cache_lock = threading.Lock()
_CACHE_MAX = 10_000
_monotonic: Callable[[], float] = time.monotonic


def identity_of(user_id: int) -> str:
    return f"user:{user_id}"


def _cache_s() -> float:
    return float(getattr(settings, "POG_ANOMALY_CACHE_S", 2.0))


# Every uncleared flag's subject and user, kept until a moment on _monotonic(); None: not
# known (or more flags than _CACHE_MAX, when _cache answers per subject instead).
_flags: tuple[float, frozenset[str], frozenset[int]] | None = None


def _forget(subject: str) -> None:
    global _flags
    with _cache_lock:
        _cache.pop(subject, None)
        _flags = None


def clear_cache() -> None:
    """Drop every cached answer (tests, or after a bulk change in the admin)."""
    global _flags
    with _cache_lock:
        _cache.clear()
        _flags = None


def _all_flags(now: float) -> tuple[float, frozenset[str], frozenset[int]] | None:
    """The uncleared flags, from memory while fresh; None when there are too many to keep."""
    global _flags
    with _cache_lock:
        kept = _flags
    if kept is not None and kept[0] > now:
        return kept
    rows = list(
        AnomalyFlag.objects.filter(cleared_at__isnull=True).values_list("subject", "user_id")[
            : _CACHE_MAX + 1
        ]
    )
    if len(rows) > _CACHE_MAX:
        return None
    fresh = (
        now + _cache_s(),
        frozenset(subject for subject, _ in rows),
        frozenset(user_id for _, user_id in rows if user_id is not None),
    )
    with _cache_lock:
        _flags = fresh
    return fresh


def note_request(user_id: int | None, status: int, client: Client | None = None) -> None:
    """Count one answered API request; flag the user for each metric that left its baseline, and
    the user, its address or its prefix for each burst it completes."""
    identity = identity_of(user_id) if user_id is not None else None
    try:
        verdicts = anomaly.record(identity, status=status) if identity is not None else []
        found = bursts.observe_request(identity, client, status)
    except AnomaliesUnavailable:
        log.warning("anomaly detection unavailable; request not counted", exc_info=True)
        return
    if user_id is not None:
        for verdict in verdicts:
            flag_verdict(user_id, verdict)
    for burst in found:
        flag_burst(burst)


def note_new_identity(client: Client) -> None:
    """Count one identity (a guest) made from ``client``; flag its prefix when it makes too many."""
    try:
        found = bursts.observe_new_identity(client)
    except AnomaliesUnavailable:
        log.warning("anomaly detection unavailable; new identity not counted", exc_info=True)
        return
    for burst in found:
        flag_burst(burst)


def flag_burst(burst: Burst) -> AnomalyFlag | None:
    """The new flag for a burst, or None when its subject already has an uncleared one for that metric."""
    user_id = burst.user_id
    with transaction.atomic():
        if user_id is not None and not User.objects.select_for_update().filter(pk=user_id).exists():
            return None
        if open_flags().filter(subject=burst.subject, metric=burst.metric).exists():
            return None
        flag = AnomalyFlag.objects.create(
            user_id=user_id, subject=burst.subject, metric=burst.metric, evidence=burst.as_evidence()
        )
    _forget(burst.subject)
    log.warning("anomaly flag: %s; throttled until cleared", burst.describe())
    return flag


def flag_verdict(user_id: int, verdict: Verdict) -> AnomalyFlag | None:
    """The new flag, or None when an uncleared one for this metric exists (or the user is gone)."""
    with transaction.atomic():
        # Lock the user's row so two processes flagging at once create one flag (PostgreSQL).
        if not User.objects.select_for_update().filter(pk=user_id).exists():
            return None
        if open_flags().filter(user_id=user_id, metric=verdict.metric).exists():
            return None
        flag = AnomalyFlag.objects.create(
            user_id=user_id,
            subject=identity_of(user_id),
            metric=verdict.metric,
            evidence=verdict.as_evidence(),
        )
    _forget(identity_of(user_id))
    log.warning(
        "anomaly flag for user %s: %s %s in a bucket (baseline %.1f, z %.1f); throttled until cleared",
        *(user_id, verdict.count, verdict.metric, verdict.mean, verdict.z),
    )
    return flag


def open_flags() -> QuerySet[AnomalyFlag]:
    """Uncleared flags, newest first: what staff review."""
    return AnomalyFlag.objects.filter(cleared_at__isnull=True).select_related("user")


def is_throttled(user_id: int) -> bool:
    """Does the user have an uncleared flag? Cached per process for up to ``POG_ANOMALY_CACHE_S``."""
    return _throttled(identity_of(user_id))


def throttled_subjects(client: Client) -> tuple[bool, bool]:
    """Are ``client``'s address and its prefix flagged (uncleared)? Cached like ``is_throttled``."""
    return _throttled(client.address_key), _throttled(client.prefix_key)


def _throttled(subject: str) -> bool:
    now = _monotonic()
    flags = _all_flags(now)
    if flags is not None:
        _, subjects, users = flags
        kind, _, value = subject.partition(":")
        return subject in subjects or (kind == "user" and int(value) in users)
    with _cache_lock:
        hit = _cache.get(subject)
        if hit is not None and hit[0] > now:
            return hit[1]
    found = AnomalyFlag.objects.filter(subject=subject, cleared_at__isnull=True)
    kind, _, value = subject.partition(":")
    if kind == "user":
        # Flags of an identity also carry its user, which staff may have set by hand.
        found = AnomalyFlag.objects.filter(user_id=int(value), cleared_at__isnull=True)
    throttled = found.exists()
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            for key in [k for k, (until, _) in _cache.items() if until <= now]:
                del _cache[key]
            if len(_cache) >= _CACHE_MAX:
                _cache.clear()
        _cache[subject] = (now + _cache_s(), throttled)
    return throttled


def throttled_limit(limit: RateLimit, divisor: int | None = None) -> RateLimit:
    """At most a ``divisor``-th (``POG_ANOMALY_THROTTLE_DIVISOR``, a quarter) of ``limit``'s rate,
    burst at least 1.

    Same period when the tier allows at least that many requests per period; a smaller
    allowance keeps its single request and stretches the period instead.
    """
    if divisor is None:
        divisor = int(getattr(settings, "POG_ANOMALY_THROTTLE_DIVISOR", 4))
    divisor = max(2, divisor)
    if limit.requests >= divisor:
        return RateLimit(limit.requests // divisor, limit.period_s)
    return RateLimit(1, limit.period_s * divisor / limit.requests)


def clear_flag(flag: AnomalyFlag, by: User) -> bool:
    """Staff clear a flag; False when it was already cleared (by someone else, perhaps)."""
    now = timezone.now()
    cleared = AnomalyFlag.objects.filter(pk=flag.pk, cleared_at__isnull=True).update(
        cleared_at=now, cleared_by=by
    )
    _forget(flag.subject)
    if flag.user_id is not None:
        _forget(identity_of(flag.user_id))
    if cleared:
        flag.cleared_at, flag.cleared_by = now, by
    else:
        flag.refresh_from_db(fields=["cleared_at", "cleared_by"])
    return bool(cleared)


def user_id_of(request: Any) -> int | None:
    """The authenticated user behind a request: a bearer token's (``request.auth``) or the session's."""
    for who in (getattr(request, "auth", None), getattr(request, "user", None)):
        if isinstance(who, User) and who.is_authenticated:
            return int(who.pk)
    return None


class AnomalyMiddleware:
    """Feeds every answered ``/api/`` request to ``note_request``: its user (when known) and its client.

    After the view, so the status is final and ``request.auth`` (set by django-ninja
    for bearer tokens) is there. Never changes the response: a failure here is logged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            try:
                note_request(user_id_of(request), response.status_code, client_of(request))
            except Exception:
                log.exception("could not note request for anomaly detection")
        return response
