"""A kept-alive connection the server already closed gets one fresh try, sync and async,
single answers and streams alike; a second such failure is the provider's to answer for."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from limbs.fakes import content
from limbs.fakes.server import FakeProvider
from limbs.providers import config
from limbs.providers.errors import ProviderError
from limbs.providers.ollama import OllamaClient

MODEL = "llama3.2"
PROMPT = "a lantern in the fog"


class _ClosedFirst:
    """Wraps an httpx client: the first ``times`` calls fail as a connection the server had
    already closed does (no response at all), later ones go through."""

    def __init__(self, real: Any, times: int = 1) -> None:
        self.real = real  # the client, or a function that gives it (the async one needs a loop)
        self.left = times
        self.calls = 0

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.left > 0:
            self.left -= 1
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        real = self.real() if callable(self.real) else self.real
        return real.stream(*args, **kwargs)


@pytest.fixture
def sync_stale(monkeypatch: pytest.MonkeyPatch) -> _ClosedFirst:
    wrapper = _ClosedFirst(config.sync_client())
    monkeypatch.setattr(config, "sync_client", lambda: wrapper)
    return wrapper


@pytest.fixture
def async_stale(monkeypatch: pytest.MonkeyPatch, apool: None) -> _ClosedFirst:
    wrapper = _ClosedFirst(config.async_client)
    monkeypatch.setattr(config, "async_client", lambda: wrapper)
    return wrapper


def test_a_single_answer_is_asked_again_once(
    ollama_client: OllamaClient, ollama_fake: FakeProvider, sync_stale: _ClosedFirst
) -> None:
    assert ollama_client.generate(MODEL, PROMPT, 5.0) == content.text(PROMPT)
    assert (sync_stale.calls, ollama_fake.request_count) == (2, 1)


def test_a_stream_is_asked_again_once(
    ollama_client: OllamaClient, ollama_fake: FakeProvider, sync_stale: _ClosedFirst
) -> None:
    assert "".join(ollama_client.stream_generate(MODEL, PROMPT, 5.0)) == content.text(PROMPT)
    assert (sync_stale.calls, ollama_fake.request_count) == (2, 1)


def test_twice_in_a_row_is_a_failure(
    ollama_client: OllamaClient, ollama_fake: FakeProvider, sync_stale: _ClosedFirst
) -> None:
    sync_stale.left = 2
    with pytest.raises(ProviderError):
        ollama_client.generate(MODEL, PROMPT, 5.0)
    assert (sync_stale.calls, ollama_fake.request_count) == (2, 0)


async def test_the_async_single_answer_is_asked_again_once(
    ollama_client: OllamaClient, ollama_fake: FakeProvider, async_stale: _ClosedFirst
) -> None:
    assert await ollama_client.agenerate(MODEL, PROMPT, 5.0) == content.text(PROMPT)
    assert (async_stale.calls, ollama_fake.request_count) == (2, 1)


async def test_the_async_stream_is_asked_again_once(
    ollama_client: OllamaClient, ollama_fake: FakeProvider, async_stale: _ClosedFirst
) -> None:
    tokens = [token async for token in ollama_client.astream_generate(MODEL, PROMPT, 5.0)]
    assert "".join(tokens) == content.text(PROMPT)
    assert (async_stale.calls, ollama_fake.request_count) == (2, 1)


async def test_async_twice_in_a_row_is_a_failure(
    ollama_client: OllamaClient, ollama_fake: FakeProvider, async_stale: _ClosedFirst
) -> None:
    async_stale.left = 2
    with pytest.raises(ProviderError):
        [token async for token in ollama_client.astream_generate(MODEL, PROMPT, 5.0)]
    assert (async_stale.calls, ollama_fake.request_count) == (2, 0)
