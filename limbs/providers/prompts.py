"""What the remote tiers ask a model for, per action, and how its answer becomes outputs.

One place per action: the prompt built from the request's params, and the hand-off that
turns a model's answer into exactly the outputs the procedural generator makes (same MIME
types, names and roles), refusing anything that is not the format asked for. A refusal is
a ``ProviderError`` of kind ``invalid_payload``, so the router moves on down the chain.

* ``divine.world_bible``: the model writes the JSON only; the Markdown is rendered from it
  by the generator's own renderer, so no model prose reaches the person unchecked.
* ``audio.speech``: the provider-neutral part (the words, voice and language asked for, and
  the WAV check); the wire payloads live with the Cloudflare client.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from string import Template
from typing import Any

from limbs.craft.words import slug
from limbs.formats import OutputInvalid
from limbs.formats.wav import validate_wav
from limbs.formats.world_bible import validate_world_bible
from limbs.parts.audio._sound import WAV
from limbs.parts.audio._voice import choose_voice, spoken_text
from limbs.parts.divine._theme import read_theme
from limbs.parts.divine.world_bible import world_markdown
from limbs.providers.base import ProviderResult
from limbs.providers.errors import ProviderError
from limbs.spec import GenRequest, Output

# --- divine.world_bible -------------------------------------------------------------

WORLD_BIBLE_FORMAT = "pog.world_bible/1"
# The registry's defaults for the action's count params (limbs/registry.py).
WORLD_BIBLE_DEFAULTS = {"factions": 3, "places": 5, "eras": 3}
MAX_INTENT_CHARS = 500

# $-placeholders because the JSON shape in the text is full of braces.
WORLD_BIBLE_PROMPT = Template(
    'You are writing a game world bible for: "$intent". Genre: $genre. '
    "Reply with ONE JSON object and nothing else, exactly this shape: "
    '{"format":"pog.world_bible/1","title":str,"summary":str,"genre":str,"flavours":[str], '
    '"factions":[{"id","name","leader","motto","description","seat","allies":[],"rivals":[]}], '
    '"places":[{"id","name","kind","description","ruled_by":faction id or null,"routes":[place ids],'
    '"founded_in":era id}], "history":[{"id","name","description","start_year":int,"end_year":int,'
    '"events":[{"year":int,"text":str,"factions":[ids],"places":[ids]}]}]} '
    "Rules: exactly $factions factions, $places places, $eras eras. Every id is lower_snake_case, "
    "starts with a letter, and is unique across factions, places and eras. `seat` and `routes` hold "
    "place ids; `allies`, `rivals` and `ruled_by` hold faction ids; a faction never lists itself, and "
    "never has the same faction as both ally and rival. Eras run in order: each start_year is greater "
    "than the previous end_year, and every event year lies within its era. Every event's factions and "
    "places lists contain only ids defined above. Use only plain double-quoted JSON with no comments. "
    "Keep it friendly for children."
)

_TOP_KEYS = frozenset({"format", "title", "summary", "genre", "flavours", "factions", "places", "history"})
_FACTION_KEYS = frozenset({"id", "name", "leader", "motto", "description", "seat", "allies", "rivals"})
_PLACE_KEYS = frozenset({"id", "name", "kind", "description", "ruled_by", "routes", "founded_in"})
_ERA_KEYS = frozenset({"id", "name", "description", "start_year", "end_year", "events"})
_EVENT_KEYS = frozenset({"year", "text", "factions", "places"})
_TEXT = {
    "faction": ("id", "name", "leader", "motto", "description", "seat"),
    "place": ("id", "name", "kind", "description", "founded_in"),
    "era": ("id", "name", "description"),
}
_ID_LISTS = {"faction": ("allies", "rivals"), "place": ("routes",), "era": ()}
_KEYS = {"faction": _FACTION_KEYS, "place": _PLACE_KEYS, "era": _ERA_KEYS}


@dataclass(frozen=True)
class WorldAsk:
    intent: str
    genre: str
    factions: int
    places: int
    eras: int


def world_bible_ask(request: GenRequest) -> WorldAsk:
    """What the request asks for, with ``genre: auto`` resolved the way the generator does."""
    counts = {key: int(request.params.get(key, default)) for key, default in WORLD_BIBLE_DEFAULTS.items()}
    theme = read_theme(request.intent, str(request.params.get("genre", "auto")))
    # The intent sits inside a quoted string of the prompt: keep it one line, without quotes.
    intent = " ".join(request.intent.split()).replace('"', "'")[:MAX_INTENT_CHARS]
    return WorldAsk(intent, theme.genre.key, counts["factions"], counts["places"], counts["eras"])


def world_bible_prompt(request: GenRequest) -> str:
    ask = world_bible_ask(request)
    return WORLD_BIBLE_PROMPT.substitute(
        intent=ask.intent or "a small friendly world",
        genre=ask.genre,
        factions=ask.factions,
        places=ask.places,
        eras=ask.eras,
    )


def world_bible_max_tokens(request: GenRequest) -> int:
    """Room for the whole JSON (a cut-off answer can never validate), sized by the counts."""
    ask = world_bible_ask(request)
    return min(8192, 512 + 200 * ask.factions + 160 * ask.places + 300 * ask.eras)


def first_json_object(text: str) -> dict[str, Any]:
    """The first balanced top-level ``{...}`` of ``text`` that parses as a JSON object.

    Models wrap JSON in ```json fences or talk around it; braces inside chatter ("your {world}")
    are balanced but not JSON and are stepped over whole, so a nested object is never mistaken
    for the answer.
    """
    start = text.find("{")
    while start != -1:
        end = _balanced_end(text, start)
        if end is None:
            break  # an object that never closes: the answer was cut off
        try:
            doc = json.loads(text[start:end])
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            return doc
        start = text.find("{", end)
    raise OutputInvalid("the answer holds no complete JSON object")


def _balanced_end(text: str, start: int) -> int | None:
    depth = 0
    in_string = False
    escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _exact_keys(item: Any, keys: frozenset[str], where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise OutputInvalid(f"{where} is not an object")
    missing, extra = sorted(keys - item.keys()), sorted(item.keys() - keys)
    if missing or extra:
        raise OutputInvalid(f"{where} has missing keys {missing} / unexpected keys {extra}")
    return item


def _text(item: Mapping[str, Any], key: str, where: str) -> None:
    value = item[key]
    if not isinstance(value, str) or not value.strip():
        raise OutputInvalid(f"{where} '{key}' must be non-empty text")


def _strings(item: Mapping[str, Any], key: str, where: str) -> None:
    value = item[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OutputInvalid(f"{where} '{key}' must be a list of ids")


def _integer(item: Mapping[str, Any], key: str, where: str) -> None:
    # bool is an int to Python, but `true` is not a year.
    if not isinstance(item[key], int) or isinstance(item[key], bool):
        raise OutputInvalid(f"{where} '{key}' must be an integer")


def _genre_key(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


def parse_world_bible(text: str, request: GenRequest) -> dict[str, Any]:
    """The model's world bible as a checked ``pog.world_bible/1`` document; raises
    ``OutputInvalid`` for anything but exactly the shape and counts the prompt asked for."""
    ask = world_bible_ask(request)
    doc = _exact_keys(first_json_object(text), _TOP_KEYS, "the world bible")
    if doc["format"] != WORLD_BIBLE_FORMAT:
        raise OutputInvalid(f"the world bible's format is {doc['format']!r}, not {WORLD_BIBLE_FORMAT!r}")
    for key in ("title", "summary", "genre"):
        _text(doc, key, "the world bible")
    _strings(doc, "flavours", "the world bible")
    if _genre_key(doc["genre"]) != _genre_key(ask.genre):
        raise OutputInvalid(f"the world bible's genre is {doc['genre']!r}, not {ask.genre!r}")
    wanted = {"factions": ask.factions, "places": ask.places, "history": ask.eras}
    for key, count in wanted.items():
        if not isinstance(doc[key], list) or len(doc[key]) != count:
            got = len(doc[key]) if isinstance(doc[key], list) else "no list"
            raise OutputInvalid(f"the world bible needs exactly {count} {key}, it has {got}")
    for group, key in (("faction", "factions"), ("place", "places"), ("era", "history")):
        for n, raw in enumerate(doc[key]):
            where = f"{group} {n}"
            item = _exact_keys(raw, _KEYS[group], where)
            for field in _TEXT[group]:
                _text(item, field, where)
            for field in _ID_LISTS[group]:
                _strings(item, field, where)
            if group == "place" and item["ruled_by"] is not None and not isinstance(item["ruled_by"], str):
                raise OutputInvalid(f"{where} 'ruled_by' must be a faction id or null")
            if group == "era":
                _integer(item, "start_year", where)
                _integer(item, "end_year", where)
                if not isinstance(item["events"], list):
                    raise OutputInvalid(f"{where} 'events' must be a list")
                for m, event in enumerate(item["events"]):
                    ewhere = f"{where} event {m}"
                    _exact_keys(event, _EVENT_KEYS, ewhere)
                    _integer(event, "year", ewhere)
                    _text(event, "text", ewhere)
                    _strings(event, "factions", ewhere)
                    _strings(event, "places", ewhere)
    doc["genre"] = ask.genre
    # Cross-references, id rules and era order: the same check the procedural output passes.
    validate_world_bible(doc)
    return doc


def world_bible_validator(request: GenRequest) -> Callable[[str], None]:
    """A check for a whole streamed answer (``limbs.streaming``'s ``validate``): raises a
    ``ValueError`` (``OutputInvalid``) unless the text holds a valid world bible."""

    def check(text: str) -> None:
        doc = parse_world_bible(text, request)
        validate_world_bible(doc, world_markdown(doc))

    return check


def world_bible_result(provider: str, model: str, request: GenRequest, text: str) -> ProviderResult:
    """The model's text as the generator's two outputs: Markdown (main) and JSON (data)."""
    try:
        doc = parse_world_bible(text, request)
        markdown = world_markdown(doc)
        validate_world_bible(doc, markdown)
    except OutputInvalid as exc:
        raise ProviderError(provider, model, "invalid_payload", str(exc)[:300]) from exc
    stem = slug(request.intent, "world")[:60].rstrip("-") or "world"
    meta = {
        "title": doc["title"],
        "genre": doc["genre"],
        "flavours": list(doc["flavours"]),
        "factions": len(doc["factions"]),
        "places": len(doc["places"]),
        "eras": len(doc["history"]),
        "events": sum(len(era["events"]) for era in doc["history"]),
        "source": provider,
    }
    data = (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    outputs = [
        Output(markdown.encode("utf-8"), "text/markdown", f"{stem}.md", "main", meta),
        Output(data, "application/json", f"{stem}.json", "data", {"format": WORLD_BIBLE_FORMAT}),
    ]
    return ProviderResult(outputs=outputs, model=model)


# --- audio.speech --------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechAsk:
    text: str
    language: str
    voice: str  # the studio's voice name: bright | deep | robot | creature
    voice_from: str  # param | words | default
    speed: float


def speech_ask(request: GenRequest) -> SpeechAsk:
    """The words to say and how, read exactly as the procedural voice reads them."""
    voice, voice_from = choose_voice(request)
    return SpeechAsk(
        text=spoken_text(request.intent),
        language=str(request.params.get("language", "en")),
        voice=voice,
        voice_from=voice_from,
        speed=float(request.params.get("speed", 1.0)),
    )


def is_mp3(data: bytes) -> bool:
    """An ID3 tag or an MPEG audio frame sync: what MP3-only models send."""
    return data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


# What streaming WAV writers put in the size fields when they cannot know the length yet.
_PLACEHOLDER_SIZES = (0, 0xFFFFFFFF)


def _rewrap_wav(data: bytes) -> bytes:
    """A RIFF/WAVE whose data size is a placeholder (streamed writers cannot know the length
    up front), rewritten with the real sizes. Anything else, a truncated file included (its
    size is real, its body short), is returned unchanged for the validator to refuse."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return data
    offset, fmt = 12, b""
    while offset + 8 <= len(data):
        cid, size = struct.unpack_from("<4sI", data, offset)
        body = offset + 8
        if cid == b"fmt ":
            fmt = data[body : body + size]
        elif cid == b"data" and fmt:
            if size not in _PLACEHOLDER_SIZES:
                return data
            samples = data[body:]
            align = struct.unpack_from("<H", fmt, 12)[0] if len(fmt) >= 14 else 1
            samples = samples[: len(samples) - len(samples) % max(1, align)]
            chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples))
            chunks += samples + (b"\x00" if len(samples) % 2 else b"")
            return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks
        offset = body + size + (size & 1)
    return data


def speech_result(provider: str, model: str, request: GenRequest, data: bytes) -> ProviderResult:
    """The provider's audio as the WAV the studio stores, checked like the procedural one.

    MP3 is refused outright: without a decoder the studio cannot tell a voice from noise or
    silence, and it never stores audio it could not check.
    """
    ask = speech_ask(request)
    if is_mp3(data):
        raise ProviderError(
            provider, model, "invalid_payload", "the audio is MP3, which the studio cannot check"
        )
    try:
        info = validate_wav(data)
    except OutputInvalid:
        data = _rewrap_wav(data)
        try:
            info = validate_wav(data)
        except OutputInvalid as exc:
            raise ProviderError(
                provider, model, "invalid_payload", f"the audio is not a usable WAV: {exc}"
            ) from exc
    meta = {
        "text": ask.text,
        "voice": ask.voice,
        "voice_from": ask.voice_from,
        "language": ask.language,
        "speed": ask.speed,
        "duration_s": round(float(info["seconds"]), 3),
        "sample_rate": info["rate"],
        "method": "model",
        "source": provider,
    }
    output = Output(data=data, mime=WAV, name=slug(ask.text, "voice") + ".wav", role="main", meta=meta)
    return ProviderResult(outputs=[output], model=model)
