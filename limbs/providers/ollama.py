"""Ollama: the local model tier, used when someone runs it next to the studio.

Wire format: ``GET /api/tags``; ``POST /api/generate`` (``{"model", "prompt"}``) and
``POST /api/chat`` (``{"model", "messages"}``). Streaming is NDJSON, one object per line
(``{"response": ...}`` or ``{"message": {"content": ...}}``), the last with ``"done": true``;
``"stream": false`` answers that last object with the whole text. ``POST /api/embed``
(``{"model", "input": [...]}``) answers ``{"embeddings": [[...], ...]}``, one per input.
Errors are ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from limbs.providers import config
from limbs.providers.errors import ProviderError, parse_retry_after
from limbs.providers.planned import Call, PlannedProvider, Wire
from limbs.providers.tasks import EMBEDDING, TEXT_TO_JSON, EmbedAsk, JsonAsk, Vectors

PROVIDER = "ollama"
TEXT_MODEL = "llama3.2"
EMBEDDING_MODEL = "nomic-embed-text"
_EMBED = "embed"
PROBE_CACHE_S = 5.0
Message = Mapping[str, Any]
T = TypeVar("T")

# url -> (checked at, listening). Shared by every client so the router probes once per 5 s.
_probes: dict[str, tuple[float, bool]] = {}
_probe_lock = threading.Lock()


def reset_probe_cache() -> None:
    with _probe_lock:
        _probes.clear()


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "127.0.0.1", port


def _cached(url: str) -> bool | None:
    with _probe_lock:
        hit = _probes.get(url)
    if hit is not None and time.monotonic() - hit[0] < PROBE_CACHE_S:
        return hit[1]
    return None


def _remember(url: str, listening: bool) -> bool:
    with _probe_lock:
        _probes[url] = (time.monotonic(), listening)
    return listening


class OllamaClient:
    def __init__(self, base_url: str = config.DEFAULT_OLLAMA_URL) -> None:
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_settings(cls) -> OllamaClient:
        return cls(config.ollama_url())

    # -- is anybody there? ------------------------------------------------------

    def available(self, probe_timeout: float = 0.05) -> bool:
        """Whether something accepts connections at the URL; cached for 5 s either way.

        A bare TCP connect, not an HTTP call: it costs the server nothing, never shows up
        in its logs, and a refused port on loopback answers in microseconds.
        """
        cached = _cached(self.base_url)
        if cached is not None:
            return cached
        try:
            with socket.create_connection(_host_port(self.base_url), timeout=probe_timeout):
                return _remember(self.base_url, True)
        except (OSError, ValueError):
            return _remember(self.base_url, False)

    async def aavailable(self, probe_timeout: float = 0.05) -> bool:
        cached = _cached(self.base_url)
        if cached is not None:
            return cached
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(*_host_port(self.base_url)), timeout=probe_timeout
            )
        except (OSError, ValueError, TimeoutError):
            return _remember(self.base_url, False)
        writer.close()
        return _remember(self.base_url, True)

    # -- one-shot ---------------------------------------------------------------

    def tags(self, timeout: float) -> list[str]:
        answer = config.request(
            PROVIDER,
            "",
            "GET",
            f"{self.base_url}/api/tags",
            headers={},
            timeout=timeout,
            on_error=_error_factory(""),
        )
        return _tag_names(config.parse_json(PROVIDER, "", answer.body))

    async def atags(self, timeout: float) -> list[str]:
        answer = await config.arequest(
            PROVIDER,
            "",
            "GET",
            f"{self.base_url}/api/tags",
            headers={},
            timeout=timeout,
            on_error=_error_factory(""),
        )
        return _tag_names(config.parse_json(PROVIDER, "", answer.body))

    def generate(
        self, model: str, prompt: str, timeout: float, options: Mapping[str, Any] | None = None
    ) -> str:
        body = _body(model, {"prompt": prompt}, options, stream=False)
        answer = config.request(
            PROVIDER,
            model,
            "POST",
            f"{self.base_url}/api/generate",
            headers={},
            json_body=body,
            timeout=timeout,
            on_error=_error_factory(model),
        )
        return _final_text(model, answer.body, chat=False)

    async def agenerate(
        self, model: str, prompt: str, timeout: float, options: Mapping[str, Any] | None = None
    ) -> str:
        body = _body(model, {"prompt": prompt}, options, stream=False)
        answer = await config.arequest(
            PROVIDER,
            model,
            "POST",
            f"{self.base_url}/api/generate",
            headers={},
            json_body=body,
            timeout=timeout,
            on_error=_error_factory(model),
        )
        return _final_text(model, answer.body, chat=False)

    def chat(
        self,
        model: str,
        messages: Sequence[Message],
        timeout: float,
        options: Mapping[str, Any] | None = None,
        *,
        fmt: str | None = None,
    ) -> str:
        body = _body(model, _chat_fields(messages, fmt), options, stream=False)
        answer = config.request(
            PROVIDER,
            model,
            "POST",
            f"{self.base_url}/api/chat",
            headers={},
            json_body=body,
            timeout=timeout,
            on_error=_error_factory(model),
        )
        return _final_text(model, answer.body, chat=True)

    async def achat(
        self,
        model: str,
        messages: Sequence[Message],
        timeout: float,
        options: Mapping[str, Any] | None = None,
        *,
        fmt: str | None = None,
    ) -> str:
        body = _body(model, _chat_fields(messages, fmt), options, stream=False)
        answer = await config.arequest(
            PROVIDER,
            model,
            "POST",
            f"{self.base_url}/api/chat",
            headers={},
            json_body=body,
            timeout=timeout,
            on_error=_error_factory(model),
        )
        return _final_text(model, answer.body, chat=True)

    def embed(self, model: str, texts: Sequence[str], timeout: float) -> Vectors:
        """One vector per text, in order."""
        answer = config.request(
            PROVIDER,
            model,
            "POST",
            f"{self.base_url}/api/embed",
            headers={},
            json_body={"model": model, "input": list(texts)},
            timeout=timeout,
            on_error=_error_factory(model),
        )
        return _vectors(model, answer.body, len(texts))

    async def aembed(self, model: str, texts: Sequence[str], timeout: float) -> Vectors:
        answer = await config.arequest(
            PROVIDER,
            model,
            "POST",
            f"{self.base_url}/api/embed",
            headers={},
            json_body={"model": model, "input": list(texts)},
            timeout=timeout,
            on_error=_error_factory(model),
        )
        return _vectors(model, answer.body, len(texts))

    # -- streaming --------------------------------------------------------------

    def stream_generate(
        self, model: str, prompt: str, timeout: float, options: Mapping[str, Any] | None = None
    ) -> Iterator[str]:
        return config.stream_tokens(
            PROVIDER,
            model,
            f"{self.base_url}/api/generate",
            headers={},
            json_body=_body(model, {"prompt": prompt}, options, stream=True),
            timeout=timeout,
            on_error=_error_factory(model),
            parser=_NDJSONParser(model, chat=False),
        )

    def astream_generate(
        self, model: str, prompt: str, timeout: float, options: Mapping[str, Any] | None = None
    ) -> AsyncIterator[str]:
        return config.astream_tokens(
            PROVIDER,
            model,
            f"{self.base_url}/api/generate",
            headers={},
            json_body=_body(model, {"prompt": prompt}, options, stream=True),
            timeout=timeout,
            on_error=_error_factory(model),
            parser=_NDJSONParser(model, chat=False),
        )

    def stream_chat(
        self,
        model: str,
        messages: Sequence[Message],
        timeout: float,
        options: Mapping[str, Any] | None = None,
        *,
        fmt: str | None = None,
    ) -> Iterator[str]:
        return config.stream_tokens(
            PROVIDER,
            model,
            f"{self.base_url}/api/chat",
            headers={},
            json_body=_body(model, _chat_fields(messages, fmt), options, stream=True),
            timeout=timeout,
            on_error=_error_factory(model),
            parser=_NDJSONParser(model, chat=True),
        )

    def astream_chat(
        self,
        model: str,
        messages: Sequence[Message],
        timeout: float,
        options: Mapping[str, Any] | None = None,
        *,
        fmt: str | None = None,
    ) -> AsyncIterator[str]:
        return config.astream_tokens(
            PROVIDER,
            model,
            f"{self.base_url}/api/chat",
            headers={},
            json_body=_body(model, _chat_fields(messages, fmt), options, stream=True),
            timeout=timeout,
            on_error=_error_factory(model),
            parser=_NDJSONParser(model, chat=True),
        )


def _body(
    model: str, fields: dict[str, Any], options: Mapping[str, Any] | None, *, stream: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, **fields, "stream": stream}
    if options:
        body["options"] = dict(options)
    return body


def _chat_fields(messages: Sequence[Message], fmt: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"messages": [dict(m) for m in messages]}
    if fmt:
        # "json" makes Ollama constrain sampling to valid JSON.
        fields["format"] = fmt
    return fields


def _tag_names(doc: Any) -> list[str]:
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, list):
        raise ProviderError(PROVIDER, "", "malformed", "/api/tags has no models list")
    return [str(m.get("name") or m.get("model")) for m in models if isinstance(m, dict)]


def _text(model: str, doc: Any, *, chat: bool) -> str:
    if not isinstance(doc, dict):
        raise ProviderError(PROVIDER, model, "malformed", "an answer line is not a JSON object")
    if "error" in doc:
        # Ollama reports a failure half-way through a stream as an error line.
        raise ProviderError(PROVIDER, model, "http_5xx", str(doc["error"])[:300])
    if chat:
        message = doc.get("message")
        text = message.get("content", "") if isinstance(message, dict) else ""
    else:
        text = doc.get("response", "")
    if not isinstance(text, str):
        raise ProviderError(PROVIDER, model, "malformed", "the answer's text is not a string")
    return text


def _final_text(model: str, body: bytes, *, chat: bool) -> str:
    doc = config.parse_json(PROVIDER, model, body)
    text = _text(model, doc, chat=chat)
    if doc.get("done") is not True:
        raise ProviderError(PROVIDER, model, "malformed", "the answer is not marked done")
    if not text.strip():
        raise ProviderError(PROVIDER, model, "invalid_payload", "the answer is empty")
    return text


def _vectors(model: str, body: bytes, count: int) -> Vectors:
    doc = config.parse_json(PROVIDER, model, body)
    if not isinstance(doc, dict):
        raise ProviderError(PROVIDER, model, "malformed", "the answer is not a JSON object")
    return config.vectors(PROVIDER, model, doc.get("embeddings"), count)


def _error_factory(model: str) -> config.ErrorFactory:
    def build(status: int, headers: httpx.Headers, body: bytes) -> ProviderError:
        try:
            doc = json.loads(body)
            message = str(doc["error"]) if isinstance(doc, dict) and "error" in doc else f"HTTP {status}"
        except (ValueError, UnicodeDecodeError):
            message = body[:200].decode("utf-8", "replace") or f"HTTP {status}"
        return config.status_error(
            PROVIDER, model, status, message, retry_after=parse_retry_after(headers.get("retry-after"))
        )

    return build


class _NDJSONParser:
    def __init__(self, model: str, *, chat: bool) -> None:
        self.model = model
        self.chat = chat
        self.done = False

    def feed(self, line: str) -> list[str]:
        if not line.strip():
            return []
        try:
            doc = json.loads(line)
        except ValueError as exc:
            raise ProviderError(PROVIDER, self.model, "malformed", f"bad NDJSON line: {line[:80]!r}") from exc
        text = _text(self.model, doc, chat=self.chat)
        if doc.get("done") is True:
            self.done = True
        return [text] if text else []

    def finish(self) -> None:
        if not self.done:
            raise ProviderError(PROVIDER, self.model, "malformed", 'the stream ended without "done": true')


# --- the shapes on the wire ---------------------------------------------------------


def _json_call(ask: JsonAsk, model: str) -> Call[str]:
    body = {
        "messages": [{"role": "user", "content": ask.prompt}],
        "format": "json",
        "options": {"seed": ask.seed % 2**31, "temperature": ask.temperature, "num_predict": ask.max_tokens},
    }
    return Call(body, _as_read)


def _embedding_call(ask: EmbedAsk, model: str) -> Call[Vectors]:
    if not ask.texts:
        raise ProviderError(PROVIDER, model, "declined", "there is nothing to embed")
    return Call({"input": list(ask.texts)}, _as_read, _EMBED)


def _as_read(answer: T) -> T:
    # The client's verbs already read and checked the answer (the whole text, the vectors).
    return answer


WIRES = (
    Wire(TEXT_TO_JSON, TEXT_MODEL, _json_call),
    Wire(EMBEDDING, EMBEDDING_MODEL, _embedding_call),
)


class OllamaProvider(PlannedProvider[OllamaClient]):
    """The local tier: text and embeddings, since no image or speech model runs on Ollama."""

    name = PROVIDER
    wires = WIRES

    def _client_from_settings(self) -> OllamaClient:
        return OllamaClient.from_settings()

    def configured(self) -> bool:
        client = self.client()
        return bool(client.base_url) and client.available()

    def _send(self, client: OllamaClient, model: str, call: Call[Any], deadline_s: float) -> Any:
        if call.endpoint == _EMBED:
            return client.embed(model, call.body["input"], deadline_s)
        messages, options, fmt = _chat(call)
        return client.chat(model, messages, deadline_s, options, fmt=fmt)

    async def _asend(self, client: OllamaClient, model: str, call: Call[Any], deadline_s: float) -> Any:
        if call.endpoint == _EMBED:
            return await client.aembed(model, call.body["input"], deadline_s)
        messages, options, fmt = _chat(call)
        return await client.achat(model, messages, deadline_s, options, fmt=fmt)

    def _stream(self, client: OllamaClient, model: str, call: Call[Any], deadline_s: float) -> Iterator[str]:
        messages, options, fmt = _chat(call)
        return client.stream_chat(model, messages, deadline_s, options, fmt=fmt)

    def _astream(
        self, client: OllamaClient, model: str, call: Call[Any], deadline_s: float
    ) -> AsyncIterator[str]:
        messages, options, fmt = _chat(call)
        return client.astream_chat(model, messages, deadline_s, options, fmt=fmt)


def _chat(call: Call[Any]) -> tuple[list[Message], dict[str, Any], str]:
    """A chat call's messages, options and format, as the client's chat verbs take them."""
    body = call.body
    return body["messages"], body["options"], body["format"]
