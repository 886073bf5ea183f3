"""Two users and two teams never see each other's work through any endpoint, download or
websocket; a viewer cannot generate into a team project, an editor can."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts import teams
from accounts.models import ApiToken, Membership, Tier, User
from limbs.models import Asset, Generation, Project
from pog_site.asgi import application
from tests.helpers.api import bearer, handle, post_handle

pytestmark = pytest.mark.usefixtures("jobs_running")


def person(name: str, tier: Tier) -> tuple[User, Client, str]:
    user = User.objects.create_user(name, "", "correct horse battery")
    user.tier = tier
    user.save()
    _, raw = ApiToken.issue(user)
    return user, bearer(raw), raw


@pytest.fixture
def world(roomy_tier: Tier) -> dict[str, Any]:
    alice, alice_c, alice_t = person("alice", roomy_tier)
    bob, bob_c, bob_t = person("bob", roomy_tier)
    carol, carol_c, _ = person("carol", roomy_tier)
    dave, dave_c, _ = person("dave", roomy_tier)
    red = teams.create_team(alice, "Red")
    blue = teams.create_team(bob, "Blue")
    Membership.objects.create(team=red, user=carol, role="editor")
    Membership.objects.create(team=red, user=dave, role="viewer")
    red_project = Project.objects.create(name="Red game", team=red)
    blue_project = Project.objects.create(name="Blue game", team=blue)
    return {
        "alice": alice_c,
        "bob": bob_c,
        "carol": carol_c,
        "dave": dave_c,
        "alice_token": alice_t,
        "bob_token": bob_t,
        "red_project": str(red_project.id),
        "blue_project": str(blue_project.id),
    }


def make(client: Client, project: str | None = None, intent: str = "a frog") -> dict[str, Any]:
    return handle(client, "image", "sprite", intent, seed=None, project=project)


def test_personal_work_is_invisible_to_everyone_else(world: dict[str, Any]) -> None:
    mine = make(world["alice"], intent="alice's secret frog")
    asset = mine["assets"][0]
    for other in ("bob", "carol", "dave"):
        client = world[other]
        assert client.get(f"/api/generations/{mine['generation']}").status_code == 404
        assert client.get(f"/api/assets/{asset['id']}").status_code == 404
        assert client.get(asset["url"]).status_code == 404
        assert client.get(f"/api/provenance/{asset['id']}").status_code == 404
        assert asset["id"] not in json.dumps(client.get("/api/assets").json())
        # Nor can they use it as an input by guessing its id.
        response = post_handle(client, "mesh", action="image_to_3d", params={"image": asset["id"]}, wait=True)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "params.image"


def test_team_work_is_shared_with_the_team_and_no_one_else(world: dict[str, Any]) -> None:
    made = make(world["alice"], world["red_project"], intent="a red castle")
    asset = made["assets"][0]
    stored = Asset.objects.get(pk=asset["id"])
    assert stored.team is not None and stored.project_id is not None
    for member in ("carol", "dave"):
        client = world[member]
        assert client.get(f"/api/generations/{made['generation']}").status_code == 200
        assert client.get(asset["url"]).status_code == 200
        assert asset["id"] in json.dumps(client.get("/api/assets").json())
    bob = world["bob"]
    assert bob.get(f"/api/generations/{made['generation']}").status_code == 404
    assert bob.get(asset["url"]).status_code == 404
    assert asset["id"] not in json.dumps(bob.get("/api/assets").json())


def test_a_viewer_cannot_generate_into_a_team_project_and_an_editor_can(world: dict[str, Any]) -> None:
    before = Generation.objects.count()
    refused = post_handle(
        world["dave"], "image", action="sprite", intent="a boat", project=world["red_project"]
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["field"] == "project"
    assert Generation.objects.count() == before
    made = make(world["carol"], world["red_project"], intent="a boat")
    assert made["status"] == "succeeded"


def test_nobody_files_work_under_a_project_they_do_not_belong_to(world: dict[str, Any]) -> None:
    response = post_handle(
        world["alice"], "image", action="sprite", intent="x", project=world["blue_project"]
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "project"


@pytest.mark.asyncio
async def test_a_websocket_to_someone_elses_generation_is_refused(world: dict[str, Any]) -> None:
    mine = await database_sync_to_async(make)(world["alice"], None, "hidden")
    path = f"/ws/generations/{mine['generation']}/"
    headers = [(b"origin", b"http://localhost"), (b"authorization", f"Bearer {world['bob_token']}".encode())]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    assert not connected and code == 4404


@pytest.mark.asyncio
async def test_team_events_reach_members_studio_sockets_but_not_outsiders(world: dict[str, Any]) -> None:
    def studio(token: str) -> WebsocketCommunicator:
        headers = [(b"origin", b"http://localhost"), (b"authorization", f"Bearer {token}".encode())]
        return WebsocketCommunicator(application, "/ws/studio/", headers=headers)

    carol_token = await database_sync_to_async(
        lambda: ApiToken.issue(User.objects.get(username="carol"))[1]
    )()
    carol, bob = studio(carol_token), studio(world["bob_token"])
    assert (await carol.connect())[0] and (await bob.connect())[0]
    await carol.receive_json_from(timeout=5)  # hello
    await bob.receive_json_from(timeout=5)
    made = await database_sync_to_async(make)(world["alice"], world["red_project"], "a team drum")
    seen = set()
    while True:
        try:
            event = await carol.receive_json_from(timeout=5)
        except TimeoutError:
            break
        seen.add(event.get("generation"))
        if event.get("status") == "succeeded":
            break
    assert made["generation"] in seen
    assert await bob.receive_nothing(timeout=0.5)
    await carol.disconnect()
    await bob.disconnect()


def test_team_members_open_team_pages_and_outsiders_get_404(world: dict[str, Any]) -> None:
    from django.contrib.auth import get_user_model

    made = make(world["alice"], world["red_project"], intent="a shared shield")
    users = get_user_model().objects
    carol, bob = Client(), Client()
    carol.force_login(users.get(username="carol"))
    bob.force_login(users.get(username="bob"))
    for page in (f"/generations/{made['generation']}/", f"/assets/{made['assets'][0]['id']}/"):
        assert carol.get(page).status_code == 200, page
        assert bob.get(page).status_code == 404, page
    assert made["assets"][0]["id"] in carol.get("/assets/").content.decode()
    assert made["assets"][0]["id"] not in bob.get("/assets/").content.decode()


def test_the_workspace_form_offers_only_projects_one_may_make_in(world: dict[str, Any]) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    carol, dave = Client(), Client()
    carol.force_login(users.get(username="carol"))
    dave.force_login(users.get(username="dave"))
    assert "Red game" in carol.get("/limbs/image/").content.decode()
    assert "Red game" not in dave.get("/limbs/image/").content.decode()
    refused = dave.post(
        "/limbs/image/generate", {"action": "sprite", "intent": "x", "project": world["red_project"]}
    )
    assert refused.status_code in (403, 200)
    assert Generation.objects.filter(owner__username="dave").count() == 0
