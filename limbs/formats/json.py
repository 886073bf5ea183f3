"""JSON files, and the documents the studio writes as JSON: each declares what it is
(``format`` or ``$schema``) and is then held to that document's own rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from limbs.formats import entity, quest, world_bible
from limbs.formats.base import Format, nesting_limited, parse_json

# JSON bigger than this is shown as text, never parsed for a card or a diagram.
MAX_PREVIEW_BYTES = 512 * 1024

# Documents by what they declare: (key, value) -> checker.
_DOCUMENTS: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("format", quest.QUEST_FORMAT): quest.validate_quest,
    ("format", world_bible.WORLD_FORMAT): world_bible.validate_world_bible,
    ("$schema", entity.ENTITY_SCHEMA_ID): entity.validate_entity,
    ("$schema", entity.BEHAVIOR_TREE_SCHEMA_ID): entity.validate_behavior_tree,
}


def _declared(doc: Any) -> Callable[[Any], dict[str, Any]] | None:
    if not isinstance(doc, dict):
        return None
    for key in ("format", "$schema"):
        value = doc.get(key)
        if isinstance(value, str) and (key, value) in _DOCUMENTS:
            return _DOCUMENTS[(key, value)]
    return None


@nesting_limited("JSON")
def validate_json(data: bytes) -> dict[str, Any]:
    doc = parse_json(data, "JSON")
    document = _declared(doc)
    if document is not None:
        return document(doc)
    return {"bytes": len(data)}


def read_json(data: bytes) -> Any:
    """The parsed document, or None when it is too big to preview or not JSON."""
    if len(data) > MAX_PREVIEW_BYTES:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def preview_of(data: bytes) -> str:
    """quest and entity documents have pictures of their own; other JSON reads as code."""
    doc = read_json(data)
    if quest.is_quest(doc):
        return "quest"
    return "entity" if entity.is_entity(doc) else "code"


def _sniff(data: bytes) -> bool:
    head = data[:64].lstrip()
    return head[:1] in (b"{", b"[") and read_json(data) is not None


FORMAT = Format(
    id="json",
    name="JSON data",
    mimes=("application/json", "text/json"),
    kind="json",
    suffixes=(".json",),
    validate=validate_json,
    preview="code",
    sniff=_sniff,
    preview_of=preview_of,
    read=read_json,
)
