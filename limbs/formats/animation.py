"""Shared decoding of animated pictures (GIF, WebP): every frame, bounded."""

from __future__ import annotations

import io
import math
import warnings
from typing import Any

import numpy as np
from PIL import Image, ImageSequence

from limbs.formats.base import OutputInvalid
from limbs.formats.png import MAX_PNG_PIXELS

MAX_FRAMES = 1000
# Decoded pixels summed over every frame of one animation.
MAX_ANIMATION_PIXELS = 256 * 1024 * 1024


def decode_animation(data: bytes, kind: str, min_frames: int | None) -> dict[str, Any]:
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
