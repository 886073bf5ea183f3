"""divine.world_bible and audio.speech through the real chain against the fake providers:
healthy answers, wrapped answers, answers that must be refused, faults, and tiers that are
not configured. The prompt and the answer checks themselves are tested at the bottom."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from limbs import breakers
from limbs.fakes import content
from limbs.fakes.server import FAKE_CREDENTIALS, FakeProvider
from limbs.formats import OutputInvalid
from limbs.formats.wav import validate_wav
from limbs.formats.world_bible import validate_world_bible
from limbs.parts.audio import speech
from limbs.parts.divine import _world_ask as world_ask
from limbs.parts.divine import world_bible
from limbs.providers.base import AsyncProvider, TextStreamProvider
from limbs.providers.cloudflare import MELOTTS_MODEL, SPEECH_MODEL, CloudflareClient, CloudflareProvider
from limbs.providers.errors import ProviderError
from limbs.providers.gemini import GeminiProvider
from limbs.providers.ollama import OllamaProvider
from limbs.registry import REGISTRY
from limbs.router import RouteResult, route
from limbs.spec import GenRequest
from limbs.streaming import Transcript, route_stream
from tests.providers.text_tiers import text_tiers

pytestmark = pytest.mark.django_db

TIERS = ("cloudflare", "gemini", "ollama")
TEXT_MODELS = {
    "cloudflare": "@cf/meta/llama-3.1-8b-instruct",
    "gemini": "gemini-2.5-flash",
    "ollama": "llama3.2",
}
WORLD = {"genre": "auto", "factions": 2, "places": 4, "eras": 2}
INTENT = "a volcanic island where dragons guard the ember mines"


# --- configuring tiers ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _ollama_off(settings: Any) -> None:
    # A real Ollama on the default port must not answer these tests; tiers opt in below.
    settings.POG_OLLAMA_URL = ""


@pytest.fixture
def fakes(
    cf_fake: FakeProvider, gemini_fake: FakeProvider, ollama_fake: FakeProvider
) -> dict[str, FakeProvider]:
    return {"cloudflare": cf_fake, "gemini": gemini_fake, "ollama": ollama_fake}


def _configure(settings: Any, fake: FakeProvider) -> FakeProvider:
    if fake.provider == "cloudflare":
        settings.POG_CLOUDFLARE_BASE_URL = fake.url
        settings.POG_CLOUDFLARE_ACCOUNT_ID = FAKE_CREDENTIALS["POG_CLOUDFLARE_ACCOUNT_ID"]
        settings.POG_CLOUDFLARE_API_TOKEN = FAKE_CREDENTIALS["POG_CLOUDFLARE_API_TOKEN"]
    elif fake.provider == "gemini":
        settings.POG_GEMINI_BASE_URL = fake.url
        settings.POG_GEMINI_API_KEY = FAKE_CREDENTIALS["POG_GEMINI_API_KEY"]
    else:
        settings.POG_OLLAMA_URL = fake.url
    return fake


@pytest.fixture(params=TIERS)
def tier(request: pytest.FixtureRequest, settings: Any, fakes: dict[str, FakeProvider]) -> FakeProvider:
    """One remote tier configured, the other two not."""
    return _configure(settings, fakes[request.param])


def _world_request(seed: int = 1, **params: Any) -> GenRequest:
    return GenRequest(intent=INTENT, params=WORLD | params, seed=seed)


def _route_world(request: GenRequest | None = None, prefer: str = "") -> RouteResult:
    return route(
        "divine", "world_bible", request or _world_request(), key=None, deadline_s=45.0, prefer=prefer
    )


def _outcomes(result: RouteResult) -> list[tuple[str, str]]:
    return [(a.provider, a.outcome) for a in result.attempts if a.outcome != "skipped"]


def _prompt_sent(fake: FakeProvider) -> str:
    body = fake.requests[-1].json()
    if fake.provider == "gemini":
        return str(body["contents"][-1]["parts"][0]["text"])
    return str(body["messages"][-1]["content"])


def _world_doc(result: RouteResult) -> dict[str, Any]:
    data = next(o for o in result.outputs if o.mime == "application/json").data
    doc: dict[str, Any] = json.loads(data)
    return doc


def _shape(outputs: Any) -> list[tuple[str, str, str]]:
    return [(o.mime, o.name, o.role) for o in outputs]


# --- divine.world_bible through the router --------------------------------------------


def test_a_healthy_answer_goes_through_and_validates(tier: FakeProvider) -> None:
    request = _world_request()
    result = _route_world(request)
    assert (result.provider, result.model) == (tier.provider, TEXT_MODELS[tier.provider])
    assert _outcomes(result) == [(tier.provider, "ok")]
    markdown = next(o for o in result.outputs if o.mime == "text/markdown").data
    summary = validate_world_bible(_world_doc(result), markdown)
    assert (summary["factions"], summary["places"], summary["eras"]) == (2, 4, 2)
    # The rest of the pipeline cannot tell it from the procedural tier's outputs.
    assert _shape(result.outputs) == _shape(REGISTRY.call("divine", "world_bible", request).outputs)
    assert tier.request_count == 1


@pytest.mark.parametrize("style", ["fenced", "chatter"])
def test_an_answer_wrapped_in_fences_or_chatter_is_extracted(tier: FakeProvider, style: str) -> None:
    tier.answer_style = style
    result = _route_world()
    assert _outcomes(result) == [(tier.provider, "ok")]
    assert _world_doc(result)["format"] == "pog.world_bible/1"


def test_the_prompt_carries_the_requested_counts_genre_and_intent(tier: FakeProvider) -> None:
    result = _route_world(_world_request(factions=4, places=6, eras=3, genre="pirate"))
    assert result.provider == tier.provider
    prompt = _prompt_sent(tier)
    assert "exactly 4 factions, 6 places, 3 eras" in prompt
    assert f'world bible for: "{INTENT}". Genre: pirate.' in prompt
    assert "Reply with ONE JSON object and nothing else" in prompt
    doc = _world_doc(result)
    assert (len(doc["factions"]), len(doc["places"]), len(doc["history"])) == (4, 6, 3)
    # Each provider is also asked, its own way, for JSON and room enough to write it.
    body = tier.requests[-1].json()
    if tier.provider == "cloudflare":
        assert body["max_tokens"] >= 2000
    elif tier.provider == "gemini":
        assert body["generationConfig"]["responseMimeType"] == "application/json"
        assert body["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 0}
    else:
        assert body["format"] == "json"
        assert body["options"]["num_predict"] >= 2000


def test_genre_auto_is_resolved_the_way_the_generator_resolves_it(tier: FakeProvider) -> None:
    _route_world(GenRequest(intent="a haunted castle full of ghosts", params=WORLD, seed=2))
    assert "Genre: spooky." in _prompt_sent(tier)


# Each tier with the one after it: a refused or failed hop hands over to the next.
NEXT = [("cloudflare", "gemini"), ("gemini", "ollama"), ("ollama", "procedural")]


@pytest.mark.parametrize(("first", "then"), NEXT)
@pytest.mark.parametrize("fault", ["invalid_payload", "500"])
def test_a_refused_or_failed_answer_falls_through_to_the_next_tier(
    settings: Any, fakes: dict[str, FakeProvider], first: str, then: str, fault: str
) -> None:
    _configure(settings, fakes[first]).set_fault(fault)
    if then != "procedural":
        _configure(settings, fakes[then])
    result = _route_world()
    expected = "invalid" if fault == "invalid_payload" else "error"
    assert _outcomes(result) == [(first, expected), (then, "ok")]
    detail = result.attempts[[a.provider for a in result.attempts].index(first)].detail
    assert detail.startswith("invalid_payload" if fault == "invalid_payload" else "http_5xx")
    if fault == "invalid_payload":
        assert "lists itself" in detail
    assert result.provider == then
    validate_world_bible(_world_doc(result))


def test_with_every_remote_tier_stalled_the_procedural_tier_answers(
    settings: Any, fakes: dict[str, FakeProvider]
) -> None:
    settings.POG_HOP_TIMEOUT_S = 0.3
    for fake in fakes.values():
        _configure(settings, fake).set_fault("stall")
    request = _world_request(seed=5)
    result = _route_world(request)
    assert _outcomes(result) == [
        ("cloudflare", "error"),
        ("gemini", "error"),
        ("ollama", "error"),
        ("procedural", "ok"),
    ]
    assert all(a.detail.startswith("stalled") for a in result.attempts[:3])
    expected = REGISTRY.call("divine", "world_bible", request).outputs
    assert [o.data for o in result.outputs] == [o.data for o in expected]


def test_an_unconfigured_provider_is_never_called(settings: Any, fakes: dict[str, FakeProvider]) -> None:
    _configure(settings, fakes["cloudflare"]).set_fault("500")
    _configure(settings, fakes["ollama"])
    result = _route_world()
    assert ("gemini", "skipped") in [(a.provider, a.outcome) for a in result.attempts]
    assert result.provider == "ollama"
    assert fakes["gemini"].request_count == 0


def test_with_no_tier_configured_no_fake_hears_a_thing(fakes: dict[str, FakeProvider]) -> None:
    result = _route_world()
    assert result.provider == "procedural"
    assert [(a.provider, a.detail) for a in result.attempts[:3]] == [
        ("cloudflare", "not configured"),
        ("gemini", "not configured"),
        ("ollama", "not configured"),
    ]
    assert sum(f.request_count for f in fakes.values()) == 0


def test_the_answer_is_cut_off_when_the_connection_drops(tier: FakeProvider) -> None:
    tier.set_fault("cut")
    result = _route_world()
    assert _outcomes(result) == [(tier.provider, "error"), ("procedural", "ok")]


async def test_arun_gives_the_same_outputs_as_run(tier: FakeProvider, apool: None) -> None:
    provider = {"cloudflare": CloudflareProvider, "gemini": GeminiProvider, "ollama": OllamaProvider}
    tiered = provider[tier.provider]()
    request = _world_request(seed=9)
    awaited = await tiered.arun("divine", "world_bible", request, 5.0)
    tier.answer_style = "chatter"
    ran = tiered.run("divine", "world_bible", request, 5.0)
    assert [o.data for o in awaited.outputs] == [o.data for o in ran.outputs]
    tier.set_fault("invalid_payload")
    with pytest.raises(ProviderError) as caught:
        await tiered.arun("divine", "world_bible", request, 5.0)
    assert caught.value.kind == "invalid_payload"


def test_a_streamed_world_bible_is_finished_into_the_same_outputs(tier: FakeProvider) -> None:
    provider = {"cloudflare": CloudflareProvider, "gemini": GeminiProvider, "ollama": OllamaProvider}
    tiered = provider[tier.provider]()
    request = _world_request(seed=4)
    tier.answer_style = "fenced"
    tokens = list(tiered.stream_text("divine", "world_bible", request, 5.0))
    assert len(tokens) > 10
    streamed = tiered.finish_text("divine", "world_bible", request, "".join(tokens))
    whole = tiered.run("divine", "world_bible", request, 5.0)
    assert [o.data for o in streamed.outputs] == [o.data for o in whole.outputs]


def test_the_stream_router_refuses_an_invalid_world_bible_and_restarts(
    settings: Any, fakes: dict[str, FakeProvider]
) -> None:
    _configure(settings, fakes["cloudflare"]).set_fault("invalid_payload")
    _configure(settings, fakes["gemini"]).answer_style = "chatter"
    request = _world_request(seed=3)
    transcript = Transcript()

    def valid_world_bible(text: str) -> None:
        world_bible.TASK.answer(request, text, "stream")  # raises OutputInvalid, a ValueError

    for event in route_stream(
        "divine",
        "world_bible",
        world_ask.world_bible_prompt(request),
        deadline_s=45.0,
        fallback=lambda: "unused",
        validate=valid_world_bible,
        tiers=text_tiers(),
    ):
        transcript.feed(event)
    assert transcript.switches == 1
    assert transcript.done is not None and transcript.done.provider == "gemini"
    assert world_ask.parse_world_bible(transcript.text, request)["format"] == "pog.world_bible/1"


# --- audio.speech through the router ------------------------------------------------------

SPEECH = {"voice": "auto", "speed": 1.0, "language": "en"}


def _speech_request(intent: str = 'a girl says "hello there, traveller"', **params: Any) -> GenRequest:
    return GenRequest(intent=intent, params=SPEECH | params, seed=1)


def _route_speech(request: GenRequest | None = None, prefer: str = "") -> RouteResult:
    return route("audio", "speech", request or _speech_request(), key=None, deadline_s=30.0, prefer=prefer)


@pytest.fixture
def cf(settings: Any, cf_fake: FakeProvider) -> Iterator[FakeProvider]:
    yield _configure(settings, cf_fake)


def test_speech_goes_to_aura_as_linear16_wav_and_validates(cf: FakeProvider) -> None:
    request = _speech_request()
    result = _route_speech(request)
    assert (result.provider, result.model) == ("cloudflare", SPEECH_MODEL)
    info = validate_wav(result.outputs[0].data)
    assert info["rate"] == 24000
    assert _shape(result.outputs) == _shape(REGISTRY.call("audio", "speech", request).outputs)
    sent = cf.requests[-1]
    assert sent.path.endswith("/ai/run/@cf/deepgram/aura-2-en")
    assert sent.json() == {
        "text": "hello there, traveller",
        "speaker": "luna",
        "encoding": "linear16",
        "container": "wav",
        "sample_rate": 24000,
    }


def test_a_deep_voice_asks_aura_for_a_deep_speaker(cf: FakeProvider) -> None:
    _route_speech(_speech_request(voice="deep"))
    assert cf.requests[-1].json()["speaker"] == "zeus"


@pytest.mark.parametrize(
    ("fault", "outcome", "detail"),
    [
        ("invalid_payload", "invalid", "invalid_payload: the audio is not a usable WAV"),
        ("malformed", "invalid", "invalid_payload: the audio is not a usable WAV"),  # half a WAV
        ("500", "error", "http_5xx"),
        ("cut", "error", "malformed"),
    ],
)
def test_speech_that_fails_or_is_not_audio_falls_through(
    cf: FakeProvider, fault: str, outcome: str, detail: str
) -> None:
    cf.set_fault(fault)
    result = _route_speech()
    assert _outcomes(result) == [("cloudflare", outcome), ("procedural", "ok")]
    assert result.attempts[0].detail.startswith(detail)
    validate_wav(result.outputs[0].data)


def test_stalled_speech_leaves_it_to_the_procedural_voice(cf: FakeProvider, settings: Any) -> None:
    settings.POG_HOP_TIMEOUT_S = 0.3
    cf.set_fault("stall")
    result = _route_speech()
    assert _outcomes(result) == [("cloudflare", "error"), ("procedural", "ok")]
    assert result.attempts[0].detail.startswith("stalled")


def test_melotts_is_asked_in_its_own_format_but_its_mp3_is_refused(cf: FakeProvider) -> None:
    result = _route_speech(prefer=f"cloudflare:{MELOTTS_MODEL}")
    assert cf.requests[-1].json() == {"prompt": "hello there, traveller", "lang": "en"}
    assert _outcomes(result) == [("cloudflare", "invalid"), ("procedural", "ok")]
    assert "MP3" in result.attempts[0].detail


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"language": "fr"}, "English only"),
        ({"voice": "robot"}, "no robot voice"),
        ({"speed": 1.5}, "one speed"),
    ],
)
def test_speech_aura_cannot_do_is_never_sent(cf: FakeProvider, params: dict[str, Any], why: str) -> None:
    result = _route_speech(_speech_request(**params))
    assert result.provider == "procedural"
    assert result.attempts[0].outcome == "skipped"
    assert why in result.attempts[0].detail
    assert cf.request_count == 0
    # Declining is not failing: the healthy provider's breaker hears nothing.
    state = breakers.breaker("cloudflare", result.attempts[0].model).state()
    assert (state.failures, state.consecutive) == (0, 0)


def test_unconfigured_cloudflare_is_never_asked_to_speak(cf_fake: FakeProvider) -> None:
    result = _route_speech()
    assert result.provider == "procedural"
    assert (result.attempts[0].provider, result.attempts[0].detail) == ("cloudflare", "not configured")
    assert cf_fake.request_count == 0


def test_every_remote_tier_can_be_awaited_and_streams_the_world_bible() -> None:
    # Typed so mypy checks each class against the protocols the lead wires them through.
    awaited: list[AsyncProvider] = [CloudflareProvider(), GeminiProvider(), OllamaProvider()]
    streamed: list[TextStreamProvider] = [CloudflareProvider(), GeminiProvider(), OllamaProvider()]
    assert all(p.supports("divine", "world_bible") for p in awaited)
    assert all(p.streams("divine", "world_bible") and not p.streams("audio", "speech") for p in streamed)


def test_only_cloudflare_offers_speech() -> None:
    assert CloudflareProvider().default_model("audio", "speech") == SPEECH_MODEL
    assert not GeminiProvider().supports("audio", "speech")
    assert not OllamaProvider().supports("audio", "speech")


# --- the checks themselves ------------------------------------------------------------------


def _model_answer(request: GenRequest) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(content.world_bible(world_ask.world_bible_prompt(request)))
    return doc


def test_the_first_balanced_object_is_found_past_braces_in_the_chatter() -> None:
    text = 'Here is {your world}: {"a": {"b": "}"}, "c": 1} and {"d": 2}'
    assert world_ask.first_json_object(text) == {"a": {"b": "}"}, "c": 1}
    with pytest.raises(OutputInvalid):
        world_ask.first_json_object('```json\n{"a": [1, 2\n```')
    with pytest.raises(OutputInvalid):
        world_ask.first_json_object("no json here")


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: d["factions"].pop(), "exactly 2 factions"),
        (lambda d: d.update(notes="extra"), "unexpected keys ['notes']"),
        (lambda d: d["places"][0].pop("kind"), "missing keys ['kind']"),
        (lambda d: d["history"][0].update(start_year=True), "'start_year' must be an integer"),
        (lambda d: d.update(format="pog.world_bible/2"), "format"),
        (lambda d: d.update(genre="space opera"), "genre"),
        (lambda d: d["places"][0].update(routes=["nowhere"]), "not a place"),
        (lambda d: d["factions"][0].update(motto=""), "'motto' must be non-empty text"),
    ],
)
def test_anything_but_the_asked_for_world_bible_is_refused(spoil: Any, message: str) -> None:
    request = _world_request()
    doc = _model_answer(request)
    world_ask.parse_world_bible(json.dumps(doc), request)  # the unspoiled answer passes
    spoil(doc)
    with pytest.raises(OutputInvalid, match=message.replace("[", r"\[").replace("]", r"\]")):
        world_ask.parse_world_bible(json.dumps(doc), request)


def test_the_markdown_is_rendered_from_the_json_not_taken_from_the_model() -> None:
    request = _world_request()
    doc = _model_answer(request)
    answer = "# Not the title\n\nSome prose the model wrote.\n\n" + json.dumps(doc)
    outputs = world_bible.TASK.answer(request, answer, "cloudflare")
    markdown = outputs[0].data.decode()
    assert markdown.startswith(f"# {doc['title']}\n")
    assert "Some prose the model wrote" not in markdown


def _wav_with_placeholder_sizes() -> bytes:
    data = bytearray(content.wav("hi"))
    struct.pack_into("<I", data, 4, 0xFFFFFFFF)
    struct.pack_into("<I", data, 40, 0xFFFFFFFF)  # the data chunk's size field
    return bytes(data)


def _speak(monkeypatch: pytest.MonkeyPatch, audio: bytes) -> Any:
    """Cloudflare's speech, its model answering ``audio`` as raw ``audio/wav`` bytes."""

    def answer(self: CloudflareClient, model: str, payload: Any, timeout: float) -> dict[str, Any]:
        return {"bytes": audio, "content_type": "audio/wav"}

    monkeypatch.setattr(CloudflareClient, "run", answer)
    provider = CloudflareProvider(CloudflareClient("fake-account", "fake-token", "http://127.0.0.1:9"))
    return provider.run("audio", "speech", _speech_request(), 1.0)


def test_a_streamed_wav_header_is_repaired_and_anything_else_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    repaired = _speak(monkeypatch, _wav_with_placeholder_sizes())
    assert validate_wav(repaired.outputs[0].data)["frames"] == validate_wav(content.wav("hi"))["frames"]
    for junk, why in ((content.mp3("hi"), "MP3"), (b"RIFF nonsense", "not a usable WAV")):
        with pytest.raises(ProviderError, match=why) as caught:
            _speak(monkeypatch, junk)
        assert caught.value.kind == "invalid_payload"
    with pytest.raises(OutputInvalid, match="MP3"):
        speech.TASK.answer(_speech_request(), content.mp3("hi"), "cloudflare")
