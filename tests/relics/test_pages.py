"""The relic workspace pages: era toggle, categories, live filtering, viewer, fork, upload."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from limbs.models import Asset
from relics import museum
from relics.models import RelicCache
from tests.helpers.api import guest_client
from tests.relics import synth
from tests.relics.uploaded import settle_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return guest_client()


@pytest.fixture
def guest(browser: Client) -> User:
    return User.objects.get(pk=browser.session["_auth_user_id"])


@pytest.fixture
def cache(guest: User) -> RelicCache:
    registered, _ = museum.do_register_cache(
        synth.classic_files(), source="upload", user=guest, label="Synth"
    )
    return registered


def test_an_empty_museum_offers_the_upload_form(browser: Client) -> None:
    html = browser.get("/relics/").content.decode()
    assert "No classic cache here yet" in html
    assert 'action="/relics/upload"' in html and 'enctype="multipart/form-data"' in html


def test_the_workspace_shows_categories_and_a_list_with_real_links(
    browser: Client, cache: RelicCache
) -> None:
    response = browser.get("/relics/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Items", "NPCs", "Objects", "Wall objects", "Tiles", "Textures", "Animations", "Spells",
                  "Prayers", "Models", "Map sectors", "Sounds"):  # fmt: skip
        assert f">{label} <span" in html
    assert 'data-era="classic" href="/relics/?era=classic" aria-current="page"' in html
    links = re.findall(r'class="relic-entry[^"]*" data-key="(\d+)" href="([^"]+)" hx-get="([^"]+)"', html)
    assert [k for k, _, _ in links] == ["0", "1"]
    assert all(href == hx and "entry=" in href for _, href, hx in links)


def test_the_text_filter_returns_the_list_partial_to_htmx(browser: Client, cache: RelicCache) -> None:
    response = browser.get(
        "/relics/", {"cache": cache.sha256, "kind": "items", "q": "money"}, HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="relic-list",
    )  # fmt: skip
    html = response.content.decode()
    assert html.startswith('<div id="relic-list"') and "<html" not in html
    assert "Coins" in html and "Iron Mace" not in html
    # Without JavaScript the same URL is the whole page, filtered.
    full = browser.get("/relics/", {"cache": cache.sha256, "kind": "items", "q": "money"}).content.decode()
    assert "<html" in full and "Coins" in full and "Iron Mace" not in full


def test_the_viewer_shows_each_kind_of_preview(browser: Client, cache: RelicCache) -> None:
    def viewer(kind: str, key: str) -> str:
        response = browser.get(
            "/relics/", {"cache": cache.sha256, "kind": kind, "entry": key}, HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="relic-viewer",
        )  # fmt: skip
        assert response.status_code == 200
        return response.content.decode()

    item = viewer("items", "0")
    assert item.startswith('<article id="relic-viewer"') and 'class="relic-image pixelated"' in item
    assert "#8040ff" in item and "Every decoded field" in item and ">sprite</th>" in item
    assert "paper doll" in viewer("npcs", "0")
    assert "<model-viewer" in viewer("models", "tree2")
    assert "<audio" in viewer("sounds", "advance")
    assert 'data-kind="sectors"' in viewer("sectors", "m05050")
    assert "data only" in viewer("spells", "0")


def test_preview_urls_serve_the_files(browser: Client, cache: RelicCache) -> None:
    base = f"/relics/{cache.sha256}"
    assert browser.get(f"{base}/npcs/0/preview")["Content-Type"] == "image/png"
    assert browser.get(f"{base}/objects/0/preview")["Content-Type"] == "model/gltf-binary"
    assert browser.get(f"{base}/spells/0/preview").status_code == 404
    assert browser.get(f"/relics/{'0' * 64}/items/0/preview").status_code == 404


def test_an_unknown_entry_is_a_404(browser: Client, cache: RelicCache) -> None:
    assert browser.get("/relics/", {"cache": cache.sha256, "kind": "items", "entry": "77"}).status_code == 404


def test_forking_from_the_page_makes_an_asset_of_mine(browser: Client, cache: RelicCache) -> None:
    response = browser.post(f"/relics/{cache.sha256}/items/0/fork", {"name": ""})
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert response["Location"] == asset.get_absolute_url()
    assert asset.owner.is_guest and asset.meta["relic"]["entry"] == "items/0"
    partial = browser.post(f"/relics/{cache.sha256}/sounds/advance/fork", HTTP_HX_REQUEST="true")
    assert "Forked!" in partial.content.decode()


def test_the_era_toggle_and_also_in_modern(browser: Client, cache: RelicCache, guest: User) -> None:
    modern, _ = museum.do_register_cache(synth.modern_files(), source="upload", user=guest)
    html = browser.get("/relics/", {"cache": cache.sha256, "kind": "items", "entry": "0"}).content.decode()
    assert "Also in Modern" in html and f"cache={modern.sha256}" in html
    modern_page = browser.get("/relics/", {"era": "modern"}).content.decode()
    assert 'data-kind="items"' in modern_page and 'data-kind="npcs"' in modern_page
    assert 'data-kind="sounds"' not in modern_page and "Iron mace" in modern_page


def test_uploading_through_the_page(browser: Client) -> None:
    parts = [SimpleUploadedFile(n, d) for n, d in synth.modern_files().items()]
    response = browser.post("/relics/upload", {"files": parts, "label": "RS3"})
    assert response.status_code == 302 and response["Location"].startswith("/relics/uploads/")
    waiting = browser.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in waiting and 'http-equiv="refresh"' in waiting
    page = settle_page(browser, response)
    cache = RelicCache.objects.get()
    assert cache.label == "RS3" and f"?cache={cache.sha256}" in page and "Registered" in page
    assert 'http-equiv="refresh"' not in page
    bad = browser.post("/relics/upload", {"files": [SimpleUploadedFile("js5-2.jcache", b"nope")]})
    assert bad.status_code == 422 and "not a jcache" in bad.content.decode()
