"""GIF pictures and animations."""

from __future__ import annotations

from typing import Any

from limbs.formats.animation import decode_animation
from limbs.formats.base import Format, OutputInvalid, signature
from limbs.formats.pictures import picture_confidence


def validate_gif(data: bytes, *, min_frames: int | None = None) -> dict[str, Any]:
    """Decode every frame of a GIF; report size, frame count, durations (ms) and loop count."""
    if not data.startswith((b"GIF87a", b"GIF89a")):
        raise OutputInvalid("not a GIF (bad signature)")
    return decode_animation(data, "GIF", min_frames)


def _validate(data: bytes) -> dict[str, Any]:
    return validate_gif(data)


FORMAT = Format(
    id="gif",
    name="GIF picture",
    mimes=("image/gif",),
    kind="image",
    suffixes=(".gif",),
    validate=_validate,
    preview="image",
    confidence=picture_confidence,
    sniff=signature(b"GIF87a", b"GIF89a"),
)
