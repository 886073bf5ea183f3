"""What the id auditor reads of the studio: the ids of the relic caches and id tables you may see."""

from __future__ import annotations

import json

from accounts.models import User
from limbs.access import visible
from limbs.models import Asset
from limbs.storage import read_blob

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


def _id_tables(owner: User) -> bytes:
    """Every id the auditor must know: each registered relic cache's records (id = their
    number, or their place in the cache), and the id tables in the owner's visible JSON
    assets (what ``reserve`` wrote, or a table of the form {"ids": {kind: [...]}}) per project."""
    from limbs.parts.id_auditor._ids import build_ids_input
    from relics.models import RelicCache, RelicEntry

    sources: list[tuple[str, str, dict[str, list[int]]]] = []
    for cache in RelicCache.objects.visible_to(owner).order_by("created_at"):
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
        sources.append((cache.sha256, "relic", tables))
    projects: dict[str, dict[str, list[int]]] = {}
    candidates = visible(Asset.objects.filter(mime="application/json", size__lte=_MAX_ID_TABLE_BYTES), owner)
    for asset in candidates.select_related("project").order_by("-created_at")[:_MAX_ID_TABLE_ASSETS]:
        found = _ids_in(asset)
        if not found:
            continue
        tables = projects.setdefault(asset.project.name if asset.project else "my library", {})
        for kind, ids in found.items():
            tables.setdefault(kind, []).extend(ids)
    sources += [(name, "project", tables) for name, tables in sorted(projects.items())]
    return build_ids_input(sources)


def _ids_in(asset: Asset) -> dict[str, list[int]]:
    try:
        doc = json.loads(read_blob(asset.blob))
    except (OSError, ValueError):
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
        str(kind): [v for v in ids if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31]
        for kind, ids in tables.items()
        if isinstance(ids, list)
    }
