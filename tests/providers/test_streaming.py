"""Streaming failover against the fake providers: silent before the first token, announced
with ``switched`` after it, and never a silent truncated success."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from accounts.killswitch import release_switch, set_switch
from limbs import breakers
from limbs.breakers import BreakerPolicy, BreakerState
from limbs.fakes import content
from limbs.fakes.server import FakeProvider
from limbs.router import RouteError
from limbs.streaming import BelowThresholdError, StreamEvent, Transcript, aroute_stream, route_stream
from tests.providers.conftest import STALL_DEADLINE_S
from tests.providers.text_tiers import (
    CLOUDFLARE_TEXT_MODEL,
    GEMINI_TEXT_MODEL,
    OLLAMA_TEXT_MODEL,
    text_tiers,
)

# The chain reads the staff's provider kill switches from the database.
pytestmark = pytest.mark.django_db

PROMPT = "a brave knight meets a sleepy dragon"
ANSWER = content.text(PROMPT)
FALLBACK_TEXT = "The knight and the dragon shared a quiet supper.\nThe end."


@pytest.fixture(autouse=True)
def _only_the_tiers_a_test_sets_up(settings: Any) -> None:
    """No credentials from the environment and no Ollama probe of a real local port.

    Autouse fixtures run before the ones a test asks for, so ``cf_settings`` and
    ``gemini_settings`` still switch their tier on."""
    settings.POG_CLOUDFLARE_ACCOUNT_ID = ""
    settings.POG_CLOUDFLARE_API_TOKEN = ""
    settings.POG_GEMINI_API_KEY = ""
    settings.POG_OLLAMA_URL = ""


@pytest.fixture
def ollama_on(settings: Any, ollama_fake: FakeProvider) -> FakeProvider:
    settings.POG_OLLAMA_URL = ollama_fake.url
    return ollama_fake


def _fallback() -> str:
    return FALLBACK_TEXT


def _stream(**kwargs: Any) -> list[StreamEvent]:
    options: dict[str, Any] = {"deadline_s": 30.0, "fallback": _fallback, "tiers": text_tiers()} | kwargs
    return list(route_stream("text", "story", PROMPT, **options))


def _kinds(events: list[StreamEvent]) -> list[str]:
    """Event kinds with runs of tokens collapsed, so sequences read at a glance."""
    kinds: list[str] = []
    for event in events:
        if not (event.kind == "token" and kinds and kinds[-1] == "token"):
            kinds.append(event.kind)
    return kinds


def _outcomes(events: list[StreamEvent]) -> list[tuple[str, str]]:
    return [(e.attempt.provider, e.attempt.outcome) for e in events if e.attempt is not None]


def _details(events: list[StreamEvent]) -> list[str]:
    return [e.attempt.detail for e in events if e.attempt is not None]


def _done(events: list[StreamEvent]) -> StreamEvent:
    done = [e for e in events if e.kind == "done"]
    assert len(done) == 1
    assert events[-1] is done[0]
    return done[0]


def _after_last_switch(events: list[StreamEvent]) -> str:
    switches = [i for i, e in enumerate(events) if e.kind == "switched"]
    start = switches[-1] + 1 if switches else 0
    return "".join(e.text for e in events[start:] if e.kind == "token")


def _tokens_before_switch(events: list[StreamEvent]) -> list[str]:
    first_switch = next(i for i, e in enumerate(events) if e.kind == "switched")
    return [e.text for e in events[:first_switch] if e.kind == "token"]


# --------------------------------------------------------------------------- healthy


def test_a_healthy_cloudflare_streams_its_tokens_then_says_done_from_cloudflare(
    cf_settings: FakeProvider,
) -> None:
    events = _stream()
    assert [e.text for e in events if e.kind == "token"] == content.tokens(PROMPT)
    assert _kinds(events) == ["token", "attempt", "done"]
    done = _done(events)
    assert (done.provider, done.model, done.text) == ("cloudflare", CLOUDFLARE_TEXT_MODEL, ANSWER)
    assert _outcomes(events) == [("cloudflare", "ok")]
    sent = cf_settings.requests[0]
    assert sent.path.endswith(f"/ai/run/{CLOUDFLARE_TEXT_MODEL}")
    assert sent.json() == {"messages": [{"role": "user", "content": PROMPT}], "stream": True}


def test_gemini_and_ollama_stream_the_same_way_when_they_are_first_in_line(
    gemini_settings: FakeProvider, ollama_on: FakeProvider
) -> None:
    assert _done(_stream()).provider == "gemini"
    assert GEMINI_TEXT_MODEL in gemini_settings.requests[0].path
    gemini_settings.set_fault("500")
    events = _stream()
    done = _done(events)
    assert (done.provider, done.model, done.text) == ("ollama", OLLAMA_TEXT_MODEL, ANSWER)
    assert ollama_on.requests[-1].path == "/api/chat"


# --------------------------------------------------------------------------- before the first token


@pytest.mark.parametrize(
    ("fault", "kind"),
    [("500", "http_5xx"), ("refused", "refused"), ("stall", "stalled"), ("429", "rate_limited")],
)
def test_a_cloudflare_failing_before_its_first_token_hands_over_to_gemini_silently(
    cf_settings: FakeProvider, gemini_settings: FakeProvider, settings: Any, fault: str, kind: str
) -> None:
    if fault == "stall":
        # Only a stall needs a short hop timeout. Every hop gets it, so Gemini must answer
        # within it too; the other faults leave the default, so a busy machine (the whole
        # suite) cannot turn Gemini's answer into a stall of its own.
        settings.POG_HOP_TIMEOUT_S = STALL_DEADLINE_S
    cf_settings.set_fault(fault)
    events = _stream()
    assert "switched" not in _kinds(events)
    assert _kinds(events) == ["attempt", "token", "attempt", "done"]
    assert _outcomes(events) == [("cloudflare", "error"), ("gemini", "ok")]
    assert _details(events)[0].startswith(kind)
    done = _done(events)
    assert (done.provider, done.text) == ("gemini", ANSWER)


def test_an_empty_stream_is_invalid_and_the_chain_moves_on_silently(
    cf_settings: FakeProvider, gemini_settings: FakeProvider
) -> None:
    cf_settings.set_fault("invalid_payload")
    events = _stream()
    assert "switched" not in _kinds(events)
    assert _outcomes(events) == [("cloudflare", "invalid"), ("gemini", "ok")]
    assert _done(events).provider == "gemini"


# --------------------------------------------------------------------------- after the first token


@pytest.mark.parametrize(
    ("fault", "opts", "reason"),
    [
        ("cut", {"tokens": 3}, "cut"),
        # The body ends properly but the [DONE] terminator never comes.
        ("cut", {"tokens": 3, "clean": True}, "malformed"),
        ("malformed", {"tokens": 3}, "malformed"),
    ],
    ids=["cut", "cut-clean", "malformed"],
)
def test_a_cloudflare_failing_mid_stream_is_announced_once_and_gemini_restarts_the_answer(
    cf_settings: FakeProvider, gemini_settings: FakeProvider, fault: str, opts: dict[str, Any], reason: str
) -> None:
    cf_settings.set_fault(fault, **opts)
    events = _stream()
    assert _kinds(events) == ["token", "attempt", "switched", "token", "attempt", "done"]
    assert _tokens_before_switch(events) == content.tokens(PROMPT)[:3]
    [switched] = [e for e in events if e.kind == "switched"]
    assert (switched.provider, switched.model, switched.reason) == (
        "cloudflare",
        CLOUDFLARE_TEXT_MODEL,
        reason,
    )
    assert _outcomes(events) == [("cloudflare", "error"), ("gemini", "ok")]
    assert _details(events)[0].endswith("(after 3 tokens)")
    done = _done(events)
    assert (done.provider, done.model) == ("gemini", GEMINI_TEXT_MODEL)
    # Gemini's whole answer from its first token: a restart, not a continuation.
    assert _after_last_switch(events) == done.text == ANSWER


def test_the_tokens_after_the_last_switch_are_exactly_the_final_answer(
    cf_settings: FakeProvider, gemini_settings: FakeProvider, ollama_on: FakeProvider
) -> None:
    cf_settings.set_fault("cut", tokens=2)
    gemini_settings.set_fault("malformed", tokens=4)
    events = _stream()
    assert [e.reason for e in events if e.kind == "switched"] == ["cut", "malformed"]
    done = _done(events)
    assert done.provider == "ollama"
    assert _after_last_switch(events) == done.text == ANSWER
    transcript = Transcript()
    for event in events:
        transcript.feed(event)
    assert (transcript.text, transcript.switches, transcript.done) == (ANSWER, 2, done)
    assert [a.provider for a in transcript.attempts] == ["cloudflare", "gemini", "ollama"]


def test_an_answer_the_validator_rejects_after_streaming_is_switched_away_from(
    cf_settings: FakeProvider, gemini_settings: FakeProvider
) -> None:
    seen: list[str] = []

    def reject_the_first(text: str) -> None:
        seen.append(text)
        if len(seen) == 1:
            raise ValueError("not in the house style")

    events = _stream(validate=reject_the_first)
    assert seen == [ANSWER, ANSWER]
    [switched] = [e for e in events if e.kind == "switched"]
    assert (switched.provider, switched.reason) == ("cloudflare", "invalid")
    assert _outcomes(events) == [("cloudflare", "invalid"), ("gemini", "ok")]
    assert _done(events).provider == "gemini"


# --------------------------------------------------------------------------- the procedural end


def test_with_every_remote_tier_failing_the_procedural_fallback_answers(
    cf_settings: FakeProvider, gemini_settings: FakeProvider, ollama_on: FakeProvider
) -> None:
    cf_settings.set_fault("500")
    gemini_settings.set_fault("refused")
    ollama_on.set_fault("cut", tokens=2)
    events = _stream()
    assert _outcomes(events) == [
        ("cloudflare", "error"),
        ("gemini", "error"),
        ("ollama", "error"),
        ("procedural", "ok"),
    ]
    # Only Ollama had sent tokens, so only it is announced.
    assert [(e.provider, e.reason) for e in events if e.kind == "switched"] == [("ollama", "cut")]
    done = _done(events)
    assert (done.provider, done.model) == ("procedural", "pog-procedural/text.story@1")
    assert _after_last_switch(events) == done.text == FALLBACK_TEXT


def test_a_failing_fallback_raises_rather_than_ending_without_an_answer() -> None:
    def broken() -> str:
        raise RuntimeError("generator bug")

    events: list[StreamEvent] = []
    with pytest.raises(RouteError) as caught:
        events.extend(
            route_stream("text", "story", PROMPT, deadline_s=30.0, fallback=broken, tiers=text_tiers())
        )
    assert "done" not in _kinds(events)
    assert [(a.provider, a.outcome) for a in caught.value.attempts][-1] == ("procedural", "error")


def test_the_procedural_reserve_keeps_remote_hops_out_of_a_short_budget(
    cf_settings: FakeProvider, settings: Any
) -> None:
    settings.POG_PROCEDURAL_RESERVE_S = 5.0
    events = _stream(deadline_s=5.0)
    assert _outcomes(events)[0] == ("cloudflare", "skipped")
    assert _details(events)[0] == "no time left in the budget"
    assert _done(events).provider == "procedural"
    assert cf_settings.request_count == 0


# --------------------------------------------------------------------------- configuration and breakers


def test_an_unconfigured_tier_is_never_called(
    cf_settings: FakeProvider, gemini_fake: FakeProvider, settings: Any, free_port: int
) -> None:
    settings.POG_OLLAMA_URL = f"http://127.0.0.1:{free_port}"
    cf_settings.set_fault("500")
    events = _stream()
    assert _outcomes(events) == [
        ("cloudflare", "error"),
        ("gemini", "skipped"),
        ("ollama", "skipped"),
        ("procedural", "ok"),
    ]
    assert _details(events)[1:3] == ["not configured", "not configured"]
    assert gemini_fake.request_count == 0


def test_a_provider_the_staff_stopped_is_skipped_without_a_request(
    cf_settings: FakeProvider, gemini_settings: FakeProvider
) -> None:
    switch = set_switch("provider", "cloudflare", "bad answers today", None)
    events = _stream()
    assert _outcomes(events)[0] == ("cloudflare", "skipped")
    assert _details(events)[0] == "stopped by the studio's staff"
    assert _done(events).provider == "gemini"
    assert cf_settings.request_count == 0
    release_switch(switch, None)
    assert _done(_stream()).provider == "cloudflare"


def test_repeated_failures_open_the_breaker_and_then_the_tier_costs_no_request(
    cf_settings: FakeProvider, settings: Any
) -> None:
    cf_settings.set_fault("500")
    for _ in range(settings.POG_BREAKER_MIN_REQUESTS):
        _stream()
    assert cf_settings.request_count == settings.POG_BREAKER_MIN_REQUESTS
    assert breakers.breaker("cloudflare", CLOUDFLARE_TEXT_MODEL).state().state == "open"
    for _ in range(3):
        events = _stream()
        assert _outcomes(events)[0] == ("cloudflare", "skipped")
        assert _details(events)[0] == "breaker open"
        assert _done(events).provider == "procedural"
    assert cf_settings.request_count == settings.POG_BREAKER_MIN_REQUESTS


def test_a_stream_cut_mid_answer_counts_as_a_failure_on_the_breaker(cf_settings: FakeProvider) -> None:
    cf_settings.set_fault("cut", tokens=3)
    _stream()
    state = breakers.breaker("cloudflare", CLOUDFLARE_TEXT_MODEL).state()
    assert (state.failures, state.requests) == (1, 1)


def test_a_stream_the_consumer_abandons_records_nothing_on_the_breaker(cf_settings: FakeProvider) -> None:
    stream = route_stream("text", "story", PROMPT, deadline_s=30.0, fallback=_fallback, tiers=text_tiers())
    assert next(stream).kind == "token"
    stream.close()
    assert breakers.breaker("cloudflare", CLOUDFLARE_TEXT_MODEL).state().requests == 0


class _BrokenBackend:
    """A breaker store that is down (Redis unreachable): every call raises."""

    policy = BreakerPolicy()

    def allow(self, provider: str, model: str) -> bool:
        raise ConnectionError("breaker store down")

    def record(
        self, provider: str, model: str, ok: bool, retry_after: float | None, kind: str | None
    ) -> None:
        raise ConnectionError("breaker store down")

    def admit(self, provider: str, model: str) -> int:
        raise ConnectionError("breaker store down")

    def force(self, provider: str, model: str, forced: Any) -> None:
        raise ConnectionError("breaker store down")

    def state(self, provider: str, model: str) -> BreakerState:
        raise ConnectionError("breaker store down")

    def all_states(self) -> list[BreakerState]:
        return []

    def reset_all(self) -> None:
        return None


@pytest.fixture
def broken_breakers() -> Iterator[None]:
    breakers.use_backend(_BrokenBackend())
    yield
    breakers.use_backend(None)


def test_a_broken_breaker_store_never_fails_the_stream(
    cf_settings: FakeProvider, gemini_settings: FakeProvider, broken_breakers: None
) -> None:
    cf_settings.set_fault("cut", tokens=3)
    events = _stream()
    assert _done(events).provider == "gemini"
    assert _after_last_switch(events) == ANSWER


def test_the_preferred_tier_goes_first_with_the_preferred_model(
    cf_settings: FakeProvider, gemini_settings: FakeProvider
) -> None:
    events = _stream(prefer="gemini:gemini-2.5-pro")
    done = _done(events)
    assert (done.provider, done.model) == ("gemini", "gemini-2.5-pro")
    assert "/models/gemini-2.5-pro:streamGenerateContent" in gemini_settings.requests[0].path
    assert cf_settings.request_count == 0


# --------------------------------------------------------------------------- the async twin


async def _astream(**kwargs: Any) -> list[StreamEvent]:
    options: dict[str, Any] = {"deadline_s": 30.0, "fallback": _fallback, "tiers": text_tiers()} | kwargs
    return [event async for event in aroute_stream("text", "story", PROMPT, **options)]


async def test_the_async_twin_streams_a_healthy_answer(cf_settings: FakeProvider, apool: None) -> None:
    events = await _astream()
    assert _kinds(events) == ["token", "attempt", "done"]
    assert _done(events).provider == "cloudflare"
    assert _after_last_switch(events) == ANSWER


async def test_the_async_twin_fails_over_silently_before_and_announced_after_the_first_token(
    cf_settings: FakeProvider, gemini_settings: FakeProvider, ollama_on: FakeProvider, apool: None
) -> None:
    cf_settings.set_fault("500")
    gemini_settings.set_fault("cut", tokens=3)
    events = await _astream()
    assert _kinds(events) == ["attempt", "token", "attempt", "switched", "token", "attempt", "done"]
    assert [(e.provider, e.reason) for e in events if e.kind == "switched"] == [("gemini", "cut")]
    done = _done(events)
    assert done.provider == "ollama"
    assert _after_last_switch(events) == done.text == ANSWER


@pytest.mark.django_db(transaction=True)
async def test_the_async_twin_skips_a_provider_the_staff_stopped(
    cf_settings: FakeProvider, gemini_settings: FakeProvider, apool: None
) -> None:
    await sync_to_async(set_switch)("provider", "cloudflare", "bad answers today", None)
    events = await _astream()
    assert _details(events)[0] == "stopped by the studio's staff"
    assert _done(events).provider == "gemini"
    assert cf_settings.request_count == 0


async def test_the_async_twin_ends_on_the_procedural_fallback(cf_settings: FakeProvider, apool: None) -> None:
    cf_settings.set_fault("malformed", tokens=2)
    events = await _astream()
    assert [e.reason for e in events if e.kind == "switched"] == ["malformed"]
    assert _done(events).provider == "procedural"
    assert _after_last_switch(events) == FALLBACK_TEXT


class _ScoredTier:
    """A tier whose whole answers always score below the person's threshold."""

    name = "cloudflare"
    default_model = CLOUDFLARE_TEXT_MODEL

    def configured(self) -> bool:
        return True

    async def aconfigured(self) -> bool:
        return True

    def stream(self, model: str, prompt: str, timeout: float) -> Iterator[str]:
        yield from ("a ", "dull ", "answer")

    def astream(self, model: str, prompt: str, timeout: float) -> Any:
        raise NotImplementedError

    def finish(self, model: str, text: str) -> Any:
        raise BelowThresholdError("confidence 0.10 is below your threshold 0.90")


def test_an_answer_below_the_threshold_is_switched_away_from_without_blaming_the_provider() -> None:
    events = _stream(tiers=[_ScoredTier()])
    assert [(e.provider, e.reason) for e in events if e.kind == "switched"] == [("cloudflare", "invalid")]
    assert "below your threshold" in _details(events)[0]
    assert _done(events).provider == "procedural"
    # The provider answered; one strict person's threshold must not open its breaker.
    state = breakers.breaker("cloudflare", CLOUDFLARE_TEXT_MODEL).state()
    assert (state.failures, state.requests, state.state) == (0, 1, "closed")
