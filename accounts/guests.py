"""Guests that were never claimed expire, with everything they made.

A guest is made by a browser's first post (``accounts.identity.session_identity``) and keeps
its work until ``POG_GUEST_TTL_DAYS`` days after its last activity (``User.last_seen``); the
pages say when, and that signing up keeps it. Then the sweep deletes the guest and, through
the database's cascades, its generations, assets, projects, preferences, API tokens and
anomaly flags, the teams where it was the only member, and its sessions; the files its work
held go too, unless another asset, request or relic still uses them (files are shared by
content: ``limbs.quotas.LimbsFiles.release``). The signed ledger keeps every entry: it is
append-only and still verifies, naming work that no longer exists.

The sweep runs by hand (``manage.py expire_guests``) and on a timer in every server process
(``start_sweeper``, from ``pog_site.asgi``); the shared state lets one process a period do it,
and two sweeps at once are safe anyway: each guest is re-checked and deleted in a
transaction, and deleting what another sweep deleted first does nothing.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import close_old_connections, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from accounts import hooks, limits, threats
from accounts.addresses import Client, client_of
from accounts.limits import LimitsUnavailable, RateLimit
from accounts.models import Membership, Team, User
from pog_site.errors import RequestError
from pog_site.state import shared_state

log = logging.getLogger(__name__)

# A file stored (again) this recently is kept even when nothing names it yet: a result
# may be between storing its files and recording the assets that name them.
FILE_GRACE = timedelta(hours=1)
BATCH = 100


@dataclass(frozen=True)
class ExpiryReport:
    guests: int = 0
    kept_in_teams: int = 0
    bytes_freed: int = 0

    def __str__(self) -> str:
        kept = f"; kept {self.kept_in_teams} working in a team" if self.kept_in_teams else ""
        return f"expired {self.guests} guests, freed {self.bytes_freed} bytes of files{kept}"


def admit_new_guest(request: HttpRequest) -> None:
    """A browser's first post makes a guest under the same meters as ``POST /api/auth/guest``."""
    limit_new_guests(client_of(request))


def limit_new_guests(client: Client) -> None:
    """One address, and one network, may make only so many guests a minute, across every process.

    Each guest made is also told to the detector: many from one network is a burst (flagged
    and throttled, here as everywhere else).
    """
    address_flagged, prefix_flagged = threats.throttled_subjects(client)
    meters = [
        (client.address_key, settings.POG_GUESTS_PER_MINUTE, address_flagged, "your address", client.address),
        (
            client.prefix_key,
            settings.POG_GUESTS_PER_PREFIX_MINUTE,
            prefix_flagged,
            "your network",
            client.prefix,
        ),
    ]
    rates = [
        threats.throttled_limit(RateLimit(n, 60.0)) if flagged else RateLimit(n, 60.0)
        for _, n, flagged, _, _ in meters
    ]
    try:
        decision = limits.take_all(
            [(f"guests:{key}", rate) for (key, *_), rate in zip(meters, rates, strict=True)]
        )
    except LimitsUnavailable:
        log.warning("guest limits unavailable; making the guest unmetered", exc_info=True)
        decision = None
    if decision is not None and not decision.allowed:
        assert decision.refused is not None
        _, _, flagged, where, name = meters[decision.refused]
        rate = rates[decision.refused]
        wait = max(1, math.ceil(decision.retry_after_s))
        unusual = " while the studio's staff look at unusual activity from it" if flagged else ""
        raise RequestError(
            429,
            "too_many_guests",
            f"Too many new guests from {where} ({name}): {rate.requests} in "
            f"{'a minute' if rate.period_s == 60 else f'{round(rate.period_s)} s'} is the most it may "
            f"make{unusual}. Try again in {wait} s.",
            None,
            retry_after=wait,
        )
    threats.note_new_identity(client)


