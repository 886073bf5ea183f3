"""Video · Extract frames: Splits an animation into separate pictures.

A zip of numbered PNGs with a frames.json of their durations.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence

from limbs.craft import words as words
from limbs.craft.pictures import png_bytes
from limbs.formats.zip import validate_zip
from limbs.params import asset, integer, kw
from limbs.parts.video._frames import decode_animation
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output, main_output

# A fixed timestamp so the same frames always make the same zip bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _zip_entry(archive: zipfile.ZipFile, name: str, data: bytes, compress: int) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def make(req: GenRequest) -> GenResult:
    limit = int(req.params.get("max_frames", 60))
    data = req.inputs.get("animation")
    if data is None:
        raise GeneratorInputError("animation", "Pick an animated GIF or WebP.")
    req.progress(0.05, "Unpacking the animation")
    frames = decode_animation(data, "animation", limit)
    if frames.total < 2:
        raise GeneratorInputError("animation", "This picture does not move: it has only one frame.")
    n = len(frames.images)
    digits = max(3, len(str(n - 1)))
    stem = words.slug(req.intent, "frame")
    names = [f"{stem}-{i:0{digits}d}.png" for i in range(n)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for i, (name, im) in enumerate(zip(names, frames.images, strict=True)):
            if i % 8 == 0:
                req.progress(0.1 + 0.8 * i / n, f"Saving frame {i + 1} of {n}")
            # PNG data is already compressed; storing it keeps the zip quick to write and read.
            _zip_entry(archive, name, png_bytes(im, level=2), zipfile.ZIP_STORED)
        index = {
            "width": frames.images[0].width,
            "height": frames.images[0].height,
            "frames": [{"file": nm, "duration_ms": d} for nm, d in zip(names, frames.durations, strict=True)],
            "total_frames": frames.total,
            "extracted": n,
            "loop": frames.loop,
        }
        _zip_entry(archive, "frames.json", json.dumps(index, indent=2).encode(), zipfile.ZIP_DEFLATED)
    meta = {
        "width": frames.images[0].width,
        "height": frames.images[0].height,
        "frames": n,
        "total_frames": frames.total,
        "truncated": n < frames.total,
        "durations": frames.durations,
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(data=buf.getvalue(), mime="application/zip", name=f"{stem}s.zip", role="main", meta=meta)
        ],
        meta=meta,
    )


def check(outputs: Sequence[Output]) -> None:
    """The archive holds the frames as PNGs (and their JSON index), nothing else."""
    validate_zip(main_output(outputs).data, min_pngs=1, frames_only=True)


ACTION = ActionSpec(
    id="extract_frames",
    name="Extract frames",
    description="Splits an animation into separate pictures.",
    output="archive",
    needs_intent=False,
    params=(
        asset("animation", "Animation", ("image/gif", "image/webp"), "An animated GIF or WebP."),
        integer("max_frames", "Most frames", 60, 1, 240, "Stop after this many frames."),
    ),
    keywords=kw("extract frames, extract, split, separate"),
    check=check,
    make=make,
)
