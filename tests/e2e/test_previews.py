"""Previews in a real browser: a sound shows its player and a decoded waveform picture, an
animated GIF really moves, and a quest map fits a 360 px phone by scrolling inside itself."""

from __future__ import annotations

from typing import Any

import pytest
from channels.testing import ChannelsLiveServerTestCase
from playwright.sync_api import Page

from accounts.models import User
from limbs.models import Generation
from tests.e2e.conftest import SHOTS, BrowserPages
from tests.limbs.test_previews import make, output


@pytest.mark.e2e
class PreviewTests(BrowserPages, ChannelsLiveServerTestCase):
    serve_static = True

    def _open(self, page: Page, generation: Generation) -> None:
        response = page.goto(f"{self.live_server_url}/generations/{generation.pk}/")
        assert response is not None and response.status == 200

    # One test method: after the flush between two live-server tests, the server process did not
    # see a session made in this process, so the second test browsed as a stranger.
    def test_sound_gif_and_quest_previews(self) -> None:
        user = User.objects.create_user("wave", "wave@example.com", "correct horse battery")
        page = self.page_for(user)

        self._open(page, make(user, "audio", "sfx", "a coin"))
        page.wait_for_function(
            "() => { const i = document.querySelector('img.waveform-image');"
            " return i && i.complete && i.naturalWidth === 800; }"
        )
        assert page.locator("audio.asset-audio[controls]").count() == 1
        page.screenshot(path=str(SHOTS / "previews-01-sound.png"), full_page=True)

        sprite = output(make(user, "image", "sprite", "a frog", size=32))
        self._open(page, make(user, "video", "animate", "", image=sprite))
        gif = page.locator("img.asset-image").first
        page.wait_for_function(
            "() => { const i = document.querySelector('img.asset-image'); return i && i.complete; }"
        )
        # A GIF that plays paints different pictures over one loop (a second here).
        frames = set()
        for _ in range(8):
            frames.add(gif.screenshot())
            page.wait_for_timeout(130)
        assert len(frames) > 1, "the GIF shows one still picture"

        phone = self.page_for(user, width=360)
        self._open(phone, make(user, "divine", "quest", "find the lost sword", steps=8))
        phone.locator("svg.quest-svg").wait_for(state="visible")
        phone.screenshot(path=str(SHOTS / "previews-02-quest-360.png"), full_page=True)
        overflow: Any = phone.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= 360
        inner: Any = phone.evaluate(
            "() => { const s = document.querySelector('.quest-scroll');"
            " return s.scrollWidth > s.clientWidth; }"
        )
        assert inner, "a long quest should scroll sideways inside its box"
        assert not self.errors, self.errors
