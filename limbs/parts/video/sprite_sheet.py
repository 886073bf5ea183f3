"""Video · Sprite sheet: Packs animation frames into one sheet plus an atlas game engines read.

Frames come from an animated GIF or WebP, or a zip of pictures; the atlas is TexturePacker's
JSON hash format.
"""

from __future__ import annotations

import io
import json
import math
import posixpath
import re
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from limbs.craft import words as words
from limbs.craft.pictures import decode_picture, png_bytes
from limbs.params import asset, integer, kw
from limbs.parts.video._atlas import validate_atlas
from limbs.parts.video._frames import MAX_DECODE_PIXELS, Frames, decode_animation
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output, main_output

MAX_ZIP_ENTRIES = 512
MAX_ZIP_BYTES = 256 * 1024 * 1024
# Sheets wider or taller than this do not load as one texture on many GPUs.
MAX_SHEET_SIDE = 16384
MAX_SHEET_PIXELS = 64 * 1024 * 1024
_IMAGE_SUFFIXES = (".png", ".gif", ".webp", ".jpg", ".jpeg", ".bmp")


def _natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def decode_zip_frames(data: bytes, param: str) -> Frames:
    """Frame pictures from a zip, in natural name order (frame2 before frame10)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise GeneratorInputError(param, "This zip file is damaged.") from None
    with archive:
        infos = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not posixpath.basename(info.filename).startswith(".")
            and not info.filename.startswith("__MACOSX/")
            and info.filename.lower().endswith(_IMAGE_SUFFIXES)
        ]
        if not infos:
            raise GeneratorInputError(param, "This zip holds no pictures (PNG, GIF, WebP, JPEG or BMP).")
        if len(infos) > MAX_ZIP_ENTRIES:
            raise GeneratorInputError(
                param, f"This zip holds {len(infos)} pictures; the most we use is {MAX_ZIP_ENTRIES}."
            )
        if sum(info.file_size for info in infos) > MAX_ZIP_BYTES:
            raise GeneratorInputError(param, "This zip unpacks to far too many bytes.")
        infos.sort(key=lambda info: _natural_key(info.filename))
        images: list[Image.Image] = []
        names: list[str] = []
        budget = MAX_DECODE_PIXELS
        for info in infos:
            try:
                body = archive.read(info)
            except Exception:
                raise GeneratorInputError(param, f"{info.filename} in the zip is damaged.") from None
            picture, _ = decode_picture(body, param)
            budget -= picture.width * picture.height
            if budget < 0:
                raise GeneratorInputError(param, "The pictures in this zip are too big to use together.")
            images.append(picture)
            names.append(info.filename)
    base = [posixpath.basename(n) for n in names]
    unique = base if len(set(base)) == len(base) else names
    return Frames(images, [100] * len(images), len(images), 0, unique, "zip")


def _frames_input(req: GenRequest, param: str) -> Frames:
    data = req.inputs.get(param)
    if data is None:
        raise GeneratorInputError(param, "Pick the frames to use.")
    if data[:4] == b"PK\x03\x04":
        return decode_zip_frames(data, param)
    return decode_animation(data, param)


def make(req: GenRequest) -> GenResult:
    columns = int(req.params.get("columns", 0))
    padding = int(req.params.get("padding", 1))
    req.progress(0.05, "Unpacking the frames")
    frames = _frames_input(req, "frames")
    n = len(frames.images)
    cols = min(columns, n) if columns > 0 else math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    cw = max(im.width for im in frames.images)
    ch = max(im.height for im in frames.images)
    sheet_w = cols * cw + (cols - 1) * padding
    sheet_h = rows * ch + (rows - 1) * padding
    if max(sheet_w, sheet_h) > MAX_SHEET_SIDE or sheet_w * sheet_h > MAX_SHEET_PIXELS:
        raise GeneratorInputError(
            "frames",
            f"These frames make a {sheet_w}x{sheet_h} sheet, too big for one texture; try fewer columns.",
        )
    req.progress(0.4, "Laying out the sheet")
    stem = words.slug(req.intent, "sprite-sheet")
    sheet = np.zeros((sheet_h, sheet_w, 4), dtype=np.uint8)
    atlas_frames: dict[str, Any] = {}
    for i, im in enumerate(frames.images):
        x = (i % cols) * (cw + padding)
        y = (i // cols) * (ch + padding)
        sheet[y : y + im.height, x : x + im.width] = np.asarray(im)
        name = frames.names[i] if frames.names else f"{stem}-{i:03d}.png"
        atlas_frames[name] = {
            "frame": {"x": x, "y": y, "w": im.width, "h": im.height},
            "rotated": False,
            "trimmed": False,
            "spriteSourceSize": {"x": 0, "y": 0, "w": im.width, "h": im.height},
            "sourceSize": {"w": im.width, "h": im.height},
            "duration": frames.durations[i],
        }
    sheet_name = f"{stem}.png"
    atlas = {
        "frames": atlas_frames,
        "meta": {
            "app": "POG Studio",
            "version": "1.0",
            "image": sheet_name,
            "format": "RGBA8888",
            "size": {"w": sheet_w, "h": sheet_h},
            "scale": "1",
        },
    }
    req.progress(0.8, "Writing the atlas")
    data = png_bytes(Image.fromarray(sheet, mode="RGBA"))
    meta = {
        "width": sheet_w,
        "height": sheet_h,
        "frames": n,
        "columns": cols,
        "rows": rows,
        "padding": padding,
        "cell": {"w": cw, "h": ch},
        "source": frames.source,
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(data=data, mime="image/png", name=sheet_name, role="main", meta=meta),
            Output(
                data=json.dumps(atlas, indent=2).encode(),
                mime="application/json",
                name=f"{stem}.json",
                role="atlas",
                meta={"frames": n, "format": "texturepacker-hash"},
            ),
        ],
        meta=meta,
    )


def check(outputs: Sequence[Output]) -> None:
    """The atlas names frames that lie inside the sheet."""
    atlas = next((o for o in outputs if o.role == "atlas"), None)
    if atlas is not None:
        validate_atlas(atlas.data, main_output(outputs).data)


ACTION = ActionSpec(
    id="sprite_sheet",
    name="Sprite sheet",
    description="Packs animation frames into one sheet plus an atlas game engines read.",
    output="image",
    needs_intent=False,
    params=(
        asset(
            "frames",
            "Frames",
            ("image/", "application/zip"),
            "An animated GIF or WebP, or a zip of frame pictures.",
        ),
        integer("columns", "Columns", 0, 0, 32, "Frames per row. 0 picks a neat square."),
        integer("padding", "Padding", 1, 0, 16, "Empty pixels between frames, so they never bleed."),
    ),
    keywords=kw("sprite sheet, spritesheet, atlas, sheet"),
    check=check,
    make=make,
)
