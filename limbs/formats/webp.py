"""WebP pictures and animations."""

from __future__ import annotations

from typing import Any

from limbs.formats.animation import decode_animation
from limbs.formats.base import Format, OutputInvalid
from limbs.formats.pictures import picture_confidence


def validate_webp(data: bytes, *, min_frames: int | None = None) -> dict[str, Any]:
    """Decode every frame of a (possibly animated) WebP; same report as ``validate_gif``."""
    if len(data) < 16 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise OutputInvalid("not a WebP (bad RIFF header)")
    return decode_animation(data, "WEBP", min_frames)


def _validate(data: bytes) -> dict[str, Any]:
    return validate_webp(data)


def _sniff(data: bytes) -> bool:
    return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP"


FORMAT = Format(
    id="webp",
    name="WebP picture",
    mimes=("image/webp",),
    kind="image",
    suffixes=(".webp",),
    validate=_validate,
    preview="image",
    confidence=picture_confidence,
    sniff=_sniff,
)
