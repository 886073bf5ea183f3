"""Cloudflare Workers AI: the first remote tier.

Wire format: ``POST {base}/client/v4/accounts/{account}/ai/run/{model}`` with a bearer
token; answers ``{"result": ..., "success": true, "errors": [], "messages": []}``,
errors ``{"success": false, "errors": [{"code", "message"}]}``; with ``"stream": true``
an SSE stream of ``data: {"response": "..."}`` lines ending ``data: [DONE]``.

Speech models differ (per the Workers AI model schemas): ``@cf/deepgram/aura-2-en`` takes
``{"text", "speaker", "encoding", "container", "sample_rate"}`` and answers the audio bytes
themselves (MP3 by default; 16-bit PCM WAV when asked for ``linear16`` in a ``wav``
container); ``@cf/myshell-ai/melotts`` takes ``{"prompt", "lang"}`` and answers
``result.audio``, base64 MP3, or the raw ``audio/mpeg`` bytes. Embedding models
(``@cf/baai/bge-base-en-v1.5``) take ``{"text": [...]}`` and answer
``{"shape": [n, 768], "data": [[...], ...]}``, one vector per text.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from limbs.providers import config
from limbs.providers.errors import ErrorKind, ProviderError, kind_for_status, parse_retry_after
from limbs.providers.planned import Call, PlannedProvider, Wire
from limbs.providers.tasks import (
    EMBEDDING,
    TEXT_TO_IMAGE,
    TEXT_TO_JSON,
    TEXT_TO_SPEECH,
    EmbedAsk,
    ImageAsk,
    JsonAsk,
    SpeechAsk,
    Vectors,
)

PROVIDER = "cloudflare"
IMAGE_MODEL = "@cf/black-forest-labs/flux-1-schnell"
TEXT_MODEL = "@cf/meta/llama-3.1-8b-instruct"
# Aura-2 can be asked for 16-bit PCM in a WAV container; MeloTTS only ever answers MP3.
SPEECH_MODEL = "@cf/deepgram/aura-2-en"
MELOTTS_MODEL = "@cf/myshell-ai/melotts"
SPEECH_SAMPLE_RATE = 24000
EMBEDDING_MODEL = "@cf/baai/bge-base-en-v1.5"
# The studio's human voices as Aura-2 speakers; robot and creature voices have no match.
AURA_SPEAKERS = {"bright": "luna", "deep": "zeus"}
# Workers AI text models take seeds 1..9999999999.
_MAX_SEED = 9_999_999_999
# Error 4006: "you have used up your daily free allocation of 10,000 neurons".
QUOTA_EXHAUSTED_CODE = 4006
_AUTH_CODES = {10000, 10001, 9106, 9109}


class CloudflareClient:
    def __init__(
        self, account_id: str, api_token: str, base_url: str = config.DEFAULT_CLOUDFLARE_BASE_URL
    ) -> None:
        self.account_id = account_id
        self.api_token = api_token
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_settings(cls) -> CloudflareClient:
        cfg = config.cloudflare_settings()
        return cls(cfg.account_id, cfg.api_token, cfg.base_url)

    def url(self, model: str) -> str:
        return f"{self.base_url}/client/v4/accounts/{self.account_id}/ai/run/{model}"

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}"}

    # -- one-shot ---------------------------------------------------------------

    def run(self, model: str, payload: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """The ``result`` object of a successful run."""
        answer = config.request(
            PROVIDER,
            model,
            "POST",
            self.url(model),
            headers=self._headers,
            json_body=dict(payload),
            timeout=timeout,
            on_error=self._error_factory(model),
        )
        return self._result(model, answer)

    async def arun(self, model: str, payload: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        answer = await config.arequest(
            PROVIDER,
            model,
            "POST",
            self.url(model),
            headers=self._headers,
            json_body=dict(payload),
            timeout=timeout,
            on_error=self._error_factory(model),
        )
        return self._result(model, answer)

    # -- streaming --------------------------------------------------------------

    def stream(self, model: str, payload: Mapping[str, Any], timeout: float) -> Iterator[str]:
        """Tokens in order; raises ``ProviderError`` (with ``bytes_sent_to_client``) on failure."""
        return config.stream_tokens(
            PROVIDER,
            model,
            self.url(model),
            headers=self._headers,
            json_body={**payload, "stream": True},
            timeout=timeout,
            on_error=self._error_factory(model),
            parser=_SSEParser(model),
        )

    def astream(self, model: str, payload: Mapping[str, Any], timeout: float) -> AsyncIterator[str]:
        return config.astream_tokens(
            PROVIDER,
            model,
            self.url(model),
            headers=self._headers,
            json_body={**payload, "stream": True},
            timeout=timeout,
            on_error=self._error_factory(model),
            parser=_SSEParser(model),
        )

    # -- answers and errors -----------------------------------------------------

    def _result(self, model: str, answer: config.Answer) -> dict[str, Any]:
        content_type = answer.headers.get("content-type", "")
        # Some models (older image and the speech ones) answer with the raw bytes, not JSON.
        if content_type.startswith(("image/", "audio/", "application/octet-stream")):
            return {"bytes": answer.body, "content_type": content_type}
        doc = config.parse_json(PROVIDER, model, answer.body)
        if not isinstance(doc, dict):
            raise ProviderError(PROVIDER, model, "malformed", "the answer is not a JSON object")
        if doc.get("success") is not True:
            code, message = _first_error(doc)
            kind: ErrorKind = "quota_exhausted" if code == QUOTA_EXHAUSTED_CODE else "bad_request"
            if code in _AUTH_CODES:
                kind = "auth"
            raise ProviderError(PROVIDER, model, kind, f"{code}: {message}", status=answer.status)
        result = doc.get("result")
        if not isinstance(result, dict):
            raise ProviderError(PROVIDER, model, "invalid_payload", "the answer has no result object")
        return result

    def _error_factory(self, model: str) -> config.ErrorFactory:
        def build(status: int, headers: httpx.Headers, body: bytes) -> ProviderError:
            try:
                code, message = _first_error(json.loads(body))
            except (ValueError, UnicodeDecodeError):
                code, message = None, body[:200].decode("utf-8", "replace") or f"HTTP {status}"
            kind = kind_for_status(status)
            if code == QUOTA_EXHAUSTED_CODE:
                kind = "quota_exhausted"
            elif code in _AUTH_CODES:
                kind = "auth"
            return ProviderError(
                PROVIDER,
                model,
                kind,
                f"{code}: {message}" if code is not None else message,
                status=status,
                retry_after=parse_retry_after(headers.get("retry-after")),
            )

        return build


def _first_error(doc: Any) -> tuple[int | None, str]:
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        code = errors[0].get("code")
        return (code if isinstance(code, int) else None), str(errors[0].get("message", ""))
    return None, "unsuccessful answer without errors"


class _SSEParser:
    """``data: {"response": "..."}`` lines, finished by ``data: [DONE]``."""

    def __init__(self, model: str) -> None:
        self._sse = config.SSEData(PROVIDER, model)
        self.model = model
        self.done = False

    def feed(self, line: str) -> list[str]:
        payload = self._sse.data(line)
        if payload is None:
            return []
        if payload.strip() == "[DONE]":
            self.done = True
            return []
        event = self._sse.json(payload)
        if not isinstance(event, dict):
            raise ProviderError(PROVIDER, self.model, "malformed", f"bad SSE event: {payload[:80]!r}")
        if "errors" in event and event.get("success") is False:
            code, message = _first_error(event)
            raise ProviderError(PROVIDER, self.model, "http_5xx", f"{code}: {message}")
        token = event.get("response", "")
        if not isinstance(token, str):
            raise ProviderError(PROVIDER, self.model, "malformed", "an SSE event's response is not text")
        return [token] if token else []

    def finish(self) -> None:
        if not self.done:
            raise ProviderError(PROVIDER, self.model, "malformed", "the stream ended without [DONE]")


# --- the shapes on the wire ---------------------------------------------------------


def _image_call(ask: ImageAsk, model: str) -> Call[bytes]:
    # Flux takes prompts of up to 2048 characters.
    body = {"prompt": ask.prompt[:2048], "steps": ask.steps, "seed": ask.seed % 2**32}
    return Call(body, lambda result: _image_bytes(model, result))


def _json_call(ask: JsonAsk, model: str) -> Call[str]:
    body = {
        "messages": [{"role": "user", "content": ask.prompt}],
        # The model's default is 256 tokens, far too few for most documents.
        "max_tokens": ask.max_tokens,
        "temperature": ask.temperature,
        "seed": 1 + ask.seed % _MAX_SEED,
    }
    return Call(body, lambda result: _response_text(model, result))


def _speech_call(ask: SpeechAsk, model: str) -> Call[bytes]:
    return Call(speech_payload(model, ask), lambda result: _audio_bytes(model, result))


def speech_payload(model: str, ask: SpeechAsk) -> dict[str, Any]:
    """The input of a speech model, or ``declined`` when the model cannot say it as asked.

    Aura-2 (``encoding: linear16`` in a ``wav`` container) answers a WAV the studio can check.
    MeloTTS takes ``prompt`` and ``lang`` and answers MP3 only: it is sent as asked, but its
    answer is refused by the action (it checks its WAV) unless it is a WAV.
    """
    if not ask.text.strip():
        raise ProviderError(PROVIDER, model, "declined", "there are no words to say")
    if "melotts" in model:
        return {"prompt": ask.text, "lang": ask.language}
    if ask.language != "en":
        raise ProviderError(PROVIDER, model, "declined", f"{model} speaks English only, not {ask.language}")
    speaker = AURA_SPEAKERS.get(ask.voice)
    if speaker is None:
        raise ProviderError(PROVIDER, model, "declined", f"{model} has no {ask.voice} voice")
    if abs(ask.speed - 1.0) > 1e-6:
        raise ProviderError(PROVIDER, model, "declined", f"{model} speaks at one speed only")
    return {
        "text": ask.text,
        "speaker": speaker,
        "encoding": "linear16",
        "container": "wav",
        "sample_rate": SPEECH_SAMPLE_RATE,
    }


def _embedding_call(ask: EmbedAsk, model: str) -> Call[Vectors]:
    if not ask.texts:
        raise ProviderError(PROVIDER, model, "declined", "there is nothing to embed")
    count = len(ask.texts)
    return Call(
        {"text": list(ask.texts)}, lambda result: config.vectors(PROVIDER, model, result.get("data"), count)
    )


WIRES = (
    Wire(TEXT_TO_IMAGE, IMAGE_MODEL, _image_call),
    Wire(TEXT_TO_JSON, TEXT_MODEL, _json_call),
    Wire(TEXT_TO_SPEECH, SPEECH_MODEL, _speech_call),
    Wire(EMBEDDING, EMBEDDING_MODEL, _embedding_call),
)


class CloudflareProvider(PlannedProvider[CloudflareClient]):
    name = PROVIDER
    wires = WIRES

    def _client_from_settings(self) -> CloudflareClient:
        return CloudflareClient.from_settings()

    def configured(self) -> bool:
        if self._client is not None:
            return bool(self._client.account_id and self._client.api_token)
        return config.cloudflare_settings().configured

    def _send(
        self, client: CloudflareClient, model: str, call: Call[Any], deadline_s: float
    ) -> Mapping[str, Any]:
        return client.run(model, call.body, deadline_s)

    async def _asend(
        self, client: CloudflareClient, model: str, call: Call[Any], deadline_s: float
    ) -> Mapping[str, Any]:
        return await client.arun(model, call.body, deadline_s)

    def _stream(
        self, client: CloudflareClient, model: str, call: Call[Any], deadline_s: float
    ) -> Iterator[str]:
        return client.stream(model, call.body, deadline_s)

    def _astream(
        self, client: CloudflareClient, model: str, call: Call[Any], deadline_s: float
    ) -> AsyncIterator[str]:
        return client.astream(model, call.body, deadline_s)


def _response_text(model: str, result: Mapping[str, Any]) -> str:
    response = result.get("response")
    if isinstance(response, dict | list):
        # With JSON mode some Workers AI models hand back the parsed object itself.
        return json.dumps(response)
    if not isinstance(response, str) or not response.strip():
        raise ProviderError(PROVIDER, model, "invalid_payload", "the result has no text")
    return response


def _audio_bytes(model: str, result: Mapping[str, Any]) -> bytes:
    raw = result.get("bytes")
    if isinstance(raw, bytes):
        return raw
    encoded = result.get("audio")
    if not isinstance(encoded, str) or not encoded:
        raise ProviderError(PROVIDER, model, "invalid_payload", "the result has no audio")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProviderError(PROVIDER, model, "invalid_payload", "the audio is not base64") from exc


def _image_bytes(model: str, result: Mapping[str, Any]) -> bytes:
    raw = result.get("bytes")
    if isinstance(raw, bytes):
        return raw
    encoded = result.get("image")
    if not isinstance(encoded, str) or not encoded:
        raise ProviderError(PROVIDER, model, "invalid_payload", "the result has no image")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProviderError(PROVIDER, model, "invalid_payload", "the image is not base64") from exc
