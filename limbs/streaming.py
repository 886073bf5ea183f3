"""Streaming failover for text actions: tokens as they come, and never a silent truncated answer.

The non-streaming router (``limbs.router``) can try a tier, look at the whole output and
move on unseen. A stream cannot: once a token has gone to the client, the client holds
part of an answer. So the rule here (issue #3, point 3) is:

* a tier that fails before any token reached the caller is skipped silently (only an
  ``attempt`` event records it);
* a tier that fails after tokens went out is abandoned with an explicit ``switched``
  event, and the answer restarts from nothing on the next tier;
* a stream that completes ends with exactly one ``done`` event naming the provider and
  model of the final answer, carrying that answer's full text.

Tiers, in order: the remote providers of the action's chain that stream its shape
(``provider_tiers``: Cloudflare Workers AI, Gemini, Ollama), then the caller's procedural
fallback. Budgets and breakers work as in the router: an unconfigured tier costs nothing,
neither does one a staff kill switch stops, an open breaker means no upstream request,
each remote hop gets the remaining budget less the procedural reserve (capped at
``POG_HOP_TIMEOUT_S``).

``route_stream`` (sync) and ``aroute_stream`` (async) share every decision through
``_Walk``; they differ only in how they wait for I/O.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings

from accounts.killswitch import stopped_providers
from limbs.formats import OutputInvalid, main_confidence, validate_outputs
from limbs.providers.base import ProviderResult
from limbs.providers.errors import ProviderError
from limbs.providers.procedural import ProceduralProvider
from limbs.router import Attempt, Guard, RouteError, check_for
from limbs.spec import GenRequest

log = logging.getLogger(__name__)

EventKind = Literal["token", "switched", "done", "attempt"]
Validator = Callable[[str], None]
# The procedural answer: its text, or its text and the outputs it already made.
Fallback = Callable[[], "str | tuple[str, ProviderResult]"]

PROCEDURAL = "procedural"
# Below this a hop could not even finish a TCP handshake and a first read; not worth starting.
MIN_HOP_S = 0.05


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One thing the consumer must act on.

    ``token``: append ``text`` to the answer. ``switched``: the tier named by
    ``provider``/``model`` failed after sending tokens (``reason`` says how); discard
    everything received so far, the answer restarts. ``attempt``: ``attempt`` records
    one tier's outcome, for the Generation. ``done``: the answer is complete; ``text``
    is all of it, ``provider``/``model`` produced it.
    """

    kind: EventKind
    text: str = ""
    provider: str = ""
    model: str = ""
    reason: str = ""
    attempt: Attempt | None = None
    # On ``done`` from a tier that turns text into outputs (``provider_tiers``): those outputs.
    result: ProviderResult | None = None


@dataclass
class Transcript:
    """What a consumer holds after feeding it events: the answer so far, with the
    discard-on-``switched`` rule applied, and every attempt."""

    text: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    switches: int = 0
    done: StreamEvent | None = None

    def feed(self, event: StreamEvent) -> None:
        if event.kind == "token":
            self.text += event.text
        elif event.kind == "switched":
            self.text = ""
            self.switches += 1
        elif event.kind == "attempt" and event.attempt is not None:
            self.attempts.append(event.attempt)
        elif event.kind == "done":
            self.done = event


# --------------------------------------------------------------------------- tiers


class TextTier(Protocol):
    """One remote tier of the walk: it streams the text of an answer."""

    name: str
    default_model: str

    def configured(self) -> bool: ...

    async def aconfigured(self) -> bool: ...

    def stream(self, model: str, prompt: str, timeout: float) -> Iterator[str]: ...

    def astream(self, model: str, prompt: str, timeout: float) -> AsyncIterator[str]: ...


class BelowThresholdError(ValueError):
    """A valid answer whose confidence is below the person's threshold."""


