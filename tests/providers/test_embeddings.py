"""The embedding shape on each provider's wire, against the fakes: texts in, one vector
per text out. No action asks for embeddings yet, so the shape is asked directly."""

from __future__ import annotations

from typing import Any

import pytest

from limbs.fakes import content
from limbs.fakes.server import FakeProvider
from limbs.providers.cloudflare import CloudflareClient, CloudflareProvider
from limbs.providers.errors import ProviderError
from limbs.providers.gemini import GeminiClient, GeminiProvider
from limbs.providers.ollama import OllamaClient, OllamaProvider
from limbs.providers.tasks import EMBEDDING, TEXT_TO_IMAGE, EmbedAsk, ImageAsk
from limbs.registry import REGISTRY
from tests.providers.conftest import STALL_DEADLINE_S

TEXTS = ("a red dragon sleeping on gold", "a sleepy frog")
ASK = EmbedAsk(TEXTS)


@pytest.fixture(params=["cloudflare", "gemini", "ollama"])
def embedder(
    request: pytest.FixtureRequest,
    cf_fake: FakeProvider,
    gemini_fake: FakeProvider,
    ollama_fake: FakeProvider,
) -> tuple[Any, FakeProvider]:
    """A provider pointed at its fake, and the fake."""
    if request.param == "cloudflare":
        return CloudflareProvider(CloudflareClient("fake-account", "fake-token", cf_fake.url)), cf_fake
    if request.param == "gemini":
        return GeminiProvider(GeminiClient("fake-key", gemini_fake.url)), gemini_fake
    return OllamaProvider(OllamaClient(ollama_fake.url)), ollama_fake


def test_every_text_becomes_one_vector_in_order(embedder: tuple[Any, FakeProvider]) -> None:
    provider, fake = embedder
    vectors = provider.run_shape(EMBEDDING, ASK, 2.0)
    assert vectors == [content.vector(text) for text in TEXTS]
    assert [len(v) for v in vectors] == [768, 768]
    assert fake.request_count == 1


async def test_the_async_twin_gives_the_same_vectors(embedder: tuple[Any, FakeProvider], apool: None) -> None:
    provider, _ = embedder
    assert await provider.arun_shape(EMBEDDING, ASK, 2.0) == provider.run_shape(EMBEDDING, ASK, 2.0)


def test_cloudflare_sends_bge_the_texts(cf_fake: FakeProvider) -> None:
    provider = CloudflareProvider(CloudflareClient("fake-account", "fake-token", cf_fake.url))
    provider.run_shape(EMBEDDING, ASK, 2.0)
    sent = cf_fake.requests[-1]
    assert sent.path == "/client/v4/accounts/fake-account/ai/run/@cf/baai/bge-base-en-v1.5"
    assert sent.json() == {"text": list(TEXTS)}


def test_gemini_embeds_one_text_with_embed_content_and_several_in_a_batch(gemini_fake: FakeProvider) -> None:
    provider = GeminiProvider(GeminiClient("fake-key", gemini_fake.url))
    [one] = provider.run_shape(EMBEDDING, EmbedAsk(TEXTS[:1]), 2.0)
    assert one == content.vector(TEXTS[0])
    single = gemini_fake.requests[-1]
    assert single.path == "/v1beta/models/text-embedding-004:embedContent"
    assert single.headers["x-goog-api-key"] == "fake-key"
    assert single.json() == {"content": {"parts": [{"text": TEXTS[0]}]}}
    provider.run_shape(EMBEDDING, ASK, 2.0)
    batch = gemini_fake.requests[-1]
    assert batch.path == "/v1beta/models/text-embedding-004:batchEmbedContents"
    assert batch.json() == {
        "requests": [
            {"model": "models/text-embedding-004", "content": {"parts": [{"text": text}]}} for text in TEXTS
        ]
    }


def test_ollama_posts_the_texts_to_api_embed(ollama_fake: FakeProvider) -> None:
    OllamaProvider(OllamaClient(ollama_fake.url)).run_shape(EMBEDDING, ASK, 2.0)
    sent = ollama_fake.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/api/embed")
    assert sent.json() == {"model": "nomic-embed-text", "input": list(TEXTS)}


def test_the_model_asked_for_is_the_one_called(cf_fake: FakeProvider) -> None:
    provider = CloudflareProvider(CloudflareClient("fake-account", "fake-token", cf_fake.url))
    vectors = provider.run_shape(EMBEDDING, ASK, 2.0, model="@cf/baai/bge-small-en-v1.5")
    assert cf_fake.requests[-1].path.endswith("/ai/run/@cf/baai/bge-small-en-v1.5")
    assert [len(v) for v in vectors] == [384, 384]


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("invalid_payload", "invalid_payload"),  # a vector missing, or vectors with no values
        ("500", "http_5xx"),
        ("429", "rate_limited"),
        ("malformed", "malformed"),  # half a JSON document
        ("cut", "malformed"),
        ("stall", "stalled"),
    ],
)
def test_a_faulty_answer_raises_the_matching_kind(
    embedder: tuple[Any, FakeProvider], fault: str, kind: str
) -> None:
    provider, fake = embedder
    fake.set_fault(fault)
    with pytest.raises(ProviderError) as caught:
        provider.run_shape(EMBEDDING, ASK, STALL_DEADLINE_S)
    assert (caught.value.provider, caught.value.kind) == (fake.provider, kind)


def test_nothing_to_embed_is_declined_without_a_request(embedder: tuple[Any, FakeProvider]) -> None:
    provider, fake = embedder
    with pytest.raises(ProviderError) as caught:
        provider.run_shape(EMBEDDING, EmbedAsk(()), 2.0)
    assert caught.value.kind == "declined"
    assert fake.request_count == 0


def test_a_shape_the_provider_does_not_serve_is_a_bad_request(ollama_fake: FakeProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        OllamaProvider(OllamaClient(ollama_fake.url)).run_shape(TEXT_TO_IMAGE, ImageAsk("x", 8, 8, 1, 4), 1.0)
    assert caught.value.kind == "bad_request"
    assert ollama_fake.request_count == 0


def test_no_action_asks_for_embeddings_yet() -> None:
    assert [a.id for limb in REGISTRY.limbs for a in limb.actions if a.task == EMBEDDING.name] == []
    providers = (CloudflareProvider(), GeminiProvider(), OllamaProvider())
    assert not any(p.supports("data", "embed") for p in providers)
