"""Talking to the studio as a person's client does: ask a limb for something, read the answer
and its files, and count what a request stored. One set for every test that posts to
``/api/handle``; tests keep only what is particular to them."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from accounts.models import ApiToken, User
from limbs.formats import kind_for_mime
from limbs.models import Asset, Generation
from limbs.storage import store_blob
from provenance.models import LedgerEntry


def bearer(raw_token: str) -> Client:
    """A client that sends ``Authorization: Bearer <token>``, as scripts and apps do."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")


def token_client(user: User) -> Client:
    """A client with a fresh API token of ``user``."""
    _, raw = ApiToken.issue(user)
    return bearer(raw)


def guest_client() -> Client:
    """A browser that opened the studio and made something there, and so is a guest with a
    session (a page view alone makes no identity: the first post does)."""
    client = Client()
    client.get("/")
    client.force_login(User.create_guest())
    return client


def post_handle(client: Client, limb: str, **body: Any) -> Any:
    """``POST /api/handle/{limb}`` with ``body`` as JSON; the response, whatever it says."""
    return client.post(f"/api/handle/{limb}", data=json.dumps(body), content_type="application/json")


def handle(
    client: Client,
    limb: str,
    action: str,
    intent: str = "",
    /,
    *,
    wait: bool = True,
    seed: int | None = 11,
    project: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Ask ``limb`` for ``action`` with ``params`` and return the answer, which must be a
    success (accepted and still running, without ``wait``). ``seed`` None lets the studio
    choose one."""
    body: dict[str, Any] = {"action": action, "intent": intent, "params": params, "wait": wait}
    if seed is not None:
        body["seed"] = seed
    if project is not None:
        body["project"] = project
    response = post_handle(client, limb, **body)
    assert response.status_code in ((200,) if wait else (200, 202)), response.content
    answer: dict[str, Any] = response.json()
    if wait:
        assert answer["status"] == "succeeded", answer
    return answer


def main_asset(answer: dict[str, Any], mime_prefix: str = "") -> dict[str, Any]:
    """The first file of an answer whose type starts with ``mime_prefix``."""
    for asset in answer["assets"]:
        if asset["mime"].startswith(mime_prefix):
            return dict(asset)
    raise AssertionError(f"no {mime_prefix or 'file'} in {answer['assets']}")


def asset_bytes(client: Client, asset: dict[str, Any]) -> bytes:
    """The content of one file of an answer, downloaded as its owner."""
    response = client.get(asset["url"])
    assert response.status_code == 200, response.content
    data: bytes = response.content
    return data


def json_output(client: Client, answer: dict[str, Any]) -> dict[str, Any]:
    """The answer's JSON file (a report, a reservation), parsed."""
    return dict(json.loads(asset_bytes(client, main_asset(answer, "application/json"))))


def counts() -> tuple[int, int, int]:
    """Generations, assets and provenance entries stored: a refused request changes none."""
    return Generation.objects.count(), Asset.objects.count(), LedgerEntry.objects.count()


def library_asset(owner: User, data: bytes, mime: str, name: str) -> Asset:
    """A file already in ``owner``'s library (as an upload leaves it), to give as an input."""
    blob, digest = store_blob(data)
    return Asset.objects.create(
        owner=owner, name=name, mime=mime, kind=kind_for_mime(mime), size=len(data), blob=blob, sha256=digest
    )
