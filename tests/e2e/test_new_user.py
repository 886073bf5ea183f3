"""A new user's first minutes, in Debian's Chromium against a live daphne server:
open the HUD, tap the image bubble, ask for a red dragon, see it, make it 3D."""

from __future__ import annotations

from typing import Any

import pytest
from channels.testing import ChannelsLiveServerTestCase
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import SHOTS


@pytest.mark.e2e
@pytest.mark.usefixtures("celery_worker")
class NewUserTests(ChannelsLiveServerTestCase):
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

    def test_red_dragon_then_make_it_3d(self) -> None:
        page = self._page()
        page.goto(self.live_server_url + "/")
        page.screenshot(path=str(SHOTS / "01-hud.png"), full_page=True)
        page.click('a.bubble[data-limb="image"]')
        page.wait_for_url("**/limbs/image/**")
        page.fill("#intent", "a red dragon")
        page.screenshot(path=str(SHOTS / "02-workspace.png"))
        page.click("#generate-button")
        image = page.locator("#current-generation img.asset-image").first
        image.wait_for(state="visible")
        page.wait_for_function(
            "() => { const i = document.querySelector('#current-generation img.asset-image');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        page.screenshot(path=str(SHOTS / "03-red-dragon.png"))
        # The recent results list refreshes itself when the generation finishes.
        page.locator("#recent .thing").first.wait_for(state="visible")
        page.locator("#current-generation button.make-3d").first.click()
        page.wait_for_function(
            "() => { const mv = document.querySelector('#current-generation model-viewer');"
            " return !!(mv && mv.loaded); }"
        )
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "04-made-3d.png"))
        src = page.locator("#current-generation model-viewer").get_attribute("src") or ""
        assert src.startswith("/api/assets/")
        assert not self.errors, self.errors

    def test_the_hud_fits_a_360_px_phone_and_works_by_keyboard(self) -> None:
        page = self._page(width=360, height=780)
        page.goto(self.live_server_url + "/")
        page.screenshot(path=str(SHOTS / "05-hud-360.png"), full_page=True)
        overflow: Any = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= 360
        assert page.locator("a.bubble").count() == 27
        # Keyboard: tabbing reaches the first bubble, Enter opens its workspace.
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.classList.contains('bubble')"):
                break
        else:
            raise AssertionError("Tab never reached a bubble")
        page.keyboard.press("Enter")
        page.wait_for_url("**/limbs/**")
        assert not self.errors, self.errors
