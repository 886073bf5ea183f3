"""Who sees a relic cache: the person who registered it, their team when it is filed in a
team project, and everyone once staff publish it. Anyone else gets the 404 an unknown
cache gets, through every endpoint and page; the stored files stay one shared copy."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts import teams
from accounts.models import ApiToken, Membership, Tier, User
from limbs.models import Asset, Project
from relics.models import RelicCache, RelicShelf
from tests.helpers.api import bearer, handle, json_output
from tests.relics import synth
from tests.relics.uploaded import settle, settle_page

pytestmark = pytest.mark.django_db
UNKNOWN = "0" * 64


@dataclass
class Person:
    user: User
    api: Client  # bearer token
    browser: Client  # signed-in session


def person(name: str, tier: Tier | None = None, staff: bool = False) -> Person:
    user = User.objects.create_user(name, "", "correct horse battery", is_staff=staff)
    if tier is not None:
        user.tier = tier
        user.save(update_fields=["tier"])
    _, raw = ApiToken.issue(user)
    browser = Client()
    browser.force_login(user)
    return Person(user, bearer(raw), browser)


@dataclass
class World:
    alice: Person  # owns team Red
    bob: Person  # no team
    carol: Person  # editor in Red
    dave: Person  # viewer in Red
    sam: Person  # staff
    red_project: Project
    alice_project: Project


@pytest.fixture
def world(roomy_tier: Tier) -> World:
    alice, bob, carol, dave = (person(n, roomy_tier) for n in ("alice", "bob", "carol", "dave"))
    red = teams.create_team(alice.user, "Red")
    Membership.objects.create(team=red, user=carol.user, role=Membership.Role.EDITOR)
    Membership.objects.create(team=red, user=dave.user, role=Membership.Role.VIEWER)
    return World(
        alice=alice,
        bob=bob,
        carol=carol,
        dave=dave,
        sam=person("sam", roomy_tier, staff=True),
        red_project=Project.objects.create(name="Red game", team=red),
        alice_project=Project.objects.create(name="Alice's game", owner=alice.user),
    )


def upload(client: Client, **form: str) -> Any:
    """The synthetic Classic cache, zipped, through the API."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in synth.classic_files().items():
            z.writestr(f"cache/{name}", data)
    zipped = SimpleUploadedFile("cache.zip", buf.getvalue(), content_type="application/zip")
    return settle(client, client.post("/api/relics/caches", {"files": [zipped], **form}))


def registered(client: Client, **form: str) -> str:
    response = upload(client, **form)
    assert response.status_code == 201, response.json()
    sha: str = response.json()["sha256"]
    return sha


def publish(client: Client, sha: str, public: bool) -> Any:
    return client.post(
        f"/api/relics/caches/{sha}/publish", {"public": public}, content_type="application/json"
    )


def api_answers(client: Client, sha: str) -> dict[str, tuple[int, str | None]]:
    """Status and error code of every read and fork endpoint for one cache."""
    base = f"/api/relics/caches/{sha}"
    answers = {
        "get": client.get(base),
        "entries": client.get(f"{base}/entries", {"kind": "items"}),
        "entry": client.get(f"{base}/entries/items/0"),
        "preview": client.get(f"{base}/entries/items/0/preview"),
        "fork": client.post(f"{base}/entries/items/0/fork", {}, content_type="application/json"),
    }
    return {
        name: (r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else None)
        for name, r in answers.items()
    }


def page_answers(browser: Client, sha: str) -> dict[str, int]:
    return {
        "viewer": browser.get("/relics/", {"cache": sha, "kind": "items", "entry": "0"}).status_code,
        "preview": browser.get(f"/relics/{sha}/items/0/preview").status_code,
        "fork": browser.post(f"/relics/{sha}/items/0/fork").status_code,
    }


def listed(client: Client) -> dict[str, dict[str, Any]]:
    return {c["sha256"]: c for c in client.get("/api/relics/caches").json()["caches"]}


def matched(client: Client, name: str = "Iron Mace") -> list[str]:
    return [m["cache"] for m in client.get("/api/relics/match", {"name": name}).json()["matches"]]


NOT_FOUND = dict.fromkeys(("get", "entries", "entry", "preview", "fork"), (404, "no_cache"))


