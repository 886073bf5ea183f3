"""What the remote tiers share: their settings, pooled HTTP connections, and reading vectors.

Settings are read on every call (``getattr`` with the documented defaults), so a test's
``settings`` override or a changed environment takes effect at once and nothing is cached
at import time. Connections are pooled per process (sync) and per event loop (async):
keep-alive is what keeps a routed call within a couple of milliseconds of a direct one.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from django.conf import settings

from limbs.providers.errors import ProviderError, deadline_passed, from_httpx, kind_for_status
from limbs.providers.tasks import Vectors

DEFAULT_CLOUDFLARE_BASE_URL = "https://api.cloudflare.com"
DEFAULT_GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"

# Far above any real answer (a 1024x1024 PNG in base64 is a few MB); stops a runaway body.
MAX_BODY_BYTES = 64 * 1024 * 1024


# --- settings ---------------------------------------------------------------


def _setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, default)
    return str(value).strip() if value else default


@dataclass(frozen=True)
class CloudflareSettings:
    account_id: str
    api_token: str
    base_url: str

    @property
    def configured(self) -> bool:
        return bool(self.account_id and self.api_token)


@dataclass(frozen=True)
class GeminiSettings:
    api_key: str
    base_url: str

    @property
    def configured(self) -> bool:
        return bool(self.api_key)


def cloudflare_settings() -> CloudflareSettings:
    return CloudflareSettings(
        account_id=_setting("POG_CLOUDFLARE_ACCOUNT_ID"),
        api_token=_setting("POG_CLOUDFLARE_API_TOKEN"),
        base_url=_setting("POG_CLOUDFLARE_BASE_URL", DEFAULT_CLOUDFLARE_BASE_URL).rstrip("/"),
    )


def gemini_settings() -> GeminiSettings:
    return GeminiSettings(
        api_key=_setting("POG_GEMINI_API_KEY"),
        base_url=_setting("POG_GEMINI_BASE_URL", DEFAULT_GEMINI_BASE_URL).rstrip("/"),
    )


def ollama_url() -> str:
    """The Ollama base URL; set to an empty string, it switches the tier off."""
    value = getattr(settings, "POG_OLLAMA_URL", DEFAULT_OLLAMA_URL)
    return str(value or "").strip().rstrip("/")


# --- pooled connections ---------------------------------------------------------

_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=64, keepalive_expiry=30.0)
_sync_lock = threading.Lock()
_sync_client: httpx.Client | None = None
_sync_pid = 0
# An AsyncClient's connections belong to the loop that opened them, so one pool per loop.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def http_timeout(deadline_s: float) -> httpx.Timeout:
    """The hop's deadline for every phase, but never more than a second to connect."""
    deadline_s = max(0.001, deadline_s)
    return httpx.Timeout(deadline_s, connect=min(deadline_s, 1.0))


def sync_client() -> httpx.Client:
    global _sync_client, _sync_pid
    # A pool inherited across fork (Celery prefork) would share sockets with the parent.
    if _sync_client is None or _sync_pid != os.getpid():
        with _sync_lock:
            if _sync_client is None or _sync_pid != os.getpid():
                _sync_client = httpx.Client(limits=_LIMITS, follow_redirects=False)
                _sync_pid = os.getpid()
    return _sync_client


def async_client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(limits=_LIMITS, follow_redirects=False)
        _async_clients[loop] = client
    return client


async def aclose_async_client() -> None:
    """Close the running loop's pool (call before the loop ends, e.g. in test teardown)."""
    client = _async_clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


# --- requests and streams -------------------------------------------------------

# Builds the provider-shaped error for a non-2xx answer from (status, headers, body).
ErrorFactory = Callable[[int, httpx.Headers, bytes], ProviderError]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes


def status_error(provider: str, model: str, status: int, message: str, **extra: Any) -> ProviderError:
    return ProviderError(provider, model, kind_for_status(status), message, status=status, **extra)