class _ProviderText:
    """A chain provider that streams an action, as a text tier of the walk.

    Its prompt is the action's own (its ``TASK`` asks, the provider's ``stream_text`` sends),
    and ``finish`` turns the whole text into the action's outputs exactly as ``run`` would,
    checked as the router checks them: every output valid, and the main ones at or above
    the person's confidence threshold.
    """

    def __init__(self, provider: Any, limb: str, action: str, request: GenRequest, threshold: float) -> None:
        self.provider = provider
        self.name: str = provider.name
        self.default_model: str = provider.default_model(limb, action) or ""
        self.limb = limb
        self.action = action
        self.request = request
        self.threshold = threshold

    def configured(self) -> bool:
        return bool(self.provider.configured())

    async def aconfigured(self) -> bool:
        # Ollama's answer is a probe of its port: off the event loop.
        return bool(await sync_to_async(self.provider.configured, thread_sensitive=False)())

    def stream(self, model: str, prompt: str, timeout: float) -> Iterator[str]:
        return self.provider.stream_text(self.limb, self.action, self.request, timeout, model or None)  # type: ignore[no-any-return]

    def astream(self, model: str, prompt: str, timeout: float) -> AsyncIterator[str]:
        return self.provider.astream_text(self.limb, self.action, self.request, timeout, model or None)  # type: ignore[no-any-return]

    def finish(self, model: str, text: str) -> ProviderResult:
        """The outputs of ``text``; ``ValueError`` when they are not the asked-for format
        (``BelowThresholdError`` when they are, but score below the threshold)."""
        try:
            result: ProviderResult = self.provider.finish_text(
                self.limb, self.action, self.request, text, model or None
            )
            validate_outputs(result.outputs, check_for(self.limb, self.action))
        except (ProviderError, OutputInvalid) as exc:
            raise ValueError(str(exc)) from exc
        if self.threshold > 0:
            score = main_confidence(result.outputs)
            if score < self.threshold:
                raise BelowThresholdError(
                    f"confidence {score:.2f} is below your threshold {self.threshold:.2f}"
                )
        return result


def provider_tiers(limb: str, action: str, request: GenRequest, threshold: float = 0.0) -> list[TextTier]:
    """The remote providers of the action's chain that stream it, in chain order."""
    from limbs.router import chain_for

    return [
        _ProviderText(provider, limb, action, request, threshold)
        for provider in chain_for(limb, action)
        if _streams(provider, limb, action)
    ]


def streams(limb: str, action: str) -> bool:
    """Whether any remote provider streams this action (the procedural tier answers whole)."""
    from limbs.router import chain_for

    return any(_streams(p, limb, action) for p in chain_for(limb, action))


def _streams(provider: object, limb: str, action: str) -> bool:
    method = getattr(provider, "streams", None)
    return callable(method) and bool(method(limb, action))


# --------------------------------------------------------------------------- the walk


@dataclass
class _Hop:
    tier: TextTier
    model: str
    timeout: float
    guard: Guard | None
    started: float = field(default_factory=time.perf_counter)
    parts: list[str] = field(default_factory=list)

    def ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000


def _guard(provider: str, model: str) -> Guard | None:
    # Guard already survives a failing backend call; this also survives failing to build one.
    try:
        return Guard(provider, model)
    except Exception:
        log.warning("no breaker for %s/%s; trying it unguarded", provider, model, exc_info=True)
        return None


def _reason(exc: BaseException) -> str:
    """The word a ``switched`` event gives: the error kind, or "cut" for a dropped connection."""
    if isinstance(exc, ProviderError):
        # The clients call a body that stops half-way "malformed"; for a stream that
        # already sent tokens, a dropped connection is more usefully told apart.
        if isinstance(exc.__cause__, httpx.RemoteProtocolError | httpx.NetworkError):
            return "cut"
        return exc.kind
    if isinstance(exc, ValueError):
        return "invalid"
    return "error"


