"""Checks for animated images, seamless tiles, sprite-sheet atlases and frame archives.

Pure Python (no Django). Each ``validate_*`` decodes the whole file and raises
``OutputInvalid`` naming the first problem; ``check_tileable`` measures instead of
raising, so callers (and tests) can see how far from seamless a picture is.
"""

from __future__ import annotations

import io
import json
import math
import posixpath
import warnings
import zipfile
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageSequence

from limbs.validators import MAX_PNG_PIXELS, OutputInvalid, validate_png

MAX_FRAMES = 1000
# Decoded pixels summed over every frame of one animation.
MAX_ANIMATION_PIXELS = 256 * 1024 * 1024
MAX_ZIP_ENTRIES = 1024
MAX_ZIP_BYTES = 512 * 1024 * 1024
# Deflate cannot legitimately shrink PNG data this much; beyond it, suspect a zip bomb.
MAX_ZIP_RATIO = 200.0


def _decode_animation(data: bytes, kind: str, min_frames: int | None) -> dict[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=(kind,)) as im:
                width, height = im.size
                if width < 1 or height < 1 or width * height > MAX_PNG_PIXELS:
                    raise OutputInvalid(f"{kind} has an unusable size ({width}x{height})")
                loop = im.info.get("loop")
                durations: list[int] = []
                transparent = False
                for frame in ImageSequence.Iterator(im):
                    if len(durations) >= MAX_FRAMES:
                        raise OutputInvalid(f"{kind} has more than {MAX_FRAMES} frames")
                    if (len(durations) + 1) * width * height > MAX_ANIMATION_PIXELS:
                        raise OutputInvalid(f"{kind} decodes to too many pixels")
                    frame.load()
                    if frame.size != (width, height):
                        raise OutputInvalid(f"{kind} frame {len(durations)} is {frame.size}, not the canvas")
                    duration = frame.info.get("duration", 0)
                    if not isinstance(duration, int | float) or duration < 0 or not math.isfinite(duration):
                        raise OutputInvalid(f"{kind} frame {len(durations)} has a bad duration {duration!r}")
                    durations.append(round(duration))
                    if not transparent:
                        alpha = np.asarray(frame.convert("RGBA").getchannel("A"))
                        transparent = bool(alpha.min() < 255)
    except OutputInvalid:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt data
        raise OutputInvalid(f"{kind} does not decode: {exc}") from exc
    if not durations:
        raise OutputInvalid(f"{kind} has no frames")
    if min_frames is not None and len(durations) < min_frames:
        raise OutputInvalid(f"{kind} has {len(durations)} frame(s), expected at least {min_frames}")
    return {
        "width": width,
        "height": height,
        "frames": len(durations),
        "durations": durations,
        "loop": loop,
        "has_alpha": transparent,
    }


def validate_gif(data: bytes, *, min_frames: int | None = None) -> dict[str, Any]:
    """Decode every frame of a GIF; report size, frame count, durations (ms) and loop count."""
    if not data.startswith((b"GIF87a", b"GIF89a")):
        raise OutputInvalid("not a GIF (bad signature)")
    return _decode_animation(data, "GIF", min_frames)


def validate_webp(data: bytes, *, min_frames: int | None = None) -> dict[str, Any]:
    """Decode every frame of a (possibly animated) WebP; same report as ``validate_gif``."""
    if len(data) < 16 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise OutputInvalid("not a WebP (bad RIFF header)")
    return _decode_animation(data, "WEBP", min_frames)


# ---------------------------------------------------------------------------------------
# Seamless tiles
# ---------------------------------------------------------------------------------------


def _pixels(image_bytes: bytes) -> npt.NDArray[np.float32]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(image_bytes)) as im:
                if im.width * im.height > MAX_PNG_PIXELS:
                    raise OutputInvalid(f"image too large ({im.width}x{im.height})")
                rgba = im.convert("RGBA")
    except OutputInvalid:
        raise
    except Exception as exc:
        raise OutputInvalid(f"image does not decode: {exc}") from exc
    return np.asarray(rgba, dtype=np.float32)


def _seam_ratio(px: npt.NDArray[np.float32], axis: int) -> tuple[float, float]:
    """(seam difference, reference) across one axis, both as mean absolute channel steps.

    The reference is the largest per-line difference between interior neighbours: in a
    truly periodic picture the seam is just one more neighbour pair (a checkerboard's seam
    may sit exactly on a square boundary), while a seam between unrelated edges is unlike
    every neighbour pair inside the picture.
    """
    moved = np.moveaxis(px, axis, 0)
    steps = np.abs(np.diff(moved, axis=0)).mean(axis=tuple(range(1, moved.ndim)))
    seam = float(np.abs(moved[0] - moved[-1]).mean())
    return seam, float(steps.max())


