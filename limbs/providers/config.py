"""What the remote tiers share: their settings, pooled HTTP connections, and the image hand-off.

Settings are read on every call (``getattr`` with the documented defaults), so a test's
``settings`` override or a changed environment takes effect at once and nothing is cached
at import time. Connections are pooled per process (sync) and per event loop (async):
keep-alive is what keeps a routed call within a couple of milliseconds of a direct one.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import threading
import time
import warnings
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from django.conf import settings
from PIL import Image, ImageOps

from limbs.generators._words import slug
from limbs.generators.base import GenRequest, Output
from limbs.providers.base import ProviderResult
from limbs.providers.errors import ProviderError, deadline_passed, from_httpx, kind_for_status

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
    end = time.monotonic() + timeout
    for reuse_retry in (True, False):
        try:
            return _request_once(
                provider, model, method, url, headers=headers, end=end, on_error=on_error, json_body=json_body
            )
        except _StaleConnectionError as stale:
            # A kept-alive connection the server had already closed: nothing was sent
            # back, so one fresh try is safe and is not the provider's fault.
            if not reuse_retry or time.monotonic() >= end:
                raise from_httpx(provider, model, stale.cause, got_bytes=False) from stale.cause
    raise AssertionError("unreachable")


class _StaleConnectionError(Exception):
    def __init__(self, cause: httpx.HTTPError) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _request_once(
    provider: str,
    model: str,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    end: float,
    on_error: ErrorFactory,
    json_body: Any,
) -> Answer:
    timeout = max(0.001, end - time.monotonic())
    got = False
    opened = False
    chunks: list[bytes] = []
    size = 0
    try:
        with sync_client().stream(
            method, url, headers=headers, json=json_body, timeout=http_timeout(timeout)
        ) as resp:
            opened = True
            for chunk in resp.iter_bytes():
                got = True
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise ProviderError(provider, model, "invalid_payload", "the answer is too large")
                # httpx times each read; this bounds a server that drips bytes forever.
                if time.monotonic() > end:
                    raise deadline_passed(provider, model, timeout)
    except httpx.RemoteProtocolError as exc:
        if not opened:
            raise _StaleConnectionError(exc) from exc
        raise from_httpx(provider, model, exc, got_bytes=got) from exc
    except httpx.HTTPError as exc:
        raise from_httpx(provider, model, exc, got_bytes=got) from exc
    body = b"".join(chunks)
    if not 200 <= resp.status_code < 300:
        raise on_error(resp.status_code, resp.headers, body)
    return Answer(resp.status_code, resp.headers, body)


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
    """The async twin of ``request``, with the same one retry on a stale kept-alive connection."""
    end = time.monotonic() + timeout
    for reuse_retry in (True, False):
        try:
            return await _arequest_once(
                provider, model, method, url, headers=headers, end=end, on_error=on_error, json_body=json_body
            )
        except _StaleConnectionError as stale:
            if not reuse_retry or time.monotonic() >= end:
                raise from_httpx(provider, model, stale.cause, got_bytes=False) from stale.cause
    raise AssertionError("unreachable")


async def _arequest_once(
    provider: str,
    model: str,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    end: float,
    on_error: ErrorFactory,
    json_body: Any,
) -> Answer:
    timeout = max(0.001, end - time.monotonic())
    got = False
    opened = False
    chunks: list[bytes] = []
    size = 0
    try:
        async with async_client().stream(
            method, url, headers=headers, json=json_body, timeout=http_timeout(timeout)
        ) as resp:
            opened = True
            async for chunk in resp.aiter_bytes():
                got = True
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise ProviderError(provider, model, "invalid_payload", "the answer is too large")
                if time.monotonic() > end:
                    raise deadline_passed(provider, model, timeout)
    except httpx.RemoteProtocolError as exc:
        if not opened:
            raise _StaleConnectionError(exc) from exc
        raise from_httpx(provider, model, exc, got_bytes=got) from exc
    except httpx.HTTPError as exc:
        raise from_httpx(provider, model, exc, got_bytes=got) from exc
    body = b"".join(chunks)
    if not 200 <= resp.status_code < 300:
        raise on_error(resp.status_code, resp.headers, body)
    return Answer(resp.status_code, resp.headers, body)


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
    end = time.monotonic() + timeout
    got = False
    sent = False
    for reuse_retry in (True, False):
        opened = False
        try:
            with sync_client().stream(
                "POST", url, headers=headers, json=json_body, timeout=http_timeout(timeout)
            ) as resp:
                opened = True
                if not 200 <= resp.status_code < 300:
                    raise on_error(resp.status_code, resp.headers, resp.read())
                for line in resp.iter_lines():
                    got = True
                    for token in parser.feed(line):
                        sent = True
                        yield token
                    if parser.done:
                        break
                    if time.monotonic() > end:
                        raise deadline_passed(provider, model, timeout)
                parser.finish()
                if not sent:
                    raise ProviderError(provider, model, "invalid_payload", "the stream carried no text")
                return
        except httpx.RemoteProtocolError as exc:
            # As in request(): a kept-alive connection the server had already closed, before
            # any answer: one fresh try is safe and is not the provider's fault.
            if not opened and reuse_retry and time.monotonic() < end:
                continue
            error = from_httpx(provider, model, exc, got_bytes=got)
            error.bytes_sent_to_client = sent
            raise error from exc
        except httpx.HTTPError as exc:
            error = from_httpx(provider, model, exc, got_bytes=got)
            error.bytes_sent_to_client = sent
            raise error from exc
        except ProviderError as error:
            error.bytes_sent_to_client = sent
            raise


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
    """The async twin of ``stream_tokens``, with the same one retry on a stale connection."""
    end = time.monotonic() + timeout
    got = False
    sent = False
    for reuse_retry in (True, False):
        opened = False
        try:
            async with async_client().stream(
                "POST", url, headers=headers, json=json_body, timeout=http_timeout(timeout)
            ) as resp:
                opened = True
                if not 200 <= resp.status_code < 300:
                    raise on_error(resp.status_code, resp.headers, await resp.aread())
                async for line in resp.aiter_lines():
                    got = True
                    for token in parser.feed(line):
                        sent = True
                        yield token
                    if parser.done:
                        break
                    if time.monotonic() > end:
                        raise deadline_passed(provider, model, timeout)
                parser.finish()
                if not sent:
                    raise ProviderError(provider, model, "invalid_payload", "the stream carried no text")
                return
        except httpx.RemoteProtocolError as exc:
            if not opened and reuse_retry and time.monotonic() < end:
                continue
            error = from_httpx(provider, model, exc, got_bytes=got)
            error.bytes_sent_to_client = sent
            raise error from exc
        except httpx.HTTPError as exc:
            error = from_httpx(provider, model, exc, got_bytes=got)
            error.bytes_sent_to_client = sent
            raise error from exc
        except ProviderError as error:
            error.bytes_sent_to_client = sent
            raise


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


# --- the image hand-off shared by the image adapters ----------------------------

STYLE_SUFFIXES = {
    "pixel": "pixel art, 16-bit game sprite style",
    "storybook": "storybook illustration, soft pastel",
    "night": "at night, moonlit",
    "auto": "colourful game concept art",
}
MAX_SOURCE_PIXELS = 40_000_000
_SOURCE_FORMATS = {"PNG", "JPEG", "WEBP"}


def image_prompt(request: GenRequest, limit: int = 2000) -> str:
    style = str(request.params.get("style", "auto"))
    suffix = STYLE_SUFFIXES.get(style, STYLE_SUFFIXES["auto"])
    return f"{request.intent.strip()}, {suffix}"[:limit]


def requested_size(request: GenRequest) -> tuple[int, int]:
    return int(request.params.get("width", 512)), int(request.params.get("height", 512))


def to_png(provider: str, model: str, data: bytes, width: int, height: int) -> bytes:
    """Whatever image the provider sent, as the PNG of exactly the size the action promises."""
    try:
        with warnings.catch_warnings():
            # A provider's answer is untrusted input: refuse decompression bombs outright.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.format not in _SOURCE_FORMATS:
                    raise ValueError(f"unexpected image format {im.format}")
                if im.width * im.height > MAX_SOURCE_PIXELS:
                    raise ValueError(f"image too large ({im.width}x{im.height})")
                im.load()
                has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
                source = im.convert("RGBA" if has_alpha else "RGB")
    except Exception as exc:  # Pillow raises many types for data that is not an image
        raise ProviderError(provider, model, "invalid_payload", f"the image does not decode: {exc}") from exc
    fitted = ImageOps.fit(source, (width, height), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    buf = io.BytesIO()
    fitted.save(buf, format="PNG", compress_level=4)
    return buf.getvalue()


def image_result(provider: str, model: str, request: GenRequest, data: bytes) -> ProviderResult:
    width, height = requested_size(request)
    png = to_png(provider, model, data, width, height)
    output = Output(
        data=png,
        mime="image/png",
        name=slug(request.intent, "picture") + ".png",
        role="main",
        meta={"width": width, "height": height, "source": provider},
    )
    return ProviderResult(outputs=[output], model=model)
