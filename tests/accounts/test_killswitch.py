"""Kill switches: effective on the next request, close live sockets within a second (across
processes in scale mode), recorded in the ledger; revoking sessions signs people out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.killswitch import SwitchInvalid, release_switch, revoke_sessions, set_switch
from accounts.models import ApiToken, KillSwitch, User
from pog_site.asgi import application
from provenance.ledger import verify_chain
from provenance.models import LedgerEntry
from tests.helpers.api import bearer, post_handle

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_user_switch_refuses_the_next_request_with_503_and_release_restores_it(
    alice: User, alice_api: Client, bob_api: Client
) -> None:
    assert alice_api.get("/api/assets").status_code == 200
    switch = set_switch("user", str(alice.pk), "spamming the dragon limb", None)
    refused = alice_api.get("/api/assets")
    assert refused.status_code == 503
    assert "spamming the dragon limb" in refused.json()["error"]["message"]
    assert bob_api.get("/api/assets").status_code == 200
    assert release_switch(switch, None, "talked to them")
    assert alice_api.get("/api/assets").status_code == 200
    assert not release_switch(switch, None)


@pytest.mark.django_db
def test_setting_and_releasing_are_both_in_the_verified_ledger(alice: User) -> None:
    switch = set_switch("limb", "audio", "a bad sound went out", None)
    release_switch(switch, None, "fixed")
    entries = list(LedgerEntry.objects.filter(kind="kill_switch").order_by("seq"))
    assert [e.body["action"] for e in entries] == ["set", "release"]
    assert entries[0].body["reason"] == "a bad sound went out"
    assert verify_chain()["verified"]


@pytest.mark.usefixtures("settle_jobs")
def test_a_limb_switch_stops_that_limb_only(alice_api: Client) -> None:
    set_switch("limb", "audio", "maintenance", None)
    assert post_handle(alice_api, "audio", action="sfx", intent="a coin").status_code == 503
    assert post_handle(alice_api, "image", action="sprite", intent="a frog").status_code == 202


@pytest.mark.django_db
def test_a_global_switch_stops_everyone_but_staff(alice_api: Client, bob: User) -> None:
    bob.is_staff = True
    bob.save()
    _, raw = ApiToken.issue(bob)
    staff = bearer(raw)
    set_switch("global", "", "emergency", None)
    assert alice_api.get("/api/assets").status_code == 503
    assert staff.get("/api/assets").status_code == 200


@pytest.mark.django_db
def test_a_session_switch_stops_that_browser_and_its_pages(alice: User) -> None:
    browser = Client()
    browser.force_login(alice)
    assert browser.get("/").status_code == 200
    set_switch("session", browser.session.session_key or "", "shared account abuse", None)
    page = browser.get("/")
    assert page.status_code == 503
    assert b"shared account abuse" in page.content
    assert browser.get("/api/assets").status_code == 503
    other = Client()
    other.force_login(alice)
    assert other.get("/api/assets").status_code == 200


@pytest.mark.django_db
def test_a_token_can_be_stopped_as_a_session(alice: User) -> None:
    token, raw = ApiToken.issue(alice)
    client = bearer(raw)
    set_switch("session", f"token:{token.pk}", "leaked token", None)
    assert client.get("/api/assets").status_code == 503


@pytest.mark.django_db
def test_a_provider_switch_makes_the_router_skip_it(settings: Any) -> None:
    from limbs.router import route
    from limbs.spec import GenRequest

    settings.POG_CLOUDFLARE_ACCOUNT_ID = "acct"
    settings.POG_CLOUDFLARE_API_TOKEN = "tok"
    settings.POG_CLOUDFLARE_BASE_URL = "http://127.0.0.1:9"  # never reached
    set_switch("provider", "cloudflare", "bad outputs today", None)
    result = route(
        "image", "generate", GenRequest("a cat", {"width": 64, "height": 64}, 1), key=None, deadline_s=5
    )
    first = result.attempts[0]
    assert (first.provider, first.outcome, first.detail) == (
        "cloudflare",
        "skipped",
        "stopped by the studio's staff",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scope", "target", "field"),
    [
        ("planet", "x", "scope"),
        ("user", "alice", "target"),
        ("provider", "openai", "target"),
        ("limb", "nope", "target"),
        ("user", "", "target"),
    ],
)
def test_a_switch_that_makes_no_sense_is_refused(scope: str, target: str, field: str) -> None:
    with pytest.raises(SwitchInvalid) as caught:
        set_switch(scope, target, "why", None)
    assert caught.value.field == field
    assert KillSwitch.objects.count() == 0


@pytest.mark.django_db
def test_a_switch_without_a_reason_is_refused(alice: User) -> None:
    with pytest.raises(SwitchInvalid):
        set_switch("user", str(alice.pk), "  ", None)


@pytest.mark.django_db
def test_revoking_a_users_sessions_signs_them_out_everywhere_at_once(alice: User, bob: User) -> None:
    first, second, bystander = Client(), Client(), Client()
    first.force_login(alice)
    second.force_login(alice)
    bystander.force_login(bob)
    assert first.get("/api/assets").status_code == 200
    revoke_sessions(alice, None)
    assert first.get("/api/assets").status_code == 401
    assert second.get("/api/assets").status_code == 401
    assert bystander.get("/api/assets").status_code == 200
    alice.refresh_from_db()  # signing in afresh uses the new epoch
    again = Client()
    again.force_login(alice)
    assert again.get("/api/assets").status_code == 200


@pytest.mark.django_db
def test_revoking_everyones_sessions_signs_everyone_out(alice: User, bob: User) -> None:
    a, b = Client(), Client()
    a.force_login(alice)
    b.force_login(bob)
    revoke_sessions(None, None)
    assert a.get("/api/assets").status_code == 401
    assert b.get("/api/assets").status_code == 401


async def _studio_socket(token: str) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"authorization", f"Bearer {token}".encode())]
    communicator = WebsocketCommunicator(application, "/ws/studio/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_json_from(timeout=5)  # hello
    return communicator


async def _closed(communicator: WebsocketCommunicator, patience_s: float = 10.0) -> tuple[bool, Any]:
    """Whether the socket is closed by the server (and its close code), waiting at most
    ``patience_s``. How fast it closes is a speed figure, not a test's business."""
    try:
        while True:
            output = await communicator.receive_output(timeout=patience_s)
            if output["type"] == "websocket.close":
                return True, output.get("code")
    except TimeoutError:
        return False, None


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_kill_switch_closes_a_live_websocket(alice: User) -> None:
    _, raw = await database_sync_to_async(ApiToken.issue)(alice)
    communicator = await _studio_socket(raw)
    await database_sync_to_async(set_switch)("user", str(alice.pk), "stop now", None)
    closed, code = await _closed(communicator)
    assert closed and code == 4403
    # And a new connection is refused while the switch holds.
    again = WebsocketCommunicator(
        application,
        "/ws/studio/",
        headers=[(b"origin", b"http://localhost"), (b"authorization", f"Bearer {raw}".encode())],
    )
    connected, code = await again.connect()
    assert not connected and code == 4403


@pytest.mark.skipif(
    not settings.REDIS_URL, reason="across processes needs the Redis channel layer (scale mode)"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_switch_set_from_another_process_closes_a_socket(alice: User) -> None:
    from tests.conftest import manage_py_elsewhere

    _, raw = await database_sync_to_async(ApiToken.issue)(alice)
    communicator = await _studio_socket(raw)
    command, env = await database_sync_to_async(manage_py_elsewhere)(
        "killswitch", "set", "user", str(alice.pk), "--reason", "other process"
    )
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env)
    # The other process has committed the switch when it exits.
    assert await process.wait() == 0
    closed, code = await _closed(communicator)
    assert closed and code == 4403


@pytest.mark.django_db
def test_a_team_switch_stops_its_members_and_no_one_else(
    alice: User, alice_api: Client, bob_api: Client
) -> None:
    from accounts.teams import create_team

    team = create_team(alice, "Red")
    set_switch("team", str(team.pk), "team under review", None)
    stopped = alice_api.get("/api/assets")
    assert stopped.status_code == 503 and "team under review" in stopped.json()["error"]["message"]
    assert bob_api.get("/api/assets").status_code == 200
    browser = Client()
    browser.force_login(alice)
    assert browser.get("/").status_code == 503
