"""The Gemini client, its helpers and the image adapter against the fake, healthy and faulty."""

from __future__ import annotations

import base64

import pytest

from limbs.fakes import content
from limbs.formats.png import validate_png
from limbs.providers.errors import ProviderError
from limbs.providers.gemini import (
    IMAGE_MODEL,
    GeminiClient,
    GeminiProvider,
    aspect_ratio,
    images_of,
    text_of,
)
from limbs.spec import GenRequest
from tests.providers.conftest import STALL_DEADLINE_S, FaultCase, fault_ids

TEXT_MODEL = "gemini-2.5-flash"
PROMPT = "a cosy cabin in the snow"
BODY = {"contents": [{"parts": [{"text": PROMPT}]}]}
IMAGE_BODY = {**BODY, "generationConfig": {"responseModalities": ["IMAGE"]}}

GENERATE_FAULTS: list[FaultCase] = [
    ("500", {}, "http_5xx", None),
    ("429", {"retry_after": 3}, "rate_limited", 3.0),
    ("resource_exhausted", {"retry_delay": 17}, "rate_limited", 17.0),
    ("refused", {}, "refused", None),
    ("stall", {}, "stalled", None),
    ("cut", {}, "malformed", None),
    ("malformed", {}, "malformed", None),
]
STREAM_FAULTS: list[FaultCase] = [
    *GENERATE_FAULTS,
    ("cut", {"clean": True}, "malformed", None),
    ("invalid_payload", {}, "invalid_payload", None),
]


def test_a_healthy_generate_returns_the_response_and_its_text(gemini_client, gemini_fake):
    response = gemini_client.generate(TEXT_MODEL, BODY, 2.0)
    assert text_of(response) == content.text(PROMPT)
    sent = gemini_fake.requests[-1]
    assert sent.path == f"/v1beta/models/{TEXT_MODEL}:generateContent"
    assert sent.headers["x-goog-api-key"] == "fake-key"
    assert sent.json() == BODY


def test_a_healthy_stream_yields_every_token_in_order(gemini_client, gemini_fake):
    assert list(gemini_client.stream(TEXT_MODEL, BODY, 2.0)) == content.tokens(PROMPT)
    assert gemini_fake.requests[-1].path == f"/v1beta/models/{TEXT_MODEL}:streamGenerateContent?alt=sse"


def test_an_image_answer_decodes_to_png_bytes(gemini_client):
    ((mime, data),) = images_of(gemini_client.generate(IMAGE_MODEL, IMAGE_BODY, 2.0))
    assert mime == "image/png"
    assert validate_png(data)["width"] == 128


async def test_the_async_twins_answer_like_the_sync_ones(gemini_client, apool):
    response = await gemini_client.agenerate(TEXT_MODEL, BODY, 2.0)
    tokens = [t async for t in gemini_client.astream(TEXT_MODEL, BODY, 2.0)]
    assert text_of(response) == "".join(tokens) == content.text(PROMPT)


@pytest.mark.parametrize(
    ("fault", "opts", "kind", "retry_after"), GENERATE_FAULTS, ids=fault_ids(GENERATE_FAULTS)
)
def test_a_faulty_generate_raises_the_matching_kind(
    gemini_client, gemini_fake, fault, opts, kind, retry_after
):
    gemini_fake.set_fault(fault, **opts)
    with pytest.raises(ProviderError) as caught:
        gemini_client.generate(TEXT_MODEL, BODY, STALL_DEADLINE_S)
    assert (caught.value.provider, caught.value.model, caught.value.kind) == ("gemini", TEXT_MODEL, kind)
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(
    ("fault", "opts", "kind", "retry_after"), GENERATE_FAULTS, ids=fault_ids(GENERATE_FAULTS)
)
async def test_a_faulty_async_generate_raises_the_matching_kind(
    gemini_client, gemini_fake, apool, fault, opts, kind, retry_after
):
    gemini_fake.set_fault(fault, **opts)
    with pytest.raises(ProviderError) as caught:
        await gemini_client.agenerate(TEXT_MODEL, BODY, STALL_DEADLINE_S)
    assert caught.value.kind == kind
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(
    ("fault", "opts", "kind", "retry_after"), STREAM_FAULTS, ids=fault_ids(STREAM_FAULTS)
)
def test_a_faulty_stream_raises_the_matching_kind(gemini_client, gemini_fake, fault, opts, kind, retry_after):
    gemini_fake.set_fault(fault, **opts)
    received: list[str] = []
    with pytest.raises(ProviderError) as caught:
        for token in gemini_client.stream(TEXT_MODEL, BODY, STALL_DEADLINE_S):
            received.append(token)
    assert caught.value.kind == kind
    assert caught.value.retry_after == retry_after
    assert caught.value.bytes_sent_to_client == bool(received)
    assert received == content.tokens(PROMPT)[: len(received)]


