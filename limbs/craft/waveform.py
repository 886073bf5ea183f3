"""A sound's waveform as a PNG: used by the audio limb's analysis and the workspace's previews."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

F64 = npt.NDArray[np.float64]


def waveform_png(mono: F64, width: int, label: str) -> bytes:
    """Min/max envelope per pixel column (cyan), RMS inside it (pale), clipped columns red."""
    height = max(120, min(400, width // 4))
    mid = (height - 1) / 2.0
    edges = np.linspace(0, len(mono), width + 1).astype(np.int64)
    starts = np.minimum(edges[:-1], len(mono) - 1)
    lo = np.minimum.reduceat(mono, starts)
    hi = np.maximum.reduceat(mono, starts)
    sq = np.add.reduceat(mono * mono, starts) / np.maximum(np.diff(edges), 1)
    rms = np.sqrt(sq)
    rows = np.arange(height)[:, None]
    top, bottom = mid - hi * mid, mid - lo * mid
    wave_mask = (rows >= np.floor(top)) & (rows <= np.ceil(bottom))
    rms_mask = (rows >= mid - rms * mid) & (rows <= mid + rms * mid)
    img = np.empty((height, width, 3), dtype=np.uint8)
    img[:] = (22, 24, 38)
    for level in (0.5, -0.5):
        img[round(mid - level * mid)] = (44, 48, 70)
    img[round(mid)] = (70, 76, 104)
    img[wave_mask] = (64, 196, 214)
    img[rms_mask & wave_mask] = (170, 238, 246)
    clipped = (np.maximum(np.abs(lo), np.abs(hi)) >= 0.999)[None, :] & wave_mask
    img[clipped] = (236, 72, 72)
    picture = Image.fromarray(img)
    draw = ImageDraw.Draw(picture)
    draw.text((6, 4), label, fill=(210, 214, 230))
    buf = io.BytesIO()
    picture.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()
