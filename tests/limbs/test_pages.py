"""The server-rendered pages: HUD, workspaces, generations, assets."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from limbs.models import Asset, Generation
from tests.helpers.api import guest_client

pytestmark = pytest.mark.usefixtures("jobs_running")


@pytest.fixture
def browser() -> Client:
    return guest_client()


def _wait_done(generation_id: str) -> Generation:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        generation = Generation.objects.get(pk=generation_id)
        if generation.is_done:
            return generation
        time.sleep(0.05)
    raise AssertionError("generation did not finish")


def test_the_hud_shows_27_bubbles_in_4_categories(browser: Client) -> None:
    html = browser.get("/").content.decode()
    assert len(re.findall(r'class="bubble[^"]*"[^>]*data-limb="', html)) == 27
    for title in ("Creative", "Spatial", "Technical", "Metaphysical"):
        assert title in html
    assert "What do you want to make?" in html


def test_the_make_box_routes_free_text_to_a_limb(browser: Client) -> None:
    response = browser.get("/make", {"q": "a red dragon"})
    assert response.status_code == 302
    assert response["Location"].startswith("/limbs/image/?action=generate")
    assert "/limbs/mesh/" in browser.get("/make", {"q": "a 3d castle"})["Location"]


def test_a_workspace_has_the_form_generated_from_the_schema(browser: Client) -> None:
    html = browser.get("/limbs/image/?action=sprite").content.decode()
    assert 'id="intent"' in html
    assert 'name="p_size"' in html and 'min="8"' in html and 'max="64"' in html
    assert "Surprise me" in html


def test_effort_is_asked_only_where_it_changes_what_is_made(browser: Client) -> None:
    assert 'id="tension"' in browser.get("/limbs/image/").content.decode()
    upload = browser.get("/limbs/file/?action=upload").content.decode()
    assert 'id="tension"' not in upload
    assert 'type="file"' in upload and 'enctype="multipart/form-data"' in upload


def test_an_unbuilt_limb_says_so_and_offers_no_form(browser: Client) -> None:
    response = browser.get("/limbs/code/")
    assert response.status_code == 200
    html = response.content.decode().lower()
    assert "not built yet" in html
    assert 'id="generate-form"' not in html


def test_an_unknown_limb_is_404(browser: Client) -> None:
    assert browser.get("/limbs/nope/").status_code == 404


def test_htmx_generate_returns_the_live_partial_then_the_asset_page_offers_make_it_3d(
    browser: Client,
) -> None:
    response = browser.post(
        "/limbs/image/generate",
        {"action": "generate", "intent": "a red dragon", "p_width": "256", "p_height": "256"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(r'id="generation-([0-9a-f-]{36})"', html)
    assert match
    assert "ws-connect" in html
    generation = _wait_done(match.group(1))
    assert generation.status == "succeeded"
    asset = generation.outputs.get()
    page = browser.get(f"/assets/{asset.pk}/").content.decode()
    assert "Make it 3D" in page
    assert asset.sha256 in page


def test_htmx_generate_with_a_bad_param_answers_422_with_the_error_partial(browser: Client) -> None:
    response = browser.post(
        "/limbs/image/generate",
        {"action": "sprite", "intent": "a cat", "p_size": "500"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "at most 64" in response.content.decode()
    assert not Generation.objects.exists()


def test_a_plain_form_post_redirects_to_the_generation_page(browser: Client) -> None:
    response = browser.post("/limbs/image/generate", {"action": "sprite", "intent": "a cat"})
    assert response.status_code == 302
    generation = Generation.objects.get()
    assert response["Location"] == f"/generations/{generation.pk}/"
    assert browser.get(response["Location"]).status_code == 200


def test_other_peoples_pages_are_404(browser: Client) -> None:
    browser.post("/limbs/image/generate", {"action": "sprite", "intent": "a cat"})
    generation = Generation.objects.get()
    _wait_done(str(generation.pk))
    stranger = Client()
    stranger.get("/")
    assert stranger.get(f"/generations/{generation.pk}/").status_code == 404
    assert stranger.get(f"/assets/{Asset.objects.get().pk}/").status_code == 404


def test_the_recent_list_refreshes_as_a_partial(browser: Client) -> None:
    browser.post("/limbs/image/generate", {"action": "sprite", "intent": "a cat"})
    _wait_done(str(Generation.objects.get().pk))
    html = browser.get("/limbs/image/recent").content.decode()
    assert html.lstrip().startswith('<section class="recent" id="recent"')
    assert 'data-generation="' in html
    assert browser.get("/limbs/nope/recent").status_code == 404


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")
def test_the_world_bible_form_streams_and_a_bad_one_gets_the_error_partial(browser: Client) -> None:
    page = browser.get("/limbs/divine/?action=world_bible").content.decode()
    assert 'data-stream-url="/limbs/divine/stream"' in page
    assert "data-stream-url" not in browser.get("/limbs/divine/?action=quest").content.decode()

    bad = browser.post(
        "/limbs/divine/stream",
        {"action": "world_bible", "intent": "an island", "p_factions": "99"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422
    assert "error-panel" in bad.content.decode()
    assert not Generation.objects.exists()
    quest = browser.post(
        "/limbs/divine/stream", {"action": "quest", "intent": "a lost cat"}, HTTP_HX_REQUEST="true"
    )
    assert quest.status_code == 422 and "answered whole" in quest.content.decode()

    good = browser.post(
        "/limbs/divine/stream",
        {"action": "world_bible", "intent": "an island", "p_factions": "1", "p_places": "1", "p_eras": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert good.status_code == 200 and good["Content-Type"].startswith("text/event-stream")
    events = b"".join(good).decode()
    assert "event: token" in events and "event: done" in events
    generation = Generation.objects.get(pk=good["X-POG-Generation"])
    assert generation.status == "succeeded"


def test_streaming_from_the_page_needs_a_signed_in_identity() -> None:
    response = Client().post("/limbs/divine/stream", {"action": "world_bible", "intent": "an island"})
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
