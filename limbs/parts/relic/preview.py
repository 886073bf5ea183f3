"""Relic · Preview: shows one relic as the museum renders it (a PNG sprite or map, a GLB
model, a WAV sound), together with its decoded record as JSON."""

from __future__ import annotations

from limbs.params import kw, relic, string
from limbs.parts.relic._exhibit import entry_document, exhibit, file_meta, refine_entry, relic_meta, slug
from limbs.spec import ActionSpec, GenRequest, GenResult, Output


def make(req: GenRequest) -> GenResult:
    relic_record, shown = exhibit(req)
    stem = slug(relic_record["name"])
    outputs = []
    if shown is not None:
        outputs.append(
            Output(shown.data, shown.mime, f"{stem}.{shown.ext}", meta=file_meta(relic_record, shown))
        )
    outputs.append(
        Output(
            entry_document(relic_record),
            "application/json",
            f"{stem}.json",
            role="entry" if shown is not None else "main",
            meta={"relic": relic_meta(relic_record)},
        )
    )
    req.progress(0.9, f"Dusted off {relic_record['name']}")
    return GenResult(outputs=outputs, meta={"entry": relic_meta(relic_record)["entry"]})


ACTION = ActionSpec(
    id="preview",
    name="Preview",
    description="Shows one relic as a picture, 3D model, map or sound.",
    output="data",
    needs_intent=False,
    uses_tension=False,
    params=(
        relic("cache", "Cache", "Which cache it is in (its sha256)."),
        string(
            "entry",
            "Entry",
            "Which entry to show, as kind/key: items/0, models/tree2...",
            required=True,
            max_length=60,
        ),
    ),
    keywords=kw("preview, show, look"),
    reads=("entry",),
    refine=refine_entry,
    make=make,
)
