"""What each fake says: the Cloudflare, Gemini and Ollama wire formats, healthy and faulty.

Shapes follow the providers' public API references: the same paths, headers, JSON
envelopes, SSE/NDJSON framing and error bodies, so a client that works here works there.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from limbs.fakes import content
from limbs.fakes.exchange import RecordedRequest, Reply

NOT_AN_IMAGE = b"this is certainly not a picture"
NOT_AUDIO = b"this is certainly not a sound"


def _credential_ok(given: str, opts: dict[str, Any]) -> bool:
    expected = opts.get("credential")
    return bool(given.strip()) and (expected is None or given == expected)


class Responder:
    """One provider's answers. ``serve`` handles healthy requests and the payload faults
    (``cut``, ``malformed``, ``invalid_payload``); ``fault_error`` the error-status ones."""

    def serve(self, request: RecordedRequest, reply: Reply, fault: str | None, opts: dict[str, Any]) -> None:
        raise NotImplementedError

    def fault_error(self, kind: str, opts: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    # -- framing shared by the three -------------------------------------------

    def send(self, reply: Reply, doc: Any, fault: str | None) -> None:
        body = json.dumps(doc).encode()
        if fault == "cut":
            reply.truncated(200, body, "application/json")
        elif fault == "malformed":
            reply.raw(200, body[: len(body) // 2], "application/json")
        else:
            reply.raw(200, body, "application/json")

    def send_bytes(self, reply: Reply, body: bytes, content_type: str, fault: str | None) -> None:
        """A raw binary answer (speech models send audio bytes, not JSON)."""
        if fault == "cut":
            reply.truncated(200, body, content_type)
        elif fault == "malformed":
            reply.raw(200, body[: len(body) // 2], content_type)
        else:
            reply.raw(200, body, content_type)

    def send_stream(
        self,
        reply: Reply,
        content_type: str,
        events: list[bytes],
        terminator: bytes,
        broken: bytes,
        fault: str | None,
        opts: dict[str, Any],
    ) -> None:
        reply.start_stream(content_type)
        if fault == "cut":
            # Never the last event: for Gemini it carries the finishReason that marks the end.
            for event in events[: min(int(opts.get("tokens", 2)), max(0, len(events) - 1))]:
                reply.chunk(event)
            if opts.get("clean"):
                reply.end_stream()
            reply.abort()
            return
        if fault == "malformed":
            for event in events[: int(opts.get("tokens", 1))]:
                reply.chunk(event)
            reply.chunk(broken)
            reply.end_stream()
            return
        for event in events:
            reply.chunk(event)
        reply.chunk(terminator)
        reply.end_stream()


def _text_tokens(prompt: str, fault: str | None, opts: dict[str, Any]) -> list[str]:
    """What a text model streams for ``prompt``: a world bible's JSON (styled as the fake is
    told, broken for ``invalid_payload``) or a short sentence (empty for ``invalid_payload``)."""
    if content.is_world_bible_prompt(prompt):
        make = content.broken_world_bible if fault == "invalid_payload" else content.world_bible
        return content.chunks(content.styled(make(prompt), str(opts.get("style", "plain"))))
    return [] if fault == "invalid_payload" else content.tokens(prompt)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


# --- Cloudflare Workers AI ---------------------------------------------------------

_CF_RUN = re.compile(r"^/client/v4/accounts/([^/]+)/ai/run/(.+)$")
_CF_IMAGE_MODELS = ("flux", "stable-diffusion", "dreamshaper", "lucid-origin", "phoenix")
_CF_EMBEDDING_MODELS = ("/baai/bge-", "embedding")
_BGE_DIMENSIONS = {"small": 384, "base": 768, "large": 1024}


def _cf_envelope(result: Any) -> dict[str, Any]:
    return {"result": result, "success": True, "errors": [], "messages": []}


def _cf_error(code: int, message: str) -> dict[str, Any]:
    return {"result": None, "success": False, "errors": [{"code": code, "message": message}], "messages": []}


def _sse(doc: Any, sep: bytes = b"\n\n") -> bytes:
    return b"data: " + json.dumps(doc).encode() + sep


class CloudflareResponder(Responder):
    def fault_error(self, kind: str, opts: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if kind == "500":
            return 500, _cf_error(3043, "Internal server error"), {}
        if kind == "cf_4006":
            message = (
                "you have used up your daily free allocation of 10,000 neurons, please upgrade to "
                "Cloudflare's Workers Paid plan if you would like to continue usage."
            )
            return 429, _cf_error(4006, message), {}
        retry = str(opts.get("retry_after", 7))
        return (
            429,
            _cf_error(3040, "Capacity temporarily exceeded, please try again."),
            {"Retry-After": retry},
        )

    def serve(self, request: RecordedRequest, reply: Reply, fault: str | None, opts: dict[str, Any]) -> None:
        match = _CF_RUN.match(urlsplit(request.path).path)
        if request.method != "POST" or match is None:
            reply.json(404, _cf_error(7000, "No route for that URI"))
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not _credential_ok(token, opts):
            reply.json(401, _cf_error(10000, "Authentication error"))
            return
        payload = request.json()
        if not isinstance(payload, dict):
            reply.json(400, _cf_error(5006, "Error: the input is not a JSON object"))
            return
        model = unquote(match.group(2))
        if "melotts" in model:
            self._melotts(payload, reply, fault)
            return
        if "/aura" in model:
            self._aura(payload, reply, fault)
            return
        if any(name in model for name in _CF_EMBEDDING_MODELS):
            self._embed(model, payload, reply, fault)
            return
        if any(name in model for name in _CF_IMAGE_MODELS):
            prompt = payload.get("prompt")
            if not isinstance(prompt, str) or not prompt:
                reply.json(400, _cf_error(5006, "Error: required properties at '/' are 'prompt'"))
                return
            image = NOT_AN_IMAGE if fault == "invalid_payload" else content.image(prompt, 160, 120, "JPEG")
            self.send(reply, _cf_envelope({"image": _b64(image)}), fault)
            return
        prompt = payload.get("prompt")
        if not isinstance(prompt, str):
            messages = payload.get("messages") or [{}]
            prompt = str(messages[-1].get("content", "")) if isinstance(messages[-1], dict) else ""
        tokens = _text_tokens(prompt, fault, opts)
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(tokens)}
        if payload.get("stream"):
            events = [_sse({"response": t, "p": "abcdefgh"}) for t in tokens]
            events.append(_sse({"response": "", "usage": usage}))
            broken = b'data: {"response": " and th\n\n'
            self.send_stream(reply, "text/event-stream", events, b"data: [DONE]\n\n", broken, fault, opts)
        else:
            self.send(reply, _cf_envelope({"response": "".join(tokens), "usage": usage}), fault)

    def _melotts(self, payload: dict[str, Any], reply: Reply, fault: str | None) -> None:
        """MeloTTS: ``{"prompt", "lang"}`` in, ``result.audio`` out: base64 MP3, never WAV."""
        prompt = payload.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            reply.json(400, _cf_error(5006, "Error: required properties at '/' are 'prompt'"))
            return
        audio = NOT_AUDIO if fault == "invalid_payload" else content.mp3(prompt)
        self.send(reply, _cf_envelope({"audio": _b64(audio)}), fault)

    def _embed(self, model: str, payload: dict[str, Any], reply: Reply, fault: str | None) -> None:
        """BGE embeddings: ``{"text": str | [str]}`` in, ``{"shape": [n, d], "data": [[...]],
        "pooling": "mean"}`` out; ``invalid_payload`` leaves the last vector out."""
        text = payload.get("text")
        texts = [text] if isinstance(text, str) else text
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            reply.json(400, _cf_error(5006, "Error: required properties at '/' are 'text'"))
            return
        size = next((s for s in _BGE_DIMENSIONS if f"-{s}-" in model), "base")
        dims = _BGE_DIMENSIONS[size]
        vectors = [content.vector(t, dims) for t in texts]
        if fault == "invalid_payload":
            vectors = vectors[:-1]
        result = {"shape": [len(vectors), dims], "data": vectors, "pooling": "mean"}
        self.send(reply, _cf_envelope(result), fault)

    def _aura(self, payload: dict[str, Any], reply: Reply, fault: str | None) -> None:
        """Deepgram Aura: ``{"text", "speaker", "encoding", "container", "sample_rate"}`` in,
        the audio bytes themselves out: MP3 unless linear16 in a WAV container is asked for."""
        text = payload.get("text")
        if not isinstance(text, str) or not text:
            reply.json(400, _cf_error(5006, "Error: required properties at '/' are 'text'"))
            return
        as_wav = payload.get("encoding") == "linear16" and payload.get("container") == "wav"
        content_type = "audio/wav" if as_wav else "audio/mpeg"
        if fault == "invalid_payload":
            body = NOT_AUDIO
        elif as_wav:
            body = content.wav(text, rate=int(payload.get("sample_rate") or 24000))
        else:
            body = content.mp3(text)
        self.send_bytes(reply, body, content_type, fault)


# --- Google Gemini -----------------------------------------------------------------

_GEMINI_CALL = re.compile(
    r"^/v1beta/models/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$"
)
_GEMINI_EMBEDDING_DIMENSIONS = 768


def _google_error(code: int, status: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


def _gemini_response(model: str, parts: list[dict[str, Any]], finish: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": len(parts), "totalTokenCount": 8},
        "modelVersion": model,
        "responseId": "fake-response",
    }


_FREE_TIER_METRIC = "generativelanguage.googleapis.com/generate_content_free_tier_requests"


class GeminiResponder(Responder):
    def fault_error(self, kind: str, opts: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if kind == "500":
            message = "An internal error has occurred. Please retry or report the problem."
            return 500, _google_error(500, "INTERNAL", message), {}
        if kind == "resource_exhausted":
            details = [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {
                            "quotaMetric": _FREE_TIER_METRIC,
                            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                        }
                    ],
                },
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{opts.get('retry_delay', 17)}s",
                },
            ]
            message = "You exceeded your current quota, please check your plan and billing details."
            return 429, _google_error(429, "RESOURCE_EXHAUSTED", message, details), {}
        retry = str(opts.get("retry_after", 7))
        message = "Resource has been exhausted (e.g. check quota)."
        return 429, _google_error(429, "RESOURCE_EXHAUSTED", message), {"Retry-After": retry}

    def serve(self, request: RecordedRequest, reply: Reply, fault: str | None, opts: dict[str, Any]) -> None:
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        match = _GEMINI_CALL.match(url.path)
        if request.method != "POST" or match is None:
            reply.json(404, _google_error(404, "NOT_FOUND", f"{url.path} is not found."))
            return
        key = request.headers.get("x-goog-api-key") or (query.get("key") or [""])[0]
        if not key:
            message = "Method doesn't allow unregistered callers. Please use an API key."
            reply.json(403, _google_error(403, "PERMISSION_DENIED", message))
            return
        if not _credential_ok(key, opts):
            detail = {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
            message = "API key not valid. Please pass a valid API key."
            reply.json(400, _google_error(400, "INVALID_ARGUMENT", message, [detail]))
            return
        body = request.json()
        model, method = match.group(1), match.group(2)
        if method in ("embedContent", "batchEmbedContents"):
            self._embed(model, method, body, reply, fault)
            return
        contents = body.get("contents") if isinstance(body, dict) else None
        if not isinstance(contents, list) or not contents:
            reply.json(400, _google_error(400, "INVALID_ARGUMENT", "* contents: must not be empty"))
            return
        last = contents[-1] if isinstance(contents[-1], dict) else {}
        prompt = " ".join(
            str(p.get("text", "")) for p in last.get("parts", []) if isinstance(p, dict) and "text" in p
        )
        modalities = (body.get("generationConfig") or {}).get("responseModalities") or ["TEXT"]
        events: list[dict[str, Any]]
        if "IMAGE" in modalities:
            image = NOT_AN_IMAGE if fault == "invalid_payload" else content.image(prompt, 128, 128, "PNG")
            part = {"inlineData": {"mimeType": "image/png", "data": _b64(image)}}
            events = [_gemini_response(model, [part], "STOP")]
        else:
            tokens = _text_tokens(prompt, fault, opts)
            if method == "generateContent":
                events = [_gemini_response(model, [{"text": "".join(tokens)}], "STOP")]
            else:
                events = [_gemini_response(model, [{"text": t}], None) for t in tokens]
                events.append(_gemini_response(model, [{"text": ""}], "STOP"))
        if method == "generateContent":
            self.send(reply, events[0], fault)
        elif query.get("alt") == ["sse"]:
            # Google separates SSE events with CRLF pairs and sends no terminator line.
            framed = [_sse(e, b"\r\n\r\n") for e in events]
            broken = b'data: {"candidates": [{"content": {"parts": [{"te\r\n\r\n'
            self.send_stream(reply, "text/event-stream", framed, b"", broken, fault, opts)
        else:
            self.send(reply, events, fault)  # without alt=sse the API streams one JSON array

    def _embed(self, model: str, method: str, body: Any, reply: Reply, fault: str | None) -> None:
        """``embedContent`` (one ``content``) and ``batchEmbedContents`` (``requests``, each
        naming the model of the URL); ``invalid_payload`` answers empty values."""
        batch = method == "batchEmbedContents"
        requests = (body.get("requests") if batch else [body]) if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            reply.json(400, _google_error(400, "INVALID_ARGUMENT", "* requests: must not be empty"))
            return
        vectors: list[list[float]] = []
        for item in requests:
            item = item if isinstance(item, dict) else {}
            if batch and item.get("model") != f"models/{model}":
                message = f"Model names in the requests must all be models/{model}."
                reply.json(400, _google_error(400, "INVALID_ARGUMENT", message))
                return
            parts = (item.get("content") or {}).get("parts") or []
            text = " ".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
            if not text:
                reply.json(400, _google_error(400, "INVALID_ARGUMENT", "* content: must not be empty"))
                return
            dims = int(item.get("outputDimensionality") or _GEMINI_EMBEDDING_DIMENSIONS)
            vectors.append([] if fault == "invalid_payload" else content.vector(text, dims))
        if batch:
            self.send(reply, {"embeddings": [{"values": v} for v in vectors]}, fault)
        else:
            self.send(reply, {"embedding": {"values": vectors[0]}}, fault)


# --- Ollama --------------------------------------------------------------------------

OLLAMA_MODELS = ("llama3.2:latest", "llama3.2:1b", "qwen2.5:0.5b", "nomic-embed-text:latest")
_OLLAMA_EMBEDDING_DIMENSIONS = 768


def _ollama_name(model: str) -> str:
    return model if ":" in model else f"{model}:latest"


class OllamaResponder(Responder):
    def fault_error(self, kind: str, opts: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if kind == "500":
            return 500, {"error": "llama runner process has terminated: exit status 2"}, {}
        retry = str(opts.get("retry_after", 7))
        return (
            429,
            {"error": "server busy, please try again. maximum pending requests exceeded"},
            {"Retry-After": retry},
        )

    def serve(self, request: RecordedRequest, reply: Reply, fault: str | None, opts: dict[str, Any]) -> None:
        path = urlsplit(request.path).path
        if request.method == "GET" and path == "/":
            reply.raw(200, b"Ollama is running", "text/plain; charset=utf-8")
        elif request.method == "GET" and path == "/api/version":
            self.send(reply, {"version": "0.6.5"}, fault)
        elif request.method == "GET" and path == "/api/tags":
            models = [
                {"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z", "size": 1_300_000_000}
                for m in OLLAMA_MODELS
            ]
            self.send(reply, {"models": models}, fault)
        elif request.method == "POST" and path in ("/api/generate", "/api/chat"):
            self._generate(request, reply, fault, opts, chat=path == "/api/chat")
        elif request.method == "POST" and path == "/api/embed":
            self._embed(request, reply, fault)
        else:
            reply.raw(404, b"404 page not found", "text/plain")

    def _generate(
        self, request: RecordedRequest, reply: Reply, fault: str | None, opts: dict[str, Any], *, chat: bool
    ) -> None:
        body = request.json()
        if not isinstance(body, dict) or not body.get("model"):
            reply.json(400, {"error": "model is required"})
            return
        model = str(body["model"])
        if _ollama_name(model) not in OLLAMA_MODELS:
            reply.json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        if chat:
            messages = body.get("messages") or [{}]
            prompt = str(messages[-1].get("content", "")) if isinstance(messages[-1], dict) else ""
        else:
            prompt = str(body.get("prompt", ""))
        tokens = _text_tokens(prompt, fault, opts)

        def line(text: str, done: bool) -> dict[str, Any]:
            doc: dict[str, Any] = {"model": model, "created_at": _now()}
            if chat:
                doc["message"] = {"role": "assistant", "content": text}
            else:
                doc["response"] = text
            doc["done"] = done
            if done:
                doc.update(done_reason="stop", total_duration=1_000_000, eval_count=len(tokens))
            return doc

        if body.get("stream", True) is False:
            self.send(reply, line("".join(tokens), True), fault)
            return
        events = [json.dumps(line(t, False)).encode() + b"\n" for t in tokens]
        events.append(json.dumps(line("", True)).encode() + b"\n")
        broken = b'{"model": "' + model.encode() + b'", "response": " and th\n'
        self.send_stream(reply, "application/x-ndjson", events, b"", broken, fault, opts)

    def _embed(self, request: RecordedRequest, reply: Reply, fault: str | None) -> None:
        """``{"model", "input": str | [str]}`` in, ``{"embeddings": [[...], ...]}`` out;
        ``invalid_payload`` leaves the last vector out."""
        body = request.json()
        if not isinstance(body, dict) or not body.get("model"):
            reply.json(400, {"error": "model is required"})
            return
        model = str(body["model"])
        if _ollama_name(model) not in OLLAMA_MODELS:
            reply.json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        given = body.get("input")
        texts = [given] if isinstance(given, str) else given
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            reply.json(400, {"error": "invalid input type"})
            return
        vectors = [content.vector(t, _OLLAMA_EMBEDDING_DIMENSIONS) for t in texts]
        if fault == "invalid_payload":
            vectors = vectors[:-1]
        doc = {
            "model": model,
            "embeddings": vectors,
            "total_duration": 1_000_000,
            "load_duration": 100_000,
            "prompt_eval_count": sum(len(t.split()) for t in texts),
        }
        self.send(reply, doc, fault)


RESPONDERS: dict[str, type[Responder]] = {
    "cloudflare": CloudflareResponder,
    "gemini": GeminiResponder,
    "ollama": OllamaResponder,
}
