"""The router: muscle-memory cache, then the fallback chain, validating every output.

Issue #3 adds the remote tiers (Cloudflare, Gemini, Ollama), breakers and
budgets; the shape here already carries what they need: an ordered chain per
action, a recorded attempt per hop, validation that turns a bad output into a
failure, and a procedural tier that always ends the chain.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.utils import timezone

from limbs.generators.base import GeneratorInputError, GenRequest, Output
from limbs.models import CacheEntry
from limbs.providers.base import Provider
from limbs.providers.procedural import ProceduralProvider
from limbs.storage import read_blob
from limbs.validators import OutputInvalid, validate_output
from provenance.canonical import canonical_json

PROCEDURAL = ProceduralProvider()


def providers() -> list[Provider]:
    """Every tier in chain order. Remote tiers join in front of procedural."""
    return [PROCEDURAL]


@dataclass
class Attempt:
    provider: str
    model: str
    outcome: str  # ok | error | invalid | skipped
    ms: float
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "outcome": self.outcome,
            "ms": round(self.ms, 2),
            "detail": self.detail,
        }


@dataclass
class RouteResult:
    outputs: list[Output]
    provider: str
    model: str
    cache: str  # hit | miss
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def provider_ms(self) -> float:
        return sum(a.ms for a in self.attempts if a.outcome != "skipped")


class RouteError(Exception):
    def __init__(self, message: str, attempts: list[Attempt]) -> None:
        super().__init__(message)
        self.attempts = attempts


def chain_for(limb: str, action: str) -> list[Provider]:
    return [p for p in providers() if p.supports(limb, action)]


def cache_key(
    *,
    limb: str,
    action: str,
    intent: str,
    params: dict[str, Any],
    seed: int,
    tension: str,
    preference: str = "",
) -> str:
    """Content address of a request: the same key means the same output."""
    material = {
        "v": 1,
        "limb": limb,
        "action": action,
        "intent": intent,
        "params": params,
        "seed": seed,
        "tension": tension,
        "preference": preference,
    }
    return hashlib.sha256(canonical_json(material)).hexdigest()


def _from_cache(key: str) -> RouteResult | None:
    entry = CacheEntry.objects.filter(key=key).first()
    if entry is None:
        return None
    started = time.perf_counter()
    try:
        outputs = [
            Output(
                data=read_blob(item["blob"]),
                mime=item["mime"],
                name=item["name"],
                role=item.get("role", "main"),
                meta=item.get("meta", {}),
            )
            for item in entry.outputs
        ]
    except (OSError, KeyError):
        # A missing blob makes the entry useless; forget it and generate afresh.
        CacheEntry.objects.filter(key=key).delete()
        return None
    CacheEntry.objects.filter(key=key).update(hits=F("hits") + 1, last_hit_at=timezone.now())
    attempt = Attempt("cache", entry.model, "ok", (time.perf_counter() - started) * 1000, "muscle memory")
    return RouteResult(outputs, entry.provider, entry.model, "hit", [attempt])


def remember(key: str, limb: str, action: str, result: RouteResult, stored: list[dict[str, Any]]) -> None:
    """Record a fresh result in the muscle-memory cache (first writer wins)."""
    CacheEntry.objects.get_or_create(
        key=key,
        defaults={
            "limb": limb,
            "action": action,
            "provider": result.provider,
            "model": result.model,
            "outputs": stored,
        },
    )


def route(limb: str, action: str, request: GenRequest, *, key: str | None, deadline_s: float) -> RouteResult:
    if key is not None:
        hit = _from_cache(key)
        if hit is not None:
            return hit
    attempts: list[Attempt] = []
    for provider in chain_for(limb, action):
        if not provider.configured():
            attempts.append(Attempt(provider.name, "", "skipped", 0.0, "not configured"))
            continue
        started = time.perf_counter()
        try:
            result = provider.run(limb, action, request, deadline_s)
            for output in result.outputs:
                validate_output(output.mime, output.data)
        except GeneratorInputError:
            raise
        except OutputInvalid as exc:
            attempts.append(
                Attempt(provider.name, "", "invalid", (time.perf_counter() - started) * 1000, str(exc))
            )
            continue
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}"[:300]
            attempts.append(
                Attempt(provider.name, "", "error", (time.perf_counter() - started) * 1000, detail)
            )
            continue
        if not result.outputs:
            attempts.append(
                Attempt(
                    provider.name,
                    result.model,
                    "invalid",
                    (time.perf_counter() - started) * 1000,
                    "no output",
                )
            )
            continue
        attempts.append(Attempt(provider.name, result.model, "ok", (time.perf_counter() - started) * 1000))
        return RouteResult(result.outputs, provider.name, result.model, "miss", attempts)
    raise RouteError(f"No tier could make {limb}.{action}.", attempts)
