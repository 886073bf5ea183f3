"""The file limb in a real browser: a picture chosen from the computer is checked, stored and
shown; a file that lies about its type is refused with the reason next to the field."""

from __future__ import annotations

import io

import pytest
from channels.testing import ChannelsLiveServerTestCase
from PIL import Image, ImageDraw
from playwright.sync_api import FilePayload

from accounts.models import User
from limbs.models import Asset
from tests.e2e.conftest import SHOTS, BrowserPages


def _drawing() -> bytes:
    im = Image.new("RGB", (96, 64), (250, 240, 210))
    draw = ImageDraw.Draw(im)
    draw.ellipse((20, 10, 76, 58), fill=(40, 140, 60))
    draw.rectangle((40, 30, 56, 40), fill=(250, 250, 250))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.e2e
class FileLimbTests(BrowserPages, ChannelsLiveServerTestCase):
    serve_static = True

    def test_upload_a_drawing_then_refuse_a_file_that_lies(self) -> None:
        user = User.objects.create_user("uploader", "up@example.com", "correct horse battery")
        page = self.page_for(user)
        response = page.goto(f"{self.live_server_url}/limbs/file/?action=upload")
        assert response is not None and response.status == 200
        drawing = _drawing()
        page.set_input_files(
            "#param-file", files=[FilePayload(name="frog.png", mimeType="image/png", buffer=drawing)]
        )
        page.fill("#param-label", "My frog")
        page.click("#generate-button")
        page.locator("img.asset-image").first.wait_for(state="visible")
        page.screenshot(path=str(SHOTS / "file-01-uploaded.png"), full_page=True)
        stored = Asset.objects.get(owner=user, name="My frog.png")
        assert stored.mime == "image/png" and stored.width == 96
        assert stored.blob and stored.size == len(drawing)

        page.goto(f"{self.live_server_url}/limbs/file/?action=upload")
        page.set_input_files(
            "#param-file", files=[FilePayload(name="song.wav", mimeType="audio/wav", buffer=drawing)]
        )
        page.select_option("#param-type-select", "wav")
        page.click("#generate-button")
        error = page.locator(".field-error").first
        error.wait_for(state="visible")
        assert "first bytes are those of a PNG" in error.inner_text()
        page.screenshot(path=str(SHOTS / "file-02-refused.png"), full_page=True)
        assert Asset.objects.filter(owner=user).count() == 1

        # On a 390 px phone the form fits the screen, file picker included.
        phone = self.page_for(user, width=390)
        phone.goto(f"{self.live_server_url}/limbs/file/?action=upload")
        phone.locator("#param-file").wait_for(state="visible")
        phone.screenshot(path=str(SHOTS / "file-03-phone-390.png"), full_page=True)
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
        box = phone.locator("#param-file").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert self.errors == []
