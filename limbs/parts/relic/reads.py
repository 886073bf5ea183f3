"""What the relic limb reads of the studio: the caches the person may see, through the
museum's own code (its index, its renderer, its matching), never the cache files directly."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from limbs.spec import GeneratorInputError
from pog_site.errors import RequestError
from relics import museum
from relics.catalog import normalise_name

if TYPE_CHECKING:  # readers are handed a view; they never import the studio
    from limbs.studio import StudioView
    from relics.models import RelicCache, RelicEntry


def _cache(view: StudioView, params: Mapping[str, Any]) -> RelicCache:
    cache: RelicCache | None = view.relic_caches().filter(sha256=params["cache"]).first()
    if cache is None:
        raise GeneratorInputError("cache", f"No relic cache you may see has the sha256 {params['cache']}.")
    return cache


def _row(entry: RelicEntry) -> dict[str, Any]:
    return {"kind": entry.kind, "key": entry.key, "index": entry.index, "name": entry.name}


def catalog(view: StudioView, params: Mapping[str, Any]) -> dict[str, Any]:
    """A cache's entries of one kind (or all), filtered by words, in cache order."""
    cache = _cache(view, params)
    kind = params.get("kind", "all")
    found = museum.search_entries(cache, None if kind == "all" else kind, str(params.get("query") or ""))
    rows = [_row(e) | {"preview": e.preview or None} for e in found[: int(params.get("limit", 50))]]
    return {
        "cache": cache.sha256,
        "era": cache.era,
        "counts": cache.counts,
        "total": found.count(),
        "entries": rows,
    }


def entry(view: StudioView, params: Mapping[str, Any]) -> dict[str, Any]:
    """One entry's decoded record and its rendered file (base64; these files are small)."""
    cache = _cache(view, params)
    try:
        found = museum.get_entry(cache, str(params["entry"]))
        shown = museum.preview(cache, found)
    except RequestError as exc:
        raise GeneratorInputError("entry", exc.message) from None
    file = None
    if shown is not None:
        data = base64.b64encode(shown.data).decode()
        file = {"ext": shown.ext, "mime": shown.mime, "sha256": shown.sha256, "data": data}
    return {"relic": museum.entry_json(cache, found), "file": file}


def matches(view: StudioView, params: Mapping[str, Any]) -> dict[str, Any]:
    """Entries of the same normalised name in every cache the person may see."""
    name = str(params["name"])
    era = params.get("era", "any")
    kind = params.get("kind", "all")
    found = museum.match_in(
        view.relic_caches(), name, era=None if era == "any" else era, kind=None if kind == "all" else kind
    )
    rows = [
        _row(m) | {"cache": m.cache.sha256, "era": m.cache.era} for m in found[: int(params.get("limit", 20))]
    ]
    return {"name": name, "normalised": normalise_name(name), "total": found.count(), "matches": rows}
