"""The remote tiers fit the router's Provider protocol (mypy checks the annotation)."""

from __future__ import annotations

from limbs.providers.base import Provider
from limbs.providers.cloudflare import CloudflareProvider
from limbs.providers.gemini import GeminiProvider
from limbs.providers.ollama import OllamaProvider


def test_the_remote_tiers_are_providers_named_for_the_chain():
    tiers: list[Provider] = [CloudflareProvider(), GeminiProvider(), OllamaProvider()]
    assert [t.name for t in tiers] == ["cloudflare", "gemini", "ollama"]
