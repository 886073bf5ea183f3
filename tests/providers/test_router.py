"""The router walking the real chain against fake providers: failover, breakers,
budgets, validation, preferences, and tiers that are not configured."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import pytest

from limbs import breakers
from limbs.fakes.server import FakeProvider
from limbs.formats.png import validate_png
from limbs.router import route
from limbs.spec import GenRequest, Upload
from tests.relics import synth

pytestmark = pytest.mark.django_db


def _request(seed: int = 1, **params: Any) -> GenRequest:
    merged = {"width": 64, "height": 64, "style": "auto"} | params
    return GenRequest(intent="a red dragon", params=merged, seed=seed)


def _route(seed: int = 1, deadline_s: float = 30.0, prefer: str = "", **params: Any) -> Any:
    return route(
        "image", "generate", _request(seed, **params), key=None, deadline_s=deadline_s, prefer=prefer
    )


def _outcomes(result: Any) -> list[tuple[str, str]]:
    return [(a.provider, a.outcome) for a in result.attempts]


def test_a_healthy_cloudflare_answers_first_with_a_png_of_the_requested_size(
    cf_settings: FakeProvider,
) -> None:
    result = _route(width=96, height=64)
    assert result.provider == "cloudflare"
    assert result.model == "@cf/black-forest-labs/flux-1-schnell"
    assert _outcomes(result) == [("cloudflare", "ok")]
    info = validate_png(result.outputs[0].data)
    assert (info["width"], info["height"]) == (96, 64)
    assert cf_settings.request_count == 1


def test_an_unconfigured_tier_is_never_called(gemini_fake: FakeProvider, cf_settings: FakeProvider) -> None:
    cf_settings.set_fault("500")
    result = _route()
    assert result.provider == "procedural"
    assert ("gemini", "skipped") in _outcomes(result)
    assert gemini_fake.request_count == 0


@pytest.mark.parametrize(
    ("fault", "opts", "kind"),
    [
        ("500", {}, "http_5xx"),
        ("429", {"retry_after": 3}, "rate_limited"),
        ("cf_4006", {}, "quota_exhausted"),
        ("refused", {}, "refused"),
        ("invalid_payload", {}, None),
    ],
)
def test_a_failing_cloudflare_falls_through_to_gemini(
    cf_settings: FakeProvider,
    gemini_settings: FakeProvider,
    fault: str,
    opts: dict[str, Any],
    kind: str | None,
) -> None:
    cf_settings.set_fault(fault, **opts)
    result = _route()
    assert _outcomes(result) == [("cloudflare", "invalid" if kind is None else "error"), ("gemini", "ok")]
    assert result.attempts[0].detail.startswith(kind or "invalid_payload")
    validate_png(result.outputs[0].data, width=64, height=64)


def test_a_stalled_tier_costs_at_most_its_hop_timeout_then_the_chain_moves_on(
    cf_settings: FakeProvider, settings: Any
) -> None:
    settings.POG_HOP_TIMEOUT_S = 0.3
    cf_settings.set_fault("stall")
    result = _route()
    assert _outcomes(result)[0] == ("cloudflare", "error")
    assert result.attempts[0].detail.startswith("stalled")
    assert result.provider == "procedural"


def test_the_procedural_reserve_is_kept_out_of_remote_hops(cf_settings: FakeProvider, settings: Any) -> None:
    settings.POG_PROCEDURAL_RESERVE_S = 5.0
    result = _route(deadline_s=5.0)
    # No time is left for a remote hop once the reserve is kept back.
    assert _outcomes(result) == [("cloudflare", "skipped"), ("gemini", "skipped"), ("procedural", "ok")]
    assert result.attempts[0].detail == "no time left in the budget"
    assert cf_settings.request_count == 0


def test_200_requests_against_a_dead_primary_all_succeed_and_spare_it(
    cf_settings: FakeProvider, settings: Any
) -> None:
    cf_settings.set_fault("500")
    for seed in range(200):
        assert _route(seed=seed).provider == "procedural"
    # The breaker opened after its minimum request count; its open period (15 s)
    # outlasts this loop, so at most one half-open probe could have gone through.
    assert cf_settings.request_count <= settings.POG_BREAKER_MIN_REQUESTS + 1
    state = breakers.breaker("cloudflare", "@cf/black-forest-labs/flux-1-schnell").state()
    assert state.state == "open"


def test_a_quota_answer_opens_the_breaker_at_once(cf_settings: FakeProvider) -> None:
    cf_settings.set_fault("cf_4006")
    _route()
    state = breakers.breaker("cloudflare", "@cf/black-forest-labs/flux-1-schnell").state()
    assert state.state == "open"
    cf_settings.clear()
    result = _route(seed=2)
    assert _outcomes(result)[0] == ("cloudflare", "skipped")
    assert result.attempts[0].detail == "breaker open"
    assert cf_settings.request_count == 1


def test_a_breaker_forced_open_by_staff_stops_calls_and_release_restores_them(
    cf_settings: FakeProvider,
) -> None:
    guard = breakers.breaker("cloudflare", "@cf/black-forest-labs/flux-1-schnell")
    guard.force("open")
    assert _route().provider == "procedural"
    assert cf_settings.request_count == 0
    guard.force(None)
    assert _route(seed=3).provider == "cloudflare"


def test_the_preferred_model_goes_first_with_that_model(
    cf_settings: FakeProvider, gemini_settings: FakeProvider
) -> None:
    result = _route(prefer="gemini:gemini-2.0-flash-preview-image-generation")
    assert result.provider == "gemini"
    assert _outcomes(result) == [("gemini", "ok")]
    assert "gemini-2.0-flash-preview-image-generation" in gemini_settings.requests[0].path
    assert cf_settings.request_count == 0


@pytest.fixture
def short_open_period(settings: Any) -> Any:
    settings.POG_BREAKER_OPEN_S = 1
    breakers.use_backend(None)  # the next breaker reads the policy from settings again
    breakers.reset_all()
    yield settings
    breakers.reset_all()
    breakers.use_backend(None)


def test_a_breaker_recovers_through_one_half_open_probe(
    cf_settings: FakeProvider, short_open_period: Any
) -> None:
    settings = short_open_period
    cf_settings.set_fault("500")
    for seed in range(settings.POG_BREAKER_MIN_REQUESTS + 3):
        _route(seed=seed)
    calls = cf_settings.request_count
    assert calls == settings.POG_BREAKER_MIN_REQUESTS
    cf_settings.clear()
    time.sleep(1.1)
    assert _route(seed=100).provider == "cloudflare"
    assert _route(seed=101).provider == "cloudflare"


def _sample_inputs() -> dict[str, bytes]:
    """One file of each kind a built action may take, made by the procedural generators."""
    from limbs.registry import REGISTRY

    def first(limb: str, action: str, intent: str, **params: Any) -> bytes:
        return REGISTRY.call(limb, action, GenRequest(intent, params, 1)).outputs[0].data

    sprite = first("image", "sprite", "a bat", size=16, kind="auto", outline=True)
    other = first("image", "sprite", "a frog", size=16, kind="auto", outline=True)
    gif = (
        REGISTRY.call(
            "video",
            "animate",
            GenRequest(
                "", {"motion": "bob", "frames": 4, "fps": 8, "format": "gif"}, 1, inputs={"image": sprite}
            ),
        )
        .outputs[0]
        .data
    )
    return {
        "file": sprite,
        "assets[0]": sprite,
        "image": sprite,
        "sprite": sprite,
        "first": sprite,
        "second": other,
        "frames": gif,
        "animation": gif,
        "sound": first("audio", "sfx", "a coin"),
        "entities": first("entity", "archetype", "a goblin"),
    }


def _sample_snapshots() -> dict[str, bytes]:
    """What the actions that read the studio are handed (as the job would hand them)."""
    import json

    from limbs.parts.id_auditor._ids import build_ids_input

    record = json.dumps({"generation": "g", "status": "succeeded", "provider": "procedural", "attempts": []})
    sprite = _sample_inputs()["image"]
    chosen = [
        {"id": "a", "name": "bat.png", "mime": "image/png", "sha256": hashlib.sha256(sprite).hexdigest()}
    ]
    relic = {
        "cache": "0" * 64,
        "era": "classic",
        "kind": "items",
        "key": "0",
        "index": 0,
        "name": "Iron Mace",
    }
    shown = {"ext": "png", "mime": "image/png", "sha256": "", "data": base64.b64encode(sprite).decode()}
    return {
        "catalog": json.dumps(
            {"cache": "0" * 64, "era": "classic", "counts": {}, "total": 0, "entries": []}
        ).encode(),
        "entry": json.dumps({"relic": relic | {"fields": {}, "preview": "png"}, "file": shown}).encode(),
        "matches": json.dumps(
            {"name": "Iron Mace", "normalised": "iron mace", "total": 0, "matches": []}
        ).encode(),
        "things": json.dumps({"total": 0, "things": []}).encode(),
        "chosen": json.dumps(chosen).encode(),
        "generation": record.encode(),
        "ids": build_ids_input([("old cache", "relic", {"item": [0, 1, 2, 5]})]),
    }


# Asset parameters only need to be present for validation; the bytes come from _sample_inputs.
_FIXED: dict[tuple[str, str], dict[str, Any]] = {
    ("mesh", "image_to_3d"): {"image": "x"},
    ("ghost", "introspect"): {"generation": "g"},
    ("image", "generate"): {"width": 64, "height": 64},
    ("quantum", "variants"): {"target": "image", "action": "sprite", "count": 2},
    ("audio", "music"): {"bars": 4},
    ("relic", "excavate"): {"file": Upload("config85.jag", synth.classic_files()["config85.jag"])},
    ("relic", "preview"): {"entry": "items/0"},
    ("relic", "fork"): {"entry": "items/0"},
    ("relic", "match"): {"name": "Iron Mace"},
}
# Inputs one action needs in place of the shared ones (a cache where others take a picture).
_INPUTS: dict[tuple[str, str], dict[str, bytes]] = {
    ("relic", "excavate"): {"file": synth.classic_files()["config85.jag"]},
}


def test_every_built_action_answers_with_every_remote_tier_stalled(
    cf_settings: FakeProvider, gemini_settings: FakeProvider, settings: Any
) -> None:
    from limbs.formats import validate_outputs
    from limbs.params import validate_params
    from limbs.registry import REGISTRY

    settings.POG_HOP_TIMEOUT_S = 0.2
    cf_settings.set_fault("stall")
    gemini_settings.set_fault("stall")
    inputs = _sample_inputs()
    snapshots = _sample_snapshots()
    built = [(limb, action) for limb in REGISTRY.limbs for action in limb.actions if action.built]
    assert len(built) >= 30
    for limb, action in built:
        raw = dict(_FIXED.get((limb.id, action.id), {}))
        for spec in action.params:
            if spec.type == "asset" and spec.required:
                raw.setdefault(spec.name, "00000000-0000-0000-0000-000000000000")
            if spec.type == "assets":
                raw.setdefault(spec.name, ["00000000-0000-0000-0000-000000000000"])
            if spec.type == "file":
                raw.setdefault(spec.name, Upload("bat.png", inputs["image"]))
            if spec.type == "relic":
                raw.setdefault(spec.name, "0" * 64)
        params = validate_params(action, raw)
        # The job stores a sent file and hands its bytes over by name.
        params = {k: ({"name": v.name} if isinstance(v, Upload) else v) for k, v in params.items()}
        given = inputs | _INPUTS.get((limb.id, action.id), {})
        request = GenRequest("a dragon", params, seed=3, inputs=given, snapshots=snapshots)
        result = route(limb.id, action.id, request, key=None, deadline_s=action.deadline_s)
        assert result.provider == "procedural", (limb.id, action.id)
        validate_outputs(result.outputs, action.check)


def _wait_for_state(provider: str, model: str, wanted: str, within_s: float = 5.0) -> str:
    until = time.monotonic() + within_s
    state = ""
    while time.monotonic() < until:
        state = breakers.breaker(provider, model).state().state
        if state == wanted:
            break
        time.sleep(0.02)
    return state


def test_a_single_stall_opens_the_breaker_so_the_next_request_makes_no_remote_hop(
    cf_settings: FakeProvider, settings: Any
) -> None:
    settings.POG_HOP_TIMEOUT_S = 0.3
    cf_settings.set_fault("stall")
    first = _route(seed=1)
    assert _outcomes(first)[0] == ("cloudflare", "error")
    started = time.monotonic()
    second = _route(seed=2)
    assert time.monotonic() - started < 0.25
    assert [a.detail for a in second.attempts if a.provider == "cloudflare"] == ["breaker open"]
    assert cf_settings.request_count == 1


def test_a_stalled_half_open_probe_costs_the_request_only_the_probe_patience(
    cf_settings: FakeProvider, short_open_period: Any
) -> None:
    settings = short_open_period
    settings.POG_HOP_TIMEOUT_S = 1.0
    settings.POG_PROBE_PATIENCE_S = 0.15
    cf_settings.set_fault("stall")
    _route(seed=1)  # pays the stall once and opens the breaker
    model = _route(seed=2).attempts[0].model
    time.sleep(1.05)  # the open period ends: the next request is the probe
    started = time.monotonic()
    probing = _route(seed=3)
    waited = time.monotonic() - started
    assert probing.provider == "procedural"
    assert 0.15 <= waited < 0.6
    probe = probing.attempts[0]
    assert (probe.provider, probe.outcome) == ("cloudflare", "skipped")
    assert "probe" in probe.detail
    assert cf_settings.request_count == 2
    # The probe runs on to its hop timeout and opens the breaker again, for longer.
    assert _wait_for_state("cloudflare", model, "open") == "open"
    time.sleep(1.2)  # still within the doubled open period: nobody probes
    _route(seed=4)
    assert cf_settings.request_count == 2


def test_a_probe_that_answers_after_the_request_moved_on_still_closes_the_breaker(
    cf_settings: FakeProvider, short_open_period: Any
) -> None:
    settings = short_open_period
    settings.POG_PROBE_PATIENCE_S = 0.1
    cf_settings.set_fault("500")
    for seed in range(settings.POG_BREAKER_MIN_REQUESTS):
        _route(seed=seed)
    model = _route(seed=50).attempts[0].model
    cf_settings.clear()
    cf_settings.latency_s = 0.4  # healthy again, but slower than the patience
    time.sleep(1.05)
    assert _route(seed=100).provider == "procedural"
    assert _wait_for_state("cloudflare", model, "closed") == "closed"
    cf_settings.latency_s = 0.0
    assert _route(seed=101).provider == "cloudflare"


def test_a_probe_that_answers_within_the_patience_serves_its_request(
    cf_settings: FakeProvider, short_open_period: Any
) -> None:
    settings = short_open_period
    cf_settings.set_fault("500")
    for seed in range(settings.POG_BREAKER_MIN_REQUESTS):
        _route(seed=seed)
    cf_settings.clear()
    time.sleep(1.05)
    result = _route(seed=100)
    assert result.provider == "cloudflare"
    assert _outcomes(result) == [("cloudflare", "ok")]
