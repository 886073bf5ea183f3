"""The relic workspace on the real client-204 cache, in Debian's Chromium against a live daphne
server: an item sprite, an NPC paper doll, a model and a map sector, each saved as a screenshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import SHOTS

RSC_CACHE = os.environ.get("POG_RSC_CACHE_DIR", "")
IMAGE_READY = (
    "() => { const i = document.querySelector('#relic-viewer img.relic-image');"
    " return i && i.complete && i.naturalWidth > 0; }"
)


@pytest.fixture(scope="module", autouse=True)
def _needs_the_real_cache() -> None:
    if not RSC_CACHE:
        pytest.skip("POG_RSC_CACHE_DIR is not set: no real RuneScape Classic cache to show")


@pytest.mark.e2e
@pytest.mark.usefixtures("celery_worker")
class RelicWorkspaceTests(ChannelsLiveServerTestCase):
    serve_static = True

    @pytest.fixture(autouse=True)
    def _browser(self, browser: Browser) -> None:
        self.browser = browser
        SHOTS.mkdir(parents=True, exist_ok=True)

    def _page(self, width: int = 1280, height: int = 900) -> Page:
        context = self.browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.set_default_timeout(60_000)
        return page

    def _open(self, page: Page, category: str, query: str, name: str) -> None:
        """Pick a category, filter live (htmx), then open the entry called ``name``."""
        page.click(f'a.relic-category[data-kind="{category}"]')
        page.wait_for_url(f"**kind={category}**")
        page.fill("#relic-q", query)
        entry = page.locator("#relic-list .relic-entry", has=page.locator(f'.relic-name:text-is("{name}")'))
        entry.first.wait_for(state="visible")
        page.wait_for_function(
            f"() => [...document.querySelectorAll('#relic-list .relic-name')].length <= 40"
            f" && new URLSearchParams(location.search).get('q') === {query!r}"
        )
        entry.first.click()
        page.wait_for_function(
            f"() => {{ const v = document.querySelector('#relic-viewer h2');"
            f" return v && v.textContent.trim() === {name!r}; }}"
        )

    def test_the_workspace_shows_an_item_an_npc_a_model_and_a_sector(self) -> None:
        from relics import museum

        cache, _ = museum.register_folder(Path(RSC_CACHE), check_allowed=False)
        page = self._page()
        page.goto(self.live_server_url + "/relics/")
        assert page.locator("a.relic-category").count() == 12
        assert cache.short in page.inner_text(".cache-facts")
        # An operator's cache is the museum's own: every visitor sees it, and is told so.
        assert page.inner_text(".relic-audience").strip().endswith("Seen by everyone")

        self._open(page, "items", "iron mace", "Iron Mace")
        page.wait_for_function(IMAGE_READY)
        assert "Tinted with" in page.inner_text("#relic-viewer")
        page.screenshot(path=str(SHOTS / "relics-01-item.png"))

        self._open(page, "npcs", "man", "Man")
        page.wait_for_function(IMAGE_READY)
        assert "Paper doll" in page.inner_text("#relic-viewer")
        page.screenshot(path=str(SHOTS / "relics-02-npc-paper-doll.png"))

        self._open(page, "objects", "tree", "Tree")
        page.wait_for_function(
            "() => { const mv = document.querySelector('#relic-viewer model-viewer');"
            " return !!(mv && mv.loaded); }"
        )
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "relics-03-model.png"))

        self._open(page, "sectors", "m05050", "m05050")
        page.wait_for_function(IMAGE_READY)
        page.screenshot(path=str(SHOTS / "relics-04-map-sector.png"))

        self._open(page, "sounds", "advance", "advance")
        src = page.locator("#relic-viewer audio").get_attribute("src") or ""
        assert src.endswith("/sounds/advance/preview")
        # The real href underneath the htmx link works on its own, too.
        page.goto(self.live_server_url + page.locator("#relic-list .relic-entry").first.get_attribute("href"))
        assert page.locator("#relic-viewer").count() == 1

        # A fork is the relic limb's, made by the one writer: its page names the relic as parent.
        self._open(page, "items", "iron mace", "Iron Mace")
        page.fill("#fork-name", "my mace.png")
        page.click(".fork-button")
        page.click("#relic-fork-result .relic-forked a")
        page.wait_for_selector(".family .thing--relic")
        assert "Iron Mace" in page.inner_text(".family .thing--relic")
        link = page.locator(".family .thing--relic a").get_attribute("href") or ""
        assert link.startswith(f"/relics/?cache={cache.sha256}") and "entry=0" in link
        assert page.get_attribute("#provenance", "data-verified") == "true"
        page.screenshot(path=str(SHOTS / "relics-05-fork-family-tree.png"))
        assert not self.errors, self.errors