def test_a_private_upload_is_as_unknown_to_everyone_else_as_a_cache_never_registered(world: World) -> None:
    sha = registered(world.alice.api, label="Alice's secret")
    assert api_answers(world.alice.api, sha) == {
        "get": (200, None), "entries": (200, None), "entry": (200, None), "preview": (200, None),
        "fork": (201, None),
    }  # fmt: skip
    assert listed(world.alice.api)[sha]["visibility"] == {"audience": "you", "teams": [], "public": False}
    assert matched(world.alice.api) == [sha]
    forks = Asset.objects.count()
    for other in (world.bob, world.carol, world.dave, world.sam):
        assert api_answers(other.api, sha) == api_answers(other.api, UNKNOWN) == NOT_FOUND
        assert sha not in listed(other.api) and matched(other.api) == []
        assert page_answers(other.browser, sha) == page_answers(other.browser, UNKNOWN) == {
            "viewer": 200, "preview": 404, "fork": 404
        }  # fmt: skip
        # The workspace ignores a cache it may not show, as it ignores an unknown one.
        html = other.browser.get("/relics/", {"cache": sha}).content.decode()
        assert sha[:12] not in html and "Alice's secret" not in html
    assert Asset.objects.count() == forks  # nobody else forked it
    # The error names nothing but what was asked for.
    body = world.bob.api.get(f"/api/relics/caches/{sha}").json()
    assert body == {
        "error": {
            "code": "no_cache",
            "message": f"No registered cache has the sha256 {sha}.",
            "field": "cache",
        }
    }


def test_a_cache_filed_in_a_team_project_is_seen_by_the_team_and_no_one_else(world: World) -> None:
    sha = registered(world.alice.api, label="Red relics", project=str(world.red_project.id))
    assert RelicShelf.objects.filter(cache__sha256=sha, team=world.red_project.team).count() == 1
    for member in (world.alice, world.carol, world.dave):
        seen = listed(member.api)[sha]
        assert seen["label"] == "Red relics"
        assert seen["visibility"] == {"audience": "team", "teams": ["Red"], "public": False}
        assert api_answers(member.api, sha)["preview"] == (200, None)
        assert matched(member.api) == [sha]
        html = member.browser.get("/relics/", {"cache": sha}).content.decode()
        assert "Seen by your team Red" in html
    assert api_answers(world.bob.api, sha) == NOT_FOUND
    assert sha not in listed(world.bob.api)
    # Leaving the team takes it away; a personal project keeps it personal.
    Membership.objects.filter(user=world.carol.user).delete()
    assert api_answers(world.carol.api, sha)["get"] == (404, "no_cache")
    modern = [SimpleUploadedFile(n, d) for n, d in synth.modern_files().items()]
    form = {"files": modern, "project": str(world.alice_project.id)}
    sent = world.alice.api.post("/api/relics/caches", form)
    mine = settle(world.alice.api, sent).json()["sha256"]
    assert listed(world.alice.api)[mine]["visibility"]["audience"] == "you"
    assert mine not in listed(world.dave.api)


def test_only_those_who_make_in_a_project_file_a_cache_in_it(world: World) -> None:
    refused = upload(world.dave.api, project=str(world.red_project.id))
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "project"
    foreign = upload(world.bob.api, project=str(world.red_project.id))
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "unknown_project"
    bad = upload(world.bob.api, project="not-a-project")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "project"
    assert not RelicCache.objects.exists() and not RelicShelf.objects.exists()
    page = world.dave.browser.post(
        "/relics/upload",
        {"files": [SimpleUploadedFile(n, d) for n, d in synth.modern_files().items()],
         "project": str(world.red_project.id)},
    )  # fmt: skip
    assert page.status_code == 403 and not RelicCache.objects.exists()
    made = upload(world.carol.api, project=str(world.red_project.id))
    assert made.status_code == 201 and made.json()["visibility"]["audience"] == "team"


def test_staff_publish_a_cache_to_everyone_and_take_it_back(world: World) -> None:
    sha = registered(world.alice.api, label="Alice's mace")
    published = publish(world.sam.api, sha, True)
    assert published.status_code == 200, published.content
    assert published.json()["visibility"]["public"] is True
    for anyone in (world.bob, world.carol, world.sam):
        assert api_answers(anyone.api, sha)["preview"] == (200, None)
        assert listed(anyone.api)[sha]["visibility"]["audience"] == "everyone"
        assert matched(anyone.api) == [sha]
        assert "Seen by everyone" in anyone.browser.get("/relics/", {"cache": sha}).content.decode()
    # The registrant keeps their own name for it; who else sees it is now everyone.
    assert listed(world.alice.api)[sha]["label"] == "Alice's mace"
    assert publish(world.sam.api, sha, False).json()["visibility"]["public"] is False
    assert api_answers(world.bob.api, sha) == NOT_FOUND
    assert listed(world.alice.api)[sha]["visibility"]["audience"] == "you"
    # Staff keep the cache they handled in view, to publish it again.
    assert listed(world.sam.api)[sha]["visibility"]["audience"] == "you"
    assert publish(world.sam.api, UNKNOWN, True).status_code == 404


