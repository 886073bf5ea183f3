"""Cloudflare Workers AI: the first remote tier.

Wire format: ``POST {base}/client/v4/accounts/{account}/ai/run/{model}`` with a bearer
token; answers ``{"result": ..., "success": true, "errors": [], "messages": []}``,
errors ``{"success": false, "errors": [{"code", "message"}]}``; with ``"stream": true``
an SSE stream of ``data: {"response": "..."}`` lines ending ``data: [DONE]``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from limbs.generators.base import GenRequest
from limbs.providers import config
from limbs.providers.base import ProviderResult
from limbs.providers.errors import ErrorKind, ProviderError, kind_for_status, parse_retry_after

PROVIDER = "cloudflare"
IMAGE_MODEL = "@cf/black-forest-labs/flux-1-schnell"
# Error 4006: "you have used up your daily free allocation of 10,000 neurons".
QUOTA_EXHAUSTED_CODE = 4006
_AUTH_CODES = {10000, 10001, 9106, 9109}
_STEPS = {"low": 4, "medium": 6, "high": 8}


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
        # Some models (older image and speech ones) answer with the raw bytes, not JSON.
        if content_type.startswith(("image/", "audio/")):
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


class CloudflareProvider:
    name = PROVIDER

    def __init__(self, client: CloudflareClient | None = None) -> None:
        self._client = client

    def client(self) -> CloudflareClient:
        return self._client or CloudflareClient.from_settings()

    def configured(self) -> bool:
        if self._client is not None:
            return bool(self._client.account_id and self._client.api_token)
        return config.cloudflare_settings().configured

    def supports(self, limb: str, action: str) -> bool:
        return (limb, action) == ("image", "generate")

    def default_model(self, limb: str, action: str) -> str | None:
        return IMAGE_MODEL if self.supports(limb, action) else None

    def run(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        if not self.supports(limb, action):
            raise ProviderError(PROVIDER, model or "", "bad_request", f"{limb}.{action} is not offered")
        model = model or IMAGE_MODEL
        payload = {
            "prompt": config.image_prompt(request, limit=2048),
            "steps": _STEPS.get(request.tension, 6),
            "seed": request.seed % 2**32,
        }
        result = self.client().run(model, payload, deadline_s)
        return config.image_result(PROVIDER, model, request, _image_bytes(model, result))


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
