"""Fakes of the three providers on free loopback ports, reset between tests.

The servers live for the whole session (starting one costs a thread and a socket);
each test gets its fake healthy, with no recorded requests, and leaves it that way.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from limbs.fakes.server import FAKE_CREDENTIALS, FakeProvider
from limbs.providers import config, ollama
from limbs.providers.cloudflare import CloudflareClient
from limbs.providers.gemini import GeminiClient
from limbs.providers.ollama import OllamaClient

# Short enough to keep stall tests quick, long enough for a loaded CI machine.
STALL_DEADLINE_S = 0.3

# (fault, its options, the ProviderError kind expected, the retry_after expected)
FaultCase = tuple[str, dict[str, Any], str, float | None]


def fault_ids(cases: list[FaultCase]) -> list[str]:
    return [f"{fault}{'-clean' if opts.get('clean') else ''}" for fault, opts, _, _ in cases]


@pytest.fixture(scope="session")
def _fakes() -> Iterator[dict[str, FakeProvider]]:
    fakes = {name: FakeProvider(name) for name in ("cloudflare", "gemini", "ollama")}
    yield fakes
    for fake in fakes.values():
        fake.stop()


def _fresh(fake: FakeProvider) -> Iterator[FakeProvider]:
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture
def cf_fake(_fakes: dict[str, FakeProvider]) -> Iterator[FakeProvider]:
    yield from _fresh(_fakes["cloudflare"])


@pytest.fixture
def gemini_fake(_fakes: dict[str, FakeProvider]) -> Iterator[FakeProvider]:
    yield from _fresh(_fakes["gemini"])


@pytest.fixture
def ollama_fake(_fakes: dict[str, FakeProvider]) -> Iterator[FakeProvider]:
    yield from _fresh(_fakes["ollama"])


@pytest.fixture
def cf_client(cf_fake: FakeProvider) -> CloudflareClient:
    return CloudflareClient("fake-account", "fake-token", cf_fake.url)


@pytest.fixture
def gemini_client(gemini_fake: FakeProvider) -> GeminiClient:
    return GeminiClient("fake-key", gemini_fake.url)


@pytest.fixture
def ollama_client(ollama_fake: FakeProvider) -> OllamaClient:
    return OllamaClient(ollama_fake.url)


@pytest.fixture
def cf_settings(settings, cf_fake: FakeProvider) -> FakeProvider:
    settings.POG_CLOUDFLARE_BASE_URL = cf_fake.url
    settings.POG_CLOUDFLARE_ACCOUNT_ID = FAKE_CREDENTIALS["POG_CLOUDFLARE_ACCOUNT_ID"]
    settings.POG_CLOUDFLARE_API_TOKEN = FAKE_CREDENTIALS["POG_CLOUDFLARE_API_TOKEN"]
    return cf_fake


@pytest.fixture
def gemini_settings(settings, gemini_fake: FakeProvider) -> FakeProvider:
    settings.POG_GEMINI_BASE_URL = gemini_fake.url
    settings.POG_GEMINI_API_KEY = FAKE_CREDENTIALS["POG_GEMINI_API_KEY"]
    return gemini_fake


@pytest.fixture(autouse=True)
def _forget_ollama_probes() -> Iterator[None]:
    ollama.reset_probe_cache()
    yield
    ollama.reset_probe_cache()


@pytest.fixture
async def apool() -> AsyncIterator[None]:
    """Async tests close their loop's connection pool before the loop goes away."""
    yield
    await config.aclose_async_client()


@pytest.fixture
def free_port() -> int:
    """A loopback port nothing listens on (bound once by us, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
