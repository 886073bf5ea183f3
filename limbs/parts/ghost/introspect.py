"""Ghost · Why?: Explains why a request used the backup: every try and which services were paused.

The generation's recorded attempts come in as JSON from the job layer, which owns the
database, and go out as a report in plain words.
"""

from __future__ import annotations

import json
from typing import Any

from limbs.params import generation, kw
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

PROVIDER_NAMES = {
    "cloudflare": "Cloudflare",
    "gemini": "Gemini",
    "ollama": "Ollama",
    "procedural": "the studio's own generator",
    "cache": "the studio's memory",
}

# What each failure kind means, said so a child understands it.
_KIND_WORDS = {
    "http_5xx": "had a hiccup on its side (a server error)",
    "rate_limited": "said we were asking too often, so we let it rest",
    "quota_exhausted": "has used up its free allowance for today",
    "refused": "was not answering at all",
    "timeout": "took too long, so we stopped waiting",
    "stalled": "went quiet without sending anything, so we stopped waiting",
    "malformed": "sent back a garbled answer",
    "invalid_payload": "sent something that was not a real result",
    "bad_request": "did not understand the request",
    "auth": "did not accept the studio's key",
}


def _step_words(attempt: dict[str, Any]) -> str:
    name = PROVIDER_NAMES.get(attempt.get("provider", ""), attempt.get("provider", "a helper"))
    outcome = attempt.get("outcome")
    detail = str(attempt.get("detail") or "")
    if outcome == "ok":
        return f"{name} made it."
    if outcome == "skipped":
        if detail == "not configured":
            return f"{name} is not set up in this studio, so it was skipped without waiting."
        if detail == "breaker open":
            return f"{name} was resting after failing recently, so we did not wait for it."
        if detail.startswith("no time"):
            return f"There was no time left to ask {name}."
        return f"{name} was skipped ({detail})."
    kind = detail.split(":", 1)[0].strip()
    if outcome == "invalid":
        return f"{name} answered, but the answer was not usable ({detail}), so we moved on."
    return f"{name} {_KIND_WORDS.get(kind, 'failed')}, so we moved on."


def make(req: GenRequest) -> GenResult:
    raw = req.snapshots.get("generation")
    if raw is None:
        raise GeneratorInputError("generation", "Which request should I explain? Give its id.")
    try:
        record = json.loads(raw)
    except ValueError:
        raise GeneratorInputError("generation", "That request's record could not be read.") from None
    attempts: list[dict[str, Any]] = list(record.get("attempts") or [])
    provider = record.get("provider") or ""
    remote_tried = [a for a in attempts if a.get("provider") not in ("procedural", "cache")]
    fell_back = provider == "procedural" and bool(remote_tried)
    answered = PROVIDER_NAMES.get(provider, provider or "nobody")
    if record.get("cache") == "hit":
        summary = "This was made before with exactly the same words and seed, so the studio remembered it."
    elif record.get("status") != "succeeded":
        summary = f"This request has not succeeded (it is {record.get('status')})."
    elif fell_back:
        reasons = [_step_words(a) for a in remote_tried]
        summary = " ".join(reasons) + f" So {answered} made it instead, and you still got a real result."
    elif provider == "procedural":
        summary = "Only the studio's own generator can make this, and it did."
    else:
        summary = f"{answered} made it on the first try that could answer."
    report = {
        "generation": record.get("generation"),
        "limb": record.get("limb"),
        "action": record.get("action"),
        "answered_by": provider,
        "model": record.get("model"),
        "cache": record.get("cache"),
        "fell_back": fell_back,
        "summary": summary,
        "steps": [dict(a, explanation=_step_words(a)) for a in attempts],
        "breakers": record.get("breakers", []),
    }
    data = json.dumps(report, indent=2, sort_keys=True).encode()
    return GenResult(outputs=[Output(data=data, mime="application/json", name="why.json")], meta={})


ACTION = ActionSpec(
    id="introspect",
    name="Why?",
    description="Explains why a request used the backup: every try and which services were paused.",
    output="json",
    needs_intent=False,
    cacheable=False,
    params=(generation("generation", "Request", "The id of one of your requests to explain."),),
    keywords=kw("introspect, why, fell back, fall back, fallback"),
    reads=("generation",),
    make=make,
)
