"""PNG pictures: a full decode, size and transparency checks."""

from __future__ import annotations

import io
import warnings
from typing import Any

from PIL import Image

from limbs.formats.base import Format, OutputInvalid, signature
from limbs.formats.pictures import picture_confidence

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_PIXELS = 64 * 1024 * 1024


def validate_png(
    data: bytes, *, width: int | None = None, height: int | None = None, require_alpha: bool = False
) -> dict[str, Any]:
    """Decode a PNG fully; check its size and (optionally) that it carries transparency."""
    if not data.startswith(PNG_SIGNATURE):
        raise OutputInvalid("not a PNG (bad signature)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.format != "PNG":
                    raise OutputInvalid(f"not a PNG (decoded as {im.format})")
                if im.width * im.height > MAX_PNG_PIXELS:
                    raise OutputInvalid(f"PNG too large ({im.width}x{im.height})")
                im.verify()  # CRCs and chunk structure
            with Image.open(io.BytesIO(data)) as im:
                im.load()  # the pixel data really decodes
                mode = im.mode
                size = im.size
                has_alpha = mode in ("RGBA", "LA", "RGBa", "La", "PA") or (
                    mode == "P" and "transparency" in im.info
                )
                has_alpha = has_alpha or (mode in ("RGB", "L") and "transparency" in im.info)
    except OutputInvalid:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt data
        raise OutputInvalid(f"PNG does not decode: {exc}") from exc
    if width is not None and size[0] != width:
        raise OutputInvalid(f"PNG is {size[0]} wide, expected {width}")
    if height is not None and size[1] != height:
        raise OutputInvalid(f"PNG is {size[1]} high, expected {height}")
    if require_alpha and not has_alpha:
        raise OutputInvalid(f"PNG has no alpha channel (mode {mode})")
    return {"width": size[0], "height": size[1], "mode": mode, "has_alpha": has_alpha}


def _validate(data: bytes) -> dict[str, Any]:
    return validate_png(data)


FORMAT = Format(
    id="png",
    name="PNG picture",
    mimes=("image/png",),
    kind="image",
    suffixes=(".png",),
    validate=_validate,
    preview="image",
    confidence=picture_confidence,
    sniff=signature(PNG_SIGNATURE),
)
