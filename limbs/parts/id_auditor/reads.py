"""What the id auditor reads of the studio: the ids in the relic caches and the id tables
the person may see (their own, their teams', and published caches)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from limbs.storage import read_blob

if TYPE_CHECKING:  # readers are handed a view; they never import the studio
    from limbs.studio import StudioView

# Relic sections by their catalogue kind, named as the id auditor names kinds of id.
_RELIC_ID_KINDS = {
    "items": "item",
    "npcs": "npc",
    "objects": "object",
    "wall_objects": "wall_object",
    "tiles": "tile",
    "textures": "texture",
    "animations": "animation",
    "spells": "spell",
    "prayers": "prayer",
    "models": "model",
}
_MAX_ID_TABLE_ASSETS = 500
_MAX_ID_TABLE_BYTES = 1_000_000


def ids(view: StudioView, params: Mapping[str, Any]) -> dict[str, Any]:
    """Every id the auditor must know: each visible relic cache's records (id = their
    number, or their place in the cache), and the id tables in visible JSON assets (what
    ``reserve`` wrote, or a table of the form {"ids": {kind: [...]}}) per project."""
    from relics.models import RelicEntry

    sources: list[dict[str, Any]] = []
    for cache in view.relic_caches().order_by("created_at"):
        tables: dict[str, list[int]] = {}
        rows = RelicEntry.objects.filter(cache=cache, kind__in=_RELIC_ID_KINDS).values_list(
            "kind", "key", "index"
        )
        for kind, key, index in rows.order_by("kind", "index"):
            tables.setdefault(_RELIC_ID_KINDS[kind], []).append(int(key) if key.isdigit() else index)
        sprites = RelicEntry.objects.filter(cache=cache, kind="items").values_list(
            "fields__sprite", flat=True
        )
        used = sorted({int(s) for s in sprites if isinstance(s, int)})
        if used:
            tables["sprite"] = used
        sources.append({"name": cache.sha256, "kind": "relic", "ids": tables})
    projects: dict[str, dict[str, list[int]]] = {}
    candidates = view.assets().filter(mime="application/json", size__lte=_MAX_ID_TABLE_BYTES)
    for asset in candidates.select_related("project").order_by("-created_at")[:_MAX_ID_TABLE_ASSETS]:
        found = _ids_in(read_blob(asset.blob))
        if not found:
            continue
        tables = projects.setdefault(asset.project.name if asset.project else "my library", {})
        for kind, values in found.items():
            tables.setdefault(kind, []).extend(values)
    sources += [{"name": name, "kind": "project", "ids": t} for name, t in sorted(projects.items())]
    return {"sources": sources}


def _ids_in(data: bytes) -> dict[str, list[int]]:
    try:
        doc = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(doc, dict):
        return {}
    if isinstance(doc.get("type"), str) and isinstance(doc.get("ids"), list):
        tables = {doc["type"]: doc["ids"]}
    elif isinstance(doc.get("ids"), dict):
        tables = doc["ids"]
    else:
        return {}
    return {
        str(kind): [v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31]
        for kind, values in tables.items()
        if isinstance(values, list)
    }
