"""Relic · Catalogue: lists what is inside a cache you may see (items, NPCs, models, map
sectors, sounds...), filtered by kind and words, as the museum indexed it."""

from __future__ import annotations

import json

from limbs.params import choice, integer, kw, relic, string
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output
from relics.catalog import KIND_LABELS

CATALOG_FORMAT = "pog.relic.catalog/1"


def make(req: GenRequest) -> GenResult:
    raw = req.snapshots.get("catalog")
    if raw is None:
        raise GeneratorInputError("cache", "The museum's list of this cache was not read.")
    seen = json.loads(raw)
    doc = {
        "format": CATALOG_FORMAT,
        "kind": req.params.get("kind", "all"),
        "query": req.params.get("query") or "",
        **seen,
        "shown": len(seen["entries"]),
    }
    req.progress(0.8, f"Found {seen['total']} entries")
    name = f"catalog-{seen['cache'][:12]}.json"
    data = json.dumps(doc, indent=2, ensure_ascii=False).encode()
    return GenResult(outputs=[Output(data, "application/json", name)], meta={"total": seen["total"]})


ACTION = ActionSpec(
    id="catalog",
    name="Catalogue",
    description="Lists what is inside a cache: sprites, models, maps, sounds, items and more.",
    output="json",
    needs_intent=False,
    uses_tension=False,
    params=(
        relic("cache", "Cache", "Which cache to look in (its sha256, as the museum shows it)."),
        choice("kind", "Kind", ("all", *KIND_LABELS), "all", "Only list one kind of thing."),
        string("query", "Words", "Optional: only entries whose name or description has these words."),
        integer("limit", "How many", 50, 1, 500, "Most entries to list."),
    ),
    keywords=kw("catalog, catalogue, list, browse"),
    reads=("catalog",),
    make=make,
)
