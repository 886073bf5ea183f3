"""Google Gemini (the Generative Language API): the second remote tier.

Wire format: ``POST {base}/v1beta/models/{model}:generateContent`` with ``x-goog-api-key``
answers a ``GenerateContentResponse`` (``candidates[0].content.parts[]`` holding ``text``
or ``inlineData``); ``:streamGenerateContent?alt=sse`` sends one response per ``data:``
line and simply ends (no terminator: a finished stream carries a ``finishReason``).
Errors are ``{"error": {"code", "message", "status", "details": [...]}}``.

Embeddings: ``:embedContent`` takes one ``{"content": {"parts": [{"text"}]}}`` and answers
``{"embedding": {"values": [...]}}``; ``:batchEmbedContents`` takes ``{"requests": [...]}``
(each naming its ``model`` as ``models/{model}``) and answers ``{"embeddings": [...]}``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from limbs.providers import config
from limbs.providers.errors import (
    ErrorKind,
    ProviderError,
    kind_for_status,
    parse_duration,
    parse_retry_after,
)
from limbs.providers.planned import Call, PlannedProvider, Wire
from limbs.providers.tasks import (
    EMBEDDING,
    TEXT_TO_IMAGE,
    TEXT_TO_JSON,
    EmbedAsk,
    ImageAsk,
    JsonAsk,
    Vectors,
)

PROVIDER = "gemini"
IMAGE_MODEL = "gemini-2.5-flash-image"
TEXT_MODEL = "gemini-2.5-flash"
EMBEDDING_MODEL = "text-embedding-004"
_EMBED = "embedContent"
_BATCH_EMBED = "batchEmbedContents"
_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_AUTH_STATUSES = {"UNAUTHENTICATED", "PERMISSION_DENIED"}
# The aspect ratios gemini-2.5-flash-image accepts; the nearest one wastes least in the crop.
_ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")


def _parts(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    candidates = response.get("candidates")
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        return []
    content = candidates[0].get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


def text_of(response: Mapping[str, Any]) -> str:
    """The answer's text: the first candidate's text parts, without thought summaries."""
    return "".join(
        p["text"] for p in _parts(response) if isinstance(p.get("text"), str) and not p.get("thought")
    )


def images_of(response: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """``(mime, bytes)`` of every ``inlineData`` part of the first candidate."""
    images: list[tuple[str, bytes]] = []
    for part in _parts(response):
        inline = part.get("inlineData", part.get("inline_data"))
        if not isinstance(inline, dict):
            continue
        mime = inline.get("mimeType", inline.get("mime_type", ""))
        data = inline.get("data")
        if not isinstance(data, str):
            raise ProviderError(PROVIDER, _model_of(response), "invalid_payload", "inlineData has no data")
        try:
            images.append((str(mime), base64.b64decode(data, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise ProviderError(
                PROVIDER, _model_of(response), "invalid_payload", "inlineData is not base64"
            ) from exc
    return images


def _model_of(response: Mapping[str, Any]) -> str:
    return str(response.get("modelVersion", ""))


def error_from_body(model: str, status: int | None, body: Any, retry_header: str | None) -> ProviderError:
    """The ``ProviderError`` for a Google API error object (an HTTP answer or a stream event)."""
    retry_after = parse_retry_after(retry_header)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        http = status or 500
        return ProviderError(
            PROVIDER, model, kind_for_status(http), f"HTTP {http}", status=status, retry_after=retry_after
        )
    code = error.get("code")
    status = status if status is not None else (code if isinstance(code, int) else None)
    api_status = str(error.get("status", ""))
    kind: ErrorKind = kind_for_status(status) if status is not None else "http_5xx"
    for detail in error.get("details") or []:
        if not isinstance(detail, dict):
            continue
        if detail.get("@type") == _RETRY_INFO:
            retry_after = parse_duration(detail.get("retryDelay")) or retry_after
        if detail.get("@type") == _ERROR_INFO and detail.get("reason") == "API_KEY_INVALID":
            kind = "auth"
    if api_status == "RESOURCE_EXHAUSTED":
        kind = "rate_limited"
    elif api_status in _AUTH_STATUSES:
        kind = "auth"
    message = f"{api_status}: {error.get('message', '')}" if api_status else str(error.get("message", ""))
    return ProviderError(PROVIDER, model, kind, message[:300], status=status, retry_after=retry_after)


class GeminiClient:
    def __init__(self, api_key: str, base_url: str = config.DEFAULT_GEMINI_BASE_URL) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_settings(cls) -> GeminiClient:
        cfg = config.gemini_settings()
        return cls(cfg.api_key, cfg.base_url)

    def url(self, model: str, method: str = "generateContent") -> str:
        return f"{self.base_url}/v1beta/models/{model}:{method}"

    @property
    def _headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.api_key}

    def generate(self, model: str, body: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """The ``GenerateContentResponse`` as a dict."""
        return self.post(model, "generateContent", body, timeout)

    async def agenerate(self, model: str, body: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        return await self.apost(model, "generateContent", body, timeout)

    def post(self, model: str, method: str, body: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """The answer of one of the model's methods (``generateContent``, ``embedContent``, ...)."""
        answer = config.request(
            PROVIDER,
            model,
            "POST",
            self.url(model, method),
            headers=self._headers,
            json_body=dict(body),
            timeout=timeout,
            on_error=self._error_factory(model),
        )
        return self._response(model, answer.body)

    async def apost(self, model: str, method: str, body: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        answer = await config.arequest(
            PROVIDER,
            model,
            "POST",
            self.url(model, method),
            headers=self._headers,
            json_body=dict(body),
            timeout=timeout,
            on_error=self._error_factory(model),
        )
        return self._response(model, answer.body)

    def stream(self, model: str, body: Mapping[str, Any], timeout: float) -> Iterator[str]:
        return config.stream_tokens(
            PROVIDER,
            model,
            self.url(model, "streamGenerateContent") + "?alt=sse",
            headers=self._headers,
            json_body=dict(body),
            timeout=timeout,
            on_error=self._error_factory(model),
            parser=_SSEParser(model),
        )

    def astream(self, model: str, body: Mapping[str, Any], timeout: float) -> AsyncIterator[str]:
        return config.astream_tokens(
            PROVIDER,
            model,
            self.url(model, "streamGenerateContent") + "?alt=sse",
            headers=self._headers,
            json_body=dict(body),
            timeout=timeout,
            on_error=self._error_factory(model),
            parser=_SSEParser(model),
        )

    def _response(self, model: str, body: bytes) -> dict[str, Any]:
        doc = config.parse_json(PROVIDER, model, body)
        if not isinstance(doc, dict):
            raise ProviderError(PROVIDER, model, "malformed", "the answer is not a JSON object")
        if "error" in doc:
            raise error_from_body(model, None, doc, None)
        return doc

    def _error_factory(self, model: str) -> config.ErrorFactory:
        def build(status: int, headers: httpx.Headers, body: bytes) -> ProviderError:
            try:
                doc: Any = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                doc = None
            return error_from_body(model, status, doc, headers.get("retry-after"))

        return build


class _SSEParser:
    """One ``GenerateContentResponse`` per ``data:`` line; complete once a finishReason arrives."""

    def __init__(self, model: str) -> None:
        self._sse = config.SSEData(PROVIDER, model)
        self.model = model
        self.finished = False
        # Gemini has no terminator line: read to the end of the body after the finishReason.
        self.done = False

    def feed(self, line: str) -> list[str]:
        payload = self._sse.data(line)
        if payload is None:
            return []
        event = self._sse.json(payload)
        if not isinstance(event, dict):
            raise ProviderError(PROVIDER, self.model, "malformed", f"bad SSE event: {payload[:80]!r}")
        if "error" in event:
            raise error_from_body(self.model, None, event, None)
        candidates = event.get("candidates")
        first = candidates[0] if isinstance(candidates, list) and candidates else None
        if isinstance(first, dict) and first.get("finishReason"):
            self.finished = True
        text = text_of(event)
        return [text] if text else []

    def finish(self) -> None:
        if not self.finished:
            raise ProviderError(PROVIDER, self.model, "malformed", "the stream ended without a finishReason")


def aspect_ratio(width: int, height: int) -> str:
    target = width / height

    def distance(ratio: str) -> float:
        w, h = ratio.split(":")
        return abs(int(w) / int(h) - target)

    return min(_ASPECT_RATIOS, key=distance)


# --- the shapes on the wire ---------------------------------------------------------


def _image_call(ask: ImageAsk, model: str) -> Call[bytes]:
    body = {
        # The studio's own cap on an image prompt (Gemini takes far longer ones).
        "contents": [{"parts": [{"text": ask.prompt[:2000]}]}],
        "generationConfig": {
            "responseModalities": ["IMAGE"],
            "imageConfig": {"aspectRatio": aspect_ratio(ask.width, ask.height)},
            "seed": ask.seed % 2**31,
        },
    }

    def read(response: Mapping[str, Any]) -> bytes:
        images = images_of(response)
        if not images:
            reason = _why_nothing(response)
            raise ProviderError(PROVIDER, model, "invalid_payload", f"the answer has no image ({reason})")
        return images[0][1]

    return Call(body, read)


def _json_call(ask: JsonAsk, model: str) -> Call[str]:
    generation: dict[str, Any] = {
        # JSON mode: the API itself keeps the answer to one JSON document.
        "responseMimeType": "application/json",
        "maxOutputTokens": ask.max_tokens,
        "temperature": ask.temperature,
        "seed": ask.seed % 2**31,
    }
    if model.startswith("gemini-2.5-flash"):
        # Thinking would spend the hop's deadline before the first JSON token; only the
        # Flash models accept a zero budget (Pro refuses it), so others keep their default.
        generation["thinkingConfig"] = {"thinkingBudget": 0}
    body = {
        "contents": [{"role": "user", "parts": [{"text": ask.prompt}]}],
        "generationConfig": generation,
    }

    def read(response: Mapping[str, Any]) -> str:
        text = text_of(response)
        if not text.strip():
            raise ProviderError(
                PROVIDER, model, "invalid_payload", f"the answer has no text ({_why_nothing(response)})"
            )
        return text

    return Call(body, read)


def _embedding_call(ask: EmbedAsk, model: str) -> Call[Vectors]:
    if not ask.texts:
        raise ProviderError(PROVIDER, model, "declined", "there is nothing to embed")
    contents = [{"parts": [{"text": text}]} for text in ask.texts]
    if len(contents) == 1:

        def read_one(response: Mapping[str, Any]) -> Vectors:
            embedding = response.get("embedding")
            values = embedding.get("values") if isinstance(embedding, dict) else None
            return config.vectors(PROVIDER, model, [values], 1)

        return Call({"content": contents[0]}, read_one, _EMBED)
    requests = [{"model": f"models/{model}", "content": content} for content in contents]

    def read_all(response: Mapping[str, Any]) -> Vectors:
        embeddings = response.get("embeddings")
        if not isinstance(embeddings, list):
            raise ProviderError(PROVIDER, model, "invalid_payload", "the answer has no embeddings")
        values = [e.get("values") if isinstance(e, dict) else None for e in embeddings]
        return config.vectors(PROVIDER, model, values, len(contents))

    return Call({"requests": requests}, read_all, _BATCH_EMBED)


WIRES = (
    Wire(TEXT_TO_IMAGE, IMAGE_MODEL, _image_call),
    Wire(TEXT_TO_JSON, TEXT_MODEL, _json_call),
    Wire(EMBEDDING, EMBEDDING_MODEL, _embedding_call),
)


class GeminiProvider(PlannedProvider[GeminiClient]):
    name = PROVIDER
    wires = WIRES

    def _client_from_settings(self) -> GeminiClient:
        return GeminiClient.from_settings()

    def configured(self) -> bool:
        if self._client is not None:
            return bool(self._client.api_key)
        return config.gemini_settings().configured

    def _send(
        self, client: GeminiClient, model: str, call: Call[Any], deadline_s: float
    ) -> Mapping[str, Any]:
        if call.endpoint:
            return client.post(model, call.endpoint, call.body, deadline_s)
        return client.generate(model, call.body, deadline_s)

    async def _asend(
        self, client: GeminiClient, model: str, call: Call[Any], deadline_s: float
    ) -> Mapping[str, Any]:
        if call.endpoint:
            return await client.apost(model, call.endpoint, call.body, deadline_s)
        return await client.agenerate(model, call.body, deadline_s)

    def _stream(self, client: GeminiClient, model: str, call: Call[Any], deadline_s: float) -> Iterator[str]:
        return client.stream(model, call.body, deadline_s)

    def _astream(
        self, client: GeminiClient, model: str, call: Call[Any], deadline_s: float
    ) -> AsyncIterator[str]:
        return client.astream(model, call.body, deadline_s)


def _why_nothing(response: Mapping[str, Any]) -> str:
    feedback = response.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        return f"blocked: {feedback['blockReason']}"
    candidates = response.get("candidates")
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], dict):
        return f"finishReason {candidates[0].get('finishReason', 'none')}"
    return "no candidates"
