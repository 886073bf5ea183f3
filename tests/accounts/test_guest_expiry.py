"""Unclaimed guests and their files expire after POG_GUEST_TTL_DAYS of inactivity.

Before: nothing ever expired (1.4 GB of files in 50 minutes under load, kept forever)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import Client

from accounts import guests
from accounts.models import ApiToken, Membership, Metabolism, Team, User
from limbs.models import Asset, CacheEntry, Generation
from provenance.ledger import verify_chain
from provenance.models import LedgerEntry
from tests.helpers.api import guest_client, handle, library_asset, token_client
from tests.helpers.clock import FakeClock

DAY = 24 * 3600


def _at(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock(), tz=UTC)


def _on_disk(blob: str) -> bool:
    return Path(storages["default"].path(blob)).exists()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(time.time())


@pytest.mark.usefixtures("jobs_running")
def test_an_idle_guest_expires_with_its_work_tokens_sessions_and_only_its_own_files(
    clock: FakeClock, settings: Any
) -> None:
    settings.POG_GUEST_TTL_DAYS = 30
    browser = guest_client()
    guest = User.objects.get(is_guest=True)
    Metabolism.for_user(guest)
    made = handle(token_client(guest), "image", "sprite", "a red slime", size=32)
    alone = Asset.objects.get(pk=made["assets"][0]["id"])
    shared_bytes = b"the same file, kept by two people"
    theirs = library_asset(guest, shared_bytes, "text/plain", "notes.txt")
    bob = User.objects.create_user("bob", "", "a long enough secret 42")
    bobs = library_asset(bob, shared_bytes, "text/plain", "notes.txt")
    entries = LedgerEntry.objects.count()
    assert entries >= 1 and _on_disk(alone.blob) and CacheEntry.objects.exists()

    # Within the time nothing goes.
    clock.advance(29 * DAY)
    assert guests.expire_guests(_at(clock)).guests == 0
    assert User.objects.filter(pk=guest.pk).exists()

    clock.advance(2 * DAY)
    report = guests.expire_guests(_at(clock))
    assert report.guests == 1 and report.bytes_freed >= alone.size
    assert not User.objects.filter(pk=guest.pk).exists()
    assert not Generation.objects.filter(owner_id=guest.pk).exists()
    assert not Asset.objects.filter(owner_id=guest.pk).exists()
    assert not ApiToken.objects.filter(user_id=guest.pk).exists()
    assert not Session.objects.exists()
    assert browser.get("/api/assets").status_code == 401  # the old cookie is nobody now
    # Its own file is gone; the one bob keeps too stays, and still reads.
    assert not _on_disk(alone.blob)
    assert _on_disk(theirs.blob) and Asset.objects.get(pk=bobs.pk).read_bytes() == shared_bytes
    # Muscle memory that named the deleted file is forgotten with it.
    assert not CacheEntry.objects.filter(outputs__icontains=alone.sha256).exists()
    # The ledger keeps every entry and still verifies.
    assert LedgerEntry.objects.count() == entries
    assert verify_chain()["verified"]


@pytest.mark.django_db
def test_activity_claimed_accounts_and_team_work_keep_a_guest(clock: FakeClock, settings: Any) -> None:
    settings.POG_GUEST_TTL_DAYS = 30
    idle = User.create_guest()
    active = User.create_guest()
    claimed = User.create_guest()
    claimed.claim("maya", "a long enough secret 42")
    teammate = User.create_guest()
    owner = User.objects.create_user("olga", "", "a long enough secret 42")
    team = Team.objects.create(name="Slimes", slug="slimes")
    Membership.objects.create(team=team, user=owner, role=Membership.Role.OWNER)
    Membership.objects.create(team=team, user=teammate, role=Membership.Role.EDITOR)
    solo = Team.objects.create(name="Mine", slug="mine")
    Membership.objects.create(team=solo, user=idle, role=Membership.Role.OWNER)

    clock.advance(20 * DAY)
    User.objects.filter(pk=active.pk).update(last_seen=_at(clock))
    clock.advance(15 * DAY)
    report = guests.expire_guests(_at(clock))
    assert report.guests == 1 and report.kept_in_teams == 1
    assert set(User.objects.values_list("pk", flat=True)) == {active.pk, claimed.pk, teammate.pk, owner.pk}
    # The team the idle guest was alone in went with it; the shared one stays.
    assert list(Team.objects.values_list("slug", flat=True)) == ["slimes"]
    # A second sweep (another process, or the same one again) finds nothing left to do.
    assert guests.expire_guests(_at(clock)) == guests.ExpiryReport(0, 1, 0)


@pytest.mark.django_db
def test_a_file_stored_again_during_the_sweep_is_kept(clock: FakeClock) -> None:
    from limbs.quotas import LimbsFiles

    guest = User.create_guest()
    asset = library_asset(guest, b"made a moment ago", "text/plain", "new.txt")
    blob = asset.blob
    asset.delete()
    # Nothing names it, but it was stored after the sweep's cut-off: a recorder may be about to.
    assert LimbsFiles().release([blob], unused_since=datetime.fromtimestamp(clock() - 60, tz=UTC)) == 0
    assert _on_disk(blob)
    assert LimbsFiles().release([blob], unused_since=datetime.fromtimestamp(clock() + 60, tz=UTC)) > 0
    assert not _on_disk(blob)


@pytest.mark.django_db
def test_the_command_expires_guests_and_says_what_it_did(settings: Any) -> None:
    from io import StringIO

    from django.utils import timezone

    settings.POG_GUEST_TTL_DAYS = 1
    old = User.create_guest()
    User.objects.filter(pk=old.pk).update(last_seen=timezone.now() - timedelta(days=2))
    out = StringIO()
    call_command("expire_guests", stdout=out)
    assert "expired 1 guests" in out.getvalue()
    assert not User.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_the_page_tells_a_guest_when_their_things_go_and_how_to_keep_them(settings: Any) -> None:
    settings.POG_GUEST_TTL_DAYS = 30
    browser = guest_client()
    guest = User.objects.get(is_guest=True)
    expires = guest.guest_expires_at
    assert expires is not None
    body = browser.get("/").content.decode()
    assert "kept until" in body and expires.strftime("%Y-%m-%d") in body and "Sign up" in body
    settings_page = browser.get("/settings/").content.decode()
    assert "then they go" in settings_page
    # An account is never told it expires.
    assert User.objects.create_user("ana", "", "a long enough secret 42").guest_expires_at is None


def test_one_process_a_period_sweeps_and_the_timer_starts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from pog_site.state import shared_state

    shared_state().reset("guest-expiry-sweep")
    assert guests.sweep_due(3600) and not guests.sweep_due(3600)
    shared_state().reset("guest-expiry-sweep")
    assert guests.start_sweeper(period_s=0) is None
    monkeypatch.setattr(guests, "_sweeper", None)
    first = guests.start_sweeper(period_s=10**6, sweep=lambda: None)
    assert first is not None and first.daemon
    assert guests.start_sweeper(period_s=10**6, sweep=lambda: None) is first


@pytest.mark.django_db
def test_a_guests_activity_is_noted_at_most_hourly(clock: FakeClock) -> None:
    client = Client()
    guest = User.create_guest()
    User.objects.filter(pk=guest.pk).update(last_seen=datetime.fromtimestamp(clock() - 7200, tz=UTC))
    client.force_login(guest)
    client.get("/")
    seen = User.objects.get(pk=guest.pk).last_seen
    assert seen is not None and seen.timestamp() > clock() - 60
    client.get("/")
    assert User.objects.get(pk=guest.pk).last_seen == seen


@pytest.mark.django_db
def test_a_guest_using_an_api_token_counts_as_active(clock: FakeClock) -> None:
    guest = User.create_guest()
    User.objects.filter(pk=guest.pk).update(last_seen=datetime.fromtimestamp(clock() - 40 * DAY, tz=UTC))
    assert token_client(guest).get("/api/assets").status_code == 200
    seen = User.objects.get(pk=guest.pk).last_seen
    assert seen is not None and seen.timestamp() > clock() - 60
    assert guests.expire_guests().guests == 0


@pytest.mark.django_db
def test_a_sweep_working_from_a_stale_list_keeps_a_guest_active_since(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another sweep (or this one a moment ago) listed both guests; one came back meanwhile.
    idle, back = User.create_guest(), User.create_guest()
    clock.advance(40 * DAY)
    User.objects.filter(pk=back.pk).update(last_seen=_at(clock))
    monkeypatch.setattr(guests, "_expired", lambda cutoff: [idle.pk, back.pk])
    assert guests.expire_guests(_at(clock)).guests == 1
    assert list(User.objects.values_list("pk", flat=True)) == [back.pk]
