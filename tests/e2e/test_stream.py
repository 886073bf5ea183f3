"""A streamed world bible in a real browser: the workspace posts to the stream, shows the
text while it is written, then the finished result as any other action shows it."""

from __future__ import annotations

import pytest
from channels.testing import ChannelsLiveServerTestCase

from accounts.models import User
from tests.e2e.conftest import SHOTS, BrowserPages


@pytest.mark.e2e
class StreamTests(BrowserPages, ChannelsLiveServerTestCase):
    serve_static = True

    def test_the_world_bible_is_written_live_then_shown_as_a_result(self) -> None:
        user = User.objects.create_user("writer", "writer@example.com", "correct horse battery")
        page = self.page_for(user)
        page.goto(f"{self.live_server_url}/limbs/divine/?action=world_bible")
        page.fill("#intent", "a sleepy mountain kingdom of singing goats")
        with page.expect_response(lambda r: r.url.endswith("/limbs/divine/stream")) as answered:
            page.click("#generate-button")
        response = answered.value
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        # No remote model here: the procedural tier writes it, then the result replaces the text.
        done = page.locator("#current-generation article.generation[data-status='succeeded']")
        done.wait_for()
        assert page.locator("#current-generation .stream-text").count() == 0
        assert "world" in done.inner_text().lower() or "kingdom" in done.inner_text().lower()
        page.screenshot(path=str(SHOTS / "stream-01-world-bible.png"), full_page=True)

        # A bad request is refused before anything streams, with the field marked.
        page.goto(f"{self.live_server_url}/limbs/divine/?action=world_bible")
        page.fill("#intent", "x" * 2100)
        page.click("#generate-button")
        page.locator("#current-generation .error-panel").wait_for()
        assert page.locator("#current-generation .stream-text").count() == 0
        assert not self.errors, self.errors
