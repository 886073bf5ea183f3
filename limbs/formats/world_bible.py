"""World bibles (``pog.world_bible/1`` JSON, with a Markdown twin that must agree)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from limbs.formats.base import OutputInvalid, json_of, require, text_of

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
WORLD_FORMAT = "pog.world_bible/1"


def validate_world_bible(
    data: bytes | str | Mapping[str, Any], markdown: bytes | str | None = None
) -> dict[str, Any]:
    """Check a world bible JSON (and, when given, that its Markdown twin agrees).

    Ids are unique, every cross-reference (seat, ruler, ally, rival, route, event
    faction/place) points at something that exists, eras run in order without overlap,
    events fall inside their era. The Markdown must hold the three sections and name
    every faction, place and era the JSON holds.
    """
    doc = json_of(data, "world bible")
    if doc.get("format") != WORLD_FORMAT:
        raise OutputInvalid(f"world bible 'format' must be {WORLD_FORMAT!r}")
    title = require(doc, "title", str, "world bible")
    require(doc, "summary", str, "world bible")
    factions = require(doc, "factions", list, "world bible")
    places = require(doc, "places", list, "world bible")
    eras = require(doc, "history", list, "world bible")
    if not factions or not places or not eras:
        raise OutputInvalid("world bible needs at least one faction, place and era")
    ids: dict[str, str] = {}
    names: list[str] = []
    for group, items in (("faction", factions), ("place", places), ("era", eras)):
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                raise OutputInvalid(f"{group} {n} is not an object")
            iid = require(item, "id", str, f"{group} {n}")
            if not _ID.match(iid):
                raise OutputInvalid(f"{group} id {iid!r} must be lower_snake_case")
            if iid in ids:
                raise OutputInvalid(f"id {iid!r} is used by a {ids[iid]} and a {group}")
            ids[iid] = group
            names.append(require(item, "name", str, f"{group} {iid!r}"))
            require(item, "description", str, f"{group} {iid!r}")

    def ref(value: Any, group: str, where: str) -> None:
        if ids.get(value) != group:
            raise OutputInvalid(f"{where} refers to {value!r}, which is not a {group}")

    for faction in factions:
        where = f"faction {faction['id']!r}"
        ref(faction.get("seat"), "place", f"{where} seat")
        for key in ("allies", "rivals"):
            for other in require(faction, key, list, where):
                ref(other, "faction", f"{where} {key}")
                if other == faction["id"]:
                    raise OutputInvalid(f"{where} lists itself among its {key}")
        if set(faction["allies"]) & set(faction["rivals"]):
            raise OutputInvalid(f"{where} has the same faction as ally and rival")
    for place in places:
        where = f"place {place['id']!r}"
        if place.get("ruled_by") is not None:
            ref(place["ruled_by"], "faction", f"{where} ruled_by")
        for other in require(place, "routes", list, where):
            ref(other, "place", f"{where} routes")
        ref(place.get("founded_in"), "era", f"{where} founded_in")
    previous_end: int | None = None
    events = 0
    for era in eras:
        where = f"era {era['id']!r}"
        start = require(era, "start_year", int, where)
        end = require(era, "end_year", int, where)
        if end < start:
            raise OutputInvalid(f"{where} ends before it starts")
        if previous_end is not None and start <= previous_end:
            raise OutputInvalid(f"{where} overlaps or precedes the era before it")
        previous_end = end
        for m, event in enumerate(require(era, "events", list, where)):
            ewhere = f"{where} event {m}"
            if not isinstance(event, dict):
                raise OutputInvalid(f"{ewhere} is not an object")
            year = require(event, "year", int, ewhere)
            if not start <= year <= end:
                raise OutputInvalid(f"{ewhere} year {year} is outside {start}-{end}")
            require(event, "text", str, ewhere)
            for fid in require(event, "factions", list, ewhere):
                ref(fid, "faction", f"{ewhere} factions")
            for pid in require(event, "places", list, ewhere):
                ref(pid, "place", f"{ewhere} places")
            events += 1
    if markdown is not None:
        text = text_of(markdown)
        if not text.lstrip().startswith("# "):
            raise OutputInvalid("world bible Markdown must open with a '# ' title")
        if title not in text.split("\n", 1)[0]:
            raise OutputInvalid("world bible Markdown title differs from the JSON title")
        for section in ("## Factions", "## Places", "## History"):
            if f"\n{section}" not in text:
                raise OutputInvalid(f"world bible Markdown lacks a '{section}' section")
        for name in names:
            if name not in text:
                raise OutputInvalid(f"world bible Markdown never mentions {name!r} from the JSON")
    return {
        "title": title,
        "factions": len(factions),
        "places": len(places),
        "eras": len(eras),
        "events": events,
    }
