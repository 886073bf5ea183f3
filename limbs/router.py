"""The router: muscle-memory cache, then the fallback chain, validating every output.

Issue #3 adds the remote tiers (Cloudflare, Gemini, Ollama), breakers and
budgets; the shape here already carries what they need: an ordered chain per
action, a recorded attempt per hop, validation that turns a bad output into a
failure, and a procedural tier that always ends the chain.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts.killswitch import stopped_providers
from limbs import breakers, procedural_child
from limbs.formats import OutputInvalid, main_confidence, validate_output, validate_outputs
from limbs.models import CacheEntry
from limbs.providers.base import Provider, ProviderResult
from limbs.providers.errors import ProviderError
from limbs.providers.procedural import ProceduralProvider
from limbs.registry import REGISTRY
from limbs.spec import Check, Effect, GeneratorInputError, GenRequest, Output
from limbs.storage import read_blob
from pog_site import procs, turns
from provenance.canonical import canonical_json

PROCEDURAL = ProceduralProvider()
log = logging.getLogger(__name__)


def check_for(limb: str, action: str) -> Check | None:
    """The action's own rule for its outputs taken together, if it has one."""
    spec = REGISTRY.action(limb, action)
    return spec.check if spec is not None else None


def providers() -> list[Provider]:
    """Every tier in chain order: the remote tiers, then procedural (the ghost limb)."""
    from limbs.providers.cloudflare import CloudflareProvider
    from limbs.providers.gemini import GeminiProvider
    from limbs.providers.ollama import OllamaProvider

    return [CloudflareProvider(), GeminiProvider(), OllamaProvider(), PROCEDURAL]


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
    effects: tuple[Effect, ...] = ()

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
    owner: int | None = None,
) -> str:
    """Content address of a request: the same key means the same output.

    ``owner`` is set for private caching (the tier's policy or a zero-trust profile):
    the entry is then only ever found by that identity's own requests.
    """
    material: dict[str, Any] = {
        "v": 1,
        "limb": limb,
        "action": action,
        "intent": intent,
        "params": params,
        "seed": seed,
        "tension": tension,
        "preference": preference,
    }
    if owner is not None:
        material["owner"] = owner
    return hashlib.sha256(canonical_json(material)).hexdigest()


def _from_cache(key: str, recheck: bool = False) -> RouteResult | None:
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
        if recheck:
            # Zero trust: a remembered result is checked again like a fresh one.
            for output in outputs:
                validate_output(output.mime, output.data)
    except (OSError, KeyError, OutputInvalid):
        # A missing or damaged blob makes the entry useless; forget it and generate afresh.
        CacheEntry.objects.filter(key=key).delete()
        return None
    CacheEntry.objects.filter(key=key).update(hits=F("hits") + 1, last_hit_at=timezone.now())
    attempt = Attempt("cache", entry.model, "ok", (time.perf_counter() - started) * 1000, "muscle memory")
    return RouteResult(outputs, entry.provider, entry.model, "hit", [attempt])


class Guard:
    """A breaker whose own failures (Redis unreachable) never fail a request: the tier
    is then tried as if the breaker were closed, and the problem is logged."""

    def __init__(self, provider: str, model: str) -> None:
        self.breaker = breakers.breaker(provider, model)

    def allow(self) -> bool:
        return self.admit() != breakers.REFUSED

    def admit(self) -> int:
        try:
            return self.breaker.admit()
        except Exception:
            log.warning("breaker state unavailable; trying %s anyway", self.breaker, exc_info=True)
            return breakers.PASS

    def record_success(self) -> None:
        try:
            self.breaker.record_success()
        except Exception:
            log.warning("could not record a success on %s", self.breaker, exc_info=True)

    def record_failure(self, retry_after: float | None = None, kind: str | None = None) -> None:
        try:
            self.breaker.record_failure(retry_after=retry_after, kind=kind)
        except Exception:
            log.warning("could not record a failure on %s", self.breaker, exc_info=True)


def _ordered(chain: list[Provider], prefer: str) -> tuple[list[Provider], dict[str, str]]:
    """Honour a preferred model ("provider:model"): that tier goes first, with that model."""
    provider_name, _, model = prefer.partition(":")
    if not provider_name:
        return chain, {}
    first = [p for p in chain if p.name == provider_name and p is not PROCEDURAL]
    rest = [p for p in chain if p not in first]
    return first + rest, ({provider_name: model} if model else {})


def route(
    limb: str,
    action: str,
    request: GenRequest,
    *,
    key: str | None,
    deadline_s: float,
    prefer: str = "",
    threshold: float = 0.0,
    recheck_cache: bool = False,
) -> RouteResult:
    """Cache, then each tier in turn. A remote tier runs only if it is configured, its
    breaker allows it and the budget (less the procedural reserve) leaves time for it.

    ``threshold`` is the person's confidence threshold: a remote output that validates
    but scores below it is refused and the chain moves on (the procedural tier, last,
    is exempt, so the request still gets an answer).
    """
    if key is not None:
        hit = _from_cache(key, recheck_cache)
        if hit is not None:
            return hit
    started = time.monotonic()
    reserve = settings.POG_PROCEDURAL_RESERVE_S
    attempts: list[Attempt] = []
    chain, models = _ordered(chain_for(limb, action), prefer)
    stopped = stopped_providers() if len(chain) > 1 else set()
    for provider in chain:
        if not provider.configured():
            attempts.append(Attempt(provider.name, "", "skipped", 0.0, "not configured"))
            continue
        if provider.name in stopped:
            attempts.append(Attempt(provider.name, "", "skipped", 0.0, "stopped by the studio's staff"))
            continue
        model = models.get(provider.name) or provider.default_model(limb, action) or ""
        remote = provider is not PROCEDURAL
        remaining = deadline_s - (time.monotonic() - started)
        hop_s = min(remaining - reserve, settings.POG_HOP_TIMEOUT_S) if remote else max(remaining, 0.5)
        if hop_s < 0.05:
            attempts.append(Attempt(provider.name, model, "skipped", 0.0, "no time left in the budget"))
            continue
        # Asked last, so a half-open probe is only taken when the hop will really run.
        guard = Guard(provider.name, model) if remote else None
        admission = guard.admit() if guard is not None else breakers.PASS
        if admission == breakers.REFUSED:
            attempts.append(Attempt(provider.name, model, "skipped", 0.0, "breaker open"))
            continue
        if admission == breakers.PROBE and hop_s > settings.POG_PROBE_PATIENCE_S:
            attempt, result = _probe(provider, guard, limb, action, request, hop_s, model, threshold)
        else:
            attempt, result = _hop(provider, guard, limb, action, request, hop_s, model, threshold)
        attempts.append(attempt)
        if result is not None:
            return RouteResult(result.outputs, provider.name, attempt.model, "miss", attempts, result.effects)
    raise RouteError(f"No tier could make {limb}.{action}.", attempts)


