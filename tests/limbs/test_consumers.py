"""Websocket progress with channels' WebsocketCommunicator, through the real ASGI stack."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import ApiToken, User
from limbs import router, runs
from limbs.models import Generation
from limbs.tasks import run_generation_task
from pog_site import jobs
from pog_site.asgi import application

pytestmark = [pytest.mark.usefixtures("jobs_running"), pytest.mark.asyncio]


def _make(username: str) -> tuple[User, str]:
    user = User.objects.create_user(username, "", "correct horse battery")
    _, raw = ApiToken.issue(user)
    return user, raw


def _queued_generation(owner: User) -> Generation:
    # Created without submitting, so the socket is open before the job starts.
    return Generation.objects.create(
        owner=owner,
        limb="image",
        action="sprite",
        intent="a purple bat",
        params={"size": 32, "kind": "auto", "outline": True},
        seed=5,
    )


def _communicator(path: str, token: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def _collect(communicator: WebsocketCommunicator, timeout: float = 30) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        output = await communicator.receive_output(timeout=end - loop.time())
        if output["type"] == "websocket.close":
            return messages
        messages.append(json.loads(output["text"]))
    raise AssertionError("the socket did not close after the generation finished")


async def test_progress_then_the_result_arrive_and_the_socket_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    jobs.register_loop(asyncio.get_running_loop())
    # The socket sends the row as it is when an event arrives, so a quick job could finish
    # before "running" is read: hold the job after its claim until the socket has shown it.
    shown_running = threading.Event()
    real_route = router.route

    def held_route(*args: Any, **kwargs: Any) -> Any:
        shown_running.wait(10)
        return real_route(*args, **kwargs)

    monkeypatch.setattr(runs, "route", held_route)
    alice, token = await database_sync_to_async(_make)("alice")
    generation = await database_sync_to_async(_queued_generation)(alice)
    communicator = _communicator(f"/ws/generations/{generation.pk}/", token)
    connected, _ = await communicator.connect()
    assert connected
    first = json.loads(await communicator.receive_from(timeout=5))
    assert first["status"] == "queued"
    await database_sync_to_async(jobs.submit)(run_generation_task, str(generation.pk))
    running = json.loads(await communicator.receive_from(timeout=10))
    shown_running.set()
    messages = [running, *await _collect(communicator)]
    statuses = [m["status"] for m in messages]
    assert statuses[-1] == "succeeded"
    assert "running" in statuses
    progress = [m["progress"] for m in messages]
    assert progress == sorted(progress)
    assert messages[-1]["assets"][0]["mime"] == "image/png"


async def test_html_format_sends_the_rendered_partial() -> None:
    jobs.register_loop(asyncio.get_running_loop())
    alice, token = await database_sync_to_async(_make)("alice")
    generation = await database_sync_to_async(_queued_generation)(alice)
    communicator = _communicator(f"/ws/generations/{generation.pk}/?format=html", token)
    connected, _ = await communicator.connect()
    assert connected
    html = await communicator.receive_from(timeout=5)
    assert f'id="generation-{generation.pk}"' in html
    await communicator.disconnect()


async def test_someone_elses_generation_and_anonymous_sockets_are_refused() -> None:
    alice, _ = await database_sync_to_async(_make)("alice")
    _, bob_token = await database_sync_to_async(_make)("bob")
    generation = await database_sync_to_async(_queued_generation)(alice)
    bob = _communicator(f"/ws/generations/{generation.pk}/", bob_token)
    connected, code = await bob.connect()
    assert not connected and code == 4404
    anonymous = _communicator(f"/ws/generations/{generation.pk}/", None)
    connected, code = await anonymous.connect()
    assert not connected and code == 4401


async def test_studio_socket_receives_events_for_the_identity() -> None:
    jobs.register_loop(asyncio.get_running_loop())
    alice, token = await database_sync_to_async(_make)("alice")
    communicator = _communicator("/ws/studio/", token)
    connected, _ = await communicator.connect()
    assert connected
    hello = json.loads(await communicator.receive_from(timeout=5))
    assert hello["type"] == "hello"
    generation = await database_sync_to_async(_queued_generation)(alice)
    await database_sync_to_async(jobs.submit)(run_generation_task, str(generation.pk))
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["status"] != "succeeded":
        seen.append(json.loads(await communicator.receive_from(timeout=30)))
    assert all(event["generation"] == str(generation.pk) for event in seen)
    await communicator.disconnect()


async def test_a_foreign_origin_is_refused() -> None:
    _, token = await database_sync_to_async(_make)("alice")
    communicator = WebsocketCommunicator(
        application,
        "/ws/studio/",
        headers=[(b"origin", b"http://evil.example"), (b"authorization", f"Bearer {token}".encode())],
    )
    connected, _ = await communicator.connect()
    assert not connected
