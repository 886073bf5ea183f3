"""Relic · Fork: copies a relic into your studio as a new file (its rendered PNG, GLB or WAV,
or its record as JSON when it is only data) that remembers where it came from: the one
writer names the cache and entry as its parent in the signed ledger."""

from __future__ import annotations

from limbs.params import kw, relic, string
from limbs.parts.relic._exhibit import entry_document, exhibit, file_meta, refine_entry, relic_meta, slug
from limbs.spec import ActionSpec, GenRequest, GenResult, Output
from relics.catalog import MIME


def make(req: GenRequest) -> GenResult:
    relic_record, shown = exhibit(req)
    if shown is not None:
        data, mime, ext = shown.data, shown.mime, shown.ext
    else:
        data, mime, ext = entry_document(relic_record), MIME["json"], "json"
    name = str(req.params.get("name") or "").strip() or f"{slug(relic_record['name'])}.{ext}"
    req.progress(0.9, f"Copied {relic_record['name']} into your things")
    output = Output(data, mime, name, meta=file_meta(relic_record, shown))
    return GenResult(outputs=[output], meta={"relic": relic_meta(relic_record)})


ACTION = ActionSpec(
    id="fork",
    name="Fork",
    description="Copies a relic into your studio as a new file that remembers where it came from.",
    output="data",
    needs_intent=False,
    uses_tension=False,
    params=(
        relic("cache", "Cache", "Which cache it is in (its sha256)."),
        string(
            "entry",
            "Entry",
            "Which entry to copy, as kind/key: items/0, npcs/3...",
            required=True,
            max_length=60,
        ),
        string("name", "New name", "Optional: a name for your copy.", max_length=160),
    ),
    keywords=kw("fork, copy, reuse"),
    reads=("entry",),
    refine=refine_entry,
    make=make,
)
