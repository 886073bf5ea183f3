"""A waiting request is told its place in the line and an estimate (issue #12: requests
waited tens of seconds in one shared line and were told nothing), and the line is served
one person at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import Tier, User
from limbs.models import Generation
from pog_site import jobs
from tests.helpers.api import post_handle

pytestmark = pytest.mark.usefixtures("jobs_running")
embedded_only = pytest.mark.skipif(
    django_settings.POG_JOB_BACKEND == "celery", reason="this process's line; Celery holds scale mode's"
)


class _Gate:
    """A job that holds the one worker until the test opens it."""

    name = "tests.gate"

    def __init__(self) -> None:
        self.open = threading.Event()
        self.started = threading.Event()

    def run(self) -> None:
        self.started.set()
        self.open.wait(20)


@pytest.fixture
def busy_worker(settings: Any) -> Iterator[_Gate]:
    settings.POG_WORKERS = 1
    settings.POG_MAX_WAIT_S = 1
    jobs.shutdown(wait=True)
    gate = _Gate()
    jobs.submit(gate, owner="user:gate")
    assert gate.started.wait(10)
    yield gate
    gate.open.set()
    jobs.shutdown(wait=True)


def _sprite(client: Client, seed: int) -> Any:
    return post_handle(client, "image", action="sprite", intent="a frog", seed=seed, wait=True)


@embedded_only
def test_a_request_that_waited_in_vain_is_told_its_place_and_an_estimate(
    busy_worker: _Gate, alice: User, alice_api: Client, bob_api: Client
) -> None:
    alice.tier = Tier.ensure_shipped()["enterprise"]  # two generations at once, the free tier one
    alice.save(update_fields=["tier"])
    first = _sprite(alice_api, 1)
    assert first.status_code == 202, first.content
    assert first.json()["queue"] == {
        "position": 1,
        "ahead": 0,
        "estimate_s": first.json()["queue"]["estimate_s"],
    }
    assert first.json()["queue"]["estimate_s"] >= 0
    second = _sprite(alice_api, 2)
    bobs = _sprite(bob_api, 3)
    # Bob came after Alice's second request, but the line takes one of each person in turn.
    assert second.json()["queue"]["position"] == 2  # when it was answered, before Bob's came
    assert bobs.json()["queue"]["position"] == 2
    shown = alice_api.get(second.json()["links"]["self"]).json()
    assert shown["queue"]["position"] == 3
    busy_worker.open.set()
    jobs.shutdown(wait=True)
    done = alice_api.get(second.json()["links"]["self"]).json()
    assert done["status"] == "succeeded"
    assert done["queue"] is None


@pytest.mark.django_db(transaction=True)
def test_a_queued_row_no_worker_here_holds_counts_the_rows_queued_before_it(alice: User, bob: User) -> None:
    def queued(owner: User) -> Generation:
        return Generation.objects.create(
            owner=owner, limb="image", action="sprite", intent="a frog", params={"size": 16}, seed=1
        )

    rows = [queued(alice), queued(bob), queued(alice)]
    assert [row.as_json()["queue"]["position"] for row in rows] == [1, 2, 3]
    assert [row.as_json()["queue"]["ahead"] for row in rows] == [0, 1, 2]
    Generation.objects.filter(pk=rows[0].pk).update(status="running")
    rows[0].refresh_from_db()
    assert rows[0].as_json()["queue"] is None
    assert rows[2].as_json()["queue"]["position"] == 2


@pytest.mark.django_db(transaction=True)
def test_the_page_shows_a_waiting_generation_its_place_and_estimate(alice: User, bob: User) -> None:
    def queued(owner: User) -> Generation:
        return Generation.objects.create(
            owner=owner, limb="image", action="sprite", intent="a frog", params={"size": 16}, seed=1
        )

    queued(bob)
    queued(bob)
    mine = queued(alice)
    browser = Client()
    browser.force_login(alice)
    html = browser.get(f"/generations/{mine.pk}/fragment").content.decode()
    assert 'data-queue-position="3"' in html
    assert "<strong>2</strong> things are ahead of yours" in html
    Generation.objects.filter(pk=mine.pk).update(status="running")
    assert "progress-queue" not in browser.get(f"/generations/{mine.pk}/fragment").content.decode()
