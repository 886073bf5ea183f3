"""What to give any built action so it can run: files for its asset parameters, chosen by
what each parameter accepts from files the studio's own makers write, and smaller values
where a default would be slow. Pure Python; the API tests store the same files as assets."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from limbs.params import validate_params
from limbs.registry import REGISTRY
from limbs.spec import ActionSpec, GenRequest, Upload

# Where a default is slow, a smaller value keeps the suite quick; bench/ times the defaults.
QUICK_PARAMS: dict[tuple[str, str], dict[str, Any]] = {
    ("image", "generate"): {"width": 96, "height": 96},
    ("audio", "music"): {"bars": 4},
    ("material", "pbr"): {"resolution": "256"},
    ("quantum", "variants"): {"target": "image", "action": "sprite", "count": 2},
    # The relic actions name an entry of the synthetic cache (tests/relics/synth.py).
    ("relic", "preview"): {"entry": "items/0"},
    ("relic", "fork"): {"entry": "items/0"},
    ("relic", "match"): {"name": "Iron Mace"},
}
# A relic cache param: a cache of the person's (the API tests register the synthetic one).
SAMPLE_CACHE = "0" * 64

# Parameters that name another request rather than a file: the job hands ``make`` that
# request's record under the parameter's name (ghost.introspect explains one).
REQUEST_RECORD = json.dumps(
    {
        "generation": "00000000-0000-0000-0000-000000000001",
        "status": "succeeded",
        "provider": "procedural",
        "cache": "miss",
        "attempts": [
            {
                "provider": "cloudflare",
                "model": "m",
                "outcome": "error",
                "ms": 12.0,
                "detail": "http_5xx: 500",
            },
            {"provider": "procedural", "model": "", "outcome": "ok", "ms": 3.0, "detail": ""},
        ],
    }
).encode()
REFERENCES = {"generation": REQUEST_RECORD}


@dataclass(frozen=True)
class SampleFile:
    mime: str
    name: str
    data: bytes


def _made(limb: str, action: str, intent: str, inputs: dict[str, bytes] | None = None, **params: Any) -> Any:
    spec = REGISTRY.action(limb, action)
    assert spec is not None
    clean = validate_params(spec, {**params, **dict.fromkeys(inputs or {}, "sample")})
    output = REGISTRY.call(limb, action, GenRequest(intent, clean, 1, inputs=inputs or {})).outputs[0]
    return SampleFile(output.mime, output.name, output.data)


@lru_cache(maxsize=1)
def sample_files() -> tuple[SampleFile, ...]:
    """One or two files of each kind an asset parameter takes, in the order they are offered:
    two pictures, an animation, a sound and an entity."""
    frog = _made("image", "sprite", "a green frog", size=16)
    bird = _made("image", "sprite", "a blue bird", size=16)
    loop = _made("video", "animate", "", {"image": frog.data}, motion="bob", frames=4, fps=8, format="gif")
    coin = _made("audio", "sfx", "a coin")
    goblin = _made("entity", "archetype", "a goblin")
    return (frog, bird, loop, coin, goblin)


def _accepted(accepts: tuple[str, ...], mime: str) -> bool:
    return any(mime.startswith(prefix) for prefix in accepts)


def files_for(action: ActionSpec) -> dict[str, SampleFile]:
    """A sample file for each required asset parameter of ``action``: the first one it
    accepts, and a different one for each further parameter that accepts the same kind
    (``entangle`` mixes two pictures, not one picture with itself)."""
    chosen: dict[str, SampleFile] = {}
    for spec in action.params:
        if spec.type != "asset" or not spec.required:
            continue
        fits = [f for f in sample_files() if _accepted(spec.accepts, f.mime)]
        assert fits, f"no sample file is {', '.join(spec.accepts)} for {action.id}.{spec.name}"
        unused = [f for f in fits if f not in chosen.values()]
        chosen[spec.name] = (unused or fits)[0]
    return chosen


def references_for(action: ActionSpec) -> dict[str, bytes]:
    """The records the job would hand ``make`` for the parameters that name a request."""
    return {spec.name: REFERENCES[spec.name] for spec in action.params if spec.name in REFERENCES}


def many_for(action: ActionSpec) -> dict[str, tuple[SampleFile, ...]]:
    """Sample files for each parameter that takes several assets (two that it accepts)."""
    return {
        spec.name: tuple(f for f in sample_files() if _accepted(spec.accepts, f.mime))[:2]
        for spec in action.params
        if spec.type == "assets"
    }


def _cache_file() -> SampleFile:
    from tests.relics import synth

    return SampleFile("application/octet-stream", "config85.jag", synth.classic_files()["config85.jag"])


def uploads_for(action: ActionSpec) -> dict[str, SampleFile]:
    """A file sent with the request for each ``file`` parameter: a small picture, or a
    relic cache's file for the relic limb's excavation."""
    sample = _cache_file() if action.id == "excavate" else sample_files()[0]
    return {spec.name: sample for spec in action.params if spec.type == "file" and spec.required}


def relics_for(action: ActionSpec) -> list[str]:
    """The parameters that name a relic cache."""
    return [spec.name for spec in action.params if spec.type == "relic" and spec.required]


def snapshots_for(action: ActionSpec) -> dict[str, bytes]:
    """What a job would read of the studio for ``action``'s ``reads``, as canonical JSON."""
    from limbs.parts.id_auditor._ids import build_ids_input
    from provenance.canonical import canonical_json

    chosen = [
        {"id": f"a{i}", "name": f.name, "mime": f.mime, "sha256": hashlib.sha256(f.data).hexdigest()}
        for files in many_for(action).values()
        for i, f in enumerate(files)
    ]
    frog = sample_files()[0].data
    relic = {"cache": SAMPLE_CACHE, "era": "classic", "kind": "items", "key": "0", "index": 0}
    shown = {"ext": "png", "mime": "image/png", "sha256": "", "data": base64.b64encode(frog).decode()}
    known = {
        "catalog": canonical_json(
            {"cache": SAMPLE_CACHE, "era": "classic", "counts": {}, "total": 0, "entries": []}
        ),
        "entry": canonical_json(
            {"relic": relic | {"name": "Iron Mace", "fields": {}, "preview": "png"}, "file": shown}
        ),
        "matches": canonical_json(
            {"name": "Iron Mace", "normalised": "iron mace", "total": 0, "matches": []}
        ),
        "ids": build_ids_input([("old cache", "relic", {"item": [0, 1, 2, 5]})]),
        "generation": REQUEST_RECORD,
        "things": canonical_json({"total": 0, "things": []}),
        "chosen": canonical_json(chosen),
    }
    return {name: known[name] for name in action.reads}


