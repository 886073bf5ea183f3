"""Sprite-sheet atlases (TexturePacker JSON "hash" format): every frame lies inside the sheet."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from limbs.formats import OutputInvalid
from limbs.formats.png import validate_png


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
