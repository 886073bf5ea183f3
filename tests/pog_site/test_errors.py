"""With debug off (as `make run` serves), a crash shows a friendly page or a JSON error, never
a traceback; the traceback goes to the log."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings

from limbs import api as limbs_api

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False, ROOT_URLCONF="tests.pog_site.crash_urls")
def test_a_crashing_page_shows_the_friendly_page_and_logs_the_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    browser = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = browser.get("/crash/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "the studio tripped" in page
    assert "secret detail" not in page and "Traceback" not in page
    assert any("secret detail" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


@override_settings(DEBUG=False)
def test_an_unknown_page_is_the_friendly_404() -> None:
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert b"We looked everywhere" in response.content


@pytest.mark.parametrize("debug", [False, True])
def test_a_crashing_endpoint_answers_json_without_the_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    def broken(only: str | None = None) -> dict[str, object]:
        raise RuntimeError("secret detail of the crash")

    monkeypatch.setattr(limbs_api, "limb_health", broken)
    with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR):
        response = Client(raise_request_exception=False).get("/api/limbs")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "server_error"
    assert "secret detail" not in response.content.decode() and "Traceback" not in error["message"]
    assert any("secret detail" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
