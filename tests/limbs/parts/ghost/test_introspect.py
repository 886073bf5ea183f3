"""ghost.introspect: a request's fallbacks explained in plain words."""

from __future__ import annotations

import json
from typing import Any

from limbs.parts.ghost import introspect
from limbs.spec import GenRequest


def _record(**extra: Any) -> bytes:
    base = {"generation": "g1", "limb": "image", "action": "generate", "status": "succeeded", "cache": "miss"}
    return json.dumps(base | extra).encode()


def test_introspect_explains_a_fallback_in_plain_words() -> None:
    attempts = [
        {
            "provider": "cloudflare",
            "model": "m",
            "outcome": "error",
            "ms": 3,
            "detail": "quota_exhausted: 4006",
        },
        {"provider": "gemini", "model": "g", "outcome": "skipped", "ms": 0, "detail": "breaker open"},
        {"provider": "procedural", "model": "p", "outcome": "ok", "ms": 90, "detail": ""},
    ]
    request = GenRequest(
        "", {}, 1, snapshots={"generation": _record(provider="procedural", attempts=attempts)}
    )
    report = json.loads(introspect.make(request).outputs[0].data)
    assert report["fell_back"] is True
    assert "free allowance" in report["summary"]
    assert "resting" in report["summary"]
    assert report["steps"][2]["explanation"].endswith("made it.")


def test_introspect_says_when_nothing_fell_back() -> None:
    attempts = [{"provider": "cloudflare", "model": "m", "outcome": "ok", "ms": 900, "detail": ""}]
    request = GenRequest(
        "", {}, 1, snapshots={"generation": _record(provider="cloudflare", attempts=attempts)}
    )
    report = json.loads(introspect.make(request).outputs[0].data)
    assert report["fell_back"] is False
    assert "Cloudflare made it" in report["summary"]