def _hop(
    provider: Provider,
    guard: Guard | None,
    limb: str,
    action: str,
    request: GenRequest,
    hop_s: float,
    model: str,
    threshold: float = 0.0,
) -> tuple[Attempt, ProviderResult | None]:
    """One tier, start to verdict: run it, validate every output, tell its breaker."""
    started = time.perf_counter()

    def failed(outcome: str, detail: str, kind: str, retry_after: float | None = None) -> Attempt:
        if guard is not None:
            guard.record_failure(retry_after=retry_after, kind=kind)
        return Attempt(provider.name, model, outcome, (time.perf_counter() - started) * 1000, detail[:300])

    try:
        result = _run(provider, limb, action, request, hop_s, model)
    except GeneratorInputError:
        raise
    except OutputInvalid as exc:
        return failed("invalid", str(exc), "invalid_payload"), None
    except ProviderError as exc:
        if exc.kind == "declined":
            ms = (time.perf_counter() - started) * 1000
            return Attempt(provider.name, model, "skipped", ms, f"declined: {exc.message}"[:300]), None
        outcome = "invalid" if exc.kind == "invalid_payload" else "error"
        return failed(outcome, f"{exc.kind}: {exc.message}", exc.kind, exc.retry_after), None
    except Exception as exc:
        return failed("error", f"{type(exc).__name__}: {exc}", "error"), None
    if guard is not None:
        # The provider did its job even if this person's threshold refuses the answer:
        # one strict user must not open a breaker for everyone.
        guard.record_success()
        if threshold > 0:
            score = main_confidence(result.outputs)
            if score < threshold:
                ms = (time.perf_counter() - started) * 1000
                detail = f"confidence {score:.2f} is below your threshold {threshold:.2f}"
                return Attempt(provider.name, result.model or model, "invalid", ms, detail), None
    ms = (time.perf_counter() - started) * 1000
    return Attempt(provider.name, result.model or model, "ok", ms), result


def _run(
    provider: Provider, limb: str, action: str, request: GenRequest, hop_s: float, model: str
) -> ProviderResult:
    """Ask one tier and validate its answer (``OutputInvalid`` when an output or the set of
    them fails). The procedural tier's ``make`` is CPU-bound: it runs, and its answer is
    validated, in a generator process (``pog_site.procs``) when there are any, so every core
    works and this thread only waits; its progress comes back to this thread."""
    if provider is PROCEDURAL and procs.size() > 0:
        # The callbacks stay here: the child gets the plain request and reports progress back.
        plain = replace(request, progress=procedural_child.quiet, studio=None)
        result: ProviderResult = procs.call(
            procedural_child.make, limb, action, plain, hop_s, progress=request.progress
        )
        return result
    if provider is PROCEDURAL:
        result = provider.run(limb, action, request, hop_s, model=model or None)
    else:
        with turns.waiting():  # a cloud or local model answers over the network meanwhile
            result = provider.run(limb, action, request, hop_s, model=model or None)
    validate_outputs(result.outputs, check_for(limb, action))
    return result


_probes: ThreadPoolExecutor | None = None
_probes_lock = threading.Lock()


def _probe_pool() -> ThreadPoolExecutor:
    global _probes
    with _probes_lock:
        if _probes is None:
            # At most one probe per breaker is out at a time, so a few threads suffice.
            _probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="pog-probe")
        return _probes


def _probe(
    provider: Provider,
    guard: Guard | None,
    limb: str,
    action: str,
    request: GenRequest,
    hop_s: float,
    model: str,
    threshold: float = 0.0,
) -> tuple[Attempt, ProviderResult | None]:
    """The half-open probe, without making its caller pay for a provider still dead.

    The probe runs in the background to its full hop timeout and settles the breaker
    either way; the request waits only ``POG_PROBE_PATIENCE_S`` for it, then moves on
    down the chain. So a stalled provider costs a request a quarter second per open
    period instead of a whole hop timeout, and a recovered one closes its breaker.
    """
    patience = float(settings.POG_PROBE_PATIENCE_S)
    # Progress from a probe nobody waits for must not touch the generation any more.
    quiet = replace(request, progress=_ignore_progress)
    started = time.perf_counter()
    future = _probe_pool().submit(_hop, provider, guard, limb, action, quiet, hop_s, model, threshold)
    try:
        return future.result(timeout=patience)
    except FutureTimeout:
        ms = (time.perf_counter() - started) * 1000
        detail = f"half-open probe still waiting after {patience:g} s; it goes on in the background"
        return Attempt(provider.name, model, "skipped", ms, detail), None


def _ignore_progress(fraction: float, message: str) -> None:
    return None
