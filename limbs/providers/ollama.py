"""Ollama: the local model tier, used when someone runs it next to the studio.

Wire format: ``GET /api/tags``; ``POST /api/generate`` (``{"model", "prompt"}``) and
``POST /api/chat`` (``{"model", "messages"}``). Streaming is NDJSON, one object per line
(``{"response": ...}`` or ``{"message": {"content": ...}}``), the last with ``"done": true``;
``"stream": false`` answers that last object with the whole text. Errors are ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from limbs.providers import config, prompts
from limbs.providers.base import ProviderResult
from limbs.providers.errors import ProviderError, parse_retry_after
from limbs.spec import GenRequest

PROVIDER = "ollama"
TEXT_MODEL = "llama3.2"
DEFAULT_MODELS = {("divine", "world_bible"): TEXT_MODEL}
PROBE_CACHE_S = 5.0
Message = Mapping[str, Any]

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


class OllamaProvider:
    """The local text tier: only text actions, since no image or speech model runs on Ollama."""

    name = PROVIDER

    def __init__(self, client: OllamaClient | None = None) -> None:
        self._client = client

    def client(self) -> OllamaClient:
        return self._client or OllamaClient.from_settings()

    def configured(self) -> bool:
        client = self.client()
        return bool(client.base_url) and client.available()

    def supports(self, limb: str, action: str) -> bool:
        return (limb, action) in DEFAULT_MODELS

    def default_model(self, limb: str, action: str) -> str | None:
        return DEFAULT_MODELS.get((limb, action))

    def run(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        chosen, messages, options = self._plan(limb, action, request, model)
        text = self.client().chat(chosen, messages, deadline_s, options, fmt="json")
        return prompts.world_bible_result(PROVIDER, chosen, request, text)

    async def arun(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        chosen, messages, options = self._plan(limb, action, request, model)
        text = await self.client().achat(chosen, messages, deadline_s, options, fmt="json")
        return prompts.world_bible_result(PROVIDER, chosen, request, text)

    # -- streamed text ----------------------------------------------------------

    def streams(self, limb: str, action: str) -> bool:
        return self.supports(limb, action)

    def stream_text(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> Iterator[str]:
        chosen, messages, options = self._plan(limb, action, request, model)
        return self.client().stream_chat(chosen, messages, deadline_s, options, fmt="json")

    def astream_text(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> AsyncIterator[str]:
        chosen, messages, options = self._plan(limb, action, request, model)
        return self.client().astream_chat(chosen, messages, deadline_s, options, fmt="json")

    def finish_text(
        self, limb: str, action: str, request: GenRequest, text: str, model: str | None = None
    ) -> ProviderResult:
        chosen, _, _ = self._plan(limb, action, request, model)
        return prompts.world_bible_result(PROVIDER, chosen, request, text)

    def _plan(
        self, limb: str, action: str, request: GenRequest, model: str | None
    ) -> tuple[str, list[Message], dict[str, Any]]:
        if (limb, action) != ("divine", "world_bible"):
            raise ProviderError(PROVIDER, model or "", "bad_request", f"{limb}.{action} is not offered")
        messages: list[Message] = [{"role": "user", "content": prompts.world_bible_prompt(request)}]
        options = {
            "seed": request.seed % 2**31,
            "temperature": 0.7,
            "num_predict": prompts.world_bible_max_tokens(request),
        }
        return model or TEXT_MODEL, messages, options