class _Walk:
    """Every decision of the chain; the sync and async twins only drive the I/O."""

    def __init__(
        self,
        limb: str,
        action: str,
        *,
        deadline_s: float,
        prefer: str,
        validate: Validator | None,
        stopped: set[str],
        tiers: Sequence[TextTier],
    ) -> None:
        self.limb = limb
        self.action = action
        self.deadline_s = deadline_s
        self.validate = validate
        self.started = time.monotonic()
        self.attempts: list[Attempt] = []
        self.chain = self._ordered(list(tiers), prefer)
        self.stopped = stopped  # providers a staff kill switch stops, as the router skips them

    @staticmethod
    def _ordered(tiers: list[TextTier], prefer: str) -> list[tuple[TextTier, str]]:
        """A preferred "provider[:model]" goes first (with that model); the procedural
        fallback always stays last, so preferring it changes nothing."""
        name, _, model = prefer.partition(":")
        first = [t for t in tiers if t.name == name]
        rest = [t for t in tiers if t.name != name]
        return [(t, model or t.default_model) for t in first] + [(t, t.default_model) for t in rest]

    def _attempt(self, attempt: Attempt) -> StreamEvent:
        self.attempts.append(attempt)
        return StreamEvent(
            "attempt", provider=attempt.provider, model=attempt.model, reason=attempt.outcome, attempt=attempt
        )

    def admit(self, tier: TextTier, model: str, configured: bool) -> _Hop | StreamEvent:
        """A hop to run, or the ``attempt`` event saying why the tier is skipped."""
        if not configured:
            return self._attempt(Attempt(tier.name, model, "skipped", 0.0, "not configured"))
        if tier.name in self.stopped:
            return self._attempt(Attempt(tier.name, model, "skipped", 0.0, "stopped by the studio's staff"))
        remaining = self.deadline_s - (time.monotonic() - self.started)
        timeout = min(remaining - settings.POG_PROCEDURAL_RESERVE_S, settings.POG_HOP_TIMEOUT_S)
        if timeout < MIN_HOP_S:
            return self._attempt(Attempt(tier.name, model, "skipped", 0.0, "no time left in the budget"))
        # Asked last, so a half-open probe lease is only taken when the hop will really run.
        guard = _guard(tier.name, model)
        if guard is not None and not guard.allow():
            return self._attempt(Attempt(tier.name, model, "skipped", 0.0, "breaker open"))
        return _Hop(tier, model, timeout, guard)

    def token(self, hop: _Hop, text: str) -> StreamEvent:
        hop.parts.append(text)
        return StreamEvent("token", text=text, provider=hop.tier.name, model=hop.model)

    def failed(self, hop: _Hop, exc: Exception) -> list[StreamEvent]:
        """The attempt, and a ``switched`` event if the caller already holds tokens of this hop."""
        # Our own count, not ProviderError.bytes_sent_to_client: a token yielded to us was
        # yielded on at once, and a validation failure happens after the client is done.
        sent = len(hop.parts)
        retry_after: float | None = None
        kind: str
        if isinstance(exc, ProviderError):
            kind, retry_after, message = exc.kind, exc.retry_after, exc.message
        elif isinstance(exc, ValueError):
            kind, message = "invalid_payload", str(exc)
        else:
            # A bug in a client, not a provider verdict; still a failure of this hop.
            kind, message = "error", f"{type(exc).__name__}: {exc}"
        outcome = "invalid" if kind == "invalid_payload" else "error"
        # The suffix goes on after the cut, so a long provider message cannot hide it.
        detail = f"{kind}: {message}"[:260] + (f" (after {sent} tokens)" if sent else "")
        if hop.guard is not None:
            hop.guard.record_failure(retry_after=retry_after, kind=kind)
        events = [self._attempt(Attempt(hop.tier.name, hop.model, outcome, hop.ms(), detail))]
        if sent:
            reason = _reason(exc)
            log.info(
                "%s.%s: %s/%s failed after %d tokens (%s); restarting on the next tier",
                self.limb,
                self.action,
                hop.tier.name,
                hop.model,
                sent,
                reason,
            )
            events.append(StreamEvent("switched", provider=hop.tier.name, model=hop.model, reason=reason))
        return events

    def finished(self, hop: _Hop) -> list[StreamEvent]:
        """The upstream stream ended cleanly: ``attempt`` + ``done``; or, when the answer is
        blank or the caller's validator rejects it, the failure events (no ``done``: the
        walk goes on)."""
        text = "".join(hop.parts)
        finish = getattr(hop.tier, "finish", None)
        result: ProviderResult | None = None
        try:
            if not text.strip():
                raise ValueError("the stream carried no text")
            if self.validate is not None:
                self.validate(text)
            if finish is not None:
                result = finish(hop.model, text)
        except BelowThresholdError as exc:
            # The provider did its job; one strict person must not open a breaker for everyone.
            if hop.guard is not None:
                hop.guard.record_success()
            events = [self._attempt(Attempt(hop.tier.name, hop.model, "invalid", hop.ms(), str(exc)[:300]))]
            events.append(StreamEvent("switched", provider=hop.tier.name, model=hop.model, reason="invalid"))
            return events
        except ValueError as exc:
            return self.failed(hop, exc)
        if hop.guard is not None:
            hop.guard.record_success()
        return [
            self._attempt(Attempt(hop.tier.name, hop.model, "ok", hop.ms())),
            StreamEvent("done", text=text, provider=hop.tier.name, model=hop.model, result=result),
        ]

    def fall_back(self, fallback: Fallback) -> Iterator[StreamEvent]:
        """The procedural tier: it runs whatever the budget says, and it must not fail."""
        model = ProceduralProvider().default_model(self.limb, self.action) or ""
        started = time.perf_counter()
        result: ProviderResult | None = None
        try:
            answer = fallback()
            text, result = answer if isinstance(answer, tuple) else (answer, None)
            if not text.strip():
                raise ValueError("the procedural fallback returned no text")
            if self.validate is not None:
                self.validate(text)
        except Exception as exc:
            ms = (time.perf_counter() - started) * 1000
            outcome = "invalid" if isinstance(exc, ValueError) else "error"
            detail = f"{type(exc).__name__}: {exc}"[:300]
            yield self._attempt(Attempt(PROCEDURAL, model, outcome, ms, detail))
            # Nothing of it was sent, so the caller gets an error, never a half answer.
            raise RouteError(f"No tier could stream {self.limb}.{self.action}.", self.attempts) from exc
        ms = (time.perf_counter() - started) * 1000
        # The text exists whole already; a few line-sized tokens keep the client's code path
        # the same as for a remote stream without pretending to stream word by word.
        for piece in text.splitlines(keepends=True):
            yield StreamEvent("token", text=piece, provider=PROCEDURAL, model=model)
        yield self._attempt(Attempt(PROCEDURAL, model, "ok", ms))
        yield StreamEvent("done", text=text, provider=PROCEDURAL, model=model, result=result)