@pytest.mark.parametrize(
    ("fault", "opts", "kind", "retry_after"), STREAM_FAULTS, ids=fault_ids(STREAM_FAULTS)
)
async def test_a_faulty_async_stream_raises_the_matching_kind(
    gemini_client, gemini_fake, apool, fault, opts, kind, retry_after
):
    gemini_fake.set_fault(fault, **opts)
    received: list[str] = []
    with pytest.raises(ProviderError) as caught:
        async for token in gemini_client.astream(TEXT_MODEL, BODY, STALL_DEADLINE_S):
            received.append(token)
    assert caught.value.kind == kind
    assert caught.value.bytes_sent_to_client == bool(received)


def test_a_rejected_key_is_an_auth_error(gemini_fake):
    gemini_fake.credential = "fake-key"
    with pytest.raises(ProviderError) as caught:
        GeminiClient("wrong-key", gemini_fake.url).generate(TEXT_MODEL, BODY, 2.0)
    assert (caught.value.kind, caught.value.status) == ("auth", 400)


def test_text_of_skips_thought_summaries_and_images_of_reads_inline_data():
    png = content.image("x", 8, 8)
    response = {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {"text": "thinking...", "thought": True},
                        {"text": "Hello"},
                        {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png).decode()}},
                    ]
                }
            }
        ]
    }
    assert text_of(response) == "Hello"
    assert images_of(response) == [("image/png", png)]
    assert text_of({}) == ""
    assert images_of({"candidates": []}) == []


def test_images_of_rejects_inline_data_that_is_not_base64():
    response = {
        "candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": "*"}}]}}]
    }
    with pytest.raises(ProviderError) as caught:
        images_of(response)
    assert caught.value.kind == "invalid_payload"


def test_aspect_ratio_picks_the_nearest_supported_one():
    assert aspect_ratio(512, 512) == "1:1"
    assert aspect_ratio(1024, 576) == "16:9"
    assert aspect_ratio(64, 1024) == "9:16"


# --- the image.generate adapter -------------------------------------------------------


def _request(**params: object) -> GenRequest:
    return GenRequest(
        intent=PROMPT,
        params={"width": 200, "height": 100, "style": "night", **params},
        seed=99,
        tension="low",
    )


def test_the_adapter_returns_a_png_of_exactly_the_requested_size(gemini_settings):
    result = GeminiProvider().run("image", "generate", _request(), 2.0)
    assert result.model == IMAGE_MODEL
    (output,) = result.outputs
    assert validate_png(output.data, width=200, height=100)
    assert dict(output.meta) == {"width": 200, "height": 100, "source": "gemini"}


def test_the_adapter_asks_for_an_image_in_the_nearest_aspect_ratio(gemini_settings):
    GeminiProvider().run("image", "generate", _request(), 2.0)
    sent = gemini_settings.requests[-1]
    assert sent.path == f"/v1beta/models/{IMAGE_MODEL}:generateContent"
    assert sent.json() == {
        "contents": [{"parts": [{"text": f"{PROMPT}, at night, moonlit"}]}],
        "generationConfig": {
            "responseModalities": ["IMAGE"],
            "imageConfig": {"aspectRatio": "16:9"},
            "seed": 99,
        },
    }


def test_the_adapter_turns_a_non_image_into_invalid_payload(gemini_settings):
    gemini_settings.set_fault("invalid_payload")
    with pytest.raises(ProviderError) as caught:
        GeminiProvider().run("image", "generate", _request(), 2.0)
    assert caught.value.kind == "invalid_payload"


def test_the_adapter_reports_an_answer_without_an_image_as_invalid_payload(gemini_settings, monkeypatch):
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}}
    monkeypatch.setattr(GeminiClient, "generate", lambda self, model, body, timeout: blocked)
    with pytest.raises(ProviderError) as caught:
        GeminiProvider().run("image", "generate", _request(), 2.0)
    assert caught.value.kind == "invalid_payload"
    assert "SAFETY" in caught.value.message


def test_the_adapter_passes_on_quota_errors_with_their_retry_delay(gemini_settings):
    gemini_settings.set_fault("resource_exhausted", retry_delay=42)
    with pytest.raises(ProviderError) as caught:
        GeminiProvider().run("image", "generate", _request(), 2.0)
    assert (caught.value.kind, caught.value.retry_after) == ("rate_limited", 42.0)


def test_the_adapter_detects_a_stall_within_its_deadline(gemini_settings):
    gemini_settings.set_fault("stall")
    with pytest.raises(ProviderError) as caught:
        GeminiProvider().run("image", "generate", _request(), STALL_DEADLINE_S)
    assert caught.value.kind == "stalled"


def test_it_offers_image_generate_and_the_world_bible_only():
    provider = GeminiProvider()
    assert provider.supports("image", "generate")
    assert provider.supports("divine", "world_bible")
    assert not provider.supports("audio", "speech")
    assert provider.default_model("image", "generate") == IMAGE_MODEL
    assert provider.default_model("divine", "world_bible") == "gemini-2.5-flash"


def test_without_a_key_it_is_not_configured_and_calls_nobody(gemini_settings, settings):
    assert GeminiProvider().configured()
    settings.POG_GEMINI_API_KEY = ""
    assert GeminiProvider().configured() is False
    assert gemini_settings.request_count == 0
