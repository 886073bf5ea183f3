"""``POST /api/stream/divine``: the world bible as it is written, failover included, stored
like any generation at the end; bad requests refused before anything streams."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.killswitch import set_switch
from accounts.metabolism import update_metabolism
from accounts.models import User
from limbs.fakes.server import FAKE_CREDENTIALS, FakeProvider
from limbs.models import Asset, Generation
from limbs.storage import read_blob
from provenance.ledger import verify_entry
from provenance.models import LedgerEntry
from tests.helpers.api import counts

pytestmark = [
    pytest.mark.django_db,
    # The test client reads the async event stream through async_to_sync, and says so.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume"),
]

WORLD = {"genre": "auto", "factions": 2, "places": 3, "eras": 2}
INTENT = "a sleepy mountain kingdom of singing goats"


@pytest.fixture(autouse=True)
def _no_tier_unless_asked(settings: Any) -> None:
    settings.POG_CLOUDFLARE_ACCOUNT_ID = ""
    settings.POG_CLOUDFLARE_API_TOKEN = ""
    settings.POG_GEMINI_API_KEY = ""
    settings.POG_OLLAMA_URL = ""


@pytest.fixture
def cloudflare(settings: Any, cf_fake: FakeProvider) -> FakeProvider:
    settings.POG_CLOUDFLARE_BASE_URL = cf_fake.url
    settings.POG_CLOUDFLARE_ACCOUNT_ID = FAKE_CREDENTIALS["POG_CLOUDFLARE_ACCOUNT_ID"]
    settings.POG_CLOUDFLARE_API_TOKEN = FAKE_CREDENTIALS["POG_CLOUDFLARE_API_TOKEN"]
    return cf_fake


@pytest.fixture
def gemini(settings: Any, gemini_fake: FakeProvider) -> FakeProvider:
    settings.POG_GEMINI_BASE_URL = gemini_fake.url
    settings.POG_GEMINI_API_KEY = FAKE_CREDENTIALS["POG_GEMINI_API_KEY"]
    return gemini_fake


def _stream(client: Client, body: dict[str, Any] | None = None, limb: str = "divine") -> Any:
    payload = {"action": "world_bible", "intent": INTENT, "params": WORLD, "seed": 3} | (body or {})
    return client.post(f"/api/stream/{limb}", payload, content_type="application/json")


def _events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    raw = b"".join(response).decode()  # an async stream, read through async_to_sync
    events = []
    for block in raw.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def _kinds(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Event kinds with runs of tokens collapsed."""
    kinds: list[str] = []
    for kind, _ in events:
        if not (kind == "token" and kinds and kinds[-1] == "token"):
            kinds.append(kind)
    return kinds


def _after_last_switch(events: list[tuple[str, dict[str, Any]]]) -> str:
    text = ""
    for kind, data in events:
        if kind == "switched":
            text = ""
        elif kind == "token":
            text += data["text"]
    return text


def test_a_healthy_cloudflare_streams_the_world_bible_and_it_is_stored_signed(
    alice: User, alice_api: Client, cloudflare: FakeProvider
) -> None:
    events = _events(_stream(alice_api))
    assert _kinds(events)[-3:] == ["token", "attempt", "done"]
    assert {data["provider"] for kind, data in events if kind == "token"} == {"cloudflare"}
    done = events[-1][1]
    assert (done["status"], done["provider"], done["cache"]) == ("succeeded", "cloudflare", "miss")
    # The tokens are the model's answer; what is stored is that answer checked and formatted.
    streamed = json.loads(_after_last_switch(events))
    generation = Generation.objects.get(pk=done["generation"])
    data = Asset.objects.get(generation=generation, mime="application/json")
    assert json.loads(read_blob(data.blob))["title"] == streamed["title"]
    assert sorted(a["mime"] for a in done["assets"]) == ["application/json", "text/markdown"]
    assert [(a["provider"], a["outcome"]) for a in generation.attempts][-1] == ("cloudflare", "ok")
    entry = LedgerEntry.objects.get(kind="generation", subject=str(generation.pk))
    assert verify_entry(entry)
    assert cloudflare.request_count == 1 and cloudflare.requests[0].json()["stream"] is True


def test_a_stream_cut_half_way_is_announced_and_gemini_starts_it_again(
    alice_api: Client, cloudflare: FakeProvider, gemini: FakeProvider
) -> None:
    cloudflare.set_fault("cut", tokens=3)
    events = _events(_stream(alice_api))
    switched = [data for kind, data in events if kind == "switched"]
    assert [(s["provider"], s["reason"]) for s in switched] == [("cloudflare", "cut")]
    done = events[-1][1]
    assert (events[-1][0], done["provider"]) == ("done", "gemini")
    assert {
        data["provider"]
        for kind, data in events[events.index(("switched", switched[0])) :]
        if kind == "token"
    } == {"gemini"}
    outcomes = [(a["provider"], a["outcome"]) for a in done["attempts"]]
    assert outcomes[0][0] == "cloudflare" and outcomes[0][1] != "ok"
    assert outcomes[-1] == ("gemini", "ok")
    assert json.loads(_after_last_switch(events))["title"]