def parse_json(provider: str, model: str, body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProviderError(provider, model, "malformed", f"the answer is not JSON: {exc}") from exc


class _BodyRead:
    """What ``request`` and ``arequest`` decide, whatever drives the I/O: collect the body
    within the deadline and size limit, turn it into an answer, and tell which error a
    failure becomes (or that a stale kept-alive connection is worth one fresh try)."""

    def __init__(self, provider: str, model: str, timeout: float) -> None:
        self.provider = provider
        self.model = model
        self.timeout = timeout
        self.end = time.monotonic() + timeout
        self.chunks: list[bytes] = []
        self.size = 0

    def left(self) -> float:
        return max(0.001, self.end - time.monotonic())

    def start(self) -> None:
        """A new try: nothing read yet."""
        self.chunks, self.size = [], 0

    def add(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self.size += len(chunk)
        if self.size > MAX_BODY_BYTES:
            raise ProviderError(self.provider, self.model, "invalid_payload", "the answer is too large")
        # httpx times each read; this bounds a server that drips bytes forever.
        if time.monotonic() > self.end:
            raise deadline_passed(self.provider, self.model, self.timeout)

    def answer(self, resp: httpx.Response, on_error: ErrorFactory) -> Answer:
        body = b"".join(self.chunks)
        if not 200 <= resp.status_code < 300:
            raise on_error(resp.status_code, resp.headers, body)
        return Answer(resp.status_code, resp.headers, body)

    def failure(self, exc: httpx.HTTPError, opened: bool, may_retry: bool) -> ProviderError | None:
        """The error to raise, or None to try once more: a kept-alive connection the server
        had already closed sent nothing back, so one fresh try is safe and not its fault."""
        stale = isinstance(exc, httpx.RemoteProtocolError) and not opened
        if stale and may_retry and time.monotonic() < self.end:
            return None
        return from_httpx(self.provider, self.model, exc, got_bytes=bool(self.chunks))


def request(
    provider: str,
    model: str,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    on_error: ErrorFactory,
    json_body: Any = None,
) -> Answer:
    """One call, body read in full within ``timeout`` seconds overall."""
    read = _BodyRead(provider, model, timeout)
    for may_retry in (True, False):
        read.start()
        opened = False
        try:
            with sync_client().stream(
                method, url, headers=headers, json=json_body, timeout=http_timeout(read.left())
            ) as resp:
                opened = True
                for chunk in resp.iter_bytes():
                    read.add(chunk)
            return read.answer(resp, on_error)
        except httpx.HTTPError as exc:
            error = read.failure(exc, opened, may_retry)
            if error is not None:
                raise error from exc
    raise AssertionError("unreachable")


async def arequest(
    provider: str,
    model: str,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    on_error: ErrorFactory,
    json_body: Any = None,
) -> Answer:
    """The async twin of ``request``: the same decisions (``_BodyRead``)."""
    read = _BodyRead(provider, model, timeout)
    for may_retry in (True, False):
        read.start()
        opened = False
        try:
            async with async_client().stream(
                method, url, headers=headers, json=json_body, timeout=http_timeout(read.left())
            ) as resp:
                opened = True
                async for chunk in resp.aiter_bytes():
                    read.add(chunk)
            return read.answer(resp, on_error)
        except httpx.HTTPError as exc:
            error = read.failure(exc, opened, may_retry)
            if error is not None:
                raise error from exc
    raise AssertionError("unreachable")


class LineParser(Protocol):
    """Turns a streamed answer's lines into tokens; one instance per stream."""

    @property
    def done(self) -> bool:
        """True once the provider's terminator arrived."""
        ...

    def feed(self, line: str) -> list[str]:
        """Tokens carried by one line; raises ``ProviderError`` for a broken line."""
        ...

    def finish(self) -> None:
        """Called at the end of the body; raises when the terminator never came."""
        ...


class _TokenStream:
    """What ``stream_tokens`` and ``astream_tokens`` decide, whatever drives the I/O: the
    tokens of each line, when to stop, how the body must end, and which error a failure
    becomes (or that a stale kept-alive connection is worth one fresh try)."""

    def __init__(self, provider: str, model: str, timeout: float, parser: LineParser) -> None:
        self.provider = provider
        self.model = model
        self.timeout = timeout
        self.end = time.monotonic() + timeout
        self.parser = parser
        self.got = False  # a line arrived
        self.sent = False  # a token went to the caller

    def tokens(self, line: str) -> list[str]:
        self.got = True
        tokens = self.parser.feed(line)
        if tokens:
            self.sent = True
        return tokens

    def stop(self) -> bool:
        """After a line: True once the terminator came; raises when the deadline passed."""
        if self.parser.done:
            return True
        if time.monotonic() > self.end:
            raise deadline_passed(self.provider, self.model, self.timeout)
        return False

    def finish(self) -> None:
        self.parser.finish()
        if not self.sent:
            raise ProviderError(self.provider, self.model, "invalid_payload", "the stream carried no text")

    def failure(self, exc: Exception, opened: bool, may_retry: bool) -> ProviderError | None:
        """The error to raise for ``exc``, or None to try once more: a kept-alive connection
        the server had already closed, before any answer, is safe to retry and not the
        provider's fault."""
        stale = isinstance(exc, httpx.RemoteProtocolError) and not opened
        if stale and may_retry and time.monotonic() < self.end:
            return None
        if isinstance(exc, ProviderError):
            error = exc
        else:
            assert isinstance(exc, httpx.HTTPError)
            error = from_httpx(self.provider, self.model, exc, got_bytes=self.got)
        error.bytes_sent_to_client = self.sent
        return error


def stream_tokens(
    provider: str,
    model: str,
    url: str,
    *,
    headers: Mapping[str, str],
    json_body: Any,
    timeout: float,
    on_error: ErrorFactory,
    parser: LineParser,
) -> Iterator[str]:
    """POST and yield tokens as they arrive; every failure is a ``ProviderError``.

    ``bytes_sent_to_client`` on the error says whether a token was already yielded, which
    is what decides between a silent failover and an announced one.
    """
    state = _TokenStream(provider, model, timeout, parser)
    for may_retry in (True, False):
        opened = False
        try:
            with sync_client().stream(
                "POST", url, headers=headers, json=json_body, timeout=http_timeout(timeout)
            ) as resp:
                opened = True
                if not 200 <= resp.status_code < 300:
                    raise on_error(resp.status_code, resp.headers, resp.read())
                for line in resp.iter_lines():
                    yield from state.tokens(line)
                    if state.stop():
                        break
                state.finish()
                return
        except (httpx.HTTPError, ProviderError) as exc:
            error = state.failure(exc, opened, may_retry)
            if error is None:
                continue
            if error is exc:
                raise
            raise error from exc


async def astream_tokens(
    provider: str,
    model: str,
    url: str,
    *,
    headers: Mapping[str, str],
    json_body: Any,
    timeout: float,
    on_error: ErrorFactory,
    parser: LineParser,
) -> AsyncIterator[str]:
    """The async twin of ``stream_tokens``: the same decisions (``_TokenStream``)."""
    state = _TokenStream(provider, model, timeout, parser)
    for may_retry in (True, False):
        opened = False
        try:
            async with async_client().stream(
                "POST", url, headers=headers, json=json_body, timeout=http_timeout(timeout)
            ) as resp:
                opened = True
                if not 200 <= resp.status_code < 300:
                    raise on_error(resp.status_code, resp.headers, await resp.aread())
                async for line in resp.aiter_lines():
                    for token in state.tokens(line):
                        yield token
                    if state.stop():
                        break
                state.finish()
                return
        except (httpx.HTTPError, ProviderError) as exc:
            error = state.failure(exc, opened, may_retry)
            if error is None:
                continue
            if error is exc:
                raise
            raise error from exc


class SSEData:
    """The ``data:`` payloads of a server-sent event stream, one per line (both providers
    send single-line events). Other SSE fields and comments are skipped; anything else is
    a broken stream."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model

    def data(self, line: str) -> str | None:
        if not line or line.startswith(":"):
            return None
        field, sep, value = line.partition(":")
        if not sep:
            raise ProviderError(self.provider, self.model, "malformed", f"bad SSE line: {line[:80]!r}")
        if field == "data":
            return value[1:] if value.startswith(" ") else value
        if field in ("event", "id", "retry"):
            return None
        raise ProviderError(self.provider, self.model, "malformed", f"bad SSE line: {line[:80]!r}")

    def json(self, payload: str) -> Any:
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise ProviderError(
                self.provider, self.model, "malformed", f"bad SSE data: {payload[:80]!r}"
            ) from exc


# --- answers every provider reads the same way ------------------------------------


def vectors(provider: str, model: str, raw: Any, count: int) -> Vectors:
    """An embedding answer's vectors: ``count`` of them, one per text asked about, all of
    one length, every number finite; ``invalid_payload`` for anything else."""
    if not isinstance(raw, list) or len(raw) != count:
        got = len(raw) if isinstance(raw, list) else "no list"
        raise ProviderError(provider, model, "invalid_payload", f"{count} vectors were asked for, got {got}")
    out: Vectors = []
    for vector in raw:
        # bool is an int to Python, but `true` is not a coordinate.
        if (
            not isinstance(vector, list)
            or not vector
            or any(
                isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) for x in vector
            )
        ):
            raise ProviderError(provider, model, "invalid_payload", "a vector is not a list of numbers")
        out.append([float(x) for x in vector])
    if len({len(v) for v in out}) > 1:
        raise ProviderError(provider, model, "invalid_payload", "the vectors differ in length")
    return out
