"""The account pages: settings (preferences with version conflicts, recipes, API tokens),
teams (members, roles, invites, the shared library), invite links, projects, and the
friendly wait shown for a 429."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from accounts import teams
from accounts.metabolism import update_metabolism
from accounts.models import ApiToken, Membership, Metabolism, Team, TeamInvite, User, hash_token
from limbs.models import Asset, Project
from tests.helpers.api import bearer

pytestmark = pytest.mark.django_db

FLUX = "cloudflare:@cf/black-forest-labs/flux-1-schnell"


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_web(alice: User) -> Client:
    return web(alice)


@pytest.fixture
def bob_web(bob: User) -> Client:
    return web(bob)


@pytest.fixture
def team(alice: User, bob: User) -> Team:
    """Alice owns it; Bob is a viewer."""
    made = teams.create_team(alice, "Dragon Makers")
    Membership.objects.create(team=made, user=bob, role=Membership.Role.VIEWER)
    return made


def settings_form(version: int, **changes: Any) -> dict[str, Any]:
    form = {
        "version": version,
        "confidence_default": "0",
        "trust_profile": "validate",
        "efficiency_mode": "muscle",
        "model_image": "",
        "model_audio": "",
        "model_divine": "",
    }
    return form | changes


def make_asset(owner: User, name: str, team: Team | None = None) -> Asset:
    sha = hashlib.sha256(name.encode()).hexdigest()
    return Asset.objects.create(
        owner=owner, team=team, name=name, mime="image/png", kind="image", sha256=sha, size=10, blob=sha
    )


# --- settings ------------------------------------------------------------------------------


def test_a_first_time_visitor_gets_the_settings_page_with_no_identity_made() -> None:
    from accounts.models import User

    page = Client().get("/settings/")
    assert page.status_code == 200
    assert not page.wsgi_request.user.is_authenticated
    assert not User.objects.exists()
    body = page.content.decode()
    assert "How the studio works for you" in body and 'name="version" value="1"' in body
    # Every limb with an AI tier gets a model choice; limbs without one do not.
    assert 'name="model_image"' in body and 'name="model_divine"' in body
    assert 'name="model_mesh"' not in body


def test_the_nav_links_to_settings_and_teams(alice_web: Client) -> None:
    body = alice_web.get("/").content.decode()
    assert 'href="/settings/"' in body and 'href="/teams/"' in body


def test_the_settings_form_saves_every_choice(alice: User, alice_web: Client) -> None:
    response = alice_web.post(
        "/settings/metabolism",
        settings_form(
            1,
            confidence_default="60",
            confidence_divine="85",
            trust_profile="zero",
            efficiency_mode="discovery",
            model_image=FLUX,
        ),
    )
    assert response.status_code == 302 and response["Location"] == "/settings/#metabolism"
    saved = Metabolism.objects.get(user=alice)
    assert saved.version == 2
    assert saved.preferred_models == {"image": FLUX}
    assert saved.confidence == {"*": 0.6, "divine": 0.85}
    assert (saved.trust_profile, saved.efficiency_mode) == ("zero", "discovery")
    page = alice_web.get("/settings/").content.decode()
    assert "Saved!" in page and 'name="version" value="2"' in page
    assert f'value="{FLUX}" selected' in page


def test_a_stale_version_shows_both_states_and_keeps_what_was_typed(alice: User, alice_web: Client) -> None:
    alice_web.get("/settings/")
    update_metabolism(alice, 1, {"trust_profile": "high"})  # another tab saves first

    response = alice_web.post(
        "/settings/metabolism", settings_form(1, confidence_default="80", trust_profile="zero")
    )

    assert response.status_code == 409
    body = response.content.decode()
    assert "This changed in another tab" in body and "Nothing is lost" in body
    # The typed values are still in the form, which is now based on the current version.
    assert 'name="version" value="2"' in body
    assert 'id="confidence-default" name="confidence_default"' in body and 'value="80"' in body
    assert re.search(r'value="zero"\s+checked', body)
    # The differences, side by side: what is saved now and what was typed.
    row = re.search(r"<th scope=\"row\">Trust</th><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>", body)
    assert row is not None and row.groups() == ("Trust the AI", "Check everything twice")
    assert Metabolism.objects.get(user=alice).trust_profile == "high"  # nothing was overwritten

    again = alice_web.post(
        "/settings/metabolism", settings_form(2, confidence_default="80", trust_profile="zero")
    )
    assert again.status_code == 302
    assert Metabolism.objects.get(user=alice).trust_profile == "zero"


def test_a_bad_threshold_is_refused_with_the_setting_named_and_the_values_kept(
    alice: User, alice_web: Client
) -> None:
    response = alice_web.post(
        "/settings/metabolism", settings_form(1, confidence_default="150", efficiency_mode="precision")
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "a number from 0 to 100" in body and 'data-focus="confidence-default"' in body
    assert re.search(r'value="precision"\s+checked', body)
    assert Metabolism.objects.get(user=alice).version == 1


def test_a_bad_level_for_one_limb_points_at_that_limb(alice: User, alice_web: Client) -> None:
    response = alice_web.post("/settings/metabolism", settings_form(1, confidence_divine="lots"))
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-focus="confidence-divine"' in body and 'value="lots"' in body
    assert '<details class="advanced" open>' in body  # the typed override is not hidden away


def test_preferences_the_form_does_not_show_are_kept(alice: User, alice_web: Client) -> None:
    update_metabolism(alice, 1, {"confidence": {"mesh": 0.4}, "preferred_models": {"mesh": "ollama:tiny"}})
    alice_web.post("/settings/metabolism", settings_form(2, confidence_default="50"))
    saved = Metabolism.objects.get(user=alice)
    assert saved.confidence == {"mesh": 0.4, "*": 0.5}
    assert saved.preferred_models == {"mesh": "ollama:tiny"}


def test_a_recipe_is_deleted_and_a_stale_delete_deletes_nothing(alice: User, alice_web: Client) -> None:
    macros = [
        {"name": "frog", "limb": "image", "action": "sprite", "intent": "a frog", "params": {}},
        {"name": "toad", "limb": "image", "action": "sprite", "intent": "a toad", "params": {}},
    ]
    update_metabolism(alice, 1, {"macros": macros})
    page = alice_web.get("/settings/").content.decode()
    assert "frog" in page and "/limbs/image/?action=sprite" in page

    stale = alice_web.post("/settings/macros/0/delete", {"version": 1, "name": "frog"})
    assert stale.status_code == 409 and "was <strong>not</strong> deleted" in stale.content.decode()
    wrong = alice_web.post("/settings/macros/0/delete", {"version": 2, "name": "toad"})
    assert wrong.status_code == 409
    assert len(Metabolism.objects.get(user=alice).macros) == 2

    done = alice_web.post("/settings/macros/0/delete", {"version": 2, "name": "frog"})
    assert done.status_code == 302
    assert [m["name"] for m in Metabolism.objects.get(user=alice).macros] == ["toad"]


def test_changes_need_a_post_with_a_csrf_token(alice: User) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.get("/settings/metabolism").status_code == 405
    assert strict.post("/settings/metabolism", settings_form(1, trust_profile="high")).status_code == 403
    assert not Metabolism.objects.filter(user=alice, trust_profile="high").exists()


def test_signed_out_posts_go_to_the_login_page() -> None:
    response = Client().post("/settings/tokens", {"scopes": ["read"]})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_new_token_is_shown_once_works_and_can_be_revoked(alice: User, alice_web: Client) -> None:
    response = alice_web.post(
        "/settings/tokens", {"name": "build script", "scopes": ["read"], "expires_in_days": 30}
    )
    assert response.status_code == 201
    body = response.content.decode()
    found = re.search(r'<code class="secret" id="new-token-value">(pog_[^<]+)</code>', body)
    assert found is not None and "only time it is shown" in body
    raw = found.group(1)
    token = ApiToken.objects.get(user=alice, name="build script")
    assert token.token_hash == hash_token(raw) and token.scopes == ["read"]
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)

    later = alice_web.get("/settings/").content.decode()
    assert raw not in later and f"pog_{token.prefix}…" in later and "build script" in later

    api = bearer(raw)
    assert api.get("/api/assets").status_code == 200
    revoked = alice_web.post(f"/settings/tokens/{token.pk}/revoke")
    assert revoked.status_code == 302
    assert api.get("/api/assets").status_code == 401
    assert "revoked" in alice_web.get("/settings/").content.decode()


def test_a_token_needs_a_scope_and_others_cannot_revoke_it(
    alice: User, bob_web: Client, alice_web: Client
) -> None:
    refused = alice_web.post("/settings/tokens", {"name": "nothing"})
    assert refused.status_code == 422 and "Tick at least one" in refused.content.decode()
    assert not ApiToken.objects.filter(name="nothing").exists()
    token, _ = ApiToken.issue(alice)
    assert bob_web.post(f"/settings/tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- teams ---------------------------------------------------------------------------------


def test_making_a_team_makes_you_its_owner_and_lists_it(alice: User, alice_web: Client) -> None:
    assert alice_web.post("/teams/new", {"name": "   "}).status_code == 422
    response = alice_web.post("/teams/new", {"name": "Pixel Pals"})
    made = Team.objects.get(name="Pixel Pals")
    assert response.status_code == 302 and response["Location"] == f"/teams/{made.pk}/"
    listing = alice_web.get("/teams/").content.decode()
    assert "Pixel Pals" in listing and "role--owner" in listing


def test_a_team_is_not_found_by_people_outside_it(team: Team, alice: User) -> None:
    carol = User.objects.create_user("carol", "", "correct horse battery")
    outsider = web(carol)
    assert outsider.get(f"/teams/{team.pk}/").status_code == 404
    assert (
        outsider.post(f"/teams/{team.pk}/invites", {"role": "owner", "days": 7, "max_uses": 5}).status_code
        == 404
    )
    assert outsider.post(f"/teams/{team.pk}/members/{alice.pk}/role", {"role": "viewer"}).status_code == 404
    assert outsider.post("/projects/new", {"name": "sneaky", "team": team.pk}).status_code == 404
    assert "Dragon Makers" not in outsider.get("/teams/").content.decode()
    assert not TeamInvite.objects.exists() and not Project.objects.exists()


def test_owners_change_roles_but_the_last_owner_stays(
    team: Team, alice: User, bob: User, alice_web: Client
) -> None:
    page = alice_web.get(f"/teams/{team.pk}/").content.decode()
    assert f'id="role-{bob.pk}"' in page

    assert alice_web.post(f"/teams/{team.pk}/members/{bob.pk}/role", {"role": "editor"}).status_code == 302
    assert Membership.objects.get(team=team, user=bob).role == "editor"

    refused = alice_web.post(f"/teams/{team.pk}/members/{alice.pk}/role", {"role": "viewer"})
    assert refused.status_code == 409 and "always keeps one owner" in refused.content.decode()
    assert Membership.objects.get(team=team, user=alice).role == "owner"


def test_non_owners_see_roles_but_cannot_change_them(team: Team, alice: User, bob_web: Client) -> None:
    page = bob_web.get(f"/teams/{team.pk}/").content.decode()
    assert "role-form" not in page and "Invite someone" not in page
    refused = bob_web.post(f"/teams/{team.pk}/members/{alice.pk}/role", {"role": "viewer"})
    assert refused.status_code == 403
    assert (
        bob_web.post(f"/teams/{team.pk}/invites", {"role": "owner", "days": 7, "max_uses": 5}).status_code
        == 403
    )
    assert Membership.objects.get(team=team, user=alice).role == "owner"


def test_the_team_library_shows_the_teams_things_newest_first(
    team: Team, alice: User, bob_web: Client
) -> None:
    older = make_asset(alice, "old castle", team)
    newer = make_asset(alice, "new dragon", team)
    Asset.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    make_asset(alice, "private diary")
    body = bob_web.get(f"/teams/{team.pk}/").content.decode()
    assert body.index(f'href="/assets/{newer.id}/"') < body.index(f'href="/assets/{older.id}/"')
    assert "private diary" not in body


def invite_link(client: Client, team: Team, **form: Any) -> str:
    response = client.post(f"/teams/{team.pk}/invites", {"role": "editor", "days": 7, "max_uses": 10} | form)
    assert response.status_code == 201
    found = re.search(r'data-copy="http://testserver(/teams/join/inv_[^"]+/)"', response.content.decode())
    assert found is not None
    return found.group(1)


def test_an_invite_link_joins_once_and_then_says_it_is_used_up(team: Team, alice_web: Client) -> None:
    link = invite_link(alice_web, team, role="viewer", max_uses=1)
    dave = User.objects.create_user("dave", "", "correct horse battery")
    dave_web = web(dave)

    offer = dave_web.get(link)
    assert offer.status_code == 200
    assert "Dragon Makers" in offer.content.decode() and "<strong>viewer</strong>" in offer.content.decode()
    joined = dave_web.post(link)
    assert joined.status_code == 302 and joined["Location"] == f"/teams/{team.pk}/"
    assert Membership.objects.get(team=team, user=dave).role == "viewer"
    assert "already in Dragon Makers" in dave_web.get(link).content.decode()

    erin = web(User.objects.create_user("erin", "", "correct horse battery"))
    used_up = erin.get(link)
    assert used_up.status_code == 410 and "no places left" in used_up.content.decode()
    assert erin.post(link).status_code == 410
    assert Membership.objects.filter(team=team).count() == 3


def test_expired_revoked_and_unknown_links_say_so(team: Team, alice_web: Client, bob_web: Client) -> None:
    carol = web(User.objects.create_user("carol", "", "correct horse battery"))
    expired = invite_link(alice_web, team)
    TeamInvite.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page = carol.get(expired)
    assert page.status_code == 410 and "that day has passed" in page.content.decode()
    assert carol.post(expired).status_code == 410

    revoked = invite_link(alice_web, team)
    TeamInvite.objects.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    assert "switched it off" in carol.get(revoked).content.decode()

    unknown = carol.get("/teams/join/inv_nothing-like-it/")
    assert unknown.status_code == 404 and "could not find it" in unknown.content.decode()
    assert not Membership.objects.filter(team=team, user__username="carol").exists()


def test_a_viewer_gets_no_new_project_button_and_a_post_is_refused(
    team: Team, alice_web: Client, bob_web: Client
) -> None:
    assert 'id="new-project-form"' in alice_web.get(f"/teams/{team.pk}/").content.decode()
    assert 'id="new-project-form"' not in bob_web.get(f"/teams/{team.pk}/").content.decode()
    assert 'id="project-team"' not in bob_web.get("/projects/").content.decode()

    refused = bob_web.post("/projects/new", {"name": "bob's plan", "team": team.pk})
    assert refused.status_code == 403 and "Viewers look" in refused.content.decode()
    assert not Project.objects.exists()

    made = alice_web.post("/projects/new", {"name": "Level one", "team": team.pk})
    assert made.status_code == 302 and made["Location"] == f"/teams/{team.pk}/"
    assert Project.objects.get(name="Level one").team == team
    assert "Level one" in bob_web.get(f"/teams/{team.pk}/").content.decode()


def test_projects_lists_yours_and_your_teams_and_makes_personal_ones(
    team: Team, alice: User, bob: User, alice_web: Client, bob_web: Client
) -> None:
    Project.objects.create(name="Shared map", team=team)
    assert alice_web.post("/projects/new", {"name": "My sketchbook"}).status_code == 302
    assert Project.objects.get(name="My sketchbook").owner == alice
    Project.objects.create(name="Bob's secret", owner=bob)

    alice_page = alice_web.get("/projects/").content.decode()
    assert "My sketchbook" in alice_page and "Shared map" in alice_page and "Bob's secret" not in alice_page
    bob_page = bob_web.get("/projects/").content.decode()
    assert "Shared map" in bob_page and "My sketchbook" not in bob_page


# --- the friendly wait ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["rate_limited", "busy"])
def test_a_429_renders_a_countdown_when_the_seconds_are_known(code: str) -> None:
    error = {"code": code, "message": "The next one can start in 7 s.", "field": None}
    html = render_to_string("limbs/_error.html", {"error": error, "retry_after": 7})
    assert 'class="wait-panel"' in html and 'data-countdown="7"' in html
    assert "data-countdown-seconds" in html and "error-panel" not in html
    in_error = render_to_string("limbs/_error.html", {"error": error | {"retry_after": 3}})
    assert 'data-countdown="3"' in in_error


def test_a_429_without_seconds_still_waits_kindly_and_other_errors_are_unchanged() -> None:
    error = {"code": "rate_limited", "message": "Slow down.", "field": None}
    html = render_to_string("limbs/_error.html", {"error": error})
    assert 'class="wait-panel"' in html and "data-countdown" not in html and "a little while" in html
    other = render_to_string(
        "limbs/_error.html", {"error": {"code": "bad_params", "message": "No.", "field": None}}
    )
    assert 'class="error-panel"' in other and "wait-panel" not in other


def test_the_countdown_script_is_on_every_page(alice_web: Client) -> None:
    body = alice_web.get("/settings/").content.decode()
    assert "js/countdown.js" in body and "css/accounts.css" in body
