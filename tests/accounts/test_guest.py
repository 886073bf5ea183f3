from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiToken, User
from tests.helpers.api import bearer, guest_client, library_asset, post_handle


@pytest.mark.django_db
def test_post_auth_guest_returns_a_token_that_identifies_a_new_guest() -> None:
    response = Client().post("/api/auth/guest")
    assert response.status_code == 201
    token = response.json()["token"]
    guest = User.objects.get(pk=response.json()["user"])
    assert guest.is_guest and not guest.has_usable_password()
    # Only the hash is stored.
    assert not ApiToken.objects.filter(token_hash=token).exists()
    me = bearer(token).get("/api/assets")
    assert me.status_code == 200


@pytest.mark.django_db
def test_api_calls_without_identity_are_401_with_a_clear_message() -> None:
    response = post_handle(Client(), "image")
    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]["message"]
    assert Client(HTTP_AUTHORIZATION="Bearer nope").get("/api/assets").status_code == 401


@pytest.mark.django_db
def test_a_revoked_or_expired_token_is_refused() -> None:
    from datetime import timedelta

    from django.utils import timezone

    user = User.create_guest()
    token, raw = ApiToken.issue(user)
    client = bearer(raw)
    assert client.get("/api/assets").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/assets").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, revoked_at=timezone.now())
    assert client.get("/api/assets").status_code == 401


@pytest.mark.django_db
def test_the_first_page_visit_creates_a_guest_session_with_no_form() -> None:
    client = Client()
    response = client.get("/")
    assert response.status_code == 200
    assert User.objects.filter(is_guest=True).count() == 1
    client.get("/limbs/image/")
    assert User.objects.filter(is_guest=True).count() == 1


@pytest.mark.django_db
def test_api_and_static_requests_do_not_create_guests() -> None:
    Client().get("/api/limbs")
    Client().get("/static/css/studio.css")
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_signing_up_turns_the_guest_into_an_account_that_keeps_its_assets(settings: Any) -> None:
    from limbs.models import Asset

    client = guest_client()
    guest = User.objects.get(is_guest=True)
    library_asset(guest, b"\x89PNG fake but stored", "image/png", "mine.png")
    old_session = client.cookies["sessionid"].value
    response = client.post("/accounts/signup/", {"username": "maya", "password": "a long enough secret 42"})
    assert response.status_code == 302
    maya = User.objects.get(username="maya")
    assert maya.pk == guest.pk and not maya.is_guest and maya.check_password("a long enough secret 42")
    assert Asset.objects.filter(owner=maya).count() == 1
    # A new session key at sign-up (no session fixation).
    assert client.cookies["sessionid"].value != old_session
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_signup_refuses_a_taken_name_and_a_weak_password() -> None:
    User.objects.create_user("maya", "", "whatever secret 99")
    client = guest_client()
    response = client.post("/accounts/signup/", {"username": "maya", "password": "123"})
    assert response.status_code == 422
    assert b"taken" in response.content
    assert User.objects.get(is_guest=True)


@pytest.mark.django_db
def test_guest_creation_is_limited_per_address_with_retry_after(settings: Any) -> None:
    from pog_site.state import shared_state

    settings.POG_GUESTS_PER_MINUTE = 2
    shared_state().reset("guests:10.9.8.7")
    client = Client(REMOTE_ADDR="10.9.8.7")
    assert [client.post("/api/auth/guest").status_code for _ in range(2)] == [201, 201]
    refused = client.post("/api/auth/guest")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "too_many_guests"
    assert User.objects.count() == 2
    shared_state().reset("guests:10.9.8.7")