def _is_done(events: Iterable[StreamEvent]) -> bool:
    return any(e.kind == "done" for e in events)


# --------------------------------------------------------------------------- the twins


def route_stream(
    limb: str,
    action: str,
    prompt: str,
    *,
    deadline_s: float,
    prefer: str = "",
    fallback: Fallback,
    validate: Validator | None = None,
    tiers: Sequence[TextTier],
) -> Generator[StreamEvent, None, None]:
    """Stream a text answer through ``tiers`` (in chain order), then ``fallback``.

    Consumer contract:

    * append each ``token`` event's ``text`` to the answer being shown;
    * on ``switched``, DISCARD everything appended so far: the tier that sent it failed
      mid-answer (``reason``: "cut", "malformed", "timeout", "invalid", ...) and the answer
      restarts from its first token on the next tier. There is no silent truncated success:
      a stream either fails over this way or ends in ``done``;
    * store every ``attempt`` event's ``attempt`` on the Generation (skipped tiers too);
    * ``done`` comes exactly once, last; its ``text`` is the whole final answer (equal to the
      tokens since the last ``switched``) and ``provider``/``model`` say who produced it.

    ``prefer`` is "provider" or "provider:model" and puts that tier first. ``validate``
    runs on each complete answer; a ``ValueError`` makes it a failure (announced with
    ``switched``, since its tokens were sent). ``fallback`` returns the procedural answer;
    if even that fails, ``RouteError`` (with every attempt) is raised.

    Closing the iterator early closes the upstream connection and records nothing on
    the breaker: an abandoned stream says nothing about the provider.
    """
    walk = _Walk(
        limb,
        action,
        deadline_s=deadline_s,
        prefer=prefer,
        validate=validate,
        stopped=stopped_providers(),
        tiers=tiers,
    )
    for tier, model in walk.chain:
        admitted = walk.admit(tier, model, tier.configured())
        if isinstance(admitted, StreamEvent):
            yield admitted
            continue
        hop = admitted
        tokens: Iterator[str] | None = None
        try:
            tokens = tier.stream(hop.model, prompt, hop.timeout)
            for token in tokens:
                yield walk.token(hop, token)
        except Exception as exc:
            yield from walk.failed(hop, exc)
            continue
        finally:
            close = getattr(tokens, "close", None)
            if close is not None:
                close()
        events = walk.finished(hop)
        yield from events
        if _is_done(events):
            return
    yield from walk.fall_back(fallback)


async def aroute_stream(
    limb: str,
    action: str,
    prompt: str,
    *,
    deadline_s: float,
    prefer: str = "",
    fallback: Fallback,
    validate: Validator | None = None,
    tiers: Sequence[TextTier],
) -> AsyncGenerator[StreamEvent, None]:
    """The async twin of ``route_stream``: the same events in the same order.

    Breaker calls stay synchronous: in memory they are a lock and a dict, in Redis one
    script round-trip bounded by the client's 2 s timeout, cheaper than a thread hop.
    ``fallback`` runs on the loop too; procedural generators are quick and CPU-bound.
    """
    stopped = await sync_to_async(stopped_providers)()
    walk = _Walk(
        limb, action, deadline_s=deadline_s, prefer=prefer, validate=validate, stopped=stopped, tiers=tiers
    )
    for tier, model in walk.chain:
        admitted = walk.admit(tier, model, await tier.aconfigured())
        if isinstance(admitted, StreamEvent):
            yield admitted
            continue
        hop = admitted
        tokens: AsyncIterator[str] | None = None
        try:
            tokens = tier.astream(hop.model, prompt, hop.timeout)
            async for token in tokens:
                yield walk.token(hop, token)
        except Exception as exc:
            for event in walk.failed(hop, exc):
                yield event
            continue
        finally:
            aclose = getattr(tokens, "aclose", None)
            if aclose is not None:
                await aclose()
        events = walk.finished(hop)
        for event in events:
            yield event
        if _is_done(events):
            return
    for event in walk.fall_back(fallback):
        yield event
