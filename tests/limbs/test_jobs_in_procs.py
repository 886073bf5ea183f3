"""Embedded mode sends whole job bodies (claim, route, store) to the generator processes when
no remote tier could take part, so the server process only answers requests (issue #12,
point 2). The work is the same: the row, its assets, its signed ledger entry; what lives in
the server's memory (progress events, the running slot) is handed back to it in time."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.test import Client

from accounts.models import Tier, User
from limbs import record, runs
from limbs.events import group_for_user
from limbs.models import Generation
from pog_site import jobs, procs
from provenance.ledger import verify_entry
from provenance.models import LedgerEntry
from tests.helpers.api import asset_bytes, handle, main_asset, post_handle

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(settings.POG_JOB_BACKEND != "thread", reason="embedded mode's generator processes"),
]


@pytest.fixture(scope="module", autouse=True)
def _children_with_django() -> Iterator[None]:
    """One pool for the module, started with job bodies on (a child reads the settings it
    starts with); the other tests' pool has none."""
    before = (settings.POG_PROCS, settings.POG_PROCS_JOBS)
    procs.shutdown()
    settings.POG_PROCS, settings.POG_PROCS_JOBS = 2, True
    yield
    procs.shutdown()
    settings.POG_PROCS, settings.POG_PROCS_JOBS = before


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions sent to a generator process."""
    names: list[str] = []
    real: Callable[..., Any] = procs.call

    def spy(fn: Callable[..., Any], *args: Any, progress: Any = None) -> Any:
        names.append(fn.__name__)
        return real(fn, *args, progress=progress)

    monkeypatch.setattr(procs, "call", spy)
    monkeypatch.setattr(runs, "_remote_tier_configured", lambda: False)  # as on a fresh machine
    return names


def test_a_waiting_request_is_made_stored_and_signed_in_a_generator_process(
    alice_api: Client, alice: User, sent: list[str]
) -> None:
    answer = handle(alice_api, "image", "sprite", "a red dragon", size=32)
    assert sent[0] == "_there"  # the whole body went; the procedural tier ran inside it
    generation = Generation.objects.get(pk=answer["generation"])
    assert generation.status == "succeeded"
    assert generation.claimed_by == record.WORKER_ID  # the server's claim, not the child's
    asset = main_asset(answer, "image/png")
    data = asset_bytes(alice_api, asset)
    assert data.startswith(b"\x89PNG") and hashlib.sha256(data).hexdigest() == asset["sha256"]
    entry = LedgerEntry.objects.get(subject=str(generation.pk))
    assert verify_entry(entry)["verified"]


def test_progress_events_reach_the_servers_channel_layer(
    alice_api: Client, alice: User, sent: list[str]
) -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_for_user(alice.pk), channel)
    answer = handle(alice_api, "image", "sprite", "a blue slime")
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["status"] != "succeeded":
        seen.append(async_to_sync(_receive)(layer, channel))
    assert {event["generation"] for event in seen} == {answer["generation"]}
    assert seen[0]["status"] == "running" and seen[-1]["progress"] == 1.0


async def _receive(layer: Any, channel: str) -> dict[str, Any]:
    import asyncio

    event: dict[str, Any] = await asyncio.wait_for(layer.receive(channel), timeout=10)
    return event


def test_the_running_slot_is_free_before_the_answer(alice_api: Client, alice: User, sent: list[str]) -> None:
    alice.tier = Tier.objects.create(
        slug="one-at-a-time", name="One", requests_per_period=1000, concurrency=1
    )
    alice.save()
    # The slot lives in the server; the child frees it through the waiting thread, before
    # that thread answers: so the next request, sent the moment the answer is in, is admitted.
    for seed in range(1, 6):
        handle(alice_api, "image", "sprite", "a frog", seed=seed)
    assert sent.count("_there") == 5


def test_queued_work_is_made_there_too(alice_api: Client, sent: list[str]) -> None:
    answer = handle(alice_api, "image", "sprite", "a knight", wait=False)
    deadline = time.monotonic() + 60
    status = answer["status"]
    while status not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.05)
        status = Generation.objects.get(pk=answer["generation"]).status
    assert status == "succeeded"
    assert "_there" in sent
    jobs.shutdown(wait=True)


def test_a_refused_request_changes_nothing_there(alice_api: Client, sent: list[str]) -> None:
    response = post_handle(
        alice_api, "image", action="sprite", intent="a frog", params={"size": 3}, wait=True
    )
    assert response.status_code == 422
    assert sent == [] and Generation.objects.count() == 0


def test_the_body_stays_here_inside_a_transaction_or_with_a_remote_tier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runs, "_remote_tier_configured", lambda: False)
    assert runs.in_a_generator_process()
    with transaction.atomic():  # its rows are not written for another process to read yet
        assert not runs.in_a_generator_process()
    monkeypatch.setattr(runs, "_remote_tier_configured", lambda: True)  # breakers live here
    assert not runs.in_a_generator_process()


def test_a_remote_tier_counts_once_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "_remote_memo", (float("-inf"), False))
    monkeypatch.setattr(settings, "POG_GEMINI_API_KEY", "a-key", raising=False)
    assert runs._remote_tier_configured()


def test_a_generator_process_that_dies_fails_its_job_and_frees_the_slot(
    alice_api: Client, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice.tier = Tier.objects.create(slug="single", name="Single", requests_per_period=1000, concurrency=1)
    alice.save()
    monkeypatch.setattr(runs, "_remote_tier_configured", lambda: False)

    def dies(fn: Callable[..., Any], *args: Any, progress: Any = None) -> Any:
        raise BrokenProcessPool("a generator process was terminated abruptly")

    monkeypatch.setattr(procs, "call", dies)
    for seed in (1, 2):  # the slot of the first is free again for the second
        response = post_handle(alice_api, "image", action="sprite", intent="a frog", seed=seed, wait=True)
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["status"] == "failed" and answer["error"] == runs.LOST
        assert Generation.objects.get(pk=answer["generation"]).status == "failed"
    # Queued work too: the row is failed, not left running for ever.
    queued = post_handle(alice_api, "image", action="sprite", intent="a frog", seed=3, wait=False).json()
    jobs.shutdown(wait=True)
    assert Generation.objects.get(pk=queued["generation"]).status == "failed"
