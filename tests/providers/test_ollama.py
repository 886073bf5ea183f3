"""The Ollama client (NDJSON streaming, tags, the quick probe) against the fake."""

from __future__ import annotations

import socket

import pytest

from limbs.fakes import content
from limbs.providers.errors import ProviderError
from limbs.providers.ollama import OllamaClient, OllamaProvider
from limbs.spec import GenRequest
from tests.providers.conftest import STALL_DEADLINE_S, FaultCase, fault_ids

MODEL = "llama3.2"
PROMPT = "a brave little frog"
MESSAGES = [{"role": "user", "content": PROMPT}]

CALL_FAULTS: list[FaultCase] = [
    ("500", {}, "http_5xx", None),
    ("429", {"retry_after": 4}, "rate_limited", 4.0),
    ("refused", {}, "refused", None),
    ("stall", {}, "stalled", None),
    ("cut", {}, "malformed", None),
    ("malformed", {}, "malformed", None),
    ("invalid_payload", {}, "invalid_payload", None),
]
STREAM_FAULTS: list[FaultCase] = [*CALL_FAULTS, ("cut", {"clean": True}, "malformed", None)]


def test_tags_lists_the_installed_models(ollama_client):
    assert "llama3.2:latest" in ollama_client.tags(2.0)


def test_generate_and_chat_return_the_whole_text(ollama_client, ollama_fake):
    assert ollama_client.generate(MODEL, PROMPT, 2.0) == content.text(PROMPT)
    assert ollama_fake.requests[-1].json() == {"model": MODEL, "prompt": PROMPT, "stream": False}
    assert ollama_client.chat(MODEL, MESSAGES, 2.0, options={"seed": 3}) == content.text(PROMPT)
    assert ollama_fake.requests[-1].json() == {
        "model": MODEL,
        "messages": MESSAGES,
        "stream": False,
        "options": {"seed": 3},
    }


def test_streams_yield_every_token_in_order(ollama_client):
    assert list(ollama_client.stream_generate(MODEL, PROMPT, 2.0)) == content.tokens(PROMPT)
    assert list(ollama_client.stream_chat(MODEL, MESSAGES, 2.0)) == content.tokens(PROMPT)


async def test_the_async_twins_answer_like_the_sync_ones(ollama_client, apool):
    assert await ollama_client.atags(2.0) == ollama_client.tags(2.0)
    assert await ollama_client.agenerate(MODEL, PROMPT, 2.0) == content.text(PROMPT)
    assert await ollama_client.achat(MODEL, MESSAGES, 2.0) == content.text(PROMPT)
    assert [t async for t in ollama_client.astream_generate(MODEL, PROMPT, 2.0)] == content.tokens(PROMPT)
    assert [t async for t in ollama_client.astream_chat(MODEL, MESSAGES, 2.0)] == content.tokens(PROMPT)


def test_an_unknown_model_is_a_bad_request(ollama_client):
    with pytest.raises(ProviderError) as caught:
        ollama_client.generate("no-such-model", PROMPT, 2.0)
    assert (caught.value.kind, caught.value.status) == ("bad_request", 404)
    assert "not found" in caught.value.message


