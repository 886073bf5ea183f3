"""What a model is asked for a world bible, and how its answer is read back (``world_bible.TASK``).

The model writes the JSON only, in exactly the shape and counts the prompt spells out; the
Markdown is rendered from it by the generator's own renderer, so no model prose reaches the
person unchecked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template
from typing import Any

from limbs.formats import OutputInvalid
from limbs.formats.world_bible import validate_world_bible
from limbs.parts.divine._theme import read_theme
from limbs.spec import GenRequest

WORLD_BIBLE_FORMAT = "pog.world_bible/1"
# The defaults of the action's count params (``world_bible.ACTION``).
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
