"""API tokens: hashed at rest, scopes, expiry, revocation, managed through the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token
from tests.helpers.api import bearer, post_handle

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash_with_a_visible_prefix(alice: User) -> None:
    token, raw = ApiToken.issue(alice, name="ci")
    assert raw not in json.dumps([token.token_hash, token.prefix, token.name])
    assert token.token_hash == hash_token(raw)
    assert raw.startswith("pog_" + token.prefix)


def test_making_a_token_through_the_api_shows_the_secret_once(alice_api: Client) -> None:
    response = alice_api.post(
        "/api/tokens",
        data=json.dumps({"name": "reader", "scopes": ["read"], "expires_in_days": 7}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scopes"] == ["read"] and body["token"].startswith("pog_")
    listed = alice_api.get("/api/tokens").json()["tokens"]
    assert "token" not in json.dumps(listed).replace('"tokens"', "")
    assert any(t["prefix"] == body["prefix"] for t in listed)


def test_a_read_token_may_look_but_not_generate(alice: User) -> None:
    _, raw = ApiToken.issue(alice, scopes=("read",))
    client = bearer(raw)
    assert client.get("/api/assets").status_code == 200
    response = post_handle(client, "image", action="sprite", intent="a frog")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "scope"


def test_a_revoked_token_is_refused_on_its_next_request(alice_api: Client, alice: User) -> None:
    _, raw = ApiToken.issue(alice, name="soon gone")
    client = bearer(raw)
    assert client.get("/api/assets").status_code == 200
    token_id = ApiToken.objects.get(token_hash=hash_token(raw)).pk
    assert alice_api.delete(f"/api/tokens/{token_id}").status_code == 200
    assert client.get("/api/assets").status_code == 401


def test_an_expired_token_is_refused(alice: User) -> None:
    _, raw = ApiToken.issue(alice, expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(raw).get("/api/assets").status_code == 401


def test_nobody_revokes_another_identitys_token(alice_api: Client, bob: User) -> None:
    token, _ = ApiToken.issue(bob)
    assert alice_api.delete(f"/api/tokens/{token.pk}").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("scopes", [[], ["admin"], ["read", "write"]])
def test_unknown_or_empty_scopes_get_422(alice_api: Client, scopes: list[str]) -> None:
    response = alice_api.post(
        "/api/tokens", data=json.dumps({"scopes": scopes}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "scopes"
