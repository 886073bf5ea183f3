"""Debian's Chromium, driven by Playwright, shared by the browser tests (one per module)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from pog_site import server

# The live servers (channels' DaphneProcess, forked from here) answer as `make run` does.
server.install()

CHROMIUM = os.environ.get("POG_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # WebGL for <model-viewer> through the software renderer.
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-system-packages (make test does).")
    # The live server's test case runs sync ORM calls from the test thread's event loop.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def signed_in_page(
    browser: Browser, server_url: str, user: Any, errors: list[str], width: int = 1280
) -> Page:
    """A page whose session is ``user``'s, collecting uncaught page errors into ``errors``."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}]
    )
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(30_000)
    return page


class BrowserPages:
    """For a live-server test case: ``self.browser``, ``self.errors`` (uncaught page errors)
    and ``self.page_for(user)``."""

    live_server_url: str

    @pytest.fixture(autouse=True)
    def _browser(self, browser: Browser) -> None:
        self.browser = browser
        self.errors: list[str] = []
        SHOTS.mkdir(parents=True, exist_ok=True)

    def page_for(self, user: Any, width: int = 1280) -> Page:
        return signed_in_page(self.browser, self.live_server_url, user, self.errors, width)