def check_tileable(image_bytes: bytes, tolerance: float = 0.25) -> dict[str, Any]:
    """Measure the wrap-around seams of a picture against its own interior.

    ``tileable`` is true when both seams (left edge against right edge, top against
    bottom) differ no more than ``(1 + tolerance)`` times the largest line-to-line
    difference inside the picture, plus half a grey level of rounding slack.
    """
    px = _pixels(image_bytes)
    if px.shape[0] < 4 or px.shape[1] < 4:
        raise OutputInvalid("image is too small to judge its seams")
    if float(px[..., 3].min()) >= 255.0:
        px = px[..., :3]
    seam_x, ref_x = _seam_ratio(px, 1)
    seam_y, ref_y = _seam_ratio(px, 0)
    limit_x = ref_x * (1.0 + tolerance) + 0.5
    limit_y = ref_y * (1.0 + tolerance) + 0.5
    return {
        "tileable": seam_x <= limit_x and seam_y <= limit_y,
        "seam_x": round(seam_x, 3),
        "seam_y": round(seam_y, 3),
        "interior_x": round(ref_x, 3),
        "interior_y": round(ref_y, 3),
        "ratio_x": round(seam_x / max(ref_x, 0.5), 3),
        "ratio_y": round(seam_y / max(ref_y, 0.5), 3),
        "tolerance": tolerance,
    }


def validate_tile(data: bytes, tolerance: float = 0.25) -> dict[str, Any]:
    """A PNG that decodes and wraps around without a visible seam."""
    report = validate_png(data)
    seams = check_tileable(data, tolerance)
    if not seams["tileable"]:
        raise OutputInvalid(
            f"tile has visible seams (x {seams['seam_x']} vs {seams['interior_x']}, "
            f"y {seams['seam_y']} vs {seams['interior_y']})"
        )
    return {**report, **seams}


# ---------------------------------------------------------------------------------------
# Sprite-sheet atlases (TexturePacker JSON "hash" format)
# ---------------------------------------------------------------------------------------


def _int_field(obj: Any, key: str, where: str, minimum: int = 0) -> int:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise OutputInvalid(f"{where}.{key} must be an integer >= {minimum}")
    return value


def _rect(obj: Any, where: str, keys: tuple[str, ...], minimum: int) -> tuple[int, ...]:
    if not isinstance(obj, dict):
        raise OutputInvalid(f"{where} must be an object")
    return tuple(_int_field(obj, k, where, minimum if k in ("w", "h") else 0) for k in keys)


