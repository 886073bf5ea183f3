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
def test_page_views_without_a_cookie_create_no_user_and_no_session() -> None:
    from django.contrib.sessions.models import Session

    # A client that keeps no cookie: before, every one of these made a user and a session.
    for path in ("/", "/limbs/image/", "/relics/", "/assets/", "/settings/", "/teams/", "/projects/"):
        response = Client().get(path)
        assert response.status_code == 200, path
        # The CSRF cookie is set, so the visitor's first post passes its check.
        assert "csrftoken" in response.cookies, path
        assert "sessionid" not in response.cookies, path
    assert User.objects.count() == 0
    assert Session.objects.count() == 0


@pytest.mark.django_db
def test_the_first_form_post_makes_the_guest_who_owns_what_it_made() -> None:
    from limbs.models import Generation

    browser = Client(enforce_csrf_checks=True)
    browser.get("/limbs/image/")
    assert User.objects.count() == 0
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/limbs/image/generate",
        {"action": "sprite", "intent": "a red slime", "p_size": "32", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302, response.content
    guest = User.objects.get()
    assert guest.is_guest and guest.last_seen is not None
    assert Generation.objects.get().owner == guest
    # The page's CSRF token still works for the visitor's next post (htmx keeps sending it).
    assert browser.cookies["csrftoken"].value == token
    again = browser.post("/teams/new", {"name": "Slimes", "csrfmiddlewaretoken": token})
    assert again.status_code == 302
    assert User.objects.count() == 1 and guest.memberships.count() == 1
    # Later page views of this browser are the guest's.
    assert b"kept until" in browser.get("/").content


@pytest.mark.django_db
def test_a_forged_post_makes_no_guest() -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/limbs/image/generate", {"action": "sprite", "intent": "a slime"})
    assert response.status_code == 403
    assert post_handle(browser, "image", action="sprite", intent="a slime").status_code in (401, 403)
    assert User.objects.count() == 0


@pytest.mark.usefixtures("jobs_running")
def test_the_first_json_call_of_a_browser_session_makes_its_guest() -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get("/")
    token = browser.cookies["csrftoken"].value
    # Looking needs an identity the browser does not have yet, and makes none.
    assert browser.get("/api/assets").status_code == 401
    assert User.objects.count() == 0
    made = browser.post(
        "/api/handle/image",
        data='{"action": "sprite", "intent": "a slime", "params": {"size": 32}, "wait": true}',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert made.status_code == 200, made.content
    guest = User.objects.get()
    assert guest.is_guest
    assert browser.get("/api/assets").json()  # the browser is that guest from now on
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_first_posts_share_the_per_address_guest_limit(settings: Any) -> None:
    from pog_site.state import shared_state

    settings.POG_GUESTS_PER_MINUTE = 2
    shared_state().reset("guests:10.9.8.6")
    statuses = []
    for _ in range(3):
        browser = Client(REMOTE_ADDR="10.9.8.6")
        browser.get("/teams/")
        statuses.append(browser.post("/teams/new", {"name": "Slimes"}).status_code)
    assert statuses[:2] == [302, 302] and statuses[2] == 429
    assert User.objects.count() == 2
    refused = browser.post("/teams/new", {"name": "Slimes"})
    assert b"Too many new guests" in refused.content and 0 < int(refused["Retry-After"]) <= 60
    shared_state().reset("guests:10.9.8.6")


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


@pytest.mark.django_db
def test_fresh_accounts_are_new_identities_under_the_guest_meters(settings: Any) -> None:
    """Issue 12: a cookie-less sign-up made a new account with no meter at all, so accounts
    were the free identities that guests no longer are."""
    from pog_site.state import shared_state

    settings.POG_GUESTS_PER_MINUTE = 1
    keys = ["guests:address:10.9.8.77", "guests:prefix:10.9.8.0/24"]
    for key in keys:
        shared_state().reset(key)
    try:
        first = Client(REMOTE_ADDR="10.9.8.77").post(
            "/accounts/signup/", {"username": "ana", "password": "a long enough secret 42"}
        )
        assert first.status_code == 302
        second = Client(REMOTE_ADDR="10.9.8.77").post(
            "/accounts/signup/", {"username": "bo", "password": "a long enough secret 42"}
        )
        assert second.status_code == 429
        assert 0 < int(second["Retry-After"]) <= 60
        assert b"Too many new accounts" in second.content
        assert list(User.objects.values_list("username", flat=True)) == ["ana"]
        # Another network is not held back by this one.
        other = Client(REMOTE_ADDR="10.9.99.1").post(
            "/accounts/signup/", {"username": "cy", "password": "a long enough secret 42"}
        )
        assert other.status_code == 302
    finally:
        for key in keys:
            shared_state().reset(key)