def _expired(cutoff: datetime) -> list[int]:
    return list(
        User.objects.filter(is_guest=True)
        .annotate(active=Coalesce("last_seen", "date_joined"))
        .filter(active__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _split_teams(guest_ids: list[int]) -> tuple[set[int], set[int]]:
    """(guests who share a team with someone staying, teams only these guests belong to)."""
    theirs = Membership.objects.filter(user_id__in=guest_ids).values("team_id")
    teams = (
        Membership.objects.filter(team_id__in=theirs)
        .values("team_id")
        .annotate(members=Count("pk"), leaving=Count("pk", filter=Q(user_id__in=guest_ids)))
        .values_list("team_id", "members", "leaving")
    )
    shared = {pk for pk, members, leaving in teams if members > leaving}
    solo = {pk for pk, members, leaving in teams if members == leaving}
    staying = set(
        Membership.objects.filter(team_id__in=shared, user_id__in=guest_ids).values_list("user_id", flat=True)
    )
    return staying, solo


def _delete_sessions(user_ids: set[int]) -> None:
    """The expired guests' browser sessions (a session names its user only inside its data)."""
    wanted = {str(pk) for pk in user_ids}
    now = timezone.now()
    Session.objects.filter(expire_date__lt=now).delete()
    doomed: list[str] = []
    for key, data in Session.objects.values_list("session_key", "session_data").iterator(chunk_size=500):
        decoded = Session.objects.model(session_key=key, session_data=data).get_decoded()
        if str(decoded.get("_auth_user_id", "")) in wanted:
            doomed.append(key)
    for start in range(0, len(doomed), 500):
        Session.objects.filter(session_key__in=doomed[start : start + 500]).delete()


def expire_guests(now: datetime | None = None) -> ExpiryReport:
    """Delete every guest idle for ``POG_GUEST_TTL_DAYS`` and the files only its work used."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.POG_GUEST_TTL_DAYS)
    expired = kept = freed = 0
    candidates = _expired(cutoff)
    for start in range(0, len(candidates), BATCH):
        batch = candidates[start : start + BATCH]
        with transaction.atomic():
            # Re-checked and locked under the delete: a guest active or claimed since the list
            # was made stays, and one being touched now waits for this to finish.
            still = list(
                User.objects.select_for_update()
                .filter(pk__in=batch, is_guest=True)
                .annotate(active=Coalesce("last_seen", "date_joined"))
                .filter(active__lt=cutoff)
                .values_list("pk", flat=True)
            )
            staying, solo_teams = _split_teams(still)
            leaving = {pk for pk in still if pk not in staying}
            kept += len(staying)
            if not leaving:
                continue
            files = hooks.files().files_of(leaving, solo_teams)
            Team.objects.filter(pk__in=solo_teams).delete()
            User.objects.filter(pk__in=leaving).delete()
        expired += len(leaving)
        _delete_sessions(leaving)
        freed += hooks.files().release(files, unused_since=now - FILE_GRACE)
    report = ExpiryReport(expired, kept, freed)
    if expired or kept:
        log.info("guest expiry: %s", report)
    return report


def sweep_due(period_s: int) -> bool:
    """Whether this process should sweep now: the first to ask in each period, across processes."""
    count, _ = shared_state().hit("guest-expiry-sweep", period_s)
    return count == 1


_sweeper_lock = threading.Lock()
_sweeper: threading.Thread | None = None


def start_sweeper(
    period_s: int | None = None, sweep: Callable[[], object] | None = None
) -> threading.Thread | None:
    """Start (once per process) the daemon timer that expires guests every ``POG_GUEST_SWEEP_S``
    seconds; None when the period is 0 (the timer is off)."""
    global _sweeper
    period = settings.POG_GUEST_SWEEP_S if period_s is None else period_s
    if period <= 0:
        return None
    with _sweeper_lock:
        if _sweeper is not None and _sweeper.is_alive():
            return _sweeper
        _sweeper = threading.Thread(
            target=_sweep_forever, args=(period, sweep or expire_guests), name="guest-expiry", daemon=True
        )
        _sweeper.start()
        return _sweeper


_stop = threading.Event()


def _sweep_forever(period: int, sweep: Callable[[], object]) -> None:
    while not _stop.wait(period):
        try:
            if sweep_due(period):
                sweep()
        except Exception:
            log.exception("guest expiry sweep failed; it runs again next period")
        finally:
            close_old_connections()
