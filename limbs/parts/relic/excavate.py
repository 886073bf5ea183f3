"""Relic · Excavate: registers an old game cache you send (a zip of its folder, or one cache
file) so its treasures can be browsed, previewed and forked; the cache is never changed.

The file is checked as the museum checks an upload (names, first bytes, zip limits) and
decoded whole before anything is stored, so a cache the studio cannot read gets a 4xx
naming the file. ``make`` describes what is inside; the registration itself (one stored
copy of the files, a shelf for the person) is the ``relic.register`` effect, applied by
the one writer with the rest of the record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from limbs.params import ParamError, file, kw, string
from limbs.parts.file.upload import MAX_BYTES
from limbs.spec import ActionSpec, Effect, GeneratorInputError, GenRequest, GenResult, Output, Studio, Upload
from relics.catalog import KIND_LABELS, open_catalog
from relics.formats.errors import RelicFormatError
from relics.uploads import Limits, UploadError, check_structure, collect_files, files_digest

SUMMARY_FORMAT = "pog.relic.excavation/1"
# What the files may unpack to; the museum's own page (multipart) takes bigger caches.
LIMITS = Limits(max_bytes=64 * 1024 * 1024)
NAMES_PER_KIND = 3


def survey(filename: str, data: bytes) -> dict[str, Any]:
    """What a sent cache holds, decoded whole; ParamError naming ``file`` when it cannot be read."""
    try:
        files = collect_files([(filename, data)], LIMITS)
        for name, body in files.items():
            check_structure(name, body)  # a jcache must hold the JS5 tables and a valid container
    except UploadError as exc:
        raise ParamError("file", exc.message, status=exc.status) from None
    try:
        catalog = open_catalog(files)
        entries = list(catalog.entries())
    except RelicFormatError as exc:
        raise ParamError("file", f"The cache cannot be read: {exc}. Nothing was stored.") from None
    counts: dict[str, int] = {}
    names: dict[str, list[str]] = {}
    for info in entries:
        counts[info.kind] = counts.get(info.kind, 0) + 1
        if len(names.setdefault(info.kind, [])) < NAMES_PER_KIND:
            names[info.kind].append(info.name)
    order = [k for k in KIND_LABELS if k in counts] + sorted(set(counts) - set(KIND_LABELS))
    return {
        "cache": files_digest(files),
        "era": catalog.era,
        "files": [{"name": name, "bytes": len(files[name])} for name in sorted(files)],
        "entries": len(entries),
        "counts": {k: counts[k] for k in order},
        "examples": {k: names[k] for k in order},
    }


def refine(params: dict[str, Any], studio: Studio) -> None:
    upload = params["file"]
    if isinstance(upload, Upload):
        survey(upload.name, upload.data)


def make(req: GenRequest) -> GenResult:
    data = req.inputs.get("file")
    sent = req.params.get("file")
    if data is None or not isinstance(sent, Mapping):
        raise GeneratorInputError("file", "Which cache? Send a zip of its folder or one cache file.")
    req.progress(0.2, "Dusting off the old files")
    try:
        found = survey(str(sent.get("name") or "upload"), data)
    except ParamError as exc:
        raise GeneratorInputError(exc.field, exc.message) from None
    name = str(req.params.get("name") or "").strip()
    req.progress(0.8, f"Found {found['entries']} treasures")
    doc = {
        "format": SUMMARY_FORMAT,
        "name": name or None,
        **found,
        "links": {
            "museum": f"/relics/?cache={found['cache']}",
            "api": f"/api/relics/caches/{found['cache']}",
        },
    }
    output = Output(
        json.dumps(doc, indent=2, ensure_ascii=False).encode(),
        "application/json",
        f"excavation-{found['cache'][:12]}.json",
        meta={"cache": found["cache"], "era": found["era"]},
    )
    register = Effect(
        "relic.register",
        {
            "blob": sent.get("blob"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "filename": str(sent.get("name") or "upload"),
            "name": name,
            "cache": found["cache"],
        },
    )
    return GenResult(outputs=[output], meta={"cache": found["cache"]}, effects=(register,))


ACTION = ActionSpec(
    id="excavate",
    name="Excavate",
    description="Registers an old game cache so its treasures can be browsed (it is never changed).",
    output="json",
    needs_intent=False,
    uses_tension=False,
    params=(
        file(
            "file",
            "Cache",
            "A zip of the cache folder, or one cache file (config85.jag, js5-19.jcache...).",
            max_bytes=MAX_BYTES,
        ),
        string("name", "Name", "Optional: your name for this cache.", max_length=80),
    ),
    keywords=kw("excavate, dig, register, cache"),
    # Registering is a change to the studio: never answered from memory.
    cacheable=False,
    refine=refine,
    make=make,
)