def validate_atlas(json_bytes: bytes, sheet_png: bytes) -> dict[str, Any]:
    """A TexturePacker "hash" atlas whose frames all lie inside the sheet without overlapping."""
    sheet = validate_png(sheet_png)
    try:
        doc = json.loads(json_bytes)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OutputInvalid(f"atlas JSON does not parse: {exc}") from None
    if not isinstance(doc, dict):
        raise OutputInvalid("atlas must be a JSON object")
    frames = doc.get("frames")
    meta = doc.get("meta")
    if not isinstance(frames, dict) or not frames:
        raise OutputInvalid("atlas 'frames' must be a non-empty object (hash format)")
    if not isinstance(meta, dict):
        raise OutputInvalid("atlas 'meta' must be an object")
    if not isinstance(meta.get("image"), str) or not meta["image"]:
        raise OutputInvalid("atlas meta.image must name the sheet")
    if not isinstance(meta.get("format"), str):
        raise OutputInvalid("atlas meta.format must be a string")
    size_w, size_h = _rect(meta.get("size"), "meta.size", ("w", "h"), 1)
    if (size_w, size_h) != (sheet["width"], sheet["height"]):
        raise OutputInvalid(
            f"atlas meta.size {size_w}x{size_h} is not the sheet's {sheet['width']}x{sheet['height']}"
        )
    try:
        scale = float(meta.get("scale", "x"))
    except (TypeError, ValueError):
        scale = math.nan
    if not math.isfinite(scale) or scale <= 0:
        raise OutputInvalid("atlas meta.scale must be a positive number")

    rects: list[tuple[int, int, int, int]] = []
    for name, entry in frames.items():
        where = f"frames[{name!r}]"
        if not isinstance(entry, dict):
            raise OutputInvalid(f"{where} must be an object")
        x, y, w, h = _rect(entry.get("frame"), f"{where}.frame", ("x", "y", "w", "h"), 1)
        rotated = entry.get("rotated")
        trimmed = entry.get("trimmed")
        if not isinstance(rotated, bool) or not isinstance(trimmed, bool):
            raise OutputInvalid(f"{where}.rotated and .trimmed must be booleans")
        sx, sy, sw, sh = _rect(
            entry.get("spriteSourceSize"), f"{where}.spriteSourceSize", ("x", "y", "w", "h"), 1
        )
        src_w, src_h = _rect(entry.get("sourceSize"), f"{where}.sourceSize", ("w", "h"), 1)
        if (sw, sh) != (w, h):
            raise OutputInvalid(f"{where}.spriteSourceSize does not match the frame size")
        if sx + sw > src_w or sy + sh > src_h:
            raise OutputInvalid(f"{where}.spriteSourceSize lies outside sourceSize")
        if not trimmed and (sx, sy, src_w, src_h) != (0, 0, w, h):
            raise OutputInvalid(f"{where} is untrimmed but its source size differs from its frame")
        # A rotated frame is stored turned 90 degrees, so it occupies h x w on the sheet.
        on_w, on_h = (h, w) if rotated else (w, h)
        if x + on_w > sheet["width"] or y + on_h > sheet["height"]:
            raise OutputInvalid(f"{where} runs outside the {sheet['width']}x{sheet['height']} sheet")
        rects.append((x, y, x + on_w, y + on_h))

    boxes = np.array(rects, dtype=np.int64)
    overlap = (
        (boxes[:, None, 0] < boxes[None, :, 2])
        & (boxes[None, :, 0] < boxes[:, None, 2])
        & (boxes[:, None, 1] < boxes[None, :, 3])
        & (boxes[None, :, 1] < boxes[:, None, 3])
    )
    np.fill_diagonal(overlap, False)
    if overlap.any():
        i, j = (int(v) for v in np.argwhere(overlap)[0])
        names = list(frames)
        raise OutputInvalid(f"atlas frames {names[i]!r} and {names[j]!r} overlap")
    return {"frames": len(rects), "width": sheet["width"], "height": sheet["height"]}


# ---------------------------------------------------------------------------------------
# Frame archives
# ---------------------------------------------------------------------------------------


def validate_zip(
    data: bytes,
    *,
    min_pngs: int = 1,
    max_entries: int = MAX_ZIP_ENTRIES,
    max_total_bytes: int = MAX_ZIP_BYTES,
) -> dict[str, Any]:
    """A zip of PNG frames (plus optional JSON): safe names, bounded sizes, every entry decodes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise OutputInvalid(f"not a zip archive: {exc}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise OutputInvalid(f"zip has {len(infos)} entries, more than {max_entries}")
        declared = sum(info.file_size for info in infos)
        if declared > max_total_bytes:
            raise OutputInvalid(f"zip expands to {declared} bytes, more than {max_total_bytes}")
        pngs = 0
        names: set[str] = set()
        sizes: set[tuple[int, int]] = set()
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            norm = posixpath.normpath(name)
            if name.startswith(("/", "\\")) or norm.startswith("..") or "\\" in name or ":" in name:
                raise OutputInvalid(f"zip entry {name!r} has an unsafe path")
            if norm in names:
                raise OutputInvalid(f"zip entry {name!r} appears twice")
            names.add(norm)
            if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise OutputInvalid(f"zip entry {name!r} is compressed suspiciously well (a bomb?)")
            try:
                body = archive.read(info)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise OutputInvalid(f"zip entry {name!r} does not extract: {exc}") from None
            lower = name.lower()
            if lower.endswith(".png"):
                report = validate_png(body)
                sizes.add((report["width"], report["height"]))
                pngs += 1
            elif lower.endswith(".json"):
                try:
                    json.loads(body)
                except ValueError as exc:
                    raise OutputInvalid(f"zip entry {name!r} is not valid JSON: {exc}") from None
            else:
                raise OutputInvalid(f"zip entry {name!r} is neither a PNG nor JSON")
    if pngs < min_pngs:
        raise OutputInvalid(f"zip holds {pngs} PNG(s), expected at least {min_pngs}")
    return {"entries": len(names), "pngs": pngs, "bytes": declared, "frame_sizes": sorted(sizes)}
