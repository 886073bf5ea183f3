"""JPEG pictures: a full decode with Pillow, bounded in pixels."""

from __future__ import annotations

import io
import warnings
from typing import Any

from PIL import Image

from limbs.formats.base import Format, OutputInvalid, signature
from limbs.formats.pictures import picture_confidence
from limbs.formats.png import MAX_PNG_PIXELS


def validate_jpeg(data: bytes) -> dict[str, Any]:
    if not data.startswith(b"\xff\xd8\xff"):
        raise OutputInvalid("not a JPEG (bad signature)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                # Cameras write several pictures as one JPEG (MPO); its first is a plain JPEG.
                if im.format not in ("JPEG", "MPO"):
                    raise OutputInvalid(f"not a JPEG (decoded as {im.format})")
                if im.width * im.height > MAX_PNG_PIXELS:
                    raise OutputInvalid(f"JPEG too large ({im.width}x{im.height})")
                im.load()
                return {"width": im.width, "height": im.height, "mode": im.mode}
    except OutputInvalid:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt data
        raise OutputInvalid(f"JPEG does not decode: {exc}") from exc


FORMAT = Format(
    id="jpeg",
    name="JPEG picture",
    mimes=("image/jpeg", "image/jpg", "image/pjpeg"),
    kind="image",
    suffixes=(".jpg", ".jpeg"),
    validate=validate_jpeg,
    preview="image",
    confidence=picture_confidence,
    sniff=signature(b"\xff\xd8\xff"),
)