def test_an_answer_that_is_not_a_world_bible_is_switched_away_from(
    alice_api: Client, cloudflare: FakeProvider
) -> None:
    cloudflare.set_fault("invalid_payload")
    events = _events(_stream(alice_api))
    assert [(d["provider"], d["reason"]) for k, d in events if k == "switched"] == [("cloudflare", "invalid")]
    assert events[-1][1]["provider"] == "procedural"
    assert events[-1][1]["status"] == "succeeded"


def test_with_no_remote_tier_the_procedural_world_bible_streams(alice_api: Client) -> None:
    events = _events(_stream(alice_api))
    skipped = [d for k, d in events if k == "attempt" and d["outcome"] == "skipped"]
    assert {d["provider"] for d in skipped} == {"cloudflare", "gemini", "ollama"}
    assert all(d["detail"] == "not configured" for d in skipped)
    done = events[-1][1]
    assert (events[-1][0], done["status"], done["provider"]) == ("done", "succeeded", "procedural")
    assert json.loads(_after_last_switch(events))["title"]


def test_a_provider_the_staff_stopped_is_not_asked(
    alice_api: Client, cloudflare: FakeProvider, gemini: FakeProvider
) -> None:
    set_switch("provider", "cloudflare", "answers look wrong today", None)
    events = _events(_stream(alice_api))
    first = next(d for k, d in events if k == "attempt")
    assert (first["provider"], first["detail"]) == ("cloudflare", "stopped by the studio's staff")
    assert events[-1][1]["provider"] == "gemini"
    assert cloudflare.request_count == 0


def test_a_valid_world_bible_meets_any_confidence_threshold(
    alice: User, alice_api: Client, cloudflare: FakeProvider
) -> None:
    # Text scores 1.0 once it validates (pictures are the ones scored), so even the
    # strictest threshold keeps a well-formed answer.
    update_metabolism(alice, 1, {"confidence": {"divine": 1.0}})
    events = _events(_stream(alice_api))
    assert not [d for k, d in events if k == "switched"]
    assert events[-1][1]["provider"] == "cloudflare"


@pytest.mark.parametrize(
    ("limb", "body", "status", "field"),
    [
        ("divine", {"params": WORLD | {"factions": 99}}, 422, "params.factions"),
        ("divine", {"action": "quest"}, 422, "action"),  # answered whole, not streamed
        ("image", {"action": "generate"}, 422, "action"),
        ("divine", {"action": "no_such_action"}, 404, "action"),
        ("nope", {}, 404, "limb"),
        ("divine", {"tension": "extreme"}, 422, "tension"),
    ],
)
def test_a_bad_request_is_refused_before_anything_streams_and_nothing_is_stored(
    alice_api: Client, limb: str, body: dict[str, Any], status: int, field: str
) -> None:
    before = counts()
    response = _stream(alice_api, body, limb=limb)
    assert response.status_code == status
    assert response.json()["error"]["field"] == field
    assert counts() == before


def test_streaming_needs_an_identity() -> None:
    response = Client().post("/api/stream/divine", {"action": "world_bible"}, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.django_db(transaction=True)
async def test_through_the_asgi_server_path_the_events_arrive_one_by_one(cloudflare: FakeProvider) -> None:
    from asgiref.sync import sync_to_async
    from channels.testing import HttpCommunicator

    from accounts.models import ApiToken
    from pog_site.asgi import application

    def guest_token() -> str:
        return ApiToken.issue(User.create_guest())[1]

    token = await sync_to_async(guest_token)()
    body = json.dumps({"action": "world_bible", "intent": INTENT, "params": WORLD, "seed": 3}).encode()
    headers = [
        (b"host", b"localhost"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-type", b"application/json"),
    ]
    communicator = HttpCommunicator(application, "POST", "/api/stream/divine", body=body, headers=headers)
    await communicator.send_input({"type": "http.request", "body": body})
    start = await communicator.receive_output(10)
    assert start["status"] == 200
    parts: list[bytes] = []
    while True:
        message = await communicator.receive_output(30)
        if message.get("body"):
            parts.append(message["body"])
        if not message.get("more_body", False):
            break
    await communicator.wait(10)
    assert len(parts) > 3  # sent as they came, not gathered into one answer
    assert parts[-1].startswith(b"event: done\n")