def pure_request(limb: str, action: ActionSpec, intent: str | None = None, seed: int = 3) -> GenRequest:
    """A request a job could hand ``make`` for ``limb.action``: quick params validated as the
    API validates them, a file for each asset parameter and a record for each reference."""
    files = files_for(action)
    many = many_for(action)
    sent = uploads_for(action)
    references = references_for(action)
    raw: dict[str, Any] = {**QUICK_PARAMS.get((limb, action.id), {}), **dict.fromkeys(files, "sample")}
    raw.update(dict.fromkeys(references, "sample"))
    raw.update({name: [f"a{i}" for i in range(len(group))] for name, group in many.items()})
    raw.update({name: Upload(f.name, f.data) for name, f in sent.items()})
    raw.update(dict.fromkeys(relics_for(action), SAMPLE_CACHE))
    if intent is None:
        intent = "a spooky cave full of glowing crystals" if action.needs_intent else ""
    inputs = {name: f.data for name, f in files.items()}
    inputs |= {f"{name}[{i}]": f.data for name, group in many.items() for i, f in enumerate(group)}
    inputs |= {name: f.data for name, f in sent.items()}
    params = validate_params(action, raw)
    # As the job holds them: a sent file by its name (its bytes come as an input).
    params.update({name: {"name": f.name} for name, f in sent.items()})
    return GenRequest(intent, params, seed, inputs=inputs, snapshots=snapshots_for(action))
