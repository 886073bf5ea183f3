from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from limbs import breakers

MODEL = "@cf/black-forest-labs/flux-1-schnell"


@pytest.fixture
def staff(db: Any) -> Client:
    User.objects.create_superuser("root", "root@example.com", "a staff secret 77")
    client = Client()
    client.login(username="root", password="a staff secret 77")
    return client


def test_staff_see_every_configured_breaker_and_can_force_one(staff: Client, settings: Any) -> None:
    settings.POG_CLOUDFLARE_ACCOUNT_ID = "acct"
    settings.POG_CLOUDFLARE_API_TOKEN = "tok"
    page = staff.get("/admin/breakers/")
    assert page.status_code == 200
    assert 'data-provider="cloudflare"' in page.content.decode()
    response = staff.post("/admin/breakers/", {"provider": "cloudflare", "model": MODEL, "force": "open"})
    assert response.status_code == 302
    state = breakers.breaker("cloudflare", MODEL).state()
    assert state.forced == "open" and not breakers.breaker("cloudflare", MODEL).allow()
    staff.post("/admin/breakers/", {"provider": "cloudflare", "model": MODEL, "force": "release"})
    assert breakers.breaker("cloudflare", MODEL).state().forced is None
    assert "Circuit breakers" in staff.get("/admin/").content.decode()


def test_a_bad_force_changes_nothing(staff: Client) -> None:
    staff.post("/admin/breakers/", {"provider": "cloudflare", "model": MODEL, "force": "explode"})
    assert breakers.breaker("cloudflare", MODEL).state().forced is None


def test_people_who_are_not_staff_are_sent_to_sign_in(db: Any) -> None:
    User.objects.create_user("maya", "", "a long enough secret 42")
    client = Client()
    client.login(username="maya", password="a long enough secret 42")
    response = client.post("/admin/breakers/", {"provider": "cloudflare", "model": MODEL, "force": "open"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert breakers.breaker("cloudflare", MODEL).state().forced is None
