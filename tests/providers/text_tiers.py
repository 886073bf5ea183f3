"""Plain text tiers for testing the streaming walk on its own: each sends the test's prompt
as one user message to its provider's client and streams the answer, with no action behind
it. (The studio streams through ``limbs.streaming.provider_tiers``, whose prompt and
outputs are the action's.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from limbs.providers.cloudflare import CloudflareClient
from limbs.providers.gemini import GeminiClient
from limbs.providers.ollama import OllamaClient
from limbs.streaming import TextTier

CLOUDFLARE_TEXT_MODEL = "@cf/meta/llama-3.1-8b-instruct"
GEMINI_TEXT_MODEL = "gemini-2.5-flash"
OLLAMA_TEXT_MODEL = "llama3.2"


class CloudflareText:
    name = "cloudflare"
    default_model = CLOUDFLARE_TEXT_MODEL

    def configured(self) -> bool:
        client = CloudflareClient.from_settings()
        return bool(client.account_id and client.api_token)

    async def aconfigured(self) -> bool:
        return self.configured()

    @staticmethod
    def _payload(prompt: str) -> dict[str, Any]:
        # The client adds "stream": true.
        return {"messages": [{"role": "user", "content": prompt}]}

    def stream(self, model: str, prompt: str, timeout: float) -> Iterator[str]:
        return CloudflareClient.from_settings().stream(model, self._payload(prompt), timeout)

    def astream(self, model: str, prompt: str, timeout: float) -> AsyncIterator[str]:
        return CloudflareClient.from_settings().astream(model, self._payload(prompt), timeout)


class GeminiText:
    name = "gemini"
    default_model = GEMINI_TEXT_MODEL

    def configured(self) -> bool:
        return bool(GeminiClient.from_settings().api_key)

    async def aconfigured(self) -> bool:
        return self.configured()

    @staticmethod
    def _body(prompt: str) -> dict[str, Any]:
        return {"contents": [{"role": "user", "parts": [{"text": prompt}]}]}

    def stream(self, model: str, prompt: str, timeout: float) -> Iterator[str]:
        return GeminiClient.from_settings().stream(model, self._body(prompt), timeout)

    def astream(self, model: str, prompt: str, timeout: float) -> AsyncIterator[str]:
        return GeminiClient.from_settings().astream(model, self._body(prompt), timeout)


class OllamaText:
    name = "ollama"
    default_model = OLLAMA_TEXT_MODEL

    def configured(self) -> bool:
        # Nothing listening counts as not configured: Ollama is opt-in by running it.
        client = OllamaClient.from_settings()
        return bool(client.base_url) and client.available()

    async def aconfigured(self) -> bool:
        client = OllamaClient.from_settings()
        return bool(client.base_url) and await client.aavailable()

    def stream(self, model: str, prompt: str, timeout: float) -> Iterator[str]:
        return OllamaClient.from_settings().stream_chat(model, [{"role": "user", "content": prompt}], timeout)

    def astream(self, model: str, prompt: str, timeout: float) -> AsyncIterator[str]:
        return OllamaClient.from_settings().astream_chat(
            model, [{"role": "user", "content": prompt}], timeout
        )


def text_tiers() -> list[TextTier]:
    """The three plain text tiers in chain order (the procedural fallback is the caller's)."""
    return [CloudflareText(), GeminiText(), OllamaText()]
