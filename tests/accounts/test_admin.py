"""The staff console: kill switches only through set_switch/release_switch (so the ledger
records them), stopping users and signing them out, anomaly flags, the provenance audit,
and none of it for people who are not staff."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import QuerySet
from django.test import Client

from accounts import teams
from accounts.killswitch import release_switch, set_switch
from accounts.models import AnomalyFlag, KillSwitch, User
from provenance.ledger import verify_chain
from provenance.models import LedgerEntry

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/killswitch/"


@pytest.fixture
def root(db: Any) -> User:
    return User.objects.create_superuser("root", "root@example.com", "a staff secret 77")


@pytest.fixture
def staff(root: User) -> Client:
    client = Client()
    client.force_login(root)
    return client


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def switch_entries() -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(kind="kill_switch").order_by("seq"))


@pytest.mark.parametrize(
    "url",
    [
        "/admin/provenance/",
        "/admin/revoke-sessions/",
        "/admin/accounts/killswitch/add/",
        "/admin/accounts/anomalyflag/",
        "/admin/accounts/tier/",
    ],
)
def test_people_who_are_not_staff_are_sent_to_the_admin_login(alice: User, url: str) -> None:
    response = web(alice).get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_post_from_someone_not_staff_changes_nothing(alice: User, bob: User) -> None:
    response = web(alice).post("/admin/accounts/killswitch/add/", {"scope": "global", "reason": "mine now"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert web(alice).post("/admin/revoke-sessions/", {"confirm": "everyone"}).status_code == 302
    assert not KillSwitch.objects.exists() and not LedgerEntry.objects.exists()


def test_the_admin_index_links_every_staff_page(staff: Client) -> None:
    body = staff.get("/admin/").content.decode()
    for url in ("/admin/breakers/", "/admin/provenance/", "/admin/revoke-sessions/", CHANGELIST):
        assert f'href="{url}"' in body


def test_the_add_form_goes_through_set_switch_and_the_ledger(staff: Client, root: User, alice: User) -> None:
    assert web(alice).get("/settings/").status_code == 200
    form = staff.get(f"/admin/accounts/killswitch/add/?scope=user&target={alice.pk}").content.decode()
    assert f'value="{alice.pk}"' in form and '<option value="user" selected>' in form

    response = staff.post(
        "/admin/accounts/killswitch/add/", {"scope": "user", "target": str(alice.pk), "reason": "spamming"}
    )

    assert response.status_code == 302 and response["Location"] == CHANGELIST
    switch = KillSwitch.objects.get()
    assert (switch.scope, switch.target, switch.reason, switch.created_by) == (
        "user",
        str(alice.pk),
        "spamming",
        root,
    )
    (entry,) = switch_entries()
    assert (
        entry.body["action"] == "set" and entry.body["by"] == root.pk and entry.subject == f"user:{alice.pk}"
    )
    assert verify_chain()["verified"]
    stopped = web(alice).get("/settings/")
    assert stopped.status_code == 503 and "spamming" in stopped.content.decode()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"scope": "provider", "target": "carrier-pigeon", "reason": "flaky"}, "provider must be one of"),
        ({"scope": "user", "target": "alice", "reason": "x"}, "by its number"),
        ({"scope": "limb", "target": "image", "reason": "  "}, "Say why"),
    ],
)
def test_a_bad_switch_is_refused_on_the_form_and_nothing_is_written(
    staff: Client, form: dict[str, str], message: str
) -> None:
    response = staff.post("/admin/accounts/killswitch/add/", form)
    assert response.status_code == 422 and message in response.content.decode()
    assert not KillSwitch.objects.exists() and not LedgerEntry.objects.exists()


def test_switches_are_listed_active_first_and_cannot_be_edited_or_deleted(staff: Client, root: User) -> None:
    active = set_switch("limb", "audio", "loud noises", root)
    released = set_switch("limb", "image", "bad pictures", root)
    release_switch(released, root, "fixed")
    newest_active = set_switch("provider", "gemini", "quota gone", root)
    body = staff.get(CHANGELIST).content.decode()
    assert body.index("quota gone") < body.index("loud noises") < body.index("bad pictures")

    change = staff.post(
        f"{CHANGELIST}{active.pk}/change/", {"scope": "global", "target": "", "reason": "edited"}
    )
    assert change.status_code == 403
    assert staff.post(f"{CHANGELIST}{active.pk}/delete/", {"post": "yes"}).status_code == 403
    assert KillSwitch.objects.get(pk=active.pk).reason == "loud noises"
    assert newest_active.active


def test_the_release_action_goes_through_release_switch(staff: Client, root: User) -> None:
    one = set_switch("limb", "audio", "loud noises", root)
    two = set_switch("global", "", "everything is on fire", root)
    response = staff.post(
        CHANGELIST, {"action": "release", "_selected_action": [str(one.pk), str(two.pk)], "index": "0"}
    )
    assert response.status_code == 302
    assert not KillSwitch.objects.filter(released_at__isnull=True).exists()
    assert KillSwitch.objects.get(pk=one.pk).released_by == root
    assert [e.body["action"] for e in switch_entries()] == ["set", "set", "release", "release"]
    assert verify_chain()["verified"]


def test_stopping_a_user_asks_for_a_reason_then_sets_a_user_switch(
    staff: Client, root: User, alice: User
) -> None:
    assert "Stop this user" in staff.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()
    picked = {"action": "stop_users", "_selected_action": [str(alice.pk)]}

    prompt = staff.post("/admin/accounts/user/", picked | {"index": "0"})
    assert prompt.status_code == 200 and 'name="reason"' in prompt.content.decode()
    assert not KillSwitch.objects.exists()

    no_reason = staff.post("/admin/accounts/user/", picked | {"apply": "1", "reason": ""})
    assert no_reason.status_code == 200 and "Say why" in no_reason.content.decode()
    assert not KillSwitch.objects.exists()

    done = staff.post("/admin/accounts/user/", picked | {"apply": "1", "reason": "sent rude dragons"})
    assert done.status_code == 302
    switch = KillSwitch.objects.get()
    assert (switch.scope, switch.target, switch.reason) == ("user", str(alice.pk), "sent rude dragons")
    assert switch_entries()[0].body["reason"] == "sent rude dragons"
    assert web(alice).get("/teams/").status_code == 503

    # Stopping someone already stopped adds no second switch.
    staff.post("/admin/accounts/user/", picked | {"apply": "1", "reason": "again"})
    assert KillSwitch.objects.count() == 1


def test_revoking_a_users_sessions_signs_them_out_and_is_in_the_ledger(
    staff: Client, root: User, alice: User, bob: User
) -> None:
    alice_web, bob_web = web(alice), web(bob)
    response = staff.post(
        "/admin/accounts/user/",
        {"action": "revoke_user_sessions", "_selected_action": [str(alice.pk)], "index": "0"},
    )
    assert response.status_code == 302
    assert alice_web.get("/settings/").wsgi_request.user.pk != alice.pk  # a fresh guest now
    assert bob_web.get("/settings/").wsgi_request.user.pk == bob.pk
    entry = LedgerEntry.objects.get(kind="sessions_revoked")
    assert entry.subject == f"user:{alice.pk}" and entry.body["by"] == root.pk


def test_signing_everyone_out_needs_the_confirmation(staff: Client, root: User, alice: User) -> None:
    alice_web = web(alice)
    page = staff.get("/admin/revoke-sessions/")
    assert page.status_code == 200 and "You will be signed out too" in page.content.decode()

    unconfirmed = staff.post("/admin/revoke-sessions/", {})
    assert unconfirmed.status_code == 422 and not LedgerEntry.objects.exists()
    assert alice_web.get("/settings/").wsgi_request.user.pk == alice.pk

    done = staff.post("/admin/revoke-sessions/", {"confirm": "everyone"})
    assert done.status_code == 302 and done["Location"].startswith("/admin/login/")
    entry = LedgerEntry.objects.get(kind="sessions_revoked")
    assert entry.subject == "everyone" and entry.body["by"] == root.pk
    assert alice_web.get("/settings/").wsgi_request.user.pk != alice.pk
    assert staff.get("/admin/").status_code == 302  # the staff member too


def test_anomaly_flags_show_their_evidence_and_can_be_cleared(staff: Client, root: User, alice: User) -> None:
    flag = AnomalyFlag.objects.create(user=alice, metric="requests", evidence={"z": 6.5, "mean": 10})
    listing = staff.get("/admin/accounts/anomalyflag/").content.decode()
    assert "&quot;z&quot;: 6.5" in listing
    response = staff.post(
        "/admin/accounts/anomalyflag/", {"action": "clear", "_selected_action": [str(flag.pk)], "index": "0"}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.cleared_at is not None and flag.cleared_by == root


def test_tiers_teams_invites_and_projects_are_in_the_console(staff: Client, alice: User) -> None:
    team = teams.create_team(alice, "Moon Base")
    teams.make_invite(team, alice, "editor", 7, 3)
    tiers = staff.get("/admin/accounts/tier/").content.decode()
    assert 'name="form-0-requests_per_period"' in tiers  # editable in the list
    team_page = staff.get(f"/admin/accounts/team/{team.pk}/change/").content.decode()
    assert "memberships-TOTAL_FORMS" in team_page and "alice" in team_page
    assert "Moon Base" in staff.get("/admin/accounts/teaminvite/").content.decode()
    assert staff.get("/admin/limbs/project/").status_code == 200


def tamper(seq: int, body: dict[str, Any]) -> None:
    # LedgerEntry's own manager refuses bulk updates; a plain QuerySet plays the attacker.
    QuerySet(model=LedgerEntry).filter(seq=seq).update(body=body)


def test_the_provenance_audit_verifies_the_chain_and_flags_a_tampered_entry(
    staff: Client, root: User
) -> None:
    first = set_switch("limb", "audio", "loud noises", root)
    release_switch(first, root, "quiet now")
    set_switch("provider", "ollama", "melting", root)

    page = staff.get("/admin/provenance/").content.decode()
    assert 'class="chain-ok" data-verified="true"' in page and "3 entries" in page
    for seq in (1, 2, 3):
        assert f'data-seq="{seq}" data-verified="true"' in page

    only = staff.get("/admin/provenance/?kind=kill_switch").content.decode()
    assert 'data-seq="3"' in only
    assert 'data-seq="1"' not in staff.get("/admin/provenance/?kind=sessions_revoked").content.decode()

    tamper(2, {"action": "release", "reason": "nothing to see here"})
    page = staff.get("/admin/provenance/").content.decode()
    assert 'data-verified="false"' in page and "First bad entry: #2" in page
    assert 'data-seq="2" data-verified="false"' in page
    assert 'data-seq="1" data-verified="true"' in page and 'data-seq="3" data-verified="true"' in page
