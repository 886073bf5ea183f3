"""Seamless tiles: how far a picture's opposite edges are from meeting without a seam."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.formats.png import MAX_PNG_PIXELS, validate_png


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