@pytest.mark.parametrize(("fault", "opts", "kind", "retry_after"), CALL_FAULTS, ids=fault_ids(CALL_FAULTS))
@pytest.mark.parametrize("endpoint", ["generate", "chat"])
def test_a_faulty_call_raises_the_matching_kind(
    ollama_client, ollama_fake, endpoint, fault, opts, kind, retry_after
):
    ollama_fake.set_fault(fault, **opts)
    with pytest.raises(ProviderError) as caught:
        if endpoint == "generate":
            ollama_client.generate(MODEL, PROMPT, STALL_DEADLINE_S)
        else:
            ollama_client.chat(MODEL, MESSAGES, STALL_DEADLINE_S)
    assert (caught.value.provider, caught.value.model, caught.value.kind) == ("ollama", MODEL, kind)
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(("fault", "opts", "kind", "retry_after"), CALL_FAULTS, ids=fault_ids(CALL_FAULTS))
async def test_a_faulty_async_call_raises_the_matching_kind(
    ollama_client, ollama_fake, apool, fault, opts, kind, retry_after
):
    ollama_fake.set_fault(fault, **opts)
    with pytest.raises(ProviderError) as caught:
        await ollama_client.agenerate(MODEL, PROMPT, STALL_DEADLINE_S)
    assert caught.value.kind == kind
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(
    ("fault", "opts", "kind", "retry_after"), STREAM_FAULTS, ids=fault_ids(STREAM_FAULTS)
)
@pytest.mark.parametrize("endpoint", ["generate", "chat"])
def test_a_faulty_stream_raises_the_matching_kind(
    ollama_client, ollama_fake, endpoint, fault, opts, kind, retry_after
):
    ollama_fake.set_fault(fault, **opts)
    stream = (
        ollama_client.stream_generate(MODEL, PROMPT, STALL_DEADLINE_S)
        if endpoint == "generate"
        else ollama_client.stream_chat(MODEL, MESSAGES, STALL_DEADLINE_S)
    )
    received: list[str] = []
    with pytest.raises(ProviderError) as caught:
        for token in stream:
            received.append(token)
    assert caught.value.kind == kind
    assert caught.value.retry_after == retry_after
    assert caught.value.bytes_sent_to_client == bool(received)
    assert received == content.tokens(PROMPT)[: len(received)]


@pytest.mark.parametrize(
    ("fault", "opts", "kind", "retry_after"), STREAM_FAULTS, ids=fault_ids(STREAM_FAULTS)
)
async def test_a_faulty_async_stream_raises_the_matching_kind(
    ollama_client, ollama_fake, apool, fault, opts, kind, retry_after
):
    ollama_fake.set_fault(fault, **opts)
    received: list[str] = []
    with pytest.raises(ProviderError) as caught:
        async for token in ollama_client.astream_chat(MODEL, MESSAGES, STALL_DEADLINE_S):
            received.append(token)
    assert caught.value.kind == kind
    assert caught.value.bytes_sent_to_client == bool(received)


# --- the probe and the provider ----------------------------------------------------------


def test_a_listening_ollama_is_available_without_an_http_request(ollama_client, ollama_fake):
    assert ollama_client.available() is True
    assert ollama_fake.request_count == 0


def test_nothing_listening_means_unavailable(free_port):
    assert OllamaClient(f"http://127.0.0.1:{free_port}").available() is False


async def test_nothing_listening_means_unavailable_for_the_async_probe_too(free_port):
    assert await OllamaClient(f"http://127.0.0.1:{free_port}").aavailable() is False


def test_the_probe_answer_is_remembered_so_the_next_check_costs_nothing(free_port, monkeypatch):
    client = OllamaClient(f"http://127.0.0.1:{free_port}")
    assert client.available() is False

    def no_second_probe(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("probed again within the cache period")

    monkeypatch.setattr(socket, "create_connection", no_second_probe)
    assert client.available() is False


def test_an_absent_ollama_is_not_configured(settings, free_port):
    settings.POG_OLLAMA_URL = f"http://127.0.0.1:{free_port}"
    assert OllamaProvider().configured() is False


def test_an_ollama_that_refuses_connections_is_not_configured_and_gets_no_request(settings, ollama_fake):
    settings.POG_OLLAMA_URL = ollama_fake.url
    ollama_fake.set_fault("refused")
    assert OllamaProvider().configured() is False
    assert ollama_fake.request_count == 0


def test_a_running_ollama_is_configured_but_offers_no_action_yet(settings, ollama_fake):
    settings.POG_OLLAMA_URL = ollama_fake.url
    provider = OllamaProvider()
    assert provider.configured() is True
    assert not provider.supports("image", "generate")
    assert provider.default_model("image", "generate") is None
    with pytest.raises(ProviderError):
        provider.run("image", "generate", GenRequest(intent="x", params={}, seed=1), 1.0)


def test_an_empty_url_switches_the_tier_off_without_probing(settings, monkeypatch):
    settings.POG_OLLAMA_URL = ""

    def no_probe(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("probed an empty URL")

    monkeypatch.setattr(socket, "create_connection", no_probe)
    assert OllamaProvider().configured() is False


def test_the_url_defaults_to_the_local_ollama_port(settings):
    del settings.POG_OLLAMA_URL
    assert OllamaClient.from_settings().base_url == "http://127.0.0.1:11434"