def test_publishing_is_for_staff_only_and_a_refusal_changes_nothing(world: World) -> None:
    sha = registered(world.alice.api)
    before = list(RelicShelf.objects.values_list("owner", "team", "public"))
    for who in (world.alice, world.bob):
        for target in (sha, UNKNOWN):  # the same refusal whether the cache exists or not
            response = publish(who.api, target, True)
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "staff_only"
            assert "staff" in response.json()["error"]["message"]
        page = who.browser.post(f"/relics/{sha}/publish", {"public": "1"})
        assert page.status_code == 403
    assert list(RelicShelf.objects.values_list("owner", "team", "public")) == before
    assert api_answers(world.bob.api, sha) == NOT_FOUND


def _originals() -> list[str]:
    """Every stored original file, in whichever storage the studio uses."""
    dirs, _ = default_storage.listdir("relics/originals")
    return sorted(f"{d}/{f}" for d in dirs for f in default_storage.listdir(f"relics/originals/{d}")[1])


def test_the_same_bytes_uploaded_twice_are_stored_once_on_two_private_shelves(world: World) -> None:
    sha = registered(world.alice.api, label="Alice's secret")
    stored = _originals()
    # Bob's upload is new to him: 201, as if nobody had sent these bytes before.
    again = upload(world.bob.api)
    assert again.status_code == 201 and again.json()["sha256"] == sha and again.json()["created"] is True
    assert again.json()["label"] != "Alice's secret" and again.json()["label"].startswith("Classic cache")
    assert _originals() == stored and RelicCache.objects.count() == 1
    assert RelicShelf.objects.filter(cache__sha256=sha).count() == 2
    assert listed(world.alice.api)[sha]["label"] == "Alice's secret"
    for who in (world.alice, world.bob):
        assert listed(who.api)[sha]["visibility"]["audience"] == "you"
    assert api_answers(world.carol.api, sha) == NOT_FOUND  # still private to each of them


def test_the_page_shows_who_sees_a_cache_and_staff_get_the_publish_switch(world: World) -> None:
    sha = registered(world.alice.api)
    html = world.alice.browser.get("/relics/", {"cache": sha}).content.decode()
    assert 'data-audience="you"' in html and "Seen by only you" in html
    assert 'action="/relics/' + sha + '/publish"' not in html
    assert 'name="project"' in html and "Red game · team Red" in html and "Alice&#x27;s game" in html
    # Viewers may not file in the team's projects, so it is not offered to them.
    assert "Red game" not in world.dave.browser.get("/relics/").content.decode()
    # Staff see the switch on what they see, and it works without JavaScript.
    sam = world.sam.browser
    shared = sam.post(
        "/relics/upload", {"files": [SimpleUploadedFile(n, d) for n, d in synth.modern_files().items()]}
    )
    settle_page(sam, shared)
    modern = RelicCache.objects.get(era="modern").sha256
    page = sam.get("/relics/", {"cache": modern}).content.decode()
    assert f'action="/relics/{modern}/publish"' in page and "Staff: publish to everyone" in page
    assert sam.post(f"/relics/{modern}/publish", {"public": "1"}).status_code == 302
    assert listed(world.bob.api)[modern]["visibility"]["audience"] == "everyone"
    page = sam.get("/relics/", {"cache": modern}).content.decode()
    assert "Seen by everyone" in page and "Staff: stop showing it to everyone" in page
    assert sam.post(f"/relics/{modern}/publish", {"public": "0"}).status_code == 302
    assert modern not in listed(world.bob.api)


def test_a_server_folder_registered_by_staff_is_public(world: World, tmp_path: Path, settings: Any) -> None:
    folder = tmp_path / "rsc"
    folder.mkdir()
    for name, data in synth.classic_files().items():
        (folder / name).write_bytes(data)
    settings.POG_RELIC_DIRS = [str(tmp_path)]
    refused = world.alice.api.post(
        "/api/relics/caches/folder", {"path": str(folder)}, content_type="application/json"
    )
    assert refused.status_code == 403 and not RelicCache.objects.exists()
    response = world.sam.api.post(
        "/api/relics/caches/folder", {"path": str(folder)}, content_type="application/json"
    )
    assert response.status_code == 201
    sha = response.json()["caches"][0]["sha256"]
    assert listed(world.bob.api)[sha]["visibility"] == {"audience": "everyone", "teams": [], "public": True}


@pytest.mark.usefixtures("jobs_running")
def test_the_id_auditor_counts_only_the_caches_its_caller_may_see(world: World) -> None:
    def reserve(client: Client) -> dict[str, Any]:
        return json_output(client, handle(client, "id_auditor", "reserve", type="item", count=2))

    sha = registered(world.bob.api)
    items = RelicCache.objects.get(sha256=sha).counts["items"]
    mine = reserve(world.alice.api)
    assert mine["ids"] == [0, 1] and sha not in mine["checked_sources"]
    theirs = reserve(world.bob.api)
    assert theirs["ids"] == [items, items + 1] and sha in theirs["checked_sources"]
    assert publish(world.sam.api, sha, True).status_code == 200
    assert sha in reserve(world.carol.api)["checked_sources"]
